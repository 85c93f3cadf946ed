// The remediation policy (act/policy.h): excluded namespaces, never scale to 0, one node at a
// time, and the sliding hour of --max-actions-per-hour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "act/policy.h"

namespace keelson::act {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

const core::WallTime kNow = kube::parseTime("2026-11-21T12:00:00Z");

ProposedAction restart(const std::string& ns) {
  ProposedAction a;
  a.kind = ActionKind::kRolloutRestart;
  a.target = parseObjectRef("deployment/web", KindSet::kAny, ns);
  return a;
}

ProposedAction cordon(const std::string& node) {
  ProposedAction a;
  a.kind = ActionKind::kCordon;
  a.target = ObjectRef{nodeKind(), "", node};
  return a;
}

TEST(Policy, ExcludedNamespaces) {
  const PolicyOptions options;
  for (const char* ns : {"kube-system", "keelson"}) {
    const PolicyVerdict v = evaluatePolicy(restart(ns), {}, options, kNow);
    EXPECT_FALSE(v.allowed) << ns;
    EXPECT_THAT(v.reason, HasSubstr(std::string("namespace ") + ns + " is excluded"));
  }
  EXPECT_TRUE(evaluatePolicy(restart("shop"), {}, options, kNow).allowed);
  PolicyOptions more;
  more.excluded_namespaces.insert("shop");
  EXPECT_FALSE(evaluatePolicy(restart("shop"), {}, more, kNow).allowed);
  // Nodes have no namespace: never excluded by it.
  EXPECT_TRUE(evaluatePolicy(cordon("n1"), {}, more, kNow).allowed);
}

TEST(Policy, NeverScalesToZero) {
  ProposedAction scale = restart("shop");
  scale.kind = ActionKind::kScale;
  scale.replicas = 0;
  const PolicyVerdict v = evaluatePolicy(scale, {}, {}, kNow);
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, HasSubstr("scaled to 0"));
  scale.replicas = 2;
  EXPECT_TRUE(evaluatePolicy(scale, {}, {}, kNow).allowed);
}

TEST(Policy, OneNodeAtATime) {
  PolicyState state;
  state.held_nodes = {"n1"};
  EXPECT_TRUE(evaluatePolicy(cordon("n1"), state, {}, kNow).allowed) << "the same node again";
  const PolicyVerdict v = evaluatePolicy(cordon("n2"), state, {}, kNow);
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, HasSubstr("node n1 is still cordoned by remediation"));
  ProposedAction drain = cordon("n2");
  drain.kind = ActionKind::kDrain;
  EXPECT_FALSE(evaluatePolicy(drain, state, {}, kNow).allowed);
  EXPECT_TRUE(evaluatePolicy(restart("shop"), state, {}, kNow).allowed) << "pods are not nodes";
}

TEST(Policy, ActionsPerSlidingHour) {
  PolicyOptions options;
  options.max_actions_per_hour = 2;
  PolicyState state;
  state.recent_actions = {kNow - minutes(61), kNow - minutes(59)};
  EXPECT_TRUE(evaluatePolicy(restart("shop"), state, options, kNow).allowed)
      << "one of the two is older than an hour";
  state.recent_actions.push_back(kNow - seconds(1));
  const PolicyVerdict v = evaluatePolicy(restart("shop"), state, options, kNow);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason,
            "2 remediation actions in the last hour, the limit (--max-actions-per-hour 2)");
  // An hour after the first of them, the window has room again.
  EXPECT_TRUE(evaluatePolicy(restart("shop"), state, options, kNow + minutes(2)).allowed);
  options.max_actions_per_hour = 0;
  EXPECT_FALSE(evaluatePolicy(restart("shop"), {}, options, kNow).allowed);
  // Nothing to run is always allowed.
  EXPECT_TRUE(evaluatePolicy(ProposedAction{}, state, options, kNow).allowed);
}

}  // namespace
}  // namespace keelson::act
