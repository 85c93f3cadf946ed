#include "analysis/insight_tracker.h"

#include <set>

namespace keelson::analysis {

void InsightTracker::update(std::vector<Finding> findings, kube::Time now) {
  std::set<std::string> seen;
  for (auto& f : findings) {
    seen.insert(f.id);
    auto [it, inserted] = findings_.try_emplace(f.id);
    TrackedFinding& t = it->second;
    if (inserted || !t.open()) {
      t.first_seen = now;
      t.closed_at.reset();
      t.ticks = 0;
    }
    t.last_seen = now;
    ++t.ticks;
    t.finding = std::move(f);
  }
  for (auto& [id, t] : findings_) {
    if (t.open() && !seen.contains(id)) t.closed_at = now;
  }
}

void InsightTracker::forgetClosedBefore(kube::Time before) {
  std::erase_if(findings_, [before](const auto& entry) {
    return entry.second.closed_at && *entry.second.closed_at < before;
  });
}

void InsightTracker::restore(TrackedFinding finding) {
  const std::string id = finding.finding.id;
  findings_[id] = std::move(finding);
}

}  // namespace keelson::analysis
