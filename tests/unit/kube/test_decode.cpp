// Decoding real API JSON captured from a v1.36 control plane (tests/data/kube/api/README.md).
// Expected values come from the fixtures themselves; the cross-check tests compare every item
// against nlohmann::json reading the same file, an independent parser.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/test_env.h"
#include "core/error.h"
#include "kube/decode.h"
#include "kube/event.h"
#include "kube/metrics.h"
#include "kube/node.h"
#include "kube/pod.h"
#include "kube/stats_summary.h"
#include "kube/storage.h"
#include "kube/workloads.h"

namespace keelson::kube {
namespace {

using core::Quantity;
using std::chrono::milliseconds;

template <class T>
const T& named(const std::vector<T>& items, std::string_view name) {
  const auto it = std::find_if(items.begin(), items.end(),
                               [&](const T& item) { return item.metadata.name == name; });
  if (it == items.end()) throw std::runtime_error("no item " + std::string(name));
  return *it;
}

const Container& container(const List<Container>& containers, std::string_view name) {
  const auto it = std::find_if(containers.begin(), containers.end(),
                               [&](const Container& c) { return c.name == name; });
  if (it == containers.end()) throw std::runtime_error("no container " + std::string(name));
  return *it;
}

const Volume& volume(const Pod& pod, std::string_view name) {
  for (const auto& v : pod.spec.volumes) {
    if (v.name == name) return v;
  }
  throw std::runtime_error("no volume " + std::string(name));
}

Quantity q(std::string_view text) { return Quantity::parse(text); }

Time t(std::string_view text) { return parseTime(text); }

std::string decodeError(auto&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return {};
}

TEST(DecodePods, ListMetadataAndItems) {
  const auto list = decodeList<Pod>(keelson::testing::apiFixture("pods.json"));
  EXPECT_EQ(list.resource_version, "554");
  EXPECT_EQ(list.continue_token, "");
  ASSERT_EQ(list.items.size(), 17u);
  const Pod& db = named(list.items, "db-0");
  EXPECT_EQ(db.metadata.namespace_name, "shop");
  EXPECT_EQ(db.metadata.uid, "a1fbd8d3-a016-4fdf-89d9-f863d83c4f20");
  EXPECT_EQ(db.metadata.creation_timestamp, t("2026-11-21T00:08:27Z"));
  EXPECT_FALSE(isSet(db.metadata.deletion_timestamp));
  EXPECT_EQ(db.metadata.labels.at("app"), "db");
  const OwnerReference* owner = controllerOf(db.metadata);
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->kind, "StatefulSet");
  EXPECT_EQ(owner->name, "db");
  EXPECT_EQ(owner->api_version, "apps/v1");
  EXPECT_TRUE(owner->block_owner_deletion);
  EXPECT_EQ(db.spec.node_name, "kwok-node-0");
  EXPECT_EQ(db.status.qos_class, "Guaranteed");
}

TEST(DecodePods, SchedulingConstraints) {
  const auto list = decodeList<Pod>(keelson::testing::apiFixture("pods.json"));
  const Pod& web = named(list.items, "web-7b87746859-klq2s");
  const PodSpec& spec = web.spec;
  EXPECT_EQ(spec.priority, 2000000000);
  EXPECT_EQ(spec.priority_class_name, "system-cluster-critical");
  EXPECT_EQ(spec.preemption_policy, "PreemptLowerPriority");
  EXPECT_EQ(spec.runtime_class_name, "kata");
  EXPECT_EQ(spec.scheduler_name, "default-scheduler");
  EXPECT_EQ(spec.service_account_name, "default");
  EXPECT_EQ(spec.restart_policy, "Always");
  EXPECT_EQ(spec.termination_grace_period_seconds, 45);
  EXPECT_EQ(spec.node_selector, (StringMap{{"kubernetes.io/os", "linux"}}));
  EXPECT_EQ(spec.node_name, "");
  EXPECT_FALSE(spec.host_network);

  ASSERT_EQ(spec.tolerations.size(), 3u);
  EXPECT_EQ(spec.tolerations[0].key, "dedicated");
  EXPECT_EQ(spec.tolerations[0].op, "Equal");
  EXPECT_EQ(spec.tolerations[0].value, "infra");
  EXPECT_EQ(spec.tolerations[0].effect, "NoSchedule");
  EXPECT_FALSE(spec.tolerations[0].toleration_seconds);
  EXPECT_EQ(spec.tolerations[1].key, "node.kubernetes.io/unreachable");
  EXPECT_EQ(spec.tolerations[1].op, "Exists");
  EXPECT_EQ(spec.tolerations[1].toleration_seconds, 120);
  EXPECT_EQ(spec.tolerations[2].toleration_seconds, 300);  // added by admission

  ASSERT_TRUE(spec.affinity);
  ASSERT_TRUE(spec.affinity->node_affinity);
  const NodeAffinity& node = *spec.affinity->node_affinity;
  ASSERT_TRUE(node.required);
  ASSERT_EQ(node.required->node_selector_terms.size(), 1u);
  const auto& term = node.required->node_selector_terms[0];
  ASSERT_EQ(term.match_expressions.size(), 2u);
  EXPECT_EQ(term.match_expressions[0].key, "type");
  EXPECT_EQ(term.match_expressions[0].op, "In");
  EXPECT_EQ(term.match_expressions[0].values, List<InternedString>{"kwok"});
  EXPECT_EQ(term.match_expressions[1].key, "zone");
  EXPECT_EQ(term.match_expressions[1].op, "NotIn");
  EXPECT_TRUE(term.match_fields.empty());
  ASSERT_EQ(node.preferred.size(), 1u);
  EXPECT_EQ(node.preferred[0].weight, 50);
  EXPECT_EQ(node.preferred[0].preference.match_expressions[0].op, "DoesNotExist");

  ASSERT_TRUE(spec.affinity->pod_affinity);
  ASSERT_EQ(spec.affinity->pod_affinity->required.size(), 1u);
  const PodAffinityTerm& affinity = spec.affinity->pod_affinity->required[0];
  EXPECT_EQ(affinity.topology_key, "kubernetes.io/hostname");
  EXPECT_EQ(affinity.namespaces, List<InternedString>{"shop"});
  ASSERT_TRUE(affinity.label_selector);
  EXPECT_TRUE(affinity.label_selector->match_labels.empty());
  ASSERT_EQ(affinity.label_selector->match_expressions.size(), 1u);
  EXPECT_EQ(affinity.label_selector->match_expressions[0].key, "app");
  EXPECT_EQ(affinity.label_selector->match_expressions[0].op, "Exists");
  EXPECT_FALSE(affinity.namespace_selector);

  ASSERT_TRUE(spec.affinity->pod_anti_affinity);
  EXPECT_TRUE(spec.affinity->pod_anti_affinity->required.empty());
  ASSERT_EQ(spec.affinity->pod_anti_affinity->preferred.size(), 1u);
  EXPECT_EQ(spec.affinity->pod_anti_affinity->preferred[0].weight, 100);
  EXPECT_EQ(spec.affinity->pod_anti_affinity->preferred[0].term.label_selector->match_labels,
            (StringMap{{"app", "web"}}));

  ASSERT_EQ(spec.topology_spread_constraints.size(), 1u);
  const TopologySpreadConstraint& spread = spec.topology_spread_constraints[0];
  EXPECT_EQ(spread.max_skew, 1);
  EXPECT_EQ(spread.topology_key, "kubernetes.io/hostname");
  EXPECT_EQ(spread.when_unsatisfiable, "ScheduleAnyway");
  EXPECT_EQ(spread.node_taints_policy, "Honor");
  EXPECT_EQ(spread.node_affinity_policy, "");
  EXPECT_FALSE(spread.min_domains);
  EXPECT_EQ(spread.match_label_keys, List<InternedString>{"pod-template-hash"});
  ASSERT_TRUE(spread.label_selector);
  EXPECT_EQ(spread.label_selector->match_labels, (StringMap{{"app", "web"}}));
  ASSERT_EQ(spread.label_selector->match_expressions.size(), 1u);
  EXPECT_EQ(spread.label_selector->match_expressions[0].values, List<InternedString>{"7b87746859"});

  EXPECT_EQ(spec.overhead, (ResourceList{{"cpu", q("250m")}, {"memory", q("120Mi")}}));

  EXPECT_EQ(web.status.phase, "Pending");
  ASSERT_EQ(web.status.conditions.size(), 1u);
  const Condition* scheduled = findCondition(web.status.conditions, "PodScheduled");
  ASSERT_NE(scheduled, nullptr);
  EXPECT_FALSE(scheduled->isTrue());
  EXPECT_EQ(scheduled->reason, "Unschedulable");
  EXPECT_NE(scheduled->message.view().find("0/6 nodes are available"), std::string::npos);
  EXPECT_EQ(scheduled->last_transition_time, t("2026-11-21T00:08:27Z"));
  EXPECT_EQ(named(list.items, "web-7b87746859-wlhwv").status.nominated_node_name, "kwok-node-0");
}

TEST(DecodePods, ContainersInitContainersAndSidecars) {
  const auto list = decodeList<Pod>(keelson::testing::apiFixture("pods.json"));
  const Pod& web = named(list.items, "web-7b87746859-klq2s");
  ASSERT_EQ(web.spec.init_containers.size(), 2u);
  const Container& migrate = web.spec.init_containers[0];
  EXPECT_EQ(migrate.name, "migrate");
  EXPECT_FALSE(migrate.isRestartable());
  EXPECT_EQ(migrate.resources.requests, (ResourceList{{"cpu", q("1")}, {"memory", q("256Mi")}}));
  const Container& shipper = web.spec.init_containers[1];
  EXPECT_EQ(shipper.name, "log-shipper");
  EXPECT_TRUE(shipper.isRestartable());
  EXPECT_EQ(shipper.resources.limits.at("cpu").milliValue(), 100);

  ASSERT_EQ(web.spec.containers.size(), 2u);
  const Container& app = container(web.spec.containers, "app");
  EXPECT_EQ(app.image, "registry.example.com/shop/web:2.7.1");
  EXPECT_EQ(app.image_pull_policy, "IfNotPresent");
  EXPECT_EQ(app.restart_policy, "");
  EXPECT_EQ(app.resources.requests.at("cpu").milliValue(), 500);
  EXPECT_EQ(app.resources.requests.at("memory").value(), 512 * 1024 * 1024);
  EXPECT_EQ(app.resources.requests.at("ephemeral-storage").format(), "1Gi");
  EXPECT_EQ(app.resources.limits.at("cpu").format(), "2");
  EXPECT_EQ(app.resources.limits.at("memory").format(), "1Gi");

  ASSERT_EQ(app.ports.size(), 2u);
  EXPECT_EQ(app.ports[0].name, "http");
  EXPECT_EQ(app.ports[0].container_port, 8080);
  EXPECT_EQ(app.ports[0].protocol, "TCP");
  EXPECT_EQ(app.ports[0].host_port, 0);
  EXPECT_EQ(app.ports[1].host_port, 19090);

  ASSERT_EQ(app.env.size(), 5u);
  EXPECT_EQ(app.env[0].name, "LOG_LEVEL");
  EXPECT_EQ(app.env[0].source, EnvSource::kConfigMapKey);
  EXPECT_EQ(app.env[0].ref_name, "web-config");
  EXPECT_EQ(app.env[0].ref_key, "LOG_LEVEL");
  EXPECT_EQ(app.env[1].source, EnvSource::kSecretKey);
  EXPECT_EQ(app.env[1].ref_name, "web-secrets");
  EXPECT_EQ(app.env[1].ref_key, "DB_PASSWORD");
  // A literal value: only its presence is kept, never "do-not-keep-me-0xdeadbeef".
  EXPECT_EQ(app.env[2].name, "API_TOKEN");
  EXPECT_EQ(app.env[2].source, EnvSource::kValue);
  EXPECT_EQ(app.env[2].ref_name, "");
  EXPECT_EQ(app.env[3].source, EnvSource::kFieldRef);
  EXPECT_EQ(app.env[3].ref_name, "status.podIP");
  EXPECT_EQ(app.env[4].source, EnvSource::kResourceFieldRef);
  EXPECT_EQ(app.env[4].ref_name, "limits.memory");
  ASSERT_EQ(app.env_from.size(), 2u);
  EXPECT_FALSE(app.env_from[0].secret);
  EXPECT_EQ(app.env_from[0].name, "web-config");
  EXPECT_TRUE(app.env_from[1].secret);
  EXPECT_TRUE(app.env_from[1].optional);
  EXPECT_EQ(app.env_from[1].prefix, "SECRET_");

  ASSERT_TRUE(app.liveness_probe);
  EXPECT_EQ(app.liveness_probe->type, Probe::Type::kHttpGet);
  EXPECT_EQ(app.liveness_probe->target, "http://:http/healthz");
  EXPECT_EQ(app.liveness_probe->initial_delay_seconds, 10);
  EXPECT_EQ(app.liveness_probe->period_seconds, 15);
  EXPECT_EQ(app.liveness_probe->failure_threshold, 5);
  ASSERT_TRUE(app.readiness_probe);
  EXPECT_EQ(app.readiness_probe->type, Probe::Type::kTcpSocket);
  EXPECT_EQ(app.readiness_probe->target, ":8080");
  EXPECT_EQ(app.readiness_probe->timeout_seconds, 2);
  ASSERT_TRUE(app.startup_probe);
  EXPECT_EQ(app.startup_probe->type, Probe::Type::kExec);
  EXPECT_EQ(app.startup_probe->target, "cat /tmp/started");
  EXPECT_EQ(app.startup_probe->failure_threshold, 30);
  const Container& grpc = container(web.spec.containers, "grpc-health");
  ASSERT_TRUE(grpc.liveness_probe);
  EXPECT_EQ(grpc.liveness_probe->type, Probe::Type::kGrpc);
  EXPECT_EQ(grpc.liveness_probe->target, ":9000 health");
  EXPECT_FALSE(grpc.readiness_probe);

  ASSERT_EQ(app.volume_mounts.size(), 4u);  // + the service account token
  EXPECT_EQ(app.volume_mounts[1].name, "config");
  EXPECT_TRUE(app.volume_mounts[1].read_only);
  EXPECT_EQ(app.volume_mounts[2].mount_path, "/srv/uploads");
  EXPECT_EQ(app.volume_mounts[2].sub_path, "web");
}

TEST(DecodePods, Volumes) {
  const auto list = decodeList<Pod>(keelson::testing::apiFixture("pods.json"));
  const Pod& web = named(list.items, "web-7b87746859-klq2s");
  EXPECT_EQ(web.spec.volumes.size(), 8u);
  EXPECT_EQ(volume(web, "logs").type, "emptyDir");
  EXPECT_EQ(volume(web, "logs").size_limit, q("500Mi"));
  EXPECT_EQ(volume(web, "cache").medium, "Memory");
  EXPECT_TRUE(volume(web, "cache").size_limit.isZero());
  EXPECT_EQ(volume(web, "config").type, "configMap");
  EXPECT_EQ(volume(web, "config").reference, "web-config");
  EXPECT_EQ(volume(web, "tls").type, "secret");
  EXPECT_EQ(volume(web, "tls").reference, "web-tls");
  EXPECT_EQ(volume(web, "uploads").type, "persistentVolumeClaim");
  EXPECT_EQ(volume(web, "uploads").reference, "uploads");
  EXPECT_EQ(volume(web, "host-logs").type, "hostPath");
  EXPECT_EQ(volume(web, "host-logs").reference, "/var/log");
  EXPECT_EQ(volume(web, "podinfo").type, "downwardAPI");
  EXPECT_EQ(web.spec.volumes.back().type, "projected");  // kube-api-access-*
}

TEST(DecodePods, CrashLoopingContainerStatus) {
  const auto list = decodeList<Pod>(keelson::testing::apiFixture("pods.json"));
  const Pod& crashy = named(list.items, "crashy");
  EXPECT_EQ(crashy.metadata.annotations.at("kwok.x-k8s.io/status"), "custom");
  EXPECT_EQ(crashy.status.phase, "Running");
  EXPECT_EQ(crashy.status.pod_ip, "10.0.3.7");
  EXPECT_EQ(crashy.status.pod_ips, List<InternedString>{"10.0.3.7"});
  EXPECT_EQ(crashy.status.host_ip, "10.0.0.1");
  EXPECT_EQ(crashy.status.start_time, t("2025-11-20T23:00:00Z"));
  ASSERT_EQ(crashy.status.container_statuses.size(), 1u);
  const ContainerStatus& status = crashy.status.container_statuses[0];
  EXPECT_EQ(status.name, "crashy");
  EXPECT_FALSE(status.ready);
  EXPECT_FALSE(status.started);
  EXPECT_EQ(status.restart_count, 7);
  EXPECT_EQ(status.container_id, "containerd://4f1c2d");
  EXPECT_EQ(status.image_id.view().rfind("docker.io/library/busybox@sha256:", 0), 0u);
  EXPECT_EQ(status.state.kind, ContainerState::Kind::kWaiting);
  EXPECT_EQ(status.state.reason, "CrashLoopBackOff");
  EXPECT_NE(status.state.message.view().find("back-off 5m0s"), std::string::npos);
  EXPECT_EQ(status.last_state.kind, ContainerState::Kind::kTerminated);
  EXPECT_EQ(status.last_state.exit_code, 137);
  EXPECT_EQ(status.last_state.reason, "OOMKilled");
  EXPECT_EQ(status.last_state.started_at, t("2025-11-20T23:09:58Z"));
  EXPECT_EQ(status.last_state.finished_at, t("2025-11-20T23:10:03Z"));
  const Condition* ready = findCondition(crashy.status.conditions, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->reason, "ContainersNotReady");
}

TEST(DecodePods, ProbeTargetsAsKubectlPrintsThem) {
  // kubectl describe of this pod: tests/data/kube/api/pod_probes_describe.txt.
  const Pod pod = decodeObject<Pod>(keelson::testing::apiFixture("pod_probes.json"));
  ASSERT_EQ(pod.spec.containers.size(), 2u);
  const Container& grpc = pod.spec.containers[0];
  ASSERT_TRUE(grpc.liveness_probe);
  EXPECT_EQ(grpc.liveness_probe->type, Probe::Type::kGrpc);
  EXPECT_EQ(grpc.liveness_probe->target, ":9000");  // the API server defaults service to ""
  const Container& http = pod.spec.containers[1];
  ASSERT_TRUE(http.liveness_probe && http.readiness_probe && http.startup_probe);
  EXPECT_EQ(http.liveness_probe->target, "http://[fe80::1]:8080/healthz");  // path "healthz"
  EXPECT_EQ(http.readiness_probe->target, "https://probe.example.com:metrics/ready");
  EXPECT_EQ(http.readiness_probe->initial_delay_seconds, 3);
  EXPECT_EQ(http.startup_probe->type, Probe::Type::kTcpSocket);
  EXPECT_EQ(http.startup_probe->target, "10.0.0.9:5432");
}

TEST(DecodePods, SingleObjectWithSidecarStatuses) {
  const Pod pod = decodeObject<Pod>(keelson::testing::apiFixture("pod_checkout.json"));
  EXPECT_EQ(pod.metadata.name, "checkout");
  EXPECT_EQ(pod.spec.overhead.at("memory").format(), "120Mi");
  ASSERT_EQ(pod.spec.init_containers.size(), 3u);
  EXPECT_TRUE(pod.spec.init_containers[1].isRestartable());
  ASSERT_TRUE(pod.spec.init_containers[1].readiness_probe);
  EXPECT_EQ(pod.spec.init_containers[1].readiness_probe->target, "https://:9901/ready");
  ASSERT_EQ(pod.status.init_container_statuses.size(), 3u);
  const auto& statuses = pod.status.init_container_statuses;
  EXPECT_EQ(statuses[0].state.kind, ContainerState::Kind::kTerminated);
  EXPECT_EQ(statuses[0].state.reason, "Completed");
  EXPECT_EQ(statuses[0].state.exit_code, 0);
  EXPECT_EQ(statuses[1].name, "envoy");
  EXPECT_EQ(statuses[1].state.kind, ContainerState::Kind::kRunning);
  EXPECT_TRUE(statuses[1].started);
  EXPECT_EQ(statuses[1].last_state.kind, ContainerState::Kind::kNone);  // {}
  EXPECT_EQ(pod.status.qos_class, "Burstable");
  EXPECT_EQ(pod.status.conditions.size(), 5u);
}

TEST(DecodePods, KubectlListAndPages) {
  const auto kubectl =
      decodeList<Pod>(keelson::testing::apiFixture("pods_kubectl.json"));  // "kind": "List"
  const auto api = decodeList<Pod>(keelson::testing::apiFixture("pods.json"));
  ASSERT_EQ(kubectl.items.size(), api.items.size());
  for (std::size_t i = 0; i < api.items.size(); ++i) {
    EXPECT_EQ(kubectl.items[i].metadata.uid, api.items[i].metadata.uid);
  }
  const auto page = decodeList<Pod>(keelson::testing::apiFixture("pods_page1.json"));
  EXPECT_EQ(page.items.size(), 4u);
  EXPECT_EQ(page.resource_version, "561");
  EXPECT_EQ(page.continue_token,
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NTYxLCJzdGFydCI6Ii9zaG9wL2RiLTFcdTAwMDAifQ");
}

TEST(DecodePods, LastAppliedConfigurationIsDropped) {
  const auto list = decodeList<Deployment>(keelson::testing::apiFixture("deployments.json"));
  const auto& annotations = list.items.at(0).metadata.annotations;
  EXPECT_EQ(annotations.count("kubectl.kubernetes.io/last-applied-configuration"), 0u);
  EXPECT_EQ(annotations.at("deployment.kubernetes.io/revision"), "1");
}

// Cached pods keep their vectors for life: decoding leaves no growth slack in them (five
// conditions would otherwise hold room for eight, three env entries for four).
TEST(DecodePods, ArraysHoldNoSpareCapacity) {
  const std::string json =
      R"({"metadata":{"name":"p","finalizers":["a","b","c"]},"spec":{"containers":[{"name":"c",)"
      R"("env":[{"name":"A"},{"name":"B"},{"name":"C"}]}]},"status":{"conditions":[)"
      R"({"type":"A"},{"type":"B"},{"type":"C"},{"type":"D"},{"type":"E"}],)"
      R"("podIPs":[{"ip":"10.0.0.1"},{"ip":"fd00::1"},{"ip":"10.0.0.2"}]}})";
  const Pod pod = decodeObject<Pod>(json);
  ASSERT_EQ(pod.status.conditions.size(), 5u);
  EXPECT_EQ(pod.status.conditions.capacity(), 5u);
  ASSERT_EQ(pod.spec.containers.at(0).env.size(), 3u);
  EXPECT_EQ(pod.spec.containers.at(0).env->capacity(), 3u);
  ASSERT_EQ(pod.metadata.finalizers.size(), 3u);
  EXPECT_EQ(pod.metadata.finalizers.capacity(), 3u);
  ASSERT_EQ(pod.status.pod_ips.size(), 3u);
  EXPECT_EQ(pod.status.pod_ips.capacity(), 3u);
  EXPECT_EQ(pod.status.pod_ips[1], "fd00::1");
}

// Pods of one workload repeat their labels, annotations, tolerations, ports, env, requests and
// limits: decoding keeps one copy of each, and a pod whose values differ keeps its own.
TEST(DecodePods, IdenticalListsAndMapsAreSharedBetweenPods) {
  const auto pod = [](std::string_view name, std::string_view app, std::string_view cpu) {
    return fmt::format(
        R"({{"metadata":{{"name":"{}","labels":{{"app":"{}"}},"annotations":{{"a":"1"}}}},)"
        R"("spec":{{"tolerations":[{{"key":"k","operator":"Exists","tolerationSeconds":300}}],)"
        R"("containers":[{{"name":"c","ports":[{{"containerPort":80}}],"env":[{{"name":"E"}}],)"
        R"("resources":{{"requests":{{"cpu":"{}"}},"limits":{{"cpu":"1"}}}}}}]}}}})",
        name, app, cpu);
  };
  const Pod a = decodeObject<Pod>(pod("a", "web", "100m"));
  const Pod b = decodeObject<Pod>(pod("b", "web", "100m"));
  const Pod c = decodeObject<Pod>(pod("c", "db", "200m"));
  const Container& ca = a.spec.containers.at(0);
  const Container& cb = b.spec.containers.at(0);
  const Container& cc = c.spec.containers.at(0);
  EXPECT_EQ(&a.metadata.labels.get(), &b.metadata.labels.get());
  EXPECT_NE(&a.metadata.labels.get(), &c.metadata.labels.get());
  EXPECT_EQ(c.metadata.labels.at("app"), "db");
  EXPECT_EQ(&a.metadata.annotations.get(), &c.metadata.annotations.get());
  EXPECT_EQ(&a.spec.tolerations.get(), &c.spec.tolerations.get());
  EXPECT_EQ(c.spec.tolerations.at(0).toleration_seconds, 300);
  EXPECT_EQ(&ca.ports.get(), &cc.ports.get());
  EXPECT_EQ(&ca.env.get(), &cc.env.get());
  EXPECT_EQ(&ca.resources.limits.get(), &cc.resources.limits.get());
  EXPECT_EQ(&ca.resources.requests.get(), &cb.resources.requests.get());
  EXPECT_NE(&ca.resources.requests.get(), &cc.resources.requests.get());
  EXPECT_EQ(cc.resources.requests.at("cpu").format(), "200m");
}

// Every pod against nlohmann::json reading the same bytes.
TEST(DecodePods, MatchesAnIndependentParser) {
  for (const char* file : {"pods.json", "pods_kubectl.json", "pods_page1.json"}) {
    SCOPED_TRACE(file);
    const std::string text = keelson::testing::apiFixture(file);
    const auto list = decodeList<Pod>(text);
    const auto json = nlohmann::json::parse(text);
    ASSERT_EQ(list.items.size(), json["items"].size());
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      const Pod& pod = list.items[i];
      const auto& item = json["items"][i];
      SCOPED_TRACE(pod.metadata.name);
      EXPECT_EQ(pod.metadata.name, item["metadata"]["name"]);
      EXPECT_EQ(pod.metadata.namespace_name, item["metadata"]["namespace"]);
      EXPECT_EQ(pod.metadata.resource_version, item["metadata"]["resourceVersion"]);
      EXPECT_EQ(pod.metadata.labels.size(),
                item["metadata"].value("labels", nlohmann::json::object()).size());
      EXPECT_EQ(pod.spec.node_name, item["spec"].value("nodeName", ""));
      EXPECT_EQ(pod.status.phase, item["status"]["phase"]);
      EXPECT_EQ(pod.status.conditions.size(),
                item["status"].value("conditions", nlohmann::json::array()).size());
      ASSERT_EQ(pod.spec.containers.size(), item["spec"]["containers"].size());
      for (std::size_t c = 0; c < pod.spec.containers.size(); ++c) {
        const auto& jc = item["spec"]["containers"][c];
        EXPECT_EQ(pod.spec.containers[c].name, jc["name"]);
        const auto requests = jc["resources"].value("requests", nlohmann::json::object());
        ASSERT_EQ(pod.spec.containers[c].resources.requests.size(), requests.size());
        for (const auto& [name, value] : requests.items()) {
          EXPECT_EQ(pod.spec.containers[c].resources.requests.at(name),
                    Quantity::parse(value.get<std::string>()));
        }
      }
      const auto statuses = item["status"].value("containerStatuses", nlohmann::json::array());
      ASSERT_EQ(pod.status.container_statuses.size(), statuses.size());
      for (std::size_t c = 0; c < statuses.size(); ++c) {
        EXPECT_EQ(pod.status.container_statuses[c].restart_count, statuses[c]["restartCount"]);
        EXPECT_EQ(pod.status.container_statuses[c].ready, statuses[c]["ready"]);
      }
    }
  }
}

TEST(DecodeNodes, TaintsCapacityConditionsAndInfo) {
  const auto list = decodeList<Node>(keelson::testing::apiFixture("nodes.json"));
  EXPECT_EQ(list.resource_version, "554");
  ASSERT_EQ(list.items.size(), 6u);
  const Node& cordoned = named(list.items, "kwok-node-cordoned");
  EXPECT_TRUE(cordoned.spec.unschedulable);
  ASSERT_EQ(cordoned.spec.taints.size(), 1u);
  EXPECT_EQ(cordoned.spec.taints[0].key, "node.kubernetes.io/unschedulable");
  EXPECT_EQ(cordoned.spec.taints[0].value, "");
  EXPECT_EQ(cordoned.spec.taints[0].effect, "NoSchedule");
  EXPECT_EQ(cordoned.spec.taints[0].time_added, t("2026-11-21T00:08:05Z"));

  const Node& gpu = named(list.items, "kwok-node-gpu");
  EXPECT_FALSE(gpu.spec.unschedulable);
  ASSERT_EQ(gpu.spec.taints.size(), 1u);
  EXPECT_EQ(gpu.spec.taints[0].key, "nvidia.com/gpu");
  EXPECT_EQ(gpu.spec.taints[0].value, "present");
  EXPECT_FALSE(isSet(gpu.spec.taints[0].time_added));
  EXPECT_EQ(gpu.status.allocatable.at("nvidia.com/gpu").value(), 4);
  EXPECT_EQ(gpu.status.allocatable.at("cpu").milliValue(), 16000);
  EXPECT_EQ(gpu.status.allocatable.at("memory").value(), int64_t{64} << 30);
  EXPECT_EQ(gpu.status.capacity.at("pods").value(), 110);
  EXPECT_EQ(gpu.status.capacity.at("ephemeral-storage").format(), "100Gi");
  EXPECT_EQ(gpu.metadata.labels.at("zone"), "b");

  const Node& plain = named(list.items, "kwok-node-0");
  EXPECT_TRUE(plain.spec.taints.empty());
  ASSERT_EQ(plain.status.conditions.size(), 5u);
  const Condition* ready = findCondition(plain.status.conditions, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_TRUE(ready->isTrue());
  EXPECT_TRUE(isSet(ready->last_transition_time));
  EXPECT_FALSE(findCondition(plain.status.conditions, "MemoryPressure")->isTrue());
  ASSERT_EQ(plain.status.addresses.size(), 2u);
  EXPECT_EQ(plain.status.addresses[0].type, "InternalIP");
  EXPECT_EQ(plain.status.addresses[0].address, "10.0.0.1");
  EXPECT_EQ(plain.status.node_info.kubelet_version, "kwok-0.8.0");
  EXPECT_EQ(plain.status.node_info.os_image, "kwok fake node");
  EXPECT_EQ(plain.status.node_info.operating_system, "linux");
  EXPECT_EQ(plain.status.node_info.architecture, "amd64");
}

TEST(DecodeNamespaces, LabelsAndPhase) {
  const auto list = decodeList<Namespace>(keelson::testing::apiFixture("namespaces.json"));
  ASSERT_EQ(list.items.size(), 5u);
  const Namespace& shop = named(list.items, "shop");
  EXPECT_EQ(shop.phase, "Active");
  EXPECT_EQ(shop.metadata.labels.at("team"), "payments");
  EXPECT_EQ(shop.metadata.labels.at("env"), "prod");
}

TEST(DecodeEvents, CoreV1) {
  const auto list = decodeList<Event>(keelson::testing::apiFixture("events_core_v1.json"));
  EXPECT_EQ(list.resource_version, "555");
  ASSERT_EQ(list.items.size(), 43u);
  // Written by the persistentvolume-controller with the old recorder: count, first/last.
  const Event& provisioning = named(list.items, "uploads.18e9e6cfff9b9239");
  EXPECT_EQ(provisioning.regarding.kind, "PersistentVolumeClaim");
  EXPECT_EQ(provisioning.regarding.name, "uploads");
  EXPECT_EQ(provisioning.regarding.namespace_name, "shop");
  EXPECT_EQ(provisioning.reason, "ExternalProvisioning");
  EXPECT_EQ(provisioning.type, "Normal");
  EXPECT_EQ(provisioning.count, 8);
  EXPECT_FALSE(provisioning.series);
  EXPECT_EQ(provisioning.first_time, t("2026-11-21T00:08:27Z"));
  EXPECT_EQ(provisioning.last_time, t("2026-11-21T00:10:09Z"));
  EXPECT_FALSE(isSet(provisioning.event_time));
  EXPECT_EQ(provisioning.source_component, "persistentvolume-controller");
  EXPECT_EQ(provisioning.reporting_controller, "persistentvolume-controller");
  // Written by kube-scheduler through events.k8s.io: eventTime + series, null timestamps.
  const Event& failed = named(list.items, "huge.18e9e6d017c1a25e");
  EXPECT_EQ(failed.reason, "FailedScheduling");
  EXPECT_EQ(failed.type, "Warning");
  EXPECT_EQ(failed.action, "Scheduling");
  EXPECT_EQ(failed.regarding.uid, "c3d9cac9-5504-4d5a-9b9c-7b35b351bc6c");
  ASSERT_TRUE(failed.series);
  EXPECT_EQ(failed.count, 2);
  EXPECT_EQ(failed.event_time, t("2026-11-21T00:08:27.910001Z"));
  EXPECT_EQ(failed.first_time, t("2026-11-21T00:08:27.910001Z"));
  EXPECT_EQ(failed.last_time, t("2026-11-21T00:08:27.923032Z"));
  EXPECT_EQ(failed.reporting_controller, "default-scheduler");
  EXPECT_EQ(failed.reporting_instance, "default-scheduler-vm");
  EXPECT_EQ(failed.source_component, "");
  EXPECT_NE(failed.message.find("Insufficient cpu"), std::string::npos);
  // A single new-style event: count 1, first = last = eventTime.
  const Event& once = named(list.items, "huge.18e9e6d00cadb9bf");
  EXPECT_EQ(once.count, 1);
  EXPECT_EQ(once.first_time, once.event_time);
  EXPECT_EQ(once.last_time, once.event_time);
}

TEST(DecodeEvents, EventsV1NormalizesLikeCoreV1) {
  const auto v1 = decodeList<Event>(keelson::testing::apiFixture("events_events_v1.json"));
  const auto core = decodeList<Event>(keelson::testing::apiFixture("events_core_v1.json"));
  ASSERT_EQ(v1.items.size(), 43u);
  const Event& provisioning = named(v1.items, "uploads.18e9e6cfff9b9239");
  EXPECT_EQ(provisioning.message.empty(), false);
  EXPECT_GE(provisioning.count, 8);
  EXPECT_EQ(provisioning.source_component, "persistentvolume-controller");
  // The same stored events through both APIs give the same normalized Event.
  std::map<std::string, const Event*> by_uid;
  for (const Event& e : core.items) by_uid[e.metadata.uid] = &e;
  int compared = 0;
  for (const Event& e : v1.items) {
    const auto it = by_uid.find(e.metadata.uid);
    ASSERT_NE(it, by_uid.end());
    const Event& c = *it->second;
    if (c.metadata.resource_version != e.metadata.resource_version) continue;  // changed between
    SCOPED_TRACE(e.metadata.name);
    EXPECT_EQ(e.regarding.kind, c.regarding.kind);
    EXPECT_EQ(e.regarding.name, c.regarding.name);
    EXPECT_EQ(e.regarding.uid, c.regarding.uid);
    EXPECT_EQ(e.reason, c.reason);
    EXPECT_EQ(e.message, c.message);
    EXPECT_EQ(e.type, c.type);
    EXPECT_EQ(e.action, c.action);
    EXPECT_EQ(e.count, c.count);
    EXPECT_EQ(e.first_time, c.first_time);
    EXPECT_EQ(e.last_time, c.last_time);
    EXPECT_EQ(e.event_time, c.event_time);
    EXPECT_EQ(e.reporting_controller, c.reporting_controller);
    EXPECT_EQ(e.source_component, c.source_component);
    ++compared;
  }
  EXPECT_GT(compared, 40);
}

TEST(DecodeWorkloads, DeploymentReplicaSetStatefulSetDaemonSet) {
  const auto web_list = decodeList<Deployment>(keelson::testing::apiFixture("deployments.json"));
  const Deployment& web = web_list.items.at(0);
  EXPECT_EQ(web.spec.replicas, 3);
  EXPECT_EQ(web.spec.strategy_type, "RollingUpdate");
  EXPECT_EQ(web.spec.selector.match_labels, (StringMap{{"app", "web"}}));
  EXPECT_EQ(web.status.replicas, 3);
  EXPECT_EQ(web.status.updated_replicas, 3);
  EXPECT_EQ(web.status.ready_replicas, 0);
  EXPECT_EQ(web.status.unavailable_replicas, 3);
  EXPECT_EQ(web.status.observed_generation, web.metadata.generation);
  const Condition* available = findCondition(web.status.conditions, "Available");
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->reason, "MinimumReplicasUnavailable");
  EXPECT_EQ(available->last_transition_time, t("2026-11-21T00:08:26Z"));

  const auto rs_list = decodeList<ReplicaSet>(keelson::testing::apiFixture("replicasets.json"));
  const ReplicaSet& rs = rs_list.items.at(0);
  EXPECT_EQ(rs.spec.replicas, 3);
  EXPECT_EQ(rs.status.fully_labeled_replicas, 3);
  ASSERT_NE(controllerOf(rs.metadata), nullptr);
  EXPECT_EQ(controllerOf(rs.metadata)->kind, "Deployment");
  EXPECT_EQ(controllerOf(rs.metadata)->name, "web");

  const auto db_list = decodeList<StatefulSet>(keelson::testing::apiFixture("statefulsets.json"));
  const StatefulSet& db = db_list.items.at(0);
  EXPECT_EQ(db.spec.replicas, 2);
  EXPECT_EQ(db.spec.service_name, "db");
  EXPECT_EQ(db.spec.pod_management_policy, "Parallel");
  EXPECT_EQ(db.spec.update_strategy_type, "RollingUpdate");
  EXPECT_EQ(db.status.ready_replicas, 2);
  EXPECT_EQ(db.status.current_revision, "db-54b9b4c4cb");

  const auto agent_list = decodeList<DaemonSet>(keelson::testing::apiFixture("daemonsets.json"));
  const DaemonSet& agent = agent_list.items.at(0);
  EXPECT_EQ(agent.status.desired_number_scheduled, 6);
  EXPECT_EQ(agent.status.current_number_scheduled, 6);
  EXPECT_EQ(agent.status.number_ready, 6);
  EXPECT_EQ(agent.status.number_available, 6);
  EXPECT_EQ(agent.status.number_misscheduled, 0);
  EXPECT_EQ(agent.status.number_unavailable, 0);
}

TEST(DecodeWorkloads, JobAndDisruptionBudgets) {
  const auto job_list = decodeList<Job>(keelson::testing::apiFixture("jobs.json"));
  const Job& job = job_list.items.at(0);
  EXPECT_EQ(job.spec.completions, 3);
  EXPECT_EQ(job.spec.parallelism, 2);
  EXPECT_EQ(job.spec.backoff_limit, 4);
  EXPECT_EQ(job.spec.active_deadline_seconds, 600);
  EXPECT_EQ(job.spec.ttl_seconds_after_finished, 3600);
  EXPECT_EQ(job.spec.completion_mode, "NonIndexed");
  EXPECT_FALSE(job.spec.suspend);
  EXPECT_EQ(job.status.succeeded, 3);
  EXPECT_EQ(job.status.failed, 0);
  EXPECT_EQ(job.status.active, 0);
  EXPECT_EQ(job.status.ready, 0);
  EXPECT_EQ(job.status.completion_time, t("2026-11-21T00:08:29Z"));
  ASSERT_NE(findCondition(job.status.conditions, "Complete"), nullptr);
  EXPECT_TRUE(findCondition(job.status.conditions, "Complete")->isTrue());

  const auto pdbs = decodeList<PodDisruptionBudget>(keelson::testing::apiFixture("pdbs.json"));
  const PodDisruptionBudget& web = named(pdbs.items, "web");
  ASSERT_TRUE(web.spec.min_available);
  EXPECT_FALSE(web.spec.min_available->is_string);
  EXPECT_EQ(web.spec.min_available->int_value, 2);
  EXPECT_FALSE(web.spec.max_unavailable);
  EXPECT_EQ(web.status.disruptions_allowed, 0);
  EXPECT_EQ(web.status.desired_healthy, 2);
  EXPECT_EQ(web.status.expected_pods, 3);
  const PodDisruptionBudget& db = named(pdbs.items, "db");
  ASSERT_TRUE(db.spec.max_unavailable);
  EXPECT_TRUE(db.spec.max_unavailable->is_string);
  EXPECT_EQ(db.spec.max_unavailable->string_value, "50%");
  EXPECT_EQ(db.spec.max_unavailable->scaledValue(db.status.expected_pods, true), 1);
  EXPECT_EQ(db.spec.unhealthy_pod_eviction_policy, "AlwaysAllow");
  EXPECT_EQ(db.status.current_healthy, 2);
  EXPECT_EQ(db.status.disruptions_allowed, 1);
  ASSERT_TRUE(db.spec.selector);
  EXPECT_EQ(db.spec.selector->match_labels, (StringMap{{"app", "db"}}));
}

TEST(DecodeStorage, VolumesClaimsAndClasses) {
  const auto pvs =
      decodeList<PersistentVolume>(keelson::testing::apiFixture("persistentvolumes.json"));
  const PersistentVolume& local = named(pvs.items, "pv-local-0");
  EXPECT_EQ(local.spec.capacity.at("storage").format(), "10Gi");
  EXPECT_EQ(local.spec.access_modes, std::vector<std::string>{"ReadWriteOnce"});
  EXPECT_EQ(local.spec.storage_class_name, "manual");
  EXPECT_EQ(local.spec.reclaim_policy, "Retain");
  EXPECT_EQ(local.spec.source_type, "local");
  EXPECT_EQ(local.spec.source, "/mnt/disks/ssd0");
  ASSERT_TRUE(local.spec.claim_ref);
  EXPECT_EQ(local.spec.claim_ref->name, "data-db-0");
  ASSERT_TRUE(local.spec.node_affinity);
  EXPECT_EQ(local.spec.node_affinity->node_selector_terms.at(0).match_expressions.at(0).values,
            List<InternedString>{"kwok-node-0"});
  EXPECT_EQ(local.status.phase, "Bound");
  const PersistentVolume& nfs = named(pvs.items, "pv-nfs-0");
  EXPECT_EQ(nfs.spec.source_type, "nfs");
  EXPECT_EQ(nfs.spec.source, "nfs.example.internal:/exports/shared");
  EXPECT_FALSE(nfs.spec.claim_ref);
  EXPECT_EQ(nfs.spec.storage_class_name, "");
  EXPECT_EQ(nfs.status.phase, "Available");

  const auto pvcs = decodeList<PersistentVolumeClaim>(
      keelson::testing::apiFixture("persistentvolumeclaims.json"));
  const PersistentVolumeClaim& data = named(pvcs.items, "data-db-0");
  EXPECT_EQ(data.spec.storage_class_name, "manual");
  EXPECT_EQ(data.spec.volume_name, "pv-local-0");
  EXPECT_EQ(data.spec.requests.at("storage"), q("10Gi"));
  EXPECT_EQ(data.status.phase, "Bound");
  EXPECT_EQ(data.status.capacity.at("storage"), q("10Gi"));
  const PersistentVolumeClaim& uploads = named(pvcs.items, "uploads");
  EXPECT_EQ(uploads.spec.storage_class_name, "local-path");  // set by DefaultStorageClass
  EXPECT_EQ(uploads.status.phase, "Pending");

  const auto sc_list =
      decodeList<StorageClass>(keelson::testing::apiFixture("storageclasses.json"));
  const StorageClass& sc = sc_list.items.at(0);
  EXPECT_EQ(sc.provisioner, "rancher.io/local-path");
  EXPECT_EQ(sc.volume_binding_mode, "WaitForFirstConsumer");
  EXPECT_EQ(sc.reclaim_policy, "Delete");
  EXPECT_TRUE(sc.allow_volume_expansion);
  EXPECT_TRUE(sc.isDefault());
  EXPECT_EQ(sc.parameters.at("nodePath"), "/opt/local-path");
}

TEST(DecodeMetrics, NodeAndPodMetrics) {
  const auto nodes = decodeList<NodeMetrics>(keelson::testing::apiFixture("node_metrics.json"));
  ASSERT_EQ(nodes.items.size(), 3u);
  const NodeMetrics& node = nodes.items[0];
  EXPECT_EQ(node.metadata.name, "kwok-node-0");
  EXPECT_EQ(node.timestamp, t("2026-11-21T00:10:27Z"));
  EXPECT_EQ(node.window, milliseconds(20035));
  EXPECT_EQ(node.usage.at("cpu").milliValue(), 154);  // 153736287n rounded up
  EXPECT_EQ(node.usage.at("memory").value(), 1402736 * 1024);
  EXPECT_EQ(nodes.items[1].window, milliseconds(60000));  // "1m0s"
  EXPECT_EQ(nodes.items[2].window, milliseconds(10500));
  EXPECT_TRUE(nodes.items[2].usage.at("cpu").isZero());

  const auto pods = decodeList<PodMetrics>(keelson::testing::apiFixture("pod_metrics.json"));
  ASSERT_EQ(pods.items.size(), 2u);
  const PodMetrics& checkout = pods.items[0];
  EXPECT_EQ(checkout.metadata.namespace_name, "shop");
  EXPECT_EQ(checkout.window, milliseconds(18521));
  ASSERT_EQ(checkout.containers.size(), 2u);
  EXPECT_EQ(checkout.containers[1].name, "checkout");
  EXPECT_EQ(checkout.containers[1].usage.at("cpu").milliValue(), 282);
  EXPECT_EQ(checkout.containers[1].usage.at("memory").value(), 233472 * 1024);
}

TEST(DecodeErrors, MalformedJsonNamesTheKind) {
  const std::string pods = keelson::testing::apiFixture("pods.json");
  const std::string message =
      decodeError([&] { decodeList<Pod>(pods.substr(0, pods.size() / 2)); });
  EXPECT_EQ(message.rfind("decode PodList: ", 0), 0u) << message;
  for (const char* text : {"", "{", "{\"items\": [}", "[", "nul", "{\"items\": [1,]}"}) {
    SCOPED_TRACE(text);
    decodeError([&] { decodeList<Pod>(text); });
  }
}

TEST(DecodeErrors, NonObjectDocuments) {
  for (const char* text : {"null", "[]", "42", "\"pod\"", "true"}) {
    SCOPED_TRACE(text);
    const std::string message = decodeError([&] { decodeObject<Pod>(text); });
    EXPECT_NE(message.find("expected"), std::string::npos) << message;
  }
}

TEST(DecodeErrors, WrongTypesNameThePath) {
  EXPECT_EQ(decodeError([] { decodeObject<Pod>(R"({"metadata": {"name": 5}})"); }),
            "decode Pod: .metadata.name: expected a string, got number");
  EXPECT_EQ(decodeError([] {
              decodeList<Pod>(R"({"items": [{}, {"spec": {"containers": [{"name": "a",
                  "resources": {"requests": {"cpu": "12x"}}}]}}]})");
            }),
            "decode PodList: .items[1].spec.containers[0].resources.requests.cpu: quantity "
            "\"12x\": expected a number with an optional suffix (n u m k M G T P E, Ki Mi Gi Ti "
            "Pi Ei, or an exponent like e3)");
  EXPECT_EQ(decodeError([] { decodeObject<Node>(R"({"spec": {"taints": {}}})"); }),
            "decode Node: .spec.taints: expected an array, got object");
  EXPECT_EQ(decodeError([] { decodeObject<Pod>(R"({"spec": {"priority": 3000000000}})"); }),
            "decode Pod: .spec.priority: integer 3000000000 out of int32 range");
  EXPECT_EQ(decodeError([] { decodeObject<Pod>(R"({"spec": {"hostNetwork": "yes"}})"); }),
            "decode Pod: .spec.hostNetwork: expected a boolean, got string");
  EXPECT_EQ(
      decodeError([] { decodeObject<Pod>(R"({"metadata": {"creationTimestamp": "yesterday"}})"); }),
      "decode Pod: .metadata.creationTimestamp: timestamp \"yesterday\": expected RFC "
      "3339 like 2024-01-15T10:30:00Z");
  EXPECT_EQ(decodeError([] {
              decodeObject<Deployment>(R"({"spec": {"replicas": 1.5}})");
            }).rfind("decode Deployment: .spec.replicas: expected an integer", 0),
            0u);
}

