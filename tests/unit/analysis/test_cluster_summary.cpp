#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <stop_token>
#include <string>

#include "analysis/cluster_summary.h"
#include "analysis/pod_totals.h"
#include "common/test_env.h"
#include "core/error.h"
#include "kube/decode.h"

namespace keelson::analysis {
namespace {

using core::Quantity;

kube::Node node(const std::string& name, const std::string& cpu, const std::string& memory,
                bool ready = true) {
  kube::Node n;
  n.metadata.name = name;
  n.status.allocatable = {{"cpu", Quantity::parse(cpu)},
                          {"memory", Quantity::parse(memory)},
                          {"pods", Quantity::parse("110")}};
  n.status.capacity = n.status.allocatable;
  kube::Condition condition;
  condition.type = "Ready";
  condition.status = ready ? "True" : "False";
  n.status.conditions.push_back(condition);
  return n;
}

kube::Pod pod(const std::string& ns, const std::string& name, const std::string& node_name,
              const std::string& phase, const std::string& cpu, const std::string& memory) {
  kube::Pod p;
  p.metadata.namespace_name = ns;
  p.metadata.name = name;
  p.spec.node_name = node_name;
  p.status.phase = phase;
  kube::Container c;
  c.name = "app";
  c.resources.requests = {{"cpu", Quantity::parse(cpu)}, {"memory", Quantity::parse(memory)}};
  c.resources.limits = {{"memory", Quantity::parse(memory)}};
  p.spec.containers.push_back(c);
  kube::ContainerStatus status;
  status.name = "app";
  status.ready = phase == "Running";
  p.status.container_statuses.push_back(status);
  return p;
}

TEST(ClusterSummary, NodeRequestsCountOnlyNonTerminatedPodsBoundToIt) {
  ClusterState state;
  state.nodes = {node("b", "4", "16Gi"), node("a", "2", "8Gi", false)};
  state.pods = {pod("x", "run", "b", "Running", "500m", "1Gi"),
                pod("x", "bound-pending", "b", "Pending", "250m", "512Mi"),
                pod("x", "done", "b", "Succeeded", "1", "1Gi"),
                pod("x", "failed", "b", "Failed", "1", "1Gi"),
                pod("y", "unscheduled", "", "Pending", "3", "1Gi")};
  const ClusterSummary s = summarizeCluster(state);
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_EQ(s.nodes[0].name, "a");  // sorted by name
  const NodeSummary& b = s.nodes[1];
  EXPECT_EQ(b.requested.at("cpu").milliValue(), 750);
  EXPECT_EQ(b.requested.at("memory"), Quantity::parse("1536Mi"));
  EXPECT_EQ(b.limits.at("memory"), Quantity::parse("1536Mi"));
  EXPECT_EQ(b.available.at("cpu").milliValue(), 3250);
  EXPECT_EQ(b.available.at("pods"), Quantity::parse("110"));
  EXPECT_EQ(b.pods, 2);
  EXPECT_EQ(s.nodes[0].pods, 0);
  EXPECT_TRUE(s.nodes[0].requested.empty());
}

TEST(ClusterSummary, HealthCountsNodesAndPods) {
  ClusterState state;
  state.nodes = {node("a", "2", "8Gi"), node("b", "2", "8Gi", false)};
  state.pods = {
      pod("x", "r1", "a", "Running", "1m", "1Mi"), pod("x", "s", "a", "Succeeded", "1m", "1Mi"),
      pod("x", "p", "", "Pending", "1m", "1Mi"), pod("x", "f", "a", "Failed", "1m", "1Mi")};
  state.pods.push_back(pod("x", "r2", "a", "Running", "1m", "1Mi"));
  state.pods.back().status.container_statuses[0].ready = false;  // running but not ready
  const ClusterHealth h = summarizeCluster(state).health;
  EXPECT_EQ(h.total_nodes, 2);
  EXPECT_EQ(h.ready_nodes, 1);
  EXPECT_DOUBLE_EQ(h.node_health_percent, 50.0);
  EXPECT_EQ(h.total_pods, 5);
  EXPECT_EQ(h.pods_by_phase.at("Running"), 2);
  EXPECT_EQ(h.pods_by_phase.at("Pending"), 1);
  EXPECT_EQ(h.healthy_pods, 2);  // r1 and the Succeeded pod
  EXPECT_DOUBLE_EQ(h.pod_health_percent, 40.0);
}

TEST(ClusterSummary, EmptyClusterHasZeroPercentNotNaN) {
  const ClusterHealth h = summarizeCluster(ClusterState{}).health;
  EXPECT_EQ(h.node_health_percent, 0.0);
  EXPECT_EQ(h.pod_health_percent, 0.0);
}

TEST(ClusterSummary, ScopeNarrowsOnlyThePodList) {
  ClusterState state;
  state.nodes = {node("a", "2", "8Gi")};
  state.pods = {pod("x", "p1", "a", "Running", "100m", "1Mi"),
                pod("y", "p2", "a", "Running", "200m", "1Mi")};
  PodScope scope;
  scope.namespace_name = "y";
  const ClusterSummary only_y = summarizeCluster(state, scope);
  ASSERT_EQ(only_y.pods.size(), 1u);
  EXPECT_EQ(only_y.pods[0].name, "p2");
  EXPECT_EQ(only_y.nodes[0].requested.at("cpu").milliValue(), 300);
  EXPECT_EQ(only_y.health.total_pods, 2);
  scope.list_pods = false;
  EXPECT_TRUE(summarizeCluster(state, scope).pods.empty());
  EXPECT_EQ(summarizeCluster(state).pods.size(), 2u);
}

TEST(ClusterSummary, MetricsAttachToNodesAndPods) {
  ClusterState state;
  state.nodes = {node("a", "2", "8Gi"), node("b", "2", "8Gi")};
  state.pods = {pod("x", "p", "a", "Running", "100m", "1Mi")};
  kube::NodeMetrics nm;
  nm.metadata.name = "a";
  nm.usage = {{"cpu", Quantity::parse("250m")}};
  nm.window = std::chrono::milliseconds(20000);
  kube::PodMetrics pm;
  pm.metadata.name = "p";
  pm.metadata.namespace_name = "x";
  pm.containers = {{"app", {{"cpu", Quantity::parse("30m")}}},
                   {"side", {{"cpu", Quantity::parse("12m")}}}};
  state.node_metrics = std::vector<kube::NodeMetrics>{nm};
  state.pod_metrics = std::vector<kube::PodMetrics>{pm};
  const ClusterSummary s = summarizeCluster(state);
  EXPECT_TRUE(s.metrics_available);
  ASSERT_TRUE(s.nodes[0].usage.has_value());
  EXPECT_EQ(s.nodes[0].usage->usage.at("cpu").milliValue(), 250);
  EXPECT_EQ(s.nodes[0].usage->window.count(), 20000);
  EXPECT_FALSE(s.nodes[1].usage.has_value());
  ASSERT_TRUE(s.pods[0].usage.has_value());
  EXPECT_EQ(s.pods[0].usage->usage.at("cpu").milliValue(), 42);
  EXPECT_FALSE(summarizeCluster(ClusterState{}).metrics_available);
}

TEST(ClusterSummary, BorrowedObjectsStopWhenCancelled) {
  const kube::Node n = node("a", "2", "8Gi");
  const kube::Pod p = pod("x", "p", "a", "Running", "100m", "1Mi");
  ClusterObjects objects;
  objects.nodes = {&n};
  objects.pods = {&p};
  EXPECT_EQ(summarizeCluster(objects).nodes.at(0).pods, 1);
  std::stop_source source;
  source.request_stop();
  try {
    summarizeCluster(objects, {}, source.get_token());
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  }
}

// On real API responses: counts agree with a direct reading of the same JSON.
TEST(ClusterSummary, RealApiListsAgreeWithTheJson) {
  const std::string pods_json = keelson::testing::apiFixture("pods.json");
  const std::string nodes_json = keelson::testing::apiFixture("nodes.json");
  ClusterState state;
  state.pods = kube::decodeList<kube::Pod>(pods_json).items;
  state.nodes = kube::decodeList<kube::Node>(nodes_json).items;
  const ClusterSummary s = summarizeCluster(state);

  const auto pods = nlohmann::json::parse(pods_json).at("items");  // a copy, not a reference
  std::map<std::string, int> phases, bound;
  for (const auto& p : pods) {
    const std::string phase = p.at("status").value("phase", "Unknown");
    ++phases[phase];
    if (phase != "Succeeded" && phase != "Failed") ++bound[p.at("spec").value("nodeName", "")];
  }
  EXPECT_EQ(s.health.total_pods, static_cast<int>(pods.size()));
  EXPECT_EQ(s.health.pods_by_phase, phases);
  int ready = 0;
  const auto nodes = nlohmann::json::parse(nodes_json);
  for (const auto& n : nodes.at("items")) {
    for (const auto& c : n.at("status").at("conditions")) {
      ready += c.at("type") == "Ready" && c.at("status") == "True";
    }
  }
  EXPECT_EQ(s.health.ready_nodes, ready);
  for (const auto& n : s.nodes) {
    EXPECT_EQ(n.pods, bound[n.name]) << n.name;
    for (const auto& [resource, allocatable] : n.allocatable) {
      const auto requested = n.requested.count(resource) ? n.requested.at(resource) : Quantity();
      EXPECT_EQ(n.available.at(resource), allocatable - requested) << n.name << " " << resource;
    }
  }
}

// The figures a summary takes from PodTotals, for comparing two summaries.
void expectSameTotals(const ClusterSummary& actual, const ClusterSummary& expected) {
  EXPECT_EQ(actual.health.total_pods, expected.health.total_pods);
  EXPECT_EQ(actual.health.pods_by_phase, expected.health.pods_by_phase);
  EXPECT_EQ(actual.health.healthy_pods, expected.health.healthy_pods);
  ASSERT_EQ(actual.nodes.size(), expected.nodes.size());
  for (std::size_t i = 0; i < actual.nodes.size(); ++i) {
    const NodeSummary& a = actual.nodes[i];
    const NodeSummary& e = expected.nodes[i];
    EXPECT_EQ(a.name, e.name);
    EXPECT_EQ(a.pods, e.pods) << a.name;
    EXPECT_EQ(a.requested, e.requested) << a.name;  // Quantity compares values
    EXPECT_EQ(a.limits, e.limits) << a.name;
    EXPECT_EQ(a.available, e.available) << a.name;
  }
}

// Adds, updates (moving pods between nodes and phases, changing their requests) and deletes
// told to ClusterTotals's handlers, in a random order, leave the same totals as one pass over
// the pods that remain.
TEST(ClusterTotals, HandlersKeepWhatOnePassOverTheRemainingPodsComputes) {
  ClusterTotals totals;
  const kube::EventHandlers<kube::Pod> handlers = totals.handlers();
  std::map<std::string, kube::Pod> live;  // by name
  std::mt19937 random(20261204);
  const std::vector<std::string> nodes{"n1", "n2", "n3", "", "gone"};
  const std::vector<std::string> phases{"Pending", "Running", "Succeeded", "Failed", ""};
  const std::vector<std::string> cpus{"100m", "250m", "1", "1500m"};
  const std::vector<std::string> memories{"64Mi", "1Gi", "100M", "3G"};
  const auto pick = [&random](const std::vector<std::string>& from) {
    return from[random() % from.size()];
  };
  for (int step = 0; step < 3000; ++step) {
    const int index = static_cast<int>(random() % 60);
    const std::string name = "p" + std::to_string(index);
    const auto it = live.find(name);
    if (it != live.end() && random() % 4 == 0) {
      handlers.on_delete(it->second);
      live.erase(it);
      continue;
    }
    kube::Pod next = pod("ns" + std::to_string(index % 3), name, pick(nodes), pick(phases),
                         pick(cpus), pick(memories));
    if (it == live.end()) {
      handlers.on_add(next);
      live.emplace(name, std::move(next));
    } else {
      handlers.on_update(it->second, next);
      it->second = std::move(next);
    }
  }
  ClusterState state;
  state.nodes = {node("n1", "4", "8Gi"), node("n2", "2", "4Gi", false), node("n3", "8", "16Gi")};
  for (const auto& [name, p] : live) state.pods.push_back(p);
  ASSERT_GT(state.pods.size(), 20u);
  const PodScope no_pods{.list_pods = false, .namespace_name = ""};
  const ClusterSummary expected = summarizeCluster(state, no_pods);

  ClusterObjects nodes_only;
  for (const auto& n : state.nodes) nodes_only.nodes.push_back(&n);
  const ClusterSummary actual = summarizeCluster(nodes_only, totals.current(), no_pods);
  expectSameTotals(actual, expected);
  EXPECT_TRUE(actual.pods.empty());

  // Deleting every pod brings every total back to nothing.
  for (const auto& [name, p] : live) handlers.on_delete(p);
  const PodTotals empty = totals.current();
  EXPECT_EQ(empty.total_pods, 0);
  EXPECT_EQ(empty.healthy_pods, 0);
  EXPECT_TRUE(empty.pods_by_phase.empty());
  EXPECT_TRUE(empty.by_node.empty());
}

TEST(ClusterTotals, ListedPodsComeFromTheObjectsAndCountsFromTheTotals) {
  const std::vector<kube::Pod> pods{pod("a", "x", "n1", "Running", "1", "1Gi"),
                                    pod("b", "y", "n1", "Pending", "500m", "1Gi")};
  const PodTotals totals = podTotals(std::vector<const kube::Pod*>{&pods[0], &pods[1]});
  const kube::Node n1 = node("n1", "4", "8Gi");
  ClusterObjects objects;
  objects.nodes = {&n1};
  objects.pods = {&pods[1]};  // only the listed namespace's pods
  const ClusterSummary s =
      summarizeCluster(objects, totals, PodScope{.list_pods = true, .namespace_name = "b"});
  EXPECT_EQ(s.health.total_pods, 2);
  ASSERT_EQ(s.pods.size(), 1u);
  EXPECT_EQ(s.pods[0].name, "y");
  ASSERT_EQ(s.nodes.size(), 1u);
  EXPECT_EQ(s.nodes[0].requested.at("cpu"), Quantity::parse("1500m"));
  EXPECT_EQ(s.nodes[0].pods, 2);
}

}  // namespace
}  // namespace keelson::analysis
