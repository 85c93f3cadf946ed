#pragma once
// The insights file of `keelson monitor` (--insights-file, default pod_insights.json):
//
//   {"generated_at": RFC 3339, "findings": [ {
//      "id", "status": "open" | "closed", "time" (latest tick it held), "first_seen", "last_seen",
//      "closed_at" (null while open), "ticks", "kind", "severity",
//      "subject": {"kind", "namespace", "name"},
//      "evidence": {"series", "recent_values": [..], "expected_range": {"lower", "upper"} | null,
//                   "score": 0..1 | null, "details": {name: text}},
//      "explanation", "suggested_action": {"action", "description"} } ]}
//
// Findings are sorted by id. The file is replaced atomically (write to a temporary file, fsync,
// rename), so a reader never sees half of it.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "analysis/insight_tracker.h"

namespace keelson::docs {

/// One finding as the document holds it (an element of "findings").
nlohmann::json findingJson(const analysis::TrackedFinding& finding);

/// The whole document for `tracker` at `now`.
nlohmann::json insightsJson(const analysis::InsightTracker& tracker, kube::Time now);

/// Writes insightsJson atomically to `path`. Throws Error(kUnavailable) naming the path when it
/// cannot be written.
void writeInsightsFile(const std::filesystem::path& path, const analysis::InsightTracker& tracker,
                       kube::Time now);

/// An insights file as read back.
struct InsightsSnapshot {
  kube::Time generated_at;                         ///< The tick that wrote it.
  std::vector<analysis::TrackedFinding> findings;  ///< Open and closed, sorted by id.
};

/// Reads `path`. Throws Error(kNotFound) naming the path when it cannot be opened,
/// Error(kBadInput) when it is not an insights document.
InsightsSnapshot readInsightsFile(const std::filesystem::path& path);

/// Restores the findings of an earlier run from `path` into `tracker`; a missing file restores
/// nothing. Throws Error(kBadInput) naming the path when the file is not an insights document.
void loadInsightsFile(const std::filesystem::path& path, analysis::InsightTracker& tracker);

}  // namespace keelson::docs
