#pragma once

// A container value that equal copies share: the lists and maps of cached Kubernetes objects
// that most pods of a workload repeat (labels, annotations, tolerations, container ports, env,
// resource requests and limits), stored once however many objects hold them.

#include <atomic>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

#include "core/intern_pool.h"
#include "core/interned_string.h"
#include "core/quantity.h"

namespace keelson::core {

// Identity: two values are identical when they are written the same way (so that either can
// stand for the other anywhere, including when printed), which is stricter than operator== for
// some types: Quantity's "1Gi" == "1073741824". Shared<C> pools values by identityHash and
// identical. A type used in a Shared container provides both, found by argument-dependent
// lookup; a struct usually writes them with hashFields and its defaulted operator==.

template <class T>
requires std::is_arithmetic_v<T> || std::is_enum_v<T>
constexpr bool identical(T a, T b) noexcept { return a == b; }
template <class T>
requires std::is_arithmetic_v<T> || std::is_enum_v<T> std::size_t identityHash(T value)
noexcept { return std::hash<T>()(value); }

inline bool identical(const InternedString& a, const InternedString& b) noexcept {
  return a == b;  // one pool entry per text: a pointer comparison
}
inline std::size_t identityHash(const InternedString& text) noexcept {
  return std::hash<const void*>()(text.c_str());  // the entry's address identifies the text
}

inline bool identical(const Quantity& a, const Quantity& b) noexcept {
  return a.milliValue() == b.milliValue() && a.suffixFormat() == b.suffixFormat();
}

template <class T>
bool identical(const std::optional<T>& a, const std::optional<T>& b) noexcept {
  return a.has_value() == b.has_value() && (!a || identical(*a, *b));
}
template <class T>
std::size_t identityHash(const std::optional<T>& value) noexcept {
  return value ? identityHash(*value) + 1 : 0;
}

template <class A, class B>
bool identical(const std::pair<A, B>& a, const std::pair<A, B>& b) noexcept {
  return identical(a.first, b.first) && identical(a.second, b.second);
}

/// One hash of several fields' identityHash (order matters), mixed so that the top and low bits
/// both vary (the pool picks a shard by the top bits, a bucket by the low ones).
template <class... Fields>
std::size_t hashFields(const Fields&... fields) noexcept {
  std::size_t seed = sizeof...(Fields);
  ((seed = (std::rotl(seed, 21) ^ identityHash(fields)) * 0x9e3779b97f4a7c15ULL), ...);
  return seed ^ (seed >> 29U);
}

inline std::size_t identityHash(const Quantity& quantity) noexcept {
  return hashFields(quantity.milliValue(), quantity.suffixFormat());
}

template <class A, class B>
std::size_t identityHash(const std::pair<A, B>& pair) noexcept {
  return hashFields(pair.first, pair.second);
}

/// Containers (a List, a flat map): the same elements, identical, in the same order.
template <std::ranges::sized_range R>
requires(!std::convertible_to<const R&, std::string_view>) bool identical(const R& a,
                                                                          const R& b) noexcept {
  if (std::ranges::size(a) != std::ranges::size(b)) return false;
  auto other = std::ranges::begin(b);
  for (const auto& element : a) {
    if (!identical(element, *other)) return false;
    ++other;
  }
  return true;
}
template <std::ranges::sized_range R>
requires(!std::convertible_to<const R&, std::string_view>) std::size_t identityHash(const R& range)
noexcept {
  std::size_t seed = std::ranges::size(range);
  for (const auto& element : range) seed = hashFields(seed, element);
  return seed;
}

/// A container value (`C`: a kube::List or a flat map over one) that copies share, and that
/// equal values decoded from the API share: the 8-byte field holds a pointer to a block with the
/// count of its holders and the container.
///
/// Two kinds of block: a pooled one, made by intern(), which the process-wide pool keeps once
/// per distinct value (identical(), above) and which never changes; and a private one, made by
/// constructing or assigning from a C, which nothing else finds. Copying shares the block (an
/// atomic increment); the last holder frees it. Reading goes through the const container
/// (`get()`, `*`, `->`, an implicit conversion to `const C&`, and the container's const members
/// forwarded: begin/end, size, empty, find, at, ...). Writing goes through edit(), or the
/// container's modifiers forwarded to it (push_back, emplace_back, a map's operator[], ...),
/// which copy the container into a private block first unless this holder is its only one
/// (copy-on-write); references from edit() are valid until the next copy or assignment of this
/// Shared. The empty value holds no block and never allocates.
///
/// Thread-safety: like a value type: distinct Shareds (even copies of one another) may be used
/// from any thread concurrently; one Shared is thread-compatible. Errors: std::bad_alloc, and
/// what C's copy throws.
template <class C>
class Shared {
 public:
  using value_type = typename C::value_type;
  using size_type = typename C::size_type;
  using const_iterator = typename C::const_iterator;
  using iterator = const_iterator;  ///< Elements are changed through edit() only.

