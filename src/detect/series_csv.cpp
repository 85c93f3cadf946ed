// Reader of `timestamp,value` series: NAB's CSV layout, RFC 3339 or unix-seconds timestamps.
#include "detect/series_csv.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <ios>

#include "core/error.h"

namespace keelson::detect {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Reads exactly `n` digits at `pos`; advances `pos`.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!isDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based civil calendar
/// arithmetic: 400-year eras of 146097 days, years starting in March).
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::optional<std::int64_t> parseUnixSeconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (const char c : s) {
    if (!isDigit(c) && c != '.' && c != '-') return std::nullopt;
  }
  double seconds = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(seconds)) {
    return std::nullopt;
  }
  // Beyond +-year 292 million the milliseconds overflow; reject far earlier (year ~5000).
  if (std::fabs(seconds) > 1e11) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(seconds * 1000.0));
}

// A line beyond the bound: the input is not a timestamp,value series (or is damaged).
Error lineTooLong(std::string_view source, std::size_t line, std::size_t max_line_bytes) {
  return {ErrorCode::kBadInput,
          fmt::format("{}:{}: line longer than {} bytes, the limit for one line of a "
                      "timestamp,value series",
                      source, line, max_line_bytes)};
}

}  // namespace

std::optional<std::int64_t> parseTimestampMs(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.size() < 19 || s[4] != '-') return parseUnixSeconds(s);
  std::size_t pos = 0;
  const auto year = digits(s, pos, 4);
  if (!year || !expect(s, pos, '-')) return std::nullopt;
  const auto month = digits(s, pos, 2);
  if (!month || !expect(s, pos, '-')) return std::nullopt;
  const auto day = digits(s, pos, 2);
  if (!day || pos >= s.size()) return std::nullopt;
  const char sep = s[pos++];
  if (sep != ' ' && sep != 'T' && sep != 't') return std::nullopt;
  const auto hour = digits(s, pos, 2);
  if (!hour || !expect(s, pos, ':')) return std::nullopt;
  const auto minute = digits(s, pos, 2);
  if (!minute || !expect(s, pos, ':')) return std::nullopt;
  const auto second = digits(s, pos, 2);
  if (!second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > daysInMonth(*year, *month) || *hour > 23 ||
      *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100;
    std::size_t n = 0;
    while (pos < s.size() && isDigit(s[pos])) {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  std::int64_t offset_minutes = 0;
  if (pos < s.size()) {
    const char z = s[pos++];
    if (z == 'Z' || z == 'z') {
      // UTC
    } else if (z == '+' || z == '-') {
      const auto oh = digits(s, pos, 2);
      if (!oh || !expect(s, pos, ':')) return std::nullopt;
      const auto om = digits(s, pos, 2);
      if (!om || *oh > 23 || *om > 59) return std::nullopt;
      offset_minutes = (z == '+' ? 1 : -1) * (*oh * 60 + *om);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = daysFromCivil(*year, *month, *day);
  const std::int64_t seconds =
      days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

SeriesRow parseSeriesLine(std::string_view text, std::size_t line, std::string_view source) {
  const std::string_view body = trim(text);
  const std::size_t comma = body.find(',');
  if (comma == std::string_view::npos) {
    throw Error(ErrorCode::kBadInput, fmt::format("{}:{}: expected \"timestamp,value\", got \"{}\"",
                                                  source, line, body.substr(0, 80)));
  }
  const std::string_view ts_text = trim(body.substr(0, comma));
  const std::string_view value_text = trim(body.substr(comma + 1));
  if (value_text.find(',') != std::string_view::npos) {
    throw Error(
        ErrorCode::kBadInput,
        fmt::format("{}:{}: expected 2 fields \"timestamp,value\", got more", source, line));
  }
  SeriesRow row;
  row.line = line;
  const auto ms = parseTimestampMs(ts_text);
  if (!ms) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("{}:{}: timestamp \"{}\" is not \"YYYY-MM-DD HH:MM:SS\", RFC 3339 or "
                            "unix seconds",
                            source, line, ts_text.substr(0, 80)));
  }
  row.timestamp_ms = *ms;
  row.timestamp = std::string(ts_text);
  double value = 0;
  const char* first = value_text.data();
  const char* last = first + value_text.size();
  if (first != last && *first == '+') ++first;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (value_text.empty() || ec != std::errc() || end != last || !std::isfinite(value)) {
    throw Error(ErrorCode::kBadInput, fmt::format("{}:{}: value \"{}\" is not a finite number",
                                                  source, line, value_text.substr(0, 80)));
  }
  row.value = value;
  return row;
}

SeriesCsvReader::SeriesCsvReader(std::istream& in, std::string source, std::size_t max_line_bytes)
    : in_(in), source_(std::move(source)), max_line_bytes_(max_line_bytes) {}

bool SeriesCsvReader::readLine() {
  line_text_.clear();
  // istream::getline into a fixed chunk: a line longer than the chunk comes in pieces (failbit
  // with a full chunk), so no more than max_line_bytes_ + one chunk is ever held.
  std::array<char, 65536> chunk{};
  while (true) {
    in_.getline(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto count = static_cast<std::size_t>(in_.gcount());
    if (in_.bad()) return false;  // next() reports the read failure.
    const bool full = in_.fail() && !in_.eof() && count == chunk.size() - 1;
    if (!full && in_.fail() && !in_.eof()) return !line_text_.empty();  // Unusable stream.
    // With the '\n' found, gcount counts it too; at the end of the input there is none.
    const std::size_t stored = full || in_.eof() ? count : count - 1;
    if (line_text_.size() + stored > max_line_bytes_) {
      throw lineTooLong(source_, line_ + 1, max_line_bytes_);
    }
    line_text_.append(chunk.data(), stored);
    if (full) {
      in_.clear(in_.rdstate() & ~std::ios::failbit);
      continue;
    }
    return !in_.eof() || count > 0 || !line_text_.empty();
  }
}

std::optional<SeriesRow> SeriesCsvReader::next() {
  while (readLine()) {
    ++line_;
    const std::string_view body = trim(line_text_);
    if (body.empty()) continue;
    if (line_ == 1) {
      const std::size_t comma = body.find(',');
      const std::string_view first = trim(body.substr(0, comma));
      if (!parseTimestampMs(first)) continue;  // the header, e.g. "timestamp,value"
    }
    return parseSeriesLine(body, line_, source_);
  }
  if (in_.bad()) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("{}: read failed after line {}", source_, line_));
  }
  return std::nullopt;
}

std::vector<SeriesRow> parseSeriesCsv(std::string_view text, std::string_view source) {
  std::vector<SeriesRow> rows;
  std::size_t line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    if (end - pos > kMaxSeriesLineBytes) throw lineTooLong(source, line, kMaxSeriesLineBytes);
    const std::string_view body = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (body.empty()) continue;
    if (line == 1 && !parseTimestampMs(trim(body.substr(0, body.find(','))))) continue;
    rows.push_back(parseSeriesLine(body, line, source));
  }
  return rows;
}

}  // namespace keelson::detect
