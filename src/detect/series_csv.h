#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::detect {

/// The longest line a `timestamp,value` series may have (bytes, without the line end): 1 MiB,
/// far beyond any real row (about 40 bytes) and small enough that a file that is not such a
/// series (one huge line) fails fast instead of being held in memory.
inline constexpr std::size_t kMaxSeriesLineBytes = std::size_t{1} << 20;

/// One row of a `timestamp,value` series, as read from a CSV file.
struct SeriesRow {
  std::size_t line = 0;           ///< 1-based line number in the input (for messages).
  std::string timestamp;          ///< The timestamp exactly as written in the input.
  std::int64_t timestamp_ms = 0;  ///< The timestamp as unix milliseconds (UTC).
  double value = 0;               ///< The sample; always finite.
};

/// Parses a timestamp to unix milliseconds (UTC). Accepts NAB's "2014-04-01 00:00:00" (optionally
/// with a fractional second, read as UTC), RFC 3339 ("2014-04-01T00:00:00Z",
/// "2014-04-01T00:00:00.5+02:00") and plain unix seconds ("1396310400", "1396310400.25").
/// Returns nullopt when the text is none of these. Pure.
std::optional<std::int64_t> parseTimestampMs(std::string_view text);

/// Parses one data line "timestamp,value" (surrounding spaces and a trailing '\r' are ignored).
/// Throws Error(kBadInput) naming `source` and `line` when the line has not exactly two fields, the
/// timestamp is not one parseTimestampMs accepts, or the value is not a finite number. Pure.
SeriesRow parseSeriesLine(std::string_view text, std::size_t line, std::string_view source);

/// Reads a `timestamp,value` CSV line by line from a stream. The first line is a header when its
/// first field is not a timestamp (NAB files start with "timestamp,value"); blank lines are
/// skipped. A line is read in chunks and never held beyond `max_line_bytes` (+ one 64 KiB chunk),
/// however long it is in the input. Not thread-safe.
class SeriesCsvReader {
 public:
  /// `source` names the input in error messages ("stdin", a file path).
  SeriesCsvReader(std::istream& in, std::string source,
                  std::size_t max_line_bytes = kMaxSeriesLineBytes);

  /// The next data row, or nullopt at the end of the input. Throws Error(kBadInput) on a bad row
  /// and on a line longer than max_line_bytes ("big.csv:3: line longer than 1048576 bytes, the
  /// limit for one line of a timestamp,value series"), both naming the source and the line
  /// number; Error(kUnavailable) on a read failure.
  std::optional<SeriesRow> next();

 private:
  // Reads the next line into line_text_ (without '\n'); false at the end of the input.
  bool readLine();

  std::istream& in_;
  std::string source_;
  std::size_t max_line_bytes_;
  std::string line_text_;
  std::size_t line_ = 0;
};

/// Reads a whole `timestamp,value` CSV held in memory (same rules as SeriesCsvReader, the
/// kMaxSeriesLineBytes bound included). Throws Error(kBadInput) naming `source` and the line on
/// a bad row.
std::vector<SeriesRow> parseSeriesCsv(std::string_view text, std::string_view source);

}  // namespace keelson::detect
