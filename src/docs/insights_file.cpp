#include "docs/insights_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

json timeOrNull(const std::optional<kube::Time>& t) {
  return t ? json(kube::formatTime(*t)) : json(nullptr);
}

}  // namespace

json findingJson(const analysis::TrackedFinding& t) {
  const auto& f = t.finding;
  json evidence = {{"series", f.evidence.series},
                   {"recent_values", f.evidence.recent_values},
                   {"expected_range", nullptr},
                   {"score", nullptr},
                   {"details", f.evidence.details}};
  if (f.evidence.expected_range) {
    evidence["expected_range"] = {{"lower", f.evidence.expected_range->first},
                                  {"upper", f.evidence.expected_range->second}};
  }
  if (f.evidence.score) evidence["score"] = *f.evidence.score;
  return {
      {"id", f.id},
      {"status", t.open() ? "open" : "closed"},
      {"time", kube::formatTime(t.last_seen)},
      {"first_seen", kube::formatTime(t.first_seen)},
      {"last_seen", kube::formatTime(t.last_seen)},
      {"closed_at", timeOrNull(t.closed_at)},
      {"ticks", t.ticks},
      {"kind", f.kind},
      {"severity", f.severity},
      {"subject",
       {{"kind", f.subject.kind},
        {"namespace", f.subject.namespace_name},
        {"name", f.subject.name}}},
      {"evidence", evidence},
      {"explanation", f.explanation},
      {"suggested_action",
       {{"action", f.suggested_action.action}, {"description", f.suggested_action.description}}}};
}

namespace {

analysis::TrackedFinding findingFromJson(const json& j) {
  analysis::TrackedFinding t;
  auto& f = t.finding;
  f.id = j.at("id").get<std::string>();
  f.kind = j.at("kind").get<std::string>();
  f.severity = j.at("severity").get<std::string>();
  const json& subject = j.at("subject");
  f.subject = {subject.at("kind").get<std::string>(), subject.at("namespace").get<std::string>(),
               subject.at("name").get<std::string>()};
  const json& evidence = j.at("evidence");
  f.evidence.series = evidence.at("series").get<std::string>();
  f.evidence.recent_values = evidence.at("recent_values").get<std::vector<double>>();
  if (const json& range = evidence.at("expected_range"); !range.is_null()) {
    f.evidence.expected_range =
        std::pair{range.at("lower").get<double>(), range.at("upper").get<double>()};
  }
  if (const json& score = evidence.at("score"); !score.is_null()) {
    f.evidence.score = score.get<double>();
  }
  f.evidence.details = evidence.at("details").get<std::map<std::string, std::string>>();
  f.explanation = j.at("explanation").get<std::string>();
  f.suggested_action = {j.at("suggested_action").at("action").get<std::string>(),
                        j.at("suggested_action").at("description").get<std::string>()};
  t.first_seen = kube::parseTime(j.at("first_seen").get<std::string>());
  t.last_seen = kube::parseTime(j.at("last_seen").get<std::string>());
  if (const json& closed = j.at("closed_at"); !closed.is_null()) {
    t.closed_at = kube::parseTime(closed.get<std::string>());
  }
  t.ticks = j.at("ticks").get<int>();
  return t;
}

}  // namespace

json insightsJson(const analysis::InsightTracker& tracker, kube::Time now) {
  json findings = json::array();
  for (const auto& [id, t] : tracker.findings()) findings.push_back(findingJson(t));
  return {{"generated_at", kube::formatTime(now)}, {"findings", std::move(findings)}};
}

void writeInsightsFile(const std::filesystem::path& path, const analysis::InsightTracker& tracker,
                       kube::Time now) {
  core::writeFileAtomically(path, insightsJson(tracker, now).dump(2) + "\n", "insights file");
}

InsightsSnapshot readInsightsFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error(ErrorCode::kNotFound,
                "insights file " + path.string() + ": cannot open: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  InsightsSnapshot snapshot;
  try {
    const json doc = json::parse(text.str());
    snapshot.generated_at = kube::parseTime(doc.at("generated_at").get<std::string>());
    for (const json& f : doc.at("findings")) snapshot.findings.push_back(findingFromJson(f));
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kBadInput,
                "insights file " + path.string() +
                    ": not a keelson insights document (move it away or pass another "
                    "--insights-file): " +
                    e.what());
  }
  return snapshot;
}

void loadInsightsFile(const std::filesystem::path& path, analysis::InsightTracker& tracker) {
  if (!std::filesystem::exists(path)) return;
  for (auto& finding : readInsightsFile(path).findings) tracker.restore(std::move(finding));
}

}  // namespace keelson::docs
