#include "core/quantity.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

#include "core/error.h"

namespace keelson::core {
namespace {

// 128-bit arithmetic keeps every intermediate of a parse exact (GCC and Clang extension).
__extension__ using U128 = unsigned __int128;

constexpr std::string_view kExpected =
    "expected a number with an optional suffix (n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an "
    "exponent like e3)";

// Fraction digits kept exactly when a binary suffix multiplies a fraction; the rest only
// matter as "nonzero or not". 64 >= 60 (Ei) makes the rounded-up result exact (see ceilFraction).
constexpr std::size_t kFractionDigits = 64;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  if (text.size() <= kMaxShown) return fmt::format("\"{}\"", text);
  return fmt::format("\"{}...\" ({} bytes)", text.substr(0, kMaxShown), text.size());
}

[[noreturn]] void fail(std::string_view text, std::string_view what) {
  throw Error(ErrorCode::kBadInput, fmt::format("quantity {}: {}", quoted(text), what));
}

[[noreturn]] void failRange(std::string_view text) {
  fail(text, "out of range: at most ±9223372036854775.807 units (int64 milli-units)");
}

struct Suffix {
  int base10 = 0;  // power of ten
  int base2 = 0;   // power of two
  Quantity::Format format = Quantity::Format::kDecimalSI;
};

// suffixHandler.interpret: the SI tables first, then e/E followed by a signed int32 exponent.
bool interpretSuffix(std::string_view s, Suffix& out) {
  using F = Quantity::Format;
  static constexpr std::array<std::pair<std::string_view, int>, 10> kDecimal{{{"n", -9},
                                                                              {"u", -6},
                                                                              {"m", -3},
                                                                              {"", 0},
                                                                              {"k", 3},
                                                                              {"M", 6},
                                                                              {"G", 9},
                                                                              {"T", 12},
                                                                              {"P", 15},
                                                                              {"E", 18}}};
  static constexpr std::array<std::pair<std::string_view, int>, 6> kBinary{
      {{"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}}};
  for (const auto& [name, exp] : kDecimal) {
    if (s == name) {
      out = {exp, 0, F::kDecimalSI};
      return true;
    }
  }
  for (const auto& [name, exp] : kBinary) {
    if (s == name) {
      out = {0, exp, F::kBinarySI};
      return true;
    }
  }
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) return false;
  // strconv.ParseInt(s[1:], 10, 64), then the int32 bound Kubernetes applies.
  std::string_view digits = s.substr(1);
  bool negative = false;
  if (digits[0] == '+' || digits[0] == '-') {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return false;
  int64_t exp = 0;
  for (char c : digits) {
    if (!isDigit(c)) return false;
    exp = exp * 10 + (c - '0');
    if (exp > std::numeric_limits<int32_t>::max()) return false;
  }
  out = {static_cast<int>(negative ? -exp : exp), 0, F::kDecimalExponent};
  return true;
}

// ceil(f * 2^shift) for the fraction f = 0.<digits>, where `sticky` says nonzero digits were
// dropped after `digits`. With at least `shift` digits kept the dropped tail can never reach the
// next integer (the distance from f' * 2^shift to it is a multiple of 2^shift / 10^kept), so a
// nonzero tail only means "not an integer".
uint64_t ceilFraction(std::array<uint8_t, kFractionDigits>& digits, std::size_t count, bool sticky,
                      int shift) {
  uint64_t integer = 0;
  for (int i = 0; i < shift; ++i) {
    unsigned carry = 0;
    for (std::size_t j = count; j-- > 0;) {
      const unsigned d = digits[j] * 2U + carry;
      digits[j] = static_cast<uint8_t>(d % 10);
      carry = d / 10;
    }
    integer = integer * 2 + carry;
  }
  bool remainder = sticky;
  for (std::size_t j = 0; j < count && !remainder; ++j) remainder = digits[j] != 0;
  return integer + (remainder ? 1 : 0);
}

// |value| in milli-units, rounded up, for value = 0.<digits> * 10^exp10 * 2^exp2 written as the
// significant digits (no leading or trailing zeros) and the power of ten of the last one.
U128 exactMilli(std::string_view text, std::string_view digits, int64_t exp10, int exp2) {
  const auto n = static_cast<int64_t>(digits.size());
  // digits * 10^exp10 >= 10^(n-1+exp10): from 10^19 on it is beyond INT64_MAX milli-units.
  if (n - 1 + exp10 >= 19) failRange(text);
  const U128 kLimit = static_cast<U128>(Quantity::kMaxMilli);
  auto check = [&](U128 v) {
    if (v > kLimit) failRange(text);
    return v;
  };
  if (exp10 >= 0) {
    U128 v = 0;
    for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');  // < 10^19
    for (int64_t i = 0; i < exp10; ++i) v *= 10;                        // still < 10^19
    return check(v << exp2);                                            // < 10^19 * 2^60
  }
  // A fraction: the integer part times 2^exp2, plus the fraction times 2^exp2 rounded up.
  const int64_t k = -exp10;  // digits after the decimal point
  U128 integer = 0;
  const int64_t int_digits = n > k ? n - k : 0;  // <= 19 by the range check above
  for (int64_t i = 0; i < int_digits; ++i) {
    integer = integer * 10 + static_cast<unsigned>(digits[static_cast<std::size_t>(i)] - '0');
  }
  std::array<uint8_t, kFractionDigits> frac{};
  bool sticky = false;
  // Fraction position j (0-based after the point) is digit (n - k + j) of `digits`, or a zero.
  for (int64_t i = int_digits; i < n; ++i) {
    const int64_t j = i - (n - k);
    const auto d = static_cast<uint8_t>(digits[static_cast<std::size_t>(i)] - '0');
    if (j < static_cast<int64_t>(kFractionDigits)) {
      frac[static_cast<std::size_t>(j)] = d;
    } else if (d != 0) {
      sticky = true;
    }
  }
  const auto kept = static_cast<std::size_t>(std::min<int64_t>(k, kFractionDigits));
  return check((integer << exp2) + ceilFraction(frac, kept, sticky, exp2));
}

constexpr std::array<std::string_view, 7> kBinarySuffixes{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

std::string_view decimalSuffix(int exp) {
  switch (exp) {
    case -3:
      return "m";
    case 0:
      return "";
    case 3:
      return "k";
    case 6:
      return "M";
    case 9:
      return "G";
    case 12:
      return "T";
    case 15:
      return "P";
    case 18:
      return "E";
    default:
      return "";  // unreachable for int64 milli-units: -3 <= exp <= 15
  }
}

}  // namespace

Quantity Quantity::parse(std::string_view text) {
  if (text.empty()) fail(text, kExpected);
  // parseQuantityString: [sign] digits [. digits] then the suffix scanned as
  // [eEinumkKMGTP]* [+-]? [0-9]* up to the end.
  std::size_t pos = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    ++pos;
  }
  const std::size_t int_begin = pos;
  while (pos < text.size() && isDigit(text[pos])) ++pos;
  const std::string_view int_part = text.substr(int_begin, pos - int_begin);
  std::string_view frac_part;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t frac_begin = ++pos;
    while (pos < text.size() && isDigit(text[pos])) ++pos;
    frac_part = text.substr(frac_begin, pos - frac_begin);
  }
  const std::size_t suffix_begin = pos;
  while (pos < text.size() &&
         std::string_view("eEinumkKMGTP").find(text[pos]) != std::string_view::npos) {
    ++pos;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  while (pos < text.size() && isDigit(text[pos])) ++pos;
  if (pos != text.size()) fail(text, kExpected);

  Suffix suffix;
  if (!interpretSuffix(text.substr(suffix_begin), suffix)) fail(text, kExpected);

  // The significant digits of int_part.frac_part and the power of ten (in milli-units) of the
  // last one.
  std::string digits;
  digits.reserve(int_part.size() + frac_part.size());
  digits.append(int_part).append(frac_part);
  int64_t exp10 = int64_t{suffix.base10} + 3 - static_cast<int64_t>(frac_part.size());
  const std::size_t first = digits.find_first_not_of('0');
  Quantity q;
  q.format_ = suffix.format;
  if (first == std::string::npos) return q;  // zero keeps its suffix's format ("0Ki")
  const std::size_t last = digits.find_last_not_of('0');
  exp10 += static_cast<int64_t>(digits.size() - 1 - last);
  const std::string_view significant = std::string_view(digits).substr(first, last - first + 1);

  const U128 magnitude = exactMilli(text, significant, exp10, suffix.base2);
  q.milli_ = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  // A binary quantity below one unit is treated as decimal, as Kubernetes does.
  if (q.format_ == Format::kBinarySI && magnitude < 1000) q.format_ = Format::kDecimalSI;
  return q;
}

Quantity Quantity::fromValue(int64_t value, Format format) {
  constexpr int64_t kMaxValue = kMaxMilli / 1000;
  if (value > kMaxValue || value < -kMaxValue) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("quantity value {} out of range (at most ±{})", value, kMaxValue));
  }
  return fromMilli(value * 1000, format);
}

int64_t Quantity::value() const noexcept {
  const int64_t whole = milli_ / 1000;
  if (milli_ % 1000 == 0) return whole;
  return milli_ > 0 ? whole + 1 : whole - 1;
}

std::string Quantity::format() const {
  if (milli_ == 0) return "0";
  if (format_ == Format::kBinarySI && (milli_ <= -1024000 || milli_ >= 1024000) &&
      milli_ % 1000 == 0) {
    int64_t v = milli_ / 1000;
    std::size_t exp = 0;
    while (exp + 1 < kBinarySuffixes.size() && v % 1024 == 0) {
      v /= 1024;
      ++exp;
    }
    return fmt::format("{}{}", v, kBinarySuffixes[exp]);
  }
  // Decimal (also binary below 1Ki or with a fraction): strip powers of ten, then step the
  // exponent down to a multiple of three. |mantissa| only grows back to at most |milli_|.
  int64_t mantissa = milli_;
  int exp = -3;
  while (mantissa % 10 == 0) {
    mantissa /= 10;
    ++exp;
  }
  switch ((exp + 3) % 3) {
    case 1:
      mantissa *= 10;
      exp -= 1;
      break;
    case 2:
      mantissa *= 100;
      exp -= 2;
      break;
    default:
      break;
  }
  if (format_ == Format::kDecimalExponent) {
    return exp == 0 ? fmt::format("{}", mantissa) : fmt::format("{}e{}", mantissa, exp);
  }
  return fmt::format("{}{}", mantissa, decimalSuffix(exp));
}

Quantity Quantity::operator-() const noexcept { return fromMilli(-milli_, format_); }

Quantity& Quantity::operator+=(const Quantity& other) {
  int64_t sum = 0;
  if (__builtin_add_overflow(milli_, other.milli_, &sum) || sum < -kMaxMilli) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("quantity {} + {} is out of range", format(), other.format()));
  }
  if (milli_ == 0) format_ = other.format_;
  milli_ = sum;
  return *this;
}