TEST(DecodeErrors, WrongKindAndStatusBodies) {
  EXPECT_EQ(
      decodeError([] { decodeObject<Pod>(keelson::testing::apiFixture("status_not_found.json")); }),
      "decode Pod: .kind: expected kind \"Pod\", got \"Status\"");
  EXPECT_EQ(decodeError([] { decodeList<Pod>(keelson::testing::apiFixture("nodes.json")); }),
            "decode PodList: .kind: expected kind \"PodList\", got \"NodeList\"");
  EXPECT_EQ(decodeError([] { decodeList<Pod>(R"({"items": [{"kind": "Node"}]})"); }),
            "decode PodList: .items[0].kind: expected kind \"Pod\", got \"Node\"");
}

TEST(DecodeErrors, TrailingContent) {
  EXPECT_EQ(decodeError([] { decodeObject<Pod>(R"({"metadata": {}} {"metadata": {}})"); }),
            "decode Pod: unexpected content after the document");
  decodeError([] { decodeObject<Pod>(R"({"metadata": {}} x)"); });
  EXPECT_NO_THROW(decodeObject<Pod>("{\"metadata\": {}}  \n\t "));
}

TEST(DecodeBehaviour, UnknownFieldsNullsAndEscapes) {
  const Pod pod = decodeObject<Pod>(R"({
      "apiVersion": "v1", "kind": "Pod", "unknown": {"deep": [1, {"x": null}]},
      "metadata": {"name": "caf\u00e9\t\"q\"", "namespace": null, "labels": null,
                   "annotations": {"a\/b": "<\u003e"}, "finalizers": ["x"],
                   "deletionTimestamp": "2024-02-29T23:59:59.5+01:00"},
      "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": 0.5,
               "memory": " 1Gi "}, "limits": null}, "livenessProbe": null}],
               "affinity": null, "priority": null, "tolerations": [{"key": "k",
               "tolerationSeconds": null}]},
      "status": null})");
  EXPECT_EQ(pod.metadata.name, "caf\xC3\xA9\t\"q\"");
  EXPECT_EQ(pod.metadata.namespace_name, "");
  EXPECT_TRUE(pod.metadata.labels.empty());
  EXPECT_EQ(pod.metadata.annotations.at("a/b"), "<>");
  EXPECT_EQ(pod.metadata.finalizers, List<InternedString>{"x"});
  EXPECT_EQ(pod.metadata.deletion_timestamp, t("2024-02-29T22:59:59.5Z"));
  EXPECT_EQ(pod.spec.containers.at(0).resources.requests.at("cpu").milliValue(), 500);
  EXPECT_EQ(pod.spec.containers.at(0).resources.requests.at("memory").format(), "1Gi");
  EXPECT_TRUE(pod.spec.containers.at(0).resources.limits.empty());
  EXPECT_FALSE(pod.spec.containers.at(0).liveness_probe);
  EXPECT_FALSE(pod.spec.affinity);
  EXPECT_EQ(pod.spec.priority, 0);
  EXPECT_FALSE(pod.spec.tolerations.at(0).toleration_seconds);
  EXPECT_EQ(pod.status.phase, "");
}

