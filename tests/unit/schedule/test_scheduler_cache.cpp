// SchedulerCache: nodes and the pods bound to them, orphans, assumed pods and their confirmation.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "plugin_test.h"
#include "schedule/framework/node_resources_fit.h"
#include "schedule/scheduler_cache.h"

namespace keelson::schedule {
namespace {

namespace fw = framework;
using fw::testing::node;
using fw::testing::pod;

constexpr std::int64_t kMi = std::int64_t{1024} * 1024;

/// A copy of what the cache counts on one node.
struct Usage {
  std::vector<std::string> pods;  ///< Names, in the NodeInfo's order.
  std::int64_t cpu_millicores = 0;
  std::int64_t memory_bytes = 0;
  fw::NonZeroRequests non_zero;
};

std::optional<Usage> usageOf(const SchedulerCache& cache, const std::string& name) {
  return cache.withNodes([&](std::span<const fw::NodeInfo> nodes) -> std::optional<Usage> {
    for (const fw::NodeInfo& n : nodes) {
      if (n.node->metadata.name != name) continue;
      Usage u;
      for (const kube::Pod* p : n.pods) u.pods.push_back(p->metadata.name);
      u.cpu_millicores = fw::quantityOf(n.requested, "cpu").milliValue();
      u.memory_bytes = fw::quantityOf(n.requested, "memory").value();
      u.non_zero = n.non_zero_requested;
      return u;
    }
    return std::nullopt;
  });
}

std::vector<std::string> nodeNames(const SchedulerCache& cache) {
  return cache.withNodes([](std::span<const fw::NodeInfo> nodes) {
    std::vector<std::string> out;
    for (const fw::NodeInfo& n : nodes) out.push_back(n.node->metadata.name);
    return out;
  });
}

/// NodeResourcesFit's verdict for `p` on the cache's node `name`.
fw::Status fitOn(const SchedulerCache& cache, const kube::Pod& p, const std::string& name) {
  const fw::PodInfo info(p);
  return cache.withNodes([&](std::span<const fw::NodeInfo> nodes) {
    for (const fw::NodeInfo& n : nodes) {
      if (n.node->metadata.name == name) return fw::NodeResourcesFit{}.filter(info, n, nullptr);
    }
    ADD_FAILURE() << "no node " << name;
    return fw::Status::success();
  });
}

TEST(SchedulerCache, BoundPodsAreCountedOnTheirNode) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  cache.upsertNode(node("n2"));
  cache.upsertPod(pod("a", "500m", "1Gi", "n1"));
  cache.upsertPod(pod("b", "", "", "n1"));      // Best effort: counts only as non-zero requests.
  cache.upsertPod(pod("pending", "1", "1Gi"));  // Not bound: not counted anywhere.
  EXPECT_EQ(cache.nodeCount(), 2u);
  EXPECT_EQ(cache.assumedPods(), 0u);

  const auto n1 = usageOf(cache, "n1");
  ASSERT_TRUE(n1);
  EXPECT_EQ(n1->pods, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(n1->cpu_millicores, 500);
  EXPECT_EQ(n1->memory_bytes, 1024 * kMi);
  EXPECT_EQ(n1->non_zero.cpu_millicores, 500 + fw::kDefaultMilliCpuRequest);
  EXPECT_EQ(n1->non_zero.memory_bytes, 1024 * kMi + fw::kDefaultMemoryRequestBytes);

  const auto n2 = usageOf(cache, "n2");
  ASSERT_TRUE(n2);
  EXPECT_TRUE(n2->pods.empty());
  EXPECT_EQ(n2->cpu_millicores, 0);
  EXPECT_EQ(n2->non_zero.cpu_millicores, 0);

  // An update replaces the pod's requests rather than adding to them.
  cache.upsertPod(pod("a", "1", "1Gi", "n1"));
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 1000);
  EXPECT_EQ(usageOf(cache, "n1")->pods.size(), 2u);

