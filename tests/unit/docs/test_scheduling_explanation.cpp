// The plain-language explanation of a scheduling verdict, built from the scheduling document of
// a real analysis (analyzeScheduling over nodes that fail for different reasons), and compared
// with kube-scheduler's own FailedScheduling message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/scheduling.h"
#include "docs/pod_documents.h"
#include "docs/scheduling_explanation.h"
#include "unit/schedule/plugin_test.h"

namespace keelson::docs {
namespace {

using nlohmann::json;
using schedule::framework::testing::node;
using schedule::framework::testing::pod;

kube::Event failedScheduling(const std::string& message) {
  kube::Event e;
  e.metadata.namespace_name = "default";
  e.metadata.name = "web.1";
  e.regarding.kind = "Pod";
  e.regarding.namespace_name = "default";
  e.regarding.name = "web";
  e.regarding.uid = "uid-web";
  e.reason = "FailedScheduling";
  e.type = "Warning";
  e.message = message;
  e.last_time = kube::parseTime("2026-12-05T07:00:00Z");
  return e;
}

// Four nodes: two too small for 2 cpu, one tainted, one cordoned.
analysis::SchedulingSnapshot cluster() {
  analysis::SchedulingSnapshot s;
  s.nodes = {node("small-a", "1"), node("small-b", "1"), node("tainted", "8"),
             node("cordoned", "8")};
  s.nodes[2].spec.taints = {{"dedicated", "gpu", "NoSchedule", {}}};
  s.nodes[3].spec.unschedulable = true;
  return s;
}

json explain(const kube::Pod& p, const analysis::SchedulingSnapshot& s,
             const std::vector<kube::Event>& events = {}) {
  return schedulingExplanation(schedulingDocument(p, analysis::analyzeScheduling(p, s), events));
}

TEST(SchedulingExplanation, EveryReasonWithItsNodeCountMostNodesFirst) {
  const json e = explain(pod("web", "2"), cluster());
  EXPECT_EQ(e["status"], "Pending");
  EXPECT_EQ(e["verdict"], "Pod default/web cannot be scheduled: none of the 4 nodes can take it.");
  ASSERT_EQ(e["reasons"].size(), 3U) << e.dump(2);
  EXPECT_EQ(e["reasons"][0],
            "Not enough allocatable cpu left for the pod's request on 2 of 4 nodes (for example "
            "small-a: Insufficient cpu: requested 2, free 1 of 1 allocatable).");
  const std::string rest = e["reasons"][1].get<std::string>() + e["reasons"][2].get<std::string>();
  EXPECT_NE(rest.find("A taint the pod does not tolerate on 1 of 4 nodes"), std::string::npos);
  EXPECT_NE(rest.find("Cordoned (spec.unschedulable) on 1 of 4 nodes"), std::string::npos);
  ASSERT_EQ(e["suggestions"].size(), 3U);
  EXPECT_NE(e["suggestions"][0].get<std::string>().find("Lower the pod's cpu request"),
            std::string::npos);
  EXPECT_EQ(e["scheduler"], nullptr) << "kube-scheduler has said nothing";
  EXPECT_EQ(e["explanation"].get<std::string>().rfind(e["verdict"].get<std::string>(), 0), 0U);
}

TEST(SchedulingExplanation, KubeSchedulersMessageAgreesOrNot) {
  const auto agreeing = failedScheduling(
      "0/4 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint(s) "
      "{dedicated: gpu}, 1 node(s) were unschedulable. preemption: 0/4 nodes are available: 4 "
      "Preemption is not helpful for scheduling.");
  const json agrees = explain(pod("web", "2"), cluster(), {agreeing});
  ASSERT_TRUE(agrees["scheduler"].is_object()) << agrees.dump(2);
  EXPECT_TRUE(agrees["scheduler"]["agrees"].get<bool>()) << agrees.dump(2);
  EXPECT_EQ(agrees["scheduler"]["message"], agreeing.message);
  EXPECT_EQ(agrees["scheduler"]["timestamp"], "2026-12-05T07:00:00Z");

  // Before a node was cordoned and another added, the scheduler counted differently.
  const json differs = explain(pod("web", "2"), cluster(),
                               {failedScheduling("0/3 nodes are available: 3 "
                                                 "Insufficient cpu.")});
  EXPECT_FALSE(differs["scheduler"]["agrees"].get<bool>());
  EXPECT_NE(differs["explanation"].get<std::string>().find("differs from this analysis"),
            std::string::npos);
}

TEST(SchedulingExplanation, APendingPodThatFitsSomewhereIsWaitingForItsScheduler) {
  auto s = cluster();
  s.nodes.push_back(node("big", "8"));
  kube::Pod p = pod("web", "2");
  const json waiting = explain(p, s);
  EXPECT_EQ(waiting["verdict"].get<std::string>().find(
                "Pod default/web is pending although 1 of 5 nodes can take it now"),
            0U)
      << waiting.dump(2);
  p.spec.scheduler_name = "my-scheduler";
  const json other = explain(p, s);
  EXPECT_NE(other["verdict"].get<std::string>().find("check that 'my-scheduler' is running"),
            std::string::npos)
      << other.dump(2);
}

TEST(SchedulingExplanation, AScheduledPodSaysWhyItsNodeFits) {
  auto s = cluster();
  const json e = explain(pod("web", "500m", "64Mi", "tainted"), s);
  EXPECT_EQ(e["status"], "Scheduled");
  EXPECT_EQ(e["verdict"], "Pod default/web is scheduled on node tainted.");
  ASSERT_EQ(e["reasons"].size(), 1U);
  EXPECT_NE(e["reasons"][0].get<std::string>().find("It fits there: "), std::string::npos);
  EXPECT_TRUE(e["suggestions"].empty());
  EXPECT_EQ(e["scheduler"], nullptr);
}

TEST(SchedulingExplanation, ToleratesDocumentsMissingFields) {
  for (const json& doc : {json::object(), json{{"status", "Pending"}, {"failureSummary", 3}},
                          json{{"schedulerMessage", "x"}}}) {
    const json e = schedulingExplanation(doc);
    EXPECT_TRUE(e["verdict"].is_string());
    EXPECT_FALSE(schedulingExplanationText(e).empty());
  }
  EXPECT_FALSE(schedulingExplanationText(json::object()).empty());
}

}  // namespace
}  // namespace keelson::docs
