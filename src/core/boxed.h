#pragma once

// An optional value kept on the heap, for members that are large and usually absent.

#include <memory>
#include <optional>
#include <utility>

namespace keelson::core {

/// Like std::optional<T>, but the value lives in its own heap allocation, so an absent value
/// costs one pointer (8 bytes) instead of sizeof(T). Cached pods hold spec.affinity and their
/// containers' probes this way: most pods have no affinity, and an inline std::optional<Affinity>
/// took 184 bytes of every pod.
///
/// A value type: copying copies the T (a deep copy), moving moves the pointer. The interface is
/// std::optional's subset that keelson uses: has_value / operator bool, *, ->, emplace, reset,
/// and assignment from a T or std::nullopt. Dereferencing an empty Boxed is undefined, as with
/// std::optional. Thread-compatible; throws only what T's copy and std::bad_alloc throw.
template <class T>
class Boxed {
 public:
  Boxed() noexcept = default;
  Boxed(std::nullopt_t) noexcept {}                                  // NOLINT
  Boxed(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT
  Boxed(const Boxed& other) : value_(other ? std::make_unique<T>(*other) : nullptr) {}
  Boxed(Boxed&& other) noexcept = default;
  Boxed& operator=(const Boxed& other) {
    if (this != &other) value_ = other ? std::make_unique<T>(*other) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&& other) noexcept = default;
  ~Boxed() = default;

  // NOLINTNEXTLINE(readability-identifier-naming): std::optional's name
  bool has_value() const noexcept { return value_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  T& operator*() noexcept { return *value_; }
  const T& operator*() const noexcept { return *value_; }
  T* operator->() noexcept { return value_.get(); }
  const T* operator->() const noexcept { return value_.get(); }

  /// Replaces the value with T(args...) and returns it.
  template <class... Args>
  T& emplace(Args&&... args) {
    value_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *value_;
  }
  void reset() noexcept { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace keelson::core
