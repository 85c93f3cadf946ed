#include "core/duration.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <utility>

#include "core/error.h"

namespace keelson::core {

std::chrono::nanoseconds parseDuration(std::string_view text) {
  // time.ParseDuration: [-+]?(<decimal><unit>)+ or "0"; units ns us µs μs ms s m h, plus d, w.
  auto bad = [&]() -> std::chrono::nanoseconds {
    throw Error(ErrorCode::kBadInput,
                fmt::format("duration \"{}\": expected a Go duration like 30s, 1m30.5s or 7d",
                            text.substr(0, 64)));
  };
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return std::chrono::nanoseconds{0};
  if (rest.empty()) return bad();
  long double total = 0;  // nanoseconds; a window is far below the 64-bit mantissa
  while (!rest.empty()) {
    std::size_t i = 0;
    long double number = 0;
    bool any = false;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      number = number * 10 + (rest[i++] - '0');
      any = true;
    }
    if (i < rest.size() && rest[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
        number += (rest[i++] - '0') * scale;
        scale /= 10;
        any = true;
      }
    }
    if (!any) return bad();
    rest.remove_prefix(i);
    static constexpr std::pair<std::string_view, long double> kUnits[] = {
        {"ns", 1.0L}, {"us", 1e3L}, {"\xC2\xB5s", 1e3L}, {"\xCE\xBCs", 1e3L}, {"ms", 1e6L},
        {"s", 1e9L},  {"m", 60e9L}, {"h", 3600e9L},      {"d", 86400e9L},     {"w", 604800e9L}};
    bool matched = false;
    for (const auto& [unit, factor] : kUnits) {
      // "ms" before "m" and "s": the table lists two-letter units first.
      if (rest.substr(0, unit.size()) == unit) {
        total += number * factor;
        rest.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched || total > 9.2e18L) return bad();
  }
  const auto nanos = static_cast<int64_t>(std::llround(total));
  return std::chrono::nanoseconds{negative ? -nanos : nanos};
}

namespace {

// ".5", ".25", "" : the `digits`-digit fraction `value` without trailing zeros.
std::string fraction(std::uint64_t value, int digits) {
  std::string text(static_cast<std::size_t>(digits) + 1, '0');
  text[0] = '.';
  for (std::size_t i = text.size() - 1; i >= 1; --i) {
    text[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  const auto last = text.find_last_not_of('0');  // 0 (the '.') when every digit is zero
  text.resize(last == 0 ? 0 : last + 1);
  return text;
}

}  // namespace

std::string formatDuration(std::chrono::nanoseconds duration) {
  const std::int64_t count = duration.count();
  if (count == 0) return "0s";
  // The magnitude as unsigned, so that the most negative value does not overflow.
  const std::uint64_t ns =
      count < 0 ? ~static_cast<std::uint64_t>(count) + 1 : static_cast<std::uint64_t>(count);
  std::string text;
  if (ns < 1'000) {
    text = std::to_string(ns) + "ns";
  } else if (ns < 1'000'000) {
    text = std::to_string(ns / 1'000) + fraction(ns % 1'000, 3) + "µs";
  } else if (ns < 1'000'000'000) {
    text = std::to_string(ns / 1'000'000) + fraction(ns % 1'000'000, 6) + "ms";
  } else {
    const std::uint64_t seconds = ns / 1'000'000'000;
    text = std::to_string(seconds % 60) + fraction(ns % 1'000'000'000, 9) + "s";
    if (const std::uint64_t minutes = seconds / 60; minutes > 0) {
      text = std::to_string(minutes % 60) + "m" + text;
      if (const std::uint64_t hours = minutes / 60; hours > 0) {
        text = std::to_string(hours) + "h" + text;
      }
    }
  }
  return count < 0 ? "-" + text : text;
}

}  // namespace keelson::core