  /// The empty container.
  Shared() noexcept = default;
  /// A private copy of `value` (implicit, so that fields assign from a C).
  Shared(C value)  // NOLINT(google-explicit-constructor)
      : block_(value.empty() ? nullptr : new Block(std::move(value), 0, false)) {}
  Shared(std::initializer_list<value_type> items) : Shared(C(items)) {}
  Shared(const Shared& other) noexcept : block_(other.block_) {
    if (block_ != nullptr) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Shared(Shared&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  Shared& operator=(const Shared& other) noexcept {
    Shared copy(other);
    std::swap(block_, copy.block_);
    return *this;
  }
  Shared& operator=(Shared&& other) noexcept {
    Shared old(std::move(other));
    std::swap(block_, old.block_);
    return *this;
  }
  ~Shared() { release(); }

  /// The pool's block for a value identical to `value`, which is added when it is new: equal
  /// values decoded by any thread then share one container.
  static Shared intern(C value) {
    Shared out;
    if (value.empty()) return out;
    const std::size_t hash = identityHash(value);
    out.block_ = pool().acquire(
        value, hash, [](const C& key, const Block& block) { return identical(key, block.value); },
        [&value, hash] { return new Block(std::move(value), hash, true); });
    return out;
  }

  /// How many distinct values of this C the pool holds now (for tests and memory accounting).
  static std::size_t poolSize() { return pool().size(); }

  /// The container (an empty one when this holds none); valid while this Shared is unchanged.
  const C& get() const noexcept { return block_ != nullptr ? block_->value : emptyValue(); }
  operator const C&() const noexcept { return get(); }  // NOLINT(google-explicit-constructor)
  const C& operator*() const noexcept { return get(); }
  const C* operator->() const noexcept { return &get(); }

  /// The container to change in place, first copied into a private block unless this Shared is
  /// its only holder.
  C& edit() {
    if (block_ == nullptr) {
      block_ = new Block(C(), 0, false);
    } else if (block_->pooled || block_->refs.load(std::memory_order_acquire) != 1) {
      auto* copy = new Block(C(block_->value), 0, false);
      release();
      block_ = copy;
    }
    return block_->value;
  }

  // The container's const members.
  const_iterator begin() const noexcept { return get().begin(); }
  const_iterator end() const noexcept { return get().end(); }
  size_type size() const noexcept { return get().size(); }
  bool empty() const noexcept { return get().empty(); }
  const value_type& front() const { return get().front(); }
  const value_type& back() const { return get().back(); }
  const value_type& operator[](size_type index) const
      requires(!requires { typename C::key_type; }) {
    return get()[index];
  }
  template <class K>
  const_iterator find(const K& key) const {
    return get().find(key);
  }
  template <class K>
  bool contains(const K& key) const {
    return get().contains(key);
  }
  template <class K>
  size_type count(const K& key) const {
    return get().count(key);
  }
  template <class K>
  const auto& at(const K& key) const {
    return get().at(key);
  }

  // The container's modifiers, through edit().
  template <class K>
  auto& operator[](K&& key) requires requires {
    typename C::key_type;
  }
  { return edit()[std::forward<K>(key)]; }
  void push_back(const value_type& value) { edit().push_back(value); }        // NOLINT(*-naming)
  void push_back(value_type&& value) { edit().push_back(std::move(value)); }  // NOLINT(*-naming)
  template <class... Args>
  decltype(auto) emplace_back(Args&&... args) {  // NOLINT(readability-identifier-naming)
    return edit().emplace_back(std::forward<Args>(args)...);
  }
  template <class... Args>
  decltype(auto) emplace(Args&&... args) {
    return edit().emplace(std::forward<Args>(args)...);
  }
  template <class... Args>
  decltype(auto) insert(Args&&... args) {
    return edit().insert(std::forward<Args>(args)...);
  }
  template <class K>
  size_type erase(const K& key) requires requires {
    typename C::key_type;
  }
  { return edit().erase(key); }
  void clear() noexcept { release(); }

  /// Equal containers (C's operator==; Quantity compares by value).
  friend bool operator==(const Shared& a, const Shared& b) {
    return a.block_ == b.block_ || a.get() == b.get();
  }
  friend bool operator==(const Shared& a, const C& b) { return a.get() == b; }

 private:
  struct Block : detail::InternHook {
    Block(C v, std::size_t h, bool p) : pooled(p), hash(h), value(std::move(v)) {}
    std::atomic<uint32_t> refs{1};
    bool pooled;       ///< In the pool (never changes) rather than private.
    std::size_t hash;  ///< identityHash(value), for pooled blocks.
    C value;
  };
  struct Traits {
    using Entry = Block;
    static std::size_t hash(const Block& block) noexcept { return block.hash; }
    static bool equal(const Block& a, const Block& b) noexcept {
      return identical(a.value, b.value);
    }
    static void destroy(Block* block) noexcept { delete block; }  // NOLINT(*-owning-memory)
  };
  using Pool = detail::InternPool<Traits>;

  // Never destroyed: Shareds in static objects may outlive any destruction order.
  static Pool& pool() {
    static Pool* const instance = new Pool();  // NOLINT(cppcoreguidelines-owning-memory)
    return *instance;
  }
  static const C& emptyValue() noexcept {
    static const C empty;
    return empty;
  }

  void release() noexcept {
    Block* block = std::exchange(block_, nullptr);
    if (block == nullptr) return;
    if (block->pooled) {
      pool().release(block);
    } else if (block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete block;  // NOLINT(cppcoreguidelines-owning-memory)
    }
  }

  Block* block_ = nullptr;
};

/// nlohmann::json would otherwise write a Shared as an array of its elements (a map's entries as
/// [key, value] pairs), since it has begin and end: converting one to JSON does not compile.
/// Write the container with the serializer that takes it (docs::stringMap, docs::quantities).
template <class BasicJson, class C>
void to_json(BasicJson& json, const Shared<C>& shared) = delete;

}  // namespace keelson::core
