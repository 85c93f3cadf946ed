// Judging a remediation after the settle period (act/outcome.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "act/outcome.h"

namespace keelson::act {
namespace {

using ::testing::HasSubstr;

const kube::Time kFirstSeen = kube::parseTime("2026-11-21T12:00:00Z");

analysis::TrackedFinding tracked(const std::string& kind, const std::string& pod,
                                 const std::string& severity, bool open = true) {
  analysis::TrackedFinding t;
  t.finding.kind = kind;
  t.finding.subject = {"pod", "shop", pod};
  t.finding.id = kind + "/pod/shop/" + pod;
  t.finding.severity = severity;
  t.first_seen = kFirstSeen;
  t.last_seen = kFirstSeen + std::chrono::minutes(1);
  if (!open) t.closed_at = kFirstSeen + std::chrono::minutes(2);
  return t;
}

const std::optional<ObjectRef> kWeb = parseObjectRef("deploy/web", KindSet::kAny, "shop");

TEST(Outcome, ClosedOrGoneIsResolved) {
  const auto before = tracked("crash_loop", "web-1", "critical");
  const std::set<std::string> open = {before.finding.id};
  OutcomeCheck c =
      evaluateOutcome(before, open, {tracked("crash_loop", "web-1", "critical", false)}, kWeb);
  EXPECT_EQ(c.outcome, RemediationOutcome::kResolved);
  EXPECT_EQ(c.details, "the finding closed at 2026-11-21T12:02:00Z");
  c = evaluateOutcome(before, open, {}, kWeb);
  EXPECT_EQ(c.outcome, RemediationOutcome::kResolved);
  EXPECT_EQ(remediationOutcomeName(c.outcome), "resolved");
  // Unrelated new findings do not matter.
  c = evaluateOutcome(before, open, {tracked("oom_risk", "db-0", "critical")}, kWeb);
  EXPECT_EQ(c.outcome, RemediationOutcome::kResolved);
}

TEST(Outcome, StillOpenIsNotResolved) {
  const auto before = tracked("crash_loop", "web-1", "critical");
  const OutcomeCheck c = evaluateOutcome(before, {before.finding.id}, {before}, kWeb);
  EXPECT_EQ(c.outcome, RemediationOutcome::kNotResolved);
  EXPECT_THAT(c.details, HasSubstr("still open"));
  // The crash moved to the workload's new pod: the same condition, not resolved.
  const OutcomeCheck moved = evaluateOutcome(before, {before.finding.id},
                                             {tracked("crash_loop", "web-1", "critical", false),
                                              tracked("crash_loop", "web-2", "critical")},
                                             kWeb);
  EXPECT_EQ(moved.outcome, RemediationOutcome::kNotResolved);
  EXPECT_THAT(moved.details, HasSubstr("crash_loop/pod/shop/web-2"));
}

TEST(Outcome, HigherSeverityOrANewRelatedFindingIsWorse) {
  const auto before = tracked("oom_risk", "web-1", "warning");
  OutcomeCheck c = evaluateOutcome(before, {before.finding.id},
                                   {tracked("oom_risk", "web-1", "critical")}, kWeb);
  EXPECT_EQ(c.outcome, RemediationOutcome::kWorse);
  EXPECT_EQ(c.details, "severity rose from warning to critical");
  // A new crash loop on a pod of the same workload after the action.
  c = evaluateOutcome(
      before, {before.finding.id},
      {tracked("oom_risk", "web-1", "warning", false), tracked("crash_loop", "web-7", "critical")},
      kWeb);
  EXPECT_EQ(c.outcome, RemediationOutcome::kWorse);
  EXPECT_EQ(c.details, "new related finding: crash_loop/pod/shop/web-7");
  // ...but not one that was already open when the action ran.
  c = evaluateOutcome(before, {before.finding.id, "crash_loop/pod/shop/web-7"},
                      {tracked("crash_loop", "web-7", "critical")}, kWeb);
  EXPECT_EQ(c.outcome, RemediationOutcome::kResolved);
  // Without a workload only the same subject is related.
  c = evaluateOutcome(before, {before.finding.id}, {tracked("crash_loop", "web-7", "critical")},
                      std::nullopt);
  EXPECT_EQ(c.outcome, RemediationOutcome::kResolved);
  c = evaluateOutcome(before, {before.finding.id}, {tracked("crash_loop", "web-1", "critical")},
                      std::nullopt);
  EXPECT_EQ(c.outcome, RemediationOutcome::kWorse);
}

}  // namespace
}  // namespace keelson::act