TEST(DecodeBehaviour, PaddedInPlaceMatchesCopy) {
  std::string body = keelson::testing::apiFixture("nodes.json");
  const auto copied = decodeList<Node>(body);
  const auto in_place = decodeList<Node>(PaddedJson(body));
  ASSERT_EQ(copied.items.size(), in_place.items.size());
  for (std::size_t i = 0; i < copied.items.size(); ++i) {
    EXPECT_EQ(copied.items[i].metadata.uid, in_place.items[i].metadata.uid);
    EXPECT_EQ(copied.items[i].status.allocatable, in_place.items[i].status.allocatable);
  }
  // A view with known slack, as Client::listPages hands out.
  std::string page = keelson::testing::apiFixture("pods_page1.json");
  const std::size_t size = page.size();
  page.resize(size + kJsonPadding, ' ');
  const auto pods =
      decodeList<Pod>(PaddedJson(std::string_view(page.data(), size), size + kJsonPadding));
  EXPECT_EQ(pods.items.size(), 4u);
}

TEST(Objects, TimeParsingAndFormatting) {
  EXPECT_EQ(formatTime(t("2026-11-21T00:08:27Z")), "2026-11-21T00:08:27Z");
  EXPECT_EQ(t("1970-01-01T00:00:01Z").time_since_epoch(), std::chrono::seconds(1));
  EXPECT_EQ(t("2024-01-15T12:30:00+02:00"), t("2024-01-15T10:30:00Z"));
  EXPECT_EQ(t("2024-01-15T10:30:00-00:30"), t("2024-01-15T11:00:00Z"));
  EXPECT_EQ(t("2024-01-15T10:30:00.123456Z") - t("2024-01-15T10:30:00Z"),
            std::chrono::microseconds(123456));
  EXPECT_EQ(formatTime(Time{}), "");
  for (const char* bad :
       {"", "2024-01-15", "2024-01-15T10:30:00", "2024-02-30T10:30:00Z", "2024-01-15T24:00:00Z",
        "2024-01-15T10:30:00.Z", "2024-01-15 10:30:00Z", "2024-01-15T10:30:00Zjunk",
        "2024-01-15T10:30:00+0200", "4052-01-01T00:00:00Z", "0001-01-01T00:00:00Z"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parseTime(bad), Error);
  }
}