Quantity& Quantity::operator-=(const Quantity& other) {
  int64_t difference = 0;
  if (__builtin_sub_overflow(milli_, other.milli_, &difference) || difference < -kMaxMilli) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("quantity {} - {} is out of range", format(), other.format()));
  }
  if (milli_ == 0) format_ = other.format_;
  milli_ = difference;
  return *this;
}

std::string formatBytes(int64_t bytes) {
  static constexpr std::array<std::string_view, 7> kUnits{"B",   "KiB", "MiB", "GiB",
                                                          "TiB", "PiB", "EiB"};
  // Formatting is the one place a float is fine: one decimal of a binary unit.
  const double magnitude = std::fabs(static_cast<double>(bytes));
  std::size_t unit = 0;
  double scaled = magnitude;
  while (unit + 1 < kUnits.size() && scaled >= 1024.0) {
    scaled /= 1024.0;
    ++unit;
  }
  const char* sign = bytes < 0 ? "-" : "";
  if (unit == 0) return fmt::format("{}{} B", sign, static_cast<uint64_t>(magnitude));
  double tenths = std::round(scaled * 10.0);
  if (tenths >= 10240.0 && unit + 1 < kUnits.size()) {  // 1023.96 KiB rounds to 1 MiB
    tenths = 10.0;
    ++unit;
  }
  const auto whole = static_cast<uint64_t>(tenths) / 10;
  const auto decimal = static_cast<uint64_t>(tenths) % 10;
  if (decimal == 0) return fmt::format("{}{} {}", sign, whole, kUnits[unit]);
  return fmt::format("{}{}.{} {}", sign, whole, decimal, kUnits[unit]);
}

std::string formatMillicores(int64_t millicores) {
  return Quantity::fromMilli(millicores, Quantity::Format::kDecimalSI).format();
}

}  // namespace keelson::core
