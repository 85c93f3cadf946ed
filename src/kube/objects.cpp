#include "kube/objects.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "core/error.h"

namespace keelson::kube {
namespace {

[[noreturn]] void badTime(std::string_view text) {
  throw Error(ErrorCode::kBadInput,
              fmt::format("timestamp \"{}\": expected RFC 3339 like 2024-01-15T10:30:00Z",
                          text.substr(0, 64)));
}

// Reads exactly `width` digits at `pos` into `out`.
bool digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

Time parseTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second)) {
    badTime(text);
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) badTime(text);
  // Time counts nanoseconds in 64 bits: 1678-2261 is what it can hold.
  if (year < 1678 || year > 2261) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("timestamp \"{}\": year out of range (1678-2261)", text.substr(0, 64)));
  }
  std::size_t pos = 19;
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t begin = pos;
    int64_t scale = 100'000'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      nanos += (text[pos] - '0') * scale;  // digits past nanoseconds are dropped
      scale /= 10;
      ++pos;
    }
    if (pos == begin) badTime(text);
  }
  std::chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offset_hours = 0;
    int offset_minutes = 0;
    if (!digits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      badTime(text);
    }
    offset = std::chrono::minutes{offset_hours * 60 + offset_minutes};
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    badTime(text);
  }
  if (pos != text.size()) badTime(text);
  const auto local = std::chrono::sys_days{date} + std::chrono::hours{hour} +
                     std::chrono::minutes{minute} + std::chrono::seconds{second} +
                     std::chrono::nanoseconds{nanos};
  return std::chrono::time_point_cast<Time::duration>(local - offset);
}

std::string formatTime(Time time) {
  if (!isSet(time)) return "";
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{seconds - days};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

std::string formatTimeMillis(Time time) {
  if (!isSet(time)) return "";
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(millis);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{millis - days};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

std::string formatMicroTime(Time time) {
  const auto micros = std::chrono::floor<std::chrono::microseconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(micros);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{micros - days};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

const OwnerReference* controllerOf(const ObjectMeta& meta) noexcept {
  for (const auto& owner : meta.owner_references) {
    if (owner.controller) return &owner;
  }
  return nullptr;
}

const Condition* findCondition(const List<Condition>& conditions, std::string_view type) noexcept {
  for (const auto& condition : conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

int32_t IntOrString::scaledValue(int32_t total, bool round_up) const {
  if (!is_string) return int_value;
  const std::string_view text = string_value;
  int64_t percent = 0;
  bool ok = text.size() >= 2 && text.size() <= 10 && text.back() == '%';  // <= 9 digits
  for (std::size_t i = 0; ok && i + 1 < text.size(); ++i) {
    ok = text[i] >= '0' && text[i] <= '9';
    percent = percent * 10 + (text[i] - '0');
  }
  if (!ok) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("int-or-string \"{}\": expected an integer or a percentage like 25%",
                            text.substr(0, 64)));
  }
  const int64_t product = percent * total;
  int64_t scaled = round_up ? (product + 99) / 100 : product / 100;
  if (product < 0) scaled = round_up ? product / 100 : (product - 99) / 100;
  scaled = std::clamp<int64_t>(scaled, INT32_MIN, INT32_MAX);
  return static_cast<int32_t>(scaled);
}

}  // namespace keelson::kube