  cache.removePod(pod("b", "", "", "n1"));
  EXPECT_EQ(usageOf(cache, "n1")->pods, (std::vector<std::string>{"a"}));
  EXPECT_EQ(usageOf(cache, "n1")->non_zero.cpu_millicores, 1000);
}

TEST(SchedulerCache, PodsOfANodeThatArrivesLaterAreAttachedWhenItArrives) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  cache.upsertPod(pod("early", "1", "1Gi", "n2"));
  EXPECT_EQ(nodeNames(cache), (std::vector<std::string>{"n1"}));
  EXPECT_TRUE(usageOf(cache, "n1")->pods.empty());

  cache.upsertNode(node("n2"));
  const auto n2 = usageOf(cache, "n2");
  ASSERT_TRUE(n2);
  EXPECT_EQ(n2->pods, (std::vector<std::string>{"early"}));
  EXPECT_EQ(n2->cpu_millicores, 1000);

  // An orphan deleted before its node arrives is not attached later.
  cache.upsertPod(pod("gone", "1", "1Gi", "n3"));
  cache.removePod(pod("gone", "1", "1Gi", "n3"));
  cache.upsertNode(node("n3"));
  EXPECT_TRUE(usageOf(cache, "n3")->pods.empty());
  EXPECT_EQ(usageOf(cache, "n3")->cpu_millicores, 0);
}

TEST(SchedulerCache, RemovedNodeKeepsItsPodsForWhenItReturns) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  cache.upsertNode(node("n2"));
  cache.upsertNode(node("n3"));
  cache.upsertPod(pod("a", "1", "1Gi", "n1"));
  cache.upsertPod(pod("c", "2", "1Gi", "n3"));

  cache.removeNode("n1");
  EXPECT_EQ(cache.nodeCount(), 2u);
  EXPECT_FALSE(usageOf(cache, "n1"));
  // The node moved into n1's slot keeps its own pods.
  EXPECT_EQ(usageOf(cache, "n3")->pods, (std::vector<std::string>{"c"}));
  EXPECT_EQ(usageOf(cache, "n3")->cpu_millicores, 2000);

  cache.upsertNode(node("n1"));
  const auto n1 = usageOf(cache, "n1");
  ASSERT_TRUE(n1);
  EXPECT_EQ(n1->pods, (std::vector<std::string>{"a"}));
  EXPECT_EQ(n1->cpu_millicores, 1000);

  // A node update keeps the pods and shows the new object.
  cache.upsertNode(node("n1", "8"));
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 1000);
  EXPECT_TRUE(fitOn(cache, pod("big", "7"), "n1").isSuccess());
  EXPECT_FALSE(fitOn(cache, pod("bigger", "7500m"), "n1").isSuccess());
}

TEST(SchedulerCache, AssumedPodCountsAtOnceAndStopsAnOvercommit) {
  SchedulerCache cache;
  cache.upsertNode(node("n1", "4"));
  const kube::Pod first = pod("first", "3", "1Gi");
  const kube::Pod second = pod("second", "3", "1Gi");
  EXPECT_TRUE(fitOn(cache, second, "n1").isSuccess());

  cache.assume(first, "n1");
  EXPECT_EQ(cache.assumedPods(), 1u);
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 3000);
  EXPECT_EQ(usageOf(cache, "n1")->pods, (std::vector<std::string>{"first"}));
  const fw::Status s = fitOn(cache, second, "n1");
  EXPECT_FALSE(s.isSuccess());
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "Insufficient cpu");

  // Assuming it again does not count it twice.
  cache.assume(first, "n1");
  EXPECT_EQ(cache.assumedPods(), 1u);
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 3000);
}

TEST(SchedulerCache, AssumedPodStaysAssumedWhileTheApiStillReportsItUnbound) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  const kube::Pod p = pod("p", "1", "1Gi");
  cache.assume(p, "n1");
  cache.upsertPod(p);  // The watch's view from before the binding.
  EXPECT_EQ(cache.assumedPods(), 1u);
  EXPECT_EQ(usageOf(cache, "n1")->pods, (std::vector<std::string>{"p"}));
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 1000);
}

