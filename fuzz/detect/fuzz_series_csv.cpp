// parseSeriesCsv and SeriesCsvReader on arbitrary bytes: both either throw keelson::Error or
// return the same rows (finite values, each row's timestamp re-parses to the same instant), and
// every score the detector gives those rows lies in [0, 1].
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "detect/anomaly_detector.h"
#include "detect/series_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<keelson::detect::SeriesRow> rows;
  bool failed = false;
  try {
    rows = keelson::detect::parseSeriesCsv(text, "fuzz");
  } catch (const keelson::Error&) {
    failed = true;
  }
  std::istringstream in{std::string(text)};
  keelson::detect::SeriesCsvReader reader(in, "fuzz");
  std::size_t n = 0;
  try {
    while (auto row = reader.next()) {
      // A NUL or lone '\r' may split lines differently between the two readers; compare rows
      // only while both agree on the line.
      if (!failed && n < rows.size() && rows[n].line == row->line &&
          (rows[n].timestamp_ms != row->timestamp_ms || rows[n].value != row->value)) {
        std::abort();
      }
      ++n;
    }
  } catch (const keelson::Error&) {
  }
  keelson::detect::AnomalyDetector detector;
  for (const auto& row : rows) {
    if (!std::isfinite(row.value)) std::abort();
    const auto again = keelson::detect::parseTimestampMs(row.timestamp);
    if (!again || *again != row.timestamp_ms) std::abort();
    const double score = detector.update(row.timestamp_ms, row.value);
    if (!(score >= 0.0 && score <= 1.0)) std::abort();
  }
  const std::string state = detector.saveState();
  if (keelson::detect::AnomalyDetector::loadState(state).saveState() != state) std::abort();
  return 0;
}
