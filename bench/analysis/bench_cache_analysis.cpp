// What the cache-backed routes cost at 10,000 pods on 20 nodes, the old way against the new:
// - /api/v1/cluster: a summary that visits every pod (summarizeCluster over all pods) against
//   one from ClusterTotals (counts and node sums kept by the pods informer's handlers), and what
//   a handler call costs per pod change;
// - /api/v1/namespace/{ns}/error in a namespace of 10,000 bare pods and 100 ReplicaSet pods:
//   copying the namespace's pods and analysing them all, against the controller-kind index
//   (built once per snapshot: BM_NamespaceErrorsIndexed builds it in every iteration,
//   BM_NamespaceErrorsIndexedWarm reuses a snapshot's);
// - /api/v1/pods/{ns}/{pod}/scheduling for a pending and for a scheduled pod: NodeInfos built for
//   every request (every pod visited, its requests summed) against NodeInfos built once per cache
//   change and shared (BM_SchedulingNodeInfosBuild is that once-per-change cost);
// - /api/v1/cluster/pod-issues: every pod checked, the first page of 100 listed.
// Run from a release build: build/release/bench/analysis/bench_cache_analysis
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "analysis/cluster_pod_issues.h"
#include "analysis/cluster_summary.h"
#include "analysis/namespace_errors.h"
#include "analysis/pod_totals.h"
#include "analysis/scheduling.h"
#include "kube/informer.h"
#include "kube/pod_indexes.h"

