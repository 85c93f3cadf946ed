#include "act/outcome.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace keelson::act {
namespace {

bool related(const analysis::Subject& subject, const analysis::Subject& acted,
             const std::optional<ObjectRef>& workload) {
  if (subject.kind == acted.kind && subject.namespace_name == acted.namespace_name &&
      subject.name == acted.name) {
    return true;
  }
  return workload && subject.kind == "pod" && subject.namespace_name == workload->namespace_name &&
         subject.name.rfind(workload->name + "-", 0) == 0;
}

}  // namespace

std::string_view remediationOutcomeName(RemediationOutcome outcome) noexcept {
  switch (outcome) {
    case RemediationOutcome::kResolved:
      return "resolved";
    case RemediationOutcome::kNotResolved:
      return "not_resolved";
    case RemediationOutcome::kWorse:
      return "worse";
  }
  return "not_resolved";
}

int severityRank(std::string_view severity) noexcept {
  if (severity == "info") return 0;
  if (severity == "warning") return 1;
  if (severity == "critical") return 2;
  return -1;
}

OutcomeCheck evaluateOutcome(const analysis::TrackedFinding& before,
                             const std::set<std::string>& open_before,
                             const std::vector<analysis::TrackedFinding>& after,
                             const std::optional<ObjectRef>& workload) {
  const analysis::Finding& acted = before.finding;
  const analysis::TrackedFinding* same = nullptr;
  std::vector<std::string> worse;      // new related findings of another kind, or more severe
  std::vector<std::string> recurring;  // the same kind under a new subject (a replaced pod)
  for (const analysis::TrackedFinding& t : after) {
    if (t.finding.id == acted.id) {
      same = &t;
      continue;
    }
    if (!t.open() || open_before.contains(t.finding.id) ||
        !related(t.finding.subject, acted.subject, workload)) {
      continue;
    }
    const bool same_kind = t.finding.kind == acted.kind &&
                           severityRank(t.finding.severity) <= severityRank(acted.severity);
    (same_kind ? recurring : worse).push_back(t.finding.id);
  }
  if (same != nullptr && same->open() &&
      severityRank(same->finding.severity) > severityRank(acted.severity)) {
    return {RemediationOutcome::kWorse,
            fmt::format("severity rose from {} to {}", acted.severity, same->finding.severity)};
  }
  if (!worse.empty()) {
    return {RemediationOutcome::kWorse,
            fmt::format("new related finding{}: {}", worse.size() == 1 ? "" : "s",
                        fmt::join(worse, ", "))};
  }
  if (same != nullptr && same->open()) {
    return {RemediationOutcome::kNotResolved,
            fmt::format("the finding is still open ({}, last seen {})", same->finding.severity,
                        kube::formatTime(same->last_seen))};
  }
  if (!recurring.empty()) {
    return {RemediationOutcome::kNotResolved,
            fmt::format("the same condition is open again: {}", fmt::join(recurring, ", "))};
  }
  if (same == nullptr) return {RemediationOutcome::kResolved, "the finding is gone"};
  return {RemediationOutcome::kResolved,
          fmt::format("the finding closed at {}", kube::formatTime(*same->closed_at))};
}

}  // namespace keelson::act