TEST(Objects, GoDurations) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(parseDuration("30s"), std::chrono::seconds(30));
  EXPECT_EQ(parseDuration("20.035s"), std::chrono::milliseconds(20035));
  EXPECT_EQ(parseDuration("1m0s"), std::chrono::minutes(1));
  EXPECT_EQ(parseDuration("1h2m3.5s"), std::chrono::milliseconds(3723500));
  EXPECT_EQ(parseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parseDuration("1.5\xC2\xB5s"), nanoseconds(1500));
  EXPECT_EQ(parseDuration("2us"), nanoseconds(2000));
  EXPECT_EQ(parseDuration("0"), nanoseconds(0));
  EXPECT_EQ(parseDuration("-1s"), std::chrono::seconds(-1));
  EXPECT_EQ(parseDuration("7d"), std::chrono::hours(168));
  EXPECT_EQ(parseDuration("2w1d12h"), std::chrono::hours(372));
  for (const char* bad : {"", "s", "1", "1x", "1.s.", "--1s", "1m1", "1.5.3s", "1y", "20000w"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parseDuration(bad), Error);
  }
}

TEST(Objects, IntOrStringScaling) {
  EXPECT_EQ((IntOrString{false, 3, {}}).scaledValue(10, true), 3);
  EXPECT_EQ((IntOrString{true, 0, "25%"}).scaledValue(10, true), 3);
  EXPECT_EQ((IntOrString{true, 0, "25%"}).scaledValue(10, false), 2);
  EXPECT_EQ((IntOrString{true, 0, "100%"}).scaledValue(7, false), 7);
  EXPECT_THROW((IntOrString{true, 0, "25"}).scaledValue(10, true), Error);
  EXPECT_THROW((IntOrString{true, 0, "x%"}).scaledValue(10, true), Error);
}

}  // namespace
}  // namespace keelson::kube

