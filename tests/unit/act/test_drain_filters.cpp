// kubectl drain's filters (act/drain_filters.h): each rule, their order, and kubectl's quirk that
// a later filter's status replaces an earlier warning. The expected messages are kubectl's.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "act/drain_filters.h"

namespace keelson::act {
namespace {

using namespace std::chrono_literals;
using Reason = PodDeleteStatus::Reason;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

kube::Pod pod(const std::string& name, const std::string& controller_kind = "") {
  kube::Pod p;
  p.metadata.name = name;
  p.metadata.namespace_name = "shop";
  p.status.phase = "Running";
  if (!controller_kind.empty()) {
    kube::OwnerReference owner;
    owner.kind = controller_kind;
    owner.name = name + "-owner";
    owner.controller = true;
    p.metadata.owner_references.push_back(owner);
  }
  return p;
}

kube::Pod withEmptyDir(kube::Pod p) {
  kube::Volume volume;
  volume.name = "scratch";
  volume.type = "emptyDir";
  p.spec.volumes.push_back(volume);
  return p;
}

// Every DaemonSet exists, unless named in `missing`.
DaemonSetLookup daemonsets(std::vector<std::string> missing = {}) {
  return [missing](const std::string&,
                   const std::string& name) -> std::optional<DaemonSetLookupError> {
    for (const std::string& m : missing) {
      if (m == name)
        return DaemonSetLookupError{true, "daemonsets.apps \"" + name + "\" not found"};
    }
    return std::nullopt;
  };
}

PodDeleteStatus filter(const kube::Pod& p, DrainFilterOptions options = {},
                       const DaemonSetLookup& lookup = daemonsets()) {
  return filterPod(p, options, lookup, kNow);
}

TEST(DrainFilters, ReplicaSetPodIsEvicted) {
  const PodDeleteStatus status = filter(pod("web", "ReplicaSet"));
  EXPECT_TRUE(status.remove);
  EXPECT_EQ(status.reason, Reason::kOkay);
}

TEST(DrainFilters, DaemonSetPodIsRefusedOrIgnored) {
  EXPECT_EQ(filter(pod("agent", "DaemonSet")).message, kDaemonSetFatal);
  EXPECT_FALSE(filter(pod("agent", "DaemonSet")).remove);
  const PodDeleteStatus ignored = filter(pod("agent", "DaemonSet"), {.ignore_daemonsets = true});
  EXPECT_FALSE(ignored.remove);
  EXPECT_EQ(ignored.reason, Reason::kWarning);
  EXPECT_EQ(ignored.message, kDaemonSetWarning);
}

TEST(DrainFilters, OrphanedDaemonSetPodGoesOnlyWithForce) {
  const DaemonSetLookup gone = daemonsets({"agent-owner"});
  const PodDeleteStatus refused = filter(pod("agent", "DaemonSet"), {}, gone);
  EXPECT_EQ(refused.reason, Reason::kError);
  EXPECT_EQ(refused.message, "daemonsets.apps \"agent-owner\" not found");
  // With --force the orphan is deleted; the unreplicated filter then runs and, as in kubectl,
  // its status (the pod has a controller reference: okay) replaces the warning.
  const PodDeleteStatus forced = filter(pod("agent", "DaemonSet"), {.force = true}, gone);
  EXPECT_TRUE(forced.remove);
  EXPECT_EQ(forced.reason, Reason::kOkay);
}

TEST(DrainFilters, FinishedDaemonSetPodIsRemoved) {
  kube::Pod done = pod("agent", "DaemonSet");
  done.status.phase = "Succeeded";
  EXPECT_TRUE(filter(done).remove);
}

TEST(DrainFilters, MirrorPodIsSkippedSilently) {
  kube::Pod mirror = pod("etcd");
  mirror.metadata.annotations["kubernetes.io/config.mirror"] = "hash";
  const PodDeleteStatus status = filter(mirror);
  EXPECT_FALSE(status.remove);
  EXPECT_EQ(status.reason, Reason::kSkip);
}

TEST(DrainFilters, EmptyDirNeedsDeleteEmptyDirData) {
  const kube::Pod cache = withEmptyDir(pod("cache", "ReplicaSet"));
  EXPECT_EQ(filter(cache).message, kLocalStorageFatal);
  // Allowed: the warning is replaced by the unreplicated filter's okay (kubectl's TODO).
  const PodDeleteStatus allowed = filter(cache, {.delete_emptydir_data = true});
  EXPECT_TRUE(allowed.remove);
  EXPECT_EQ(allowed.reason, Reason::kOkay);
  kube::Pod finished = cache;
  finished.status.phase = "Failed";
  EXPECT_TRUE(filter(finished).remove);
}

TEST(DrainFilters, BarePodNeedsForce) {
  EXPECT_EQ(filter(pod("lonely")).message, kUnmanagedFatal);
  const PodDeleteStatus forced = filter(pod("lonely"), {.force = true});
  EXPECT_TRUE(forced.remove);
  EXPECT_EQ(forced.message, kUnmanagedWarning);
}

TEST(DrainFilters, BarePodWithEmptyDirIsRefusedForTheEmptyDirFirst) {
  EXPECT_EQ(filter(withEmptyDir(pod("lonely"))).message, kLocalStorageFatal);
}

TEST(DrainFilters, PodDeletedLongerAgoThanTheSkipTimeoutIsSkipped) {
  kube::Pod terminating = pod("old");  // bare: would otherwise be refused
  terminating.metadata.deletion_timestamp = kNow - 61s;
  EXPECT_EQ(filter(terminating, {.skip_wait_for_delete_timeout_seconds = 60}).reason,
            Reason::kSkip);
  EXPECT_EQ(filter(terminating, {.skip_wait_for_delete_timeout_seconds = 61}).reason,
            Reason::kError);
  EXPECT_EQ(filter(terminating).reason, Reason::kError);  // 0: never skipped
}

TEST(DrainFilters, RefusalsAndWarningsAggregateAsKubectlPrintsThem) {
  const DrainFilterOptions options;
  std::vector<PodDelete> items;
  for (const kube::Pod& p :
       {pod("a"), pod("agent", "DaemonSet"), pod("b"), pod("web", "ReplicaSet")}) {
    items.push_back({p, filter(p, options)});
  }
  EXPECT_EQ(refusals(items),
            (std::vector<std::string>{
                "cannot delete Pods that declare no controller (use --force to override): "
                "shop/a, shop/b",
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
                "shop/agent"}));
  EXPECT_EQ(warnings(items), "");
  std::vector<PodDelete> forced;
  for (const kube::Pod& p : {pod("a"), pod("agent", "DaemonSet")}) {
    forced.push_back({p, filter(p, {.ignore_daemonsets = true, .force = true})});
  }
  EXPECT_EQ(warnings(forced),
            "deleting Pods that declare no controller: shop/a; ignoring DaemonSet-managed Pods: "
            "shop/agent");
}

}  // namespace
}  // namespace keelson::act