TEST(SchedulerCache, BoundReportConfirmsAnAssumedPodCountingItOnce) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  const kube::Pod p = pod("p", "1", "1Gi");
  cache.assume(p, "n1");
  cache.upsertPod(pod("p", "1", "1Gi", "n1"));
  EXPECT_EQ(cache.assumedPods(), 0u);
  EXPECT_EQ(usageOf(cache, "n1")->pods, (std::vector<std::string>{"p"}));
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 1000);
  EXPECT_EQ(usageOf(cache, "n1")->non_zero.cpu_millicores, 1000);

  // Confirmed: forget() no longer applies, and an unbound report (impossible from the API,
  // nodeName never clears) is not special any more.
  cache.forget(p.metadata.uid);
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 1000);
}

TEST(SchedulerCache, ForgetUndoesAssume) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  cache.upsertPod(pod("bound", "1", "1Gi", "n1"));
  const kube::Pod p = pod("p", "2", "1Gi");
  cache.assume(p, "n1");
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 3000);

  cache.forget(p.metadata.uid);
  EXPECT_EQ(cache.assumedPods(), 0u);
  EXPECT_EQ(usageOf(cache, "n1")->pods, (std::vector<std::string>{"bound"}));
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 1000);
  EXPECT_EQ(usageOf(cache, "n1")->non_zero.cpu_millicores, 1000);

  // forget() of a pod that is not assumed (bound, or unknown) changes nothing.
  cache.forget("uid-bound");
  cache.forget("uid-unknown");
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 1000);
  EXPECT_EQ(cache.assumedPods(), 0u);

  // The pod can be assumed again (on another node, say).
  cache.upsertNode(node("n2"));
  cache.assume(p, "n2");
  EXPECT_EQ(usageOf(cache, "n2")->cpu_millicores, 2000);
  EXPECT_EQ(cache.assumedPods(), 1u);
}

TEST(SchedulerCache, SucceededAndFailedPodsAreDropped) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  kube::Pod done = pod("done", "1", "1Gi", "n1");
  done.status.phase = "Succeeded";
  kube::Pod failed = pod("failed", "1", "1Gi", "n1");
  failed.status.phase = "Failed";
  cache.upsertPod(done);
  cache.upsertPod(failed);
  EXPECT_TRUE(usageOf(cache, "n1")->pods.empty());

  // A running pod that finishes stops counting.
  kube::Pod running = pod("running", "2", "1Gi", "n1");
  cache.upsertPod(running);
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 2000);
  running.status.phase = "Succeeded";
  cache.upsertPod(running);
  EXPECT_TRUE(usageOf(cache, "n1")->pods.empty());
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 0);
  EXPECT_EQ(usageOf(cache, "n1")->non_zero.cpu_millicores, 0);

  // Pods without a uid are ignored.
  kube::Pod anonymous = pod("anonymous", "1", "1Gi", "n1");
  anonymous.metadata.uid = {};
  cache.upsertPod(anonymous);
  EXPECT_TRUE(usageOf(cache, "n1")->pods.empty());
}

TEST(SchedulerCache, RemovingAnAssumedPodUncountsIt) {
  SchedulerCache cache;
  cache.upsertNode(node("n1"));
  const kube::Pod p = pod("p", "1", "1Gi");
  cache.assume(p, "n1");
  cache.removePod(p);
  EXPECT_EQ(cache.assumedPods(), 0u);
  EXPECT_TRUE(usageOf(cache, "n1")->pods.empty());
  EXPECT_EQ(usageOf(cache, "n1")->cpu_millicores, 0);
  cache.forget(p.metadata.uid);  // No-op: nothing left to undo.
  EXPECT_EQ(cache.assumedPods(), 0u);
}

}  // namespace
}  // namespace keelson::schedule
