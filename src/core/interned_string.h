#pragma once

// An immutable, interned, reference-counted string in 8 bytes, for the string fields of cached
// Kubernetes objects (kube/objects.h, kube/pod.h). Ten thousand pods repeat the same images,
// label keys and values, node names, owner names and condition types; each distinct text is
// kept once, in a process-wide pool, and a field holds a pointer to it.

#include <fmt/core.h>

#include <compare>
#include <concepts>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

namespace keelson::core {

/// A text no caller can change, stored once per process however many InternedStrings hold it.
///
/// Shape: one pointer (8 bytes; a std::string is 32) to a pool entry: one allocation of a 16-byte
/// header (the pool's hash-chain link, a reference count, the size) and the characters
/// (NUL-terminated); the pool adds 4 to 8 bytes of hash bucket per distinct text. The empty
/// string holds no entry and never allocates. Constructing from text looks the text up in the pool
/// (a hash and a lock on one of its shards) and adds an entry when it is new; copying increments
/// the entry's count; the last holder to let go removes the entry. Two InternedStrings are equal
/// exactly when they point to the same entry, so equality is a pointer comparison.
///
/// It reads like a `const std::string`: it converts implicitly to std::string_view (no copy) and
/// to std::string (a copy, for APIs that take one), compares with every string type, and
/// formats with fmt. It has no iterators (nlohmann::json would take it for an array); use view().
///
/// Thread-safety: a value type whose instances may be copied, compared and destroyed from any
/// thread concurrently (the pool is locked per shard, counts are atomic); one instance is
/// thread-compatible like any value. Errors: std::bad_alloc, and std::length_error for a text of
/// 4 GiB or more.
class InternedString {
 public:
  /// The empty string.
  constexpr InternedString() noexcept = default;
  /// Interns `text` (implicit, so that fields assign from any string).
  InternedString(std::string_view text);  // NOLINT(google-explicit-constructor)
  InternedString(const char* text) : InternedString(std::string_view(text)) {}  // NOLINT
  InternedString(const std::string& text)  // NOLINT(google-explicit-constructor)
      : InternedString(std::string_view(text)) {}
  InternedString(const InternedString& other) noexcept;
  InternedString(InternedString&& other) noexcept : entry_(other.entry_) { other.entry_ = nullptr; }
  InternedString& operator=(const InternedString& other) noexcept;
  InternedString& operator=(InternedString&& other) noexcept;
  ~InternedString();

  /// The text; valid while this InternedString (or any copy) lives.
  std::string_view view() const noexcept;
  /// A NUL-terminated pointer to the text ("" when empty). std::string's names, so that callers
  /// written for a std::string field keep working.
  const char* c_str() const noexcept;  // NOLINT(readability-identifier-naming)
  const char* data() const noexcept { return c_str(); }
  std::size_t size() const noexcept { return view().size(); }
  bool empty() const noexcept { return entry_ == nullptr; }
  /// A std::string copy of the text.
  std::string str() const { return std::string(view()); }

  operator std::string_view() const noexcept { return view(); }  // NOLINT
  operator std::string() const { return str(); }                 // NOLINT

  // NOLINTNEXTLINE(readability-identifier-naming): std::string's name
  bool starts_with(std::string_view prefix) const noexcept { return view().starts_with(prefix); }
  // NOLINTNEXTLINE(readability-identifier-naming): std::string's name
  bool ends_with(std::string_view suffix) const noexcept { return view().ends_with(suffix); }

  friend bool operator==(const InternedString& a, const InternedString& b) noexcept {
    return a.entry_ == b.entry_;
  }
  friend std::strong_ordering operator<=>(const InternedString& a,
                                          const InternedString& b) noexcept {
    if (a.entry_ == b.entry_) return std::strong_ordering::equal;
    return a.view() <=> b.view();
  }
  /// Comparisons with std::string, std::string_view and string literals (exact matches, so that
  /// no comparison is ambiguous between the two implicit conversions).
  template <class T>
  requires(!std::same_as<T, InternedString> &&
           std::convertible_to<const T&, std::string_view>) friend bool
  operator==(const InternedString& a, const T& b) noexcept {
    return a.view() == std::string_view(b);
  }
  template <class T>
  requires(!std::same_as<T, InternedString> &&
           std::convertible_to<const T&, std::string_view>) friend std::strong_ordering
  operator<=>(const InternedString& a, const T& b) noexcept {
    return a.view() <=> std::string_view(b);
  }

  /// How many distinct non-empty texts the pool holds now (for tests and memory accounting).
  static std::size_t poolSize();

  /// The pool's record of one text (defined in interned_string.cpp).
  struct Entry;

 private:
  Entry* entry_ = nullptr;
};

/// Writes the text (for stream output and GoogleTest's failure messages).
std::ostream& operator<<(std::ostream& out, const InternedString& text);

/// The text followed by `suffix`, and `prefix` followed by the text: the std::string
/// concatenations callers wrote before the fields were interned.
inline std::string operator+(const InternedString& text, std::string_view suffix) {
  std::string out(text.view());
  out += suffix;
  return out;
}
inline std::string operator+(std::string_view prefix, const InternedString& text) {
  std::string out(prefix);
  out += text.view();
  return out;
}

}  // namespace keelson::core

/// Formats as its text, with std::string_view's format specification.
template <>
struct fmt::formatter<keelson::core::InternedString> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const keelson::core::InternedString& text, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(text.view(), ctx);
  }
};

/// Hashes as its text, so that hash containers keyed by std::string find it.
template <>
struct std::hash<keelson::core::InternedString> {
  std::size_t operator()(const keelson::core::InternedString& text) const noexcept {
    return std::hash<std::string_view>()(text.view());
  }
};
