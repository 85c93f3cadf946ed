#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace keelson::core {

/// An exact Kubernetes resource quantity (k8s.io/apimachinery/pkg/api/resource.Quantity):
/// "100m" CPU, "1.5Gi" memory, "12e6" bytes, "1" GPU.
///
/// Grammar (as ParseQuantity): `[+-]<digits>[.<digits>]<suffix>` where the suffix is a decimal
/// SI suffix (n u m "" k M G T P E), a binary SI suffix (Ki Mi Gi Ti Pi Ei) or a decimal
/// exponent (e<int> / E<int>, e.g. "1e3", "12E6", "1.3E+6"). Like Kubernetes, the value is never
/// a float: it is stored as an int64 count of milli-units, so the range is
/// ±9223372036854775.807 units (±9.2e15 cores, or 8 PiB of bytes); anything larger is rejected
/// with Error(kBadInput). Values finer than 1m are rounded up, away from zero, to the next
/// milli-unit, exactly as Kubernetes' MilliValue() does ("1n" → 1m, "-0.1m" → -1m), so
/// milliValue() always equals the apiserver's. The one visible difference from Kubernetes is
/// that a sub-milli quantity formats as its rounded milli value ("1n" → "1m", k8s keeps "1n").
///
/// The quantity remembers which suffix family it was written in and format() re-emits it in
/// Kubernetes' canonical form (String()/CanonicalizeBytes): "1.5Gi" → "1536Mi", "0.5" → "500m",
/// "1000m" → "1", "100M" → "100M", "1e3" → "1e3"; a binary quantity below 1Ki or with a
/// fractional part falls back to decimal ("0.5Ki" → "512", "1.5" BinarySI → "1500m").
///
/// Equality and ordering compare values only ("1Gi" == "1073741824"), like Quantity.Cmp.
/// A plain value type: thread-compatible, no allocation.
class Quantity {
 public:
  /// The suffix family a quantity was written in, which format() keeps (resource.Format).
  enum class Format {
    kDecimalSI,        ///< "12M", "500m": powers of 1000 (n u m "" k M G T P E).
    kBinarySI,         ///< "12Mi": powers of 1024 (Ki Mi Gi Ti Pi Ei).
    kDecimalExponent,  ///< "12e6": a power-of-ten exponent.
  };

  /// The largest magnitude, in milli-units, a Quantity holds (INT64_MAX milli = 9.2e15 units).
  static constexpr int64_t kMaxMilli = std::numeric_limits<int64_t>::max();

  /// Zero, formatted as "0" (DecimalSI).
  constexpr Quantity() noexcept = default;

  /// Parses a quantity string with Kubernetes' rules (see the class comment). Rounds sub-milli
  /// precision up (away from zero). Kubernetes quirks are kept for fidelity: a bare sign or
  /// suffix ("+", ".", "m", "Ki") is zero. Leading or trailing spaces are rejected.
  /// Throws Error(kBadInput) naming the input if it is malformed
  /// (`quantity "12x": expected a number with an optional suffix ...`) or out of range.
  static Quantity parse(std::string_view text);

  /// A quantity of `milli` thousandths of a unit that formats in `format` (NewMilliQuantity).
  /// INT64_MIN is clamped to -kMaxMilli so that the range stays symmetric.
  static constexpr Quantity fromMilli(int64_t milli, Format format = Format::kDecimalSI) noexcept {
    Quantity q;
    q.milli_ = milli < -kMaxMilli ? -kMaxMilli : milli;
    q.format_ = format;
    return q;
  }

  /// A quantity of `value` whole units (NewQuantity). Throws Error(kBadInput) if |value|
  /// exceeds kMaxMilli / 1000.
  static Quantity fromValue(int64_t value, Format format = Format::kDecimalSI);

  /// The value in milli-units (exact; MilliValue()). E.g. "1.5" → 1500, "1Ki" → 1024000.
  constexpr int64_t milliValue() const noexcept { return milli_; }

  /// The value in whole units rounded up away from zero, like Value(): "1500m" → 2,
  /// "-1500m" → -2, "1Gi" → 1073741824.
  int64_t value() const noexcept;

  /// The suffix family format() uses.
  constexpr Format suffixFormat() const noexcept { return format_; }

  /// Kubernetes' canonical string for this quantity in its suffix family (String()): the
  /// largest suffix or exponent that keeps the number an integer; "0" for zero.
  std::string format() const;

  /// True when the value is zero.
  constexpr bool isZero() const noexcept { return milli_ == 0; }

  /// -1, 0 or 1 by the sign of the value.
  constexpr int sign() const noexcept { return (milli_ > 0) - (milli_ < 0); }

  /// The negated quantity, same format. Never overflows (the range is symmetric).
  Quantity operator-() const noexcept;

  /// Adds `other`; a zero quantity takes `other`'s format (as Quantity.Add). Throws
  /// Error(kBadInput) if the sum leaves the range.
  Quantity& operator+=(const Quantity& other);

  /// Subtracts `other`; a zero quantity takes `other`'s format (as Quantity.Sub). Throws
  /// Error(kBadInput) if the difference leaves the range.
  Quantity& operator-=(const Quantity& other);

  /// The sum, in `a`'s format (or `b`'s if `a` is zero). Throws on overflow like +=.
  friend Quantity operator+(Quantity a, const Quantity& b) { return a += b; }

  /// The difference, in `a`'s format (or `b`'s if `a` is zero). Throws on overflow like -=.
  friend Quantity operator-(Quantity a, const Quantity& b) { return a -= b; }

  /// Value equality; the format is ignored ("1Gi" == "1024Mi" == "1073741824").
  friend constexpr bool operator==(const Quantity& a, const Quantity& b) noexcept {
    return a.milli_ == b.milli_;
  }

  /// Value ordering; the format is ignored.
  friend constexpr std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) noexcept {
    return a.milli_ <=> b.milli_;
  }

 private:
  int64_t milli_ = 0;
  Format format_ = Format::kDecimalSI;
};

/// Bytes for humans with binary units and at most one decimal: 512 → "512 B",
/// 1536 → "1.5 KiB", 1610612736 → "1.5 GiB", 2147483648 → "2 GiB". Negative values keep a "-".
std::string formatBytes(int64_t bytes);

/// Millicores as Kubernetes prints CPU (a DecimalSI quantity): 1500 → "1500m", 2000 → "2",
/// 250 → "250m", 0 → "0".
std::string formatMillicores(int64_t millicores);

}  // namespace keelson::core