namespace keelson::analysis {
namespace {

using core::Quantity;

constexpr int kPods = 10000;
constexpr int kNodes = 20;
constexpr int kWorkloadPods = 100;

kube::Node makeNode(int index) {
  kube::Node node;
  node.metadata.name = "node-" + std::to_string(index);
  node.status.allocatable = {{"cpu", Quantity::parse("64")}, {"memory", Quantity::parse("256Gi")}};
  node.status.capacity = node.status.allocatable;
  kube::Condition ready;
  ready.type = "Ready";
  ready.status = "True";
  node.status.conditions.push_back(ready);
  return node;
}

kube::Pod makePod(const std::string& ns, int index, bool workload) {
  kube::Pod pod;
  pod.metadata.namespace_name = ns;
  pod.metadata.name = "pod-" + std::to_string(index);
  pod.metadata.uid = "uid-" + std::to_string(index);
  pod.metadata.resource_version = "1";
  if (workload) {
    pod.metadata.owner_references.push_back({.api_version = "apps/v1",
                                             .kind = "ReplicaSet",
                                             .name = "web-5d4f8",
                                             .uid = "rs-1",
                                             .controller = true,
                                             .block_owner_deletion = true});
  }
  pod.spec.node_name = "node-" + std::to_string(index % kNodes);
  kube::Container container;
  container.name = "app";
  container.image = "registry.example.com/app:1";
  container.resources.requests = {{"cpu", Quantity::parse("100m")},
                                  {"memory", Quantity::parse("128Mi")}};
  container.resources.limits = {{"memory", Quantity::parse("256Mi")}};
  pod.spec.containers.push_back(container);
  pod.status.phase = index % 50 == 0 ? "Pending" : "Running";
  kube::ContainerStatus status;
  status.name = "app";
  status.ready = pod.status.phase == "Running";
  status.restart_count = index % 7;
  pod.status.container_statuses.push_back(status);
  return pod;
}

struct Cluster {
  std::vector<kube::Node> nodes;
  std::vector<std::shared_ptr<const kube::Pod>> pods;  // sorted by (namespace, name)
};

const Cluster& cluster() {
  static const Cluster c = [] {
    Cluster out;
    for (int i = 0; i < kNodes; ++i) out.nodes.push_back(makeNode(i));
    std::vector<kube::Pod> pods;
    for (int i = 0; i < kPods; ++i) pods.push_back(makePod("bulk", i, i < kWorkloadPods));
    std::sort(pods.begin(), pods.end(), [](const kube::Pod& a, const kube::Pod& b) {
      return a.metadata.name < b.metadata.name;
    });
    for (auto& pod : pods) out.pods.push_back(std::make_shared<const kube::Pod>(std::move(pod)));
    return out;
  }();
  return c;
}

ClusterObjects nodesOnly() {
  ClusterObjects objects;
  for (const auto& node : cluster().nodes) objects.nodes.push_back(&node);
  return objects;
}

const PodScope kNoPods{.list_pods = false, .namespace_name = ""};

void BM_ClusterSummaryScanningEveryPod(benchmark::State& state) {
  ClusterObjects objects = nodesOnly();
  for (const auto& pod : cluster().pods) objects.pods.push_back(pod.get());
  for (auto _ : state) benchmark::DoNotOptimize(summarizeCluster(objects, kNoPods));
}
BENCHMARK(BM_ClusterSummaryScanningEveryPod)->Unit(benchmark::kMicrosecond);

void BM_ClusterSummaryFromTotals(benchmark::State& state) {
  ClusterTotals totals;
  const auto handlers = totals.handlers();
  for (const auto& pod : cluster().pods) handlers.on_add(*pod);
  const ClusterObjects objects = nodesOnly();
  for (auto _ : state) {
    benchmark::DoNotOptimize(summarizeCluster(objects, totals.current(), kNoPods));
  }
}
BENCHMARK(BM_ClusterSummaryFromTotals)->Unit(benchmark::kMicrosecond);

// One pod update told to ClusterTotals (what each watch event of a pod costs the handlers).
void BM_ClusterTotalsUpdate(benchmark::State& state) {
  ClusterTotals totals;
  const auto handlers = totals.handlers();
  for (const auto& pod : cluster().pods) handlers.on_add(*pod);
  const kube::Pod& before = *cluster().pods[42];
  kube::Pod after = before;
  after.status.container_statuses[0].restart_count += 1;
  for (auto _ : state) {
    handlers.on_update(before, after);
    handlers.on_update(after, before);
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_ClusterTotalsUpdate);

const auto kNow = std::chrono::system_clock::now();

// The old route: copies of the namespace's pods, every one resolved and checked.
void BM_NamespaceErrorsCopyingEveryPod(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<kube::Pod> pods;
    pods.reserve(cluster().pods.size());
    for (const auto& pod : cluster().pods) pods.push_back(*pod);
    benchmark::DoNotOptimize(analyzeNamespaceErrors("bulk", pods, {}, {}, kNow));
  }
}
BENCHMARK(BM_NamespaceErrorsCopyingEveryPod)->Unit(benchmark::kMicrosecond);

std::shared_ptr<const kube::Indexers<kube::Pod>> indexers() {
  auto out = std::make_shared<kube::Indexers<kube::Pod>>();
  (*out)[std::string(kube::kPodsByControllerKind)] = kube::podControllerKindKeys;
  return out;
}

NamespaceErrorAnalysis analyzeIndexed(const kube::ObjectSnapshot<kube::Pod>& snapshot) {
  NamespaceObjects objects;
  for (const std::string_view kind : kWorkloadControllerKinds) {
    for (const auto& pod :
         snapshot.byIndex(kube::kPodsByControllerKind, kube::podControllerKindKey("bulk", kind))) {
      objects.pods.push_back(pod.get());
    }
  }
  return analyzeNamespaceErrors("bulk", objects, kNow);
}

// The new route on a fresh snapshot: the index is built (one IndexFunc call per pod), then only
// the workload pods are analysed.
void BM_NamespaceErrorsIndexed(benchmark::State& state) {
  const auto index = indexers();
  for (auto _ : state) {
    state.PauseTiming();
    kube::ObjectSnapshot<kube::Pod> snapshot(cluster().pods, "1", index);
    state.ResumeTiming();
    benchmark::DoNotOptimize(analyzeIndexed(snapshot));
  }
}
BENCHMARK(BM_NamespaceErrorsIndexed)->Unit(benchmark::kMicrosecond);

// The new route when the snapshot's index exists already (no pod changed since the last request).
void BM_NamespaceErrorsIndexedWarm(benchmark::State& state) {
  const kube::ObjectSnapshot<kube::Pod> snapshot(cluster().pods, "1", indexers());
  for (auto _ : state) benchmark::DoNotOptimize(analyzeIndexed(snapshot));
}
BENCHMARK(BM_NamespaceErrorsIndexedWarm)->Unit(benchmark::kMicrosecond);

// /api/v1/cluster/pod-issues over the 10,000 pods (every one checked; one in seven has restarted
// more than 5 times): the first page of 100, owners and events read for those only.
void BM_ClusterPodIssuesFirstPage(benchmark::State& state) {
  ClusterPodObjects objects;
  for (const auto& pod : cluster().pods) objects.pods.push_back(pod.get());
  const PodIssuesPage page{.limit = 100, .after = ""};
  for (auto _ : state) {
    benchmark::DoNotOptimize(analyzeClusterPodIssues(objects, kNow, {}, {}, page));
  }
  state.SetItemsProcessed(state.iterations() * kPods);
}
BENCHMARK(BM_ClusterPodIssuesFirstPage)->Unit(benchmark::kMicrosecond);

SchedulingView schedulingView() {
  SchedulingView view;
  for (const auto& node : cluster().nodes) view.nodes.push_back(&node);
  for (const auto& pod : cluster().pods) view.pods.push_back(pod.get());
  return view;
}

// A pod asking for more cpu than any node has free, or one of the bound pods (a copy, as the
// cache hands out).
kube::Pod askedPod(bool scheduled) {
  if (scheduled) return *cluster().pods[4242];
  kube::Pod pod = makePod("bulk", kPods + 1, false);
  pod.spec.node_name = {};
  pod.spec.containers[0].resources.requests["cpu"] = Quantity::parse("63");
  return pod;
}

void BM_SchedulingNodeInfosPerRequest(benchmark::State& state) {
  const SchedulingView view = schedulingView();
  const kube::Pod pod = askedPod(state.range(0) != 0);
  for (auto _ : state) benchmark::DoNotOptimize(analyzeScheduling(pod, view));
}
BENCHMARK(BM_SchedulingNodeInfosPerRequest)
    ->ArgName("scheduled")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);

void BM_SchedulingNodeInfosShared(benchmark::State& state) {
  const SchedulingView view = schedulingView();
  const auto nodes = schedule::framework::buildNodeInfos(view);
  const kube::Pod pod = askedPod(state.range(0) != 0);
  for (auto _ : state) benchmark::DoNotOptimize(analyzeScheduling(pod, view, nodes));
}
BENCHMARK(BM_SchedulingNodeInfosShared)
    ->ArgName("scheduled")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);

void BM_SchedulingNodeInfosBuild(benchmark::State& state) {
  const SchedulingView view = schedulingView();
  for (auto _ : state) benchmark::DoNotOptimize(schedule::framework::buildNodeInfos(view));
}
BENCHMARK(BM_SchedulingNodeInfosBuild)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace keelson::analysis
