#pragma once

// Small, allocation-free helpers shared by the /proc parsers. Internal to keelson::host: the
// parsers' public headers do not expose them.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace keelson::host::detail {

/// True for the ASCII whitespace the kernel uses between fields (space, tab, CR, LF, VT, FF).
constexpr bool isSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// `text` without leading and trailing ASCII whitespace.
constexpr std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  return text;
}

/// Splits `text` into lines at '\n' (a final line without '\n' counts; no empty trailing line)
/// and calls `fn(std::string_view line)` for each.
template <typename Fn>
void forEachLine(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      fn(text);
      return;
    }
    fn(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
}

/// Reads whitespace-separated tokens from a line, one at a time, without allocating.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) noexcept : rest_(text) {}

  /// The next token, or nullopt at the end of the text.
  std::optional<std::string_view> next() noexcept {
    while (!rest_.empty() && isSpace(rest_.front())) rest_.remove_prefix(1);
    if (rest_.empty()) return std::nullopt;
    std::size_t n = 0;
    while (n < rest_.size() && !isSpace(rest_[n])) ++n;
    const auto token = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return token;
  }

  /// Whatever has not been consumed yet (leading whitespace included).
  std::string_view rest() const noexcept { return rest_; }

 private:
  std::string_view rest_;
};

/// Parses all of `text` as an unsigned decimal integer; nullopt if empty, not all digits, or
/// out of range.
inline std::optional<std::uint64_t> parseU64(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

/// Parses all of `text` as a signed decimal integer; nullopt as for parseU64.
inline std::optional<std::int64_t> parseI64(std::string_view text) noexcept {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

/// Parses all of `text` as a hexadecimal unsigned integer (no 0x prefix); nullopt as above.
inline std::optional<std::uint64_t> parseHex(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

/// Parses all of `text` as a finite decimal floating-point number ("0.44", "491.26").
inline std::optional<double> parseDouble(std::string_view text) noexcept {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  if (!(value == value) || value > 1e300 || value < -1e300) return std::nullopt;  // NaN, inf
  return value;
}

/// Parses `text` as a kernel "a:b" key-value line: the key before the first ':' and the value
/// after it, both trimmed. nullopt if there is no ':'.
struct KeyValue {
  std::string_view key;
  std::string_view value;
};
inline std::optional<KeyValue> splitKeyValue(std::string_view line) noexcept {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return KeyValue{trim(line.substr(0, colon)), trim(line.substr(colon + 1))};
}

}  // namespace keelson::host::detail