namespace keelson::kube {
namespace {

TEST(DecodeStatsSummary, PodNetworkCountersAndPodsWithout) {
  std::ifstream in(keelson::testing::testDataDir() + "/kube/api/stats_summary.json");
  const std::string json{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto summary = decodeObject<StatsSummary>(json);
  EXPECT_EQ(summary.node_name, "worker-1");
  ASSERT_EQ(summary.pods.size(), 2U);
  EXPECT_EQ(summary.pods[0].namespace_name, "shop");
  EXPECT_EQ(summary.pods[0].name, "web-0");
  ASSERT_TRUE(summary.pods[0].network.has_value());
  EXPECT_EQ(summary.pods[0].network->rx_bytes, 104857600U);
  EXPECT_EQ(summary.pods[0].network->tx_bytes, 52428800U);
  EXPECT_EQ(summary.pods[0].network->rx_errors, 2U);
  EXPECT_EQ(summary.pods[0].network->tx_errors, 1U);
  EXPECT_FALSE(summary.pods[1].network.has_value());
  EXPECT_THROW(decodeObject<StatsSummary>(R"({"pods":[{"network":{"rxBytes":-1}}]})"), Error);
  EXPECT_THROW(decodeObject<StatsSummary>(R"({"pods":[)"), Error);
}

}  // namespace
}  // namespace keelson::kube
