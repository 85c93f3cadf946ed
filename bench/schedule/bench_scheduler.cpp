// Placements per second in process on the shape of kube-scheduler's scheduler_perf
// SchedulingBasic/5000Nodes_10000Pods: 5,000 nodes (4 cpu, 32Gi, 110 pods), 10,000 pods already
// bound, then pods of 100m cpu and 500Mi memory placed one after another. Each iteration is one
// scheduling cycle as `keelson scheduler` runs it: place() over the cache's NodeInfos with the
// scheduler's filters and the default profile's scores, then assume() the pod onto the chosen
// node (the binding, an API round trip, is left out as scheduler_perf's in-process figure
// includes it only through its fake API server). kube-scheduler's threshold for this case is
// 680 pods/s (test/integration/scheduler_perf/config/performance-config.yaml).
// The argument is percentageOfNodesToScore: 0 is kube-scheduler's adaptive default (10% of 5,000
// nodes), 100 evaluates every node.
// Run from a release build: build/release/bench/schedule/bench_scheduler
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/quantity.h"
#include "kube/node.h"
#include "kube/pod.h"
#include "schedule/framework/score_plugins.h"
#include "schedule/placement.h"
#include "schedule/scheduler_cache.h"

namespace keelson::schedule {
namespace {

using core::Quantity;

kube::Node makeNode(int index) {
  kube::Node node;
  node.metadata.name = "node-" + std::to_string(index);
  node.metadata.labels = {{"kubernetes.io/hostname", node.metadata.name},
                          {"topology.kubernetes.io/zone", "zone-" + std::to_string(index % 3)}};
  node.status.allocatable = {{"cpu", Quantity::parse("4")},
                             {"memory", Quantity::parse("32Gi")},
                             {"pods", Quantity::parse("110")}};
  node.status.capacity = node.status.allocatable;
  kube::Condition ready;
  ready.type = "Ready";
  ready.status = "True";
  node.status.conditions.push_back(ready);
  return node;
}

kube::Pod makePod(const std::string& name, const std::string& node) {
  kube::Pod pod;
  pod.metadata.namespace_name = "sched-perf";
  pod.metadata.name = name;
  pod.metadata.uid = "uid-" + name;
  pod.metadata.labels = {{"app", "perf"}};
  pod.spec.node_name = node;
  pod.spec.scheduler_name = "keelson";
  kube::Container container;
  container.name = "pause";
  container.image = "registry.k8s.io/pause:3.10";
  container.resources.requests = {{"cpu", Quantity::parse("100m")},
                                  {"memory", Quantity::parse("500Mi")}};
  pod.spec.containers.push_back(container);
  pod.status.phase = node.empty() ? "Pending" : "Running";
  return pod;
}

void BM_SchedulingBasic5000Nodes10000Pods(benchmark::State& state) {
  constexpr int kNodes = 5000;
  constexpr int kExisting = 10000;
  SchedulerCache cache;
  for (int i = 0; i < kNodes; ++i) cache.upsertNode(makeNode(i));
  for (int i = 0; i < kExisting; ++i) {
    cache.upsertPod(makePod("init-" + std::to_string(i), "node-" + std::to_string(i % kNodes)));
  }
  const Profile profile{&framework::Framework::schedulerFilters(),
                        framework::makeScorePlugins(framework::ScoreConfig{}),
                        static_cast<int>(state.range(0))};
  const framework::ClusterView view;  // No volumes or namespaces: the pods use none.
  std::vector<std::unique_ptr<kube::Pod>> pods;
  int placed = 0;
  for (auto _ : state) {
    pods.push_back(std::make_unique<kube::Pod>(makePod("new-" + std::to_string(placed), "")));
    const framework::PodInfo info(*pods.back());
    const Placement placement = cache.withNodes([&](std::span<const framework::NodeInfo> nodes) {
      const framework::Snapshot snapshot(view, nodes);
      return place(profile, info, snapshot);
    });
    if (placement.node.empty()) state.SkipWithError("a pod did not fit");
    cache.assume(*pods.back(), placement.node);
    ++placed;
  }
  state.SetItemsProcessed(placed);
  state.counters["pods_per_second"] =
      benchmark::Counter(static_cast<double>(placed), benchmark::Counter::kIsRate);
}
// Argument: percentageOfNodesToScore (0: kube-scheduler's adaptive default, 10% at 5,000 nodes;
// 100: every node).
BENCHMARK(BM_SchedulingBasic5000Nodes10000Pods)
    ->Arg(0)
    ->Arg(100)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(2000);

}  // namespace
}  // namespace keelson::schedule
