// The pod describe document and its text, on pods and events recorded from a v1.36 control plane
// (tests/data/kube/api): QoS against the API server's status.qosClass, kubectl's probe and
// toleration wording, env values never shown, sidecars, events.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/test_env.h"
#include "docs/pod_describe.h"
#include "docs/pod_documents.h"
#include "kube/decode.h"
#include "kube/event.h"
#include "kube/pod.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

std::string readFile(const std::string& name) {
  std::ifstream in(keelson::testing::testDataDir() + "/kube/api/" + name, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const std::vector<kube::Pod>& recordedPods() {
  static const auto pods = kube::decodeList<kube::Pod>(readFile("pods.json")).items;
  return pods;
}

const kube::Pod& recordedPod(std::string_view name) {
  for (const auto& pod : recordedPods()) {
    if (pod.metadata.name == name) return pod;
  }
  throw std::runtime_error("no recorded pod " + std::string(name));
}

const kube::Pod& webPod() { return recordedPod("web-7b87746859-klq2s"); }

const json& findNamed(const json& list, std::string_view name) {
  for (const auto& item : list) {
    if (item.at("name") == name) return item;
  }
  throw std::runtime_error("no item named " + std::string(name));
}

// The value of the top-level text line "Label:   value", or "" when there is none.
std::string textField(const std::string& text, const std::string& label) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(label + ":")) continue;
    const auto start = line.find_first_not_of(' ', label.size() + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

TEST(PodQosClass, MatchesTheApiServerOnEveryRecordedPod) {
  ASSERT_FALSE(recordedPods().empty());
  std::set<std::string> seen;
  for (const auto& pod : recordedPods()) {
    ASSERT_FALSE(pod.status.qos_class.empty()) << pod.metadata.name;
    EXPECT_EQ(podQosClass(pod), pod.status.qos_class) << pod.metadata.name;
    seen.insert(pod.status.qos_class);
  }
  // The fixtures cover both non-trivial classes.
  EXPECT_TRUE(seen.contains("Guaranteed"));
  EXPECT_TRUE(seen.contains("Burstable"));
}

TEST(PodQosClass, FollowsKubernetesRules) {
  kube::Pod pod = recordedPod("db-0");
  ASSERT_EQ(podQosClass(pod), "Guaranteed");

  // An init container without limits makes it Burstable (init containers count).
  kube::Pod with_init = pod;
  kube::Container init;
  init.name = "init";
  init.resources.requests["cpu"] = core::Quantity::parse("10m");
  with_init.spec.init_containers.push_back(init);
  EXPECT_EQ(podQosClass(with_init), "Burstable");

  // Requests different from limits: Burstable.
  kube::Pod unequal = pod;
  unequal.spec.containers[0].resources.requests["cpu"] = core::Quantity::parse("1m");
  EXPECT_EQ(podQosClass(unequal), "Burstable");

  // Only non-cpu/memory resources, or zero quantities: BestEffort.
  kube::Pod best = pod;
  for (auto& c : best.spec.containers) {
    c.resources = {};
    c.resources.requests["ephemeral-storage"] = core::Quantity::parse("1Gi");
    c.resources.limits["cpu"] = core::Quantity::parse("0");
  }
  EXPECT_EQ(podQosClass(best), "BestEffort");

  // Pod-level resources decide when set.
  kube::Pod pod_level = best;
  pod_level.spec.resources.requests["cpu"] = core::Quantity::parse("1");
  pod_level.spec.resources.limits["cpu"] = core::Quantity::parse("1");
  pod_level.spec.resources.requests["memory"] = core::Quantity::parse("1Gi");
  pod_level.spec.resources.limits["memory"] = core::Quantity::parse("1Gi");
  EXPECT_EQ(podQosClass(pod_level), "Guaranteed");
  pod_level.spec.resources.limits.erase("memory");
  EXPECT_EQ(podQosClass(pod_level), "Burstable");
}

TEST(DescribeProbe, UsesKubectlWording) {
  const kube::Container& app = webPod().spec.containers.at(0);
  ASSERT_EQ(app.name, "app");
  // kubectl describe's DescribeProbe on the same probes (named port "http", defaults kept).
  EXPECT_EQ(describeProbe(*app.liveness_probe),
            "http-get http://:http/healthz delay=10s timeout=1s period=15s #success=1 #failure=5");
  EXPECT_EQ(describeProbe(*app.readiness_probe),
            "tcp-socket :8080 delay=0s timeout=2s period=10s #success=1 #failure=3");
  EXPECT_EQ(describeProbe(*app.startup_probe),
            "exec [cat /tmp/started] delay=0s timeout=1s period=2s #success=1 #failure=30");
  const kube::Container& grpc = webPod().spec.containers.at(1);
  EXPECT_EQ(describeProbe(*grpc.liveness_probe),
            "grpc <pod>:9000 health delay=0s timeout=1s period=10s #success=1 #failure=3");
}

TEST(DescribeProbe, MatchesRecordedKubectlDescribe) {
  const auto pod = kube::decodeObject<kube::Pod>(readFile("pod_probes.json"));
  const std::string kubectl = readFile("pod_probes_describe.txt");
  int probes = 0;
  for (const auto& c : pod.spec.containers) {
    for (const auto* probe : {&c.liveness_probe, &c.readiness_probe, &c.startup_probe}) {
      if (!probe->has_value()) continue;
      ++probes;
      // kubectl's line: "    Liveness:     <description>" (or Readiness, Startup)
      EXPECT_NE(kubectl.find("  " + describeProbe(**probe) + "\n"), std::string::npos)
          << describeProbe(**probe);
    }
  }
  EXPECT_EQ(probes, 4);
  for (const auto& t : pod.spec.tolerations) {
    EXPECT_NE(kubectl.find(describeToleration(t) + "\n"), std::string::npos)
        << describeToleration(t);
  }
  EXPECT_EQ(podQosClass(pod), pod.status.qos_class);
  EXPECT_EQ(podQosClass(pod), "BestEffort");
}

TEST(DescribeToleration, UsesKubectlWording) {
  const auto& t = webPod().spec.tolerations;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(describeToleration(t[0]), "dedicated=infra:NoSchedule");
  EXPECT_EQ(describeToleration(t[1]),
            "node.kubernetes.io/unreachable:NoExecute op=Exists for 120s");
  EXPECT_EQ(describeToleration(t[2]), "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s");
  kube::Toleration all;
  all.op = "Exists";
  EXPECT_EQ(describeToleration(all), "op=Exists");
  kube::Toleration key_only;
  key_only.key = "gpu";
  key_only.op = "Exists";
  EXPECT_EQ(describeToleration(key_only), "gpu op=Exists");
}

TEST(PodDescribeDocument, NeverShowsEnvValues) {
  // The literal value is in the recorded JSON (the fixture's canary) ...
  ASSERT_NE(readFile("pods.json").find("do-not-keep-me-0xdeadbeef"), std::string::npos);
  const json doc = podDescribeDocument(webPod(), {});
  // ... and nowhere in the document or the text.
  EXPECT_EQ(doc.dump().find("do-not-keep-me"), std::string::npos);
  EXPECT_EQ(renderPodDescription(doc).find("do-not-keep-me"), std::string::npos);

  const json& env = findNamed(doc["containers"], "app")["environment"];
  EXPECT_EQ(findNamed(env, "API_TOKEN")["source"], "value");
  EXPECT_EQ(findNamed(env, "DB_PASSWORD")["source"], "secretKeyRef(web-secrets.DB_PASSWORD)");
  EXPECT_EQ(findNamed(env, "LOG_LEVEL")["source"], "configMapKeyRef(web-config.LOG_LEVEL)");
  EXPECT_EQ(findNamed(env, "POD_IP")["source"], "fieldRef(status.podIP)");
  EXPECT_EQ(findNamed(env, "MEM_LIMIT")["source"], "resourceFieldRef(limits.memory)");
  const json& env_from = findNamed(doc["containers"], "app")["envFrom"];
  ASSERT_EQ(env_from.size(), 2u);
  EXPECT_EQ(
      env_from[0],
      (json{
          {"type", "configMapRef"}, {"name", "web-config"}, {"prefix", ""}, {"optional", false}}));
  EXPECT_EQ(env_from[1], (json{{"type", "secretRef"},
                               {"name", "web-secrets"},
                               {"prefix", "SECRET_"},
                               {"optional", true}}));
}

TEST(PodDescribeDocument, MirrorsTheRecordedPod) {
  // Compare against the recorded JSON itself, field by field.
  const json raw = json::parse(readFile("pod_checkout.json"));
  const kube::Pod pod = kube::decodeObject<kube::Pod>(readFile("pod_checkout.json"));
  const json doc = podDescribeDocument(pod, {});
  EXPECT_EQ(doc["name"], raw["metadata"]["name"]);
  EXPECT_EQ(doc["namespace"], raw["metadata"]["namespace"]);
  EXPECT_EQ(doc["node"], raw["spec"]["nodeName"]);
  EXPECT_EQ(doc["status"]["phase"], raw["status"]["phase"]);
  EXPECT_EQ(doc["status"]["podIP"], raw["status"]["podIP"]);
  EXPECT_EQ(doc["status"]["hostIP"], raw["status"]["hostIP"]);
  EXPECT_EQ(doc["status"]["startTime"], raw["status"]["startTime"]);
  EXPECT_EQ(doc["qosClass"], raw["status"]["qosClass"]);
  EXPECT_EQ(doc["serviceAccount"], raw["spec"]["serviceAccountName"]);

  for (const auto& [kind, statuses] : {std::pair{"containers", "containerStatuses"},
                                       std::pair{"initContainers", "initContainerStatuses"}}) {
    ASSERT_EQ(doc[kind].size(), raw["spec"][kind].size()) << kind;
    for (std::size_t i = 0; i < raw["spec"][kind].size(); ++i) {
      const json& spec = raw["spec"][kind][i];
      const json& ours = doc[kind][i];
      EXPECT_EQ(ours["name"], spec["name"]);
      EXPECT_EQ(ours["image"], spec["image"]);
      const json res = spec.value("resources", json::object());
      EXPECT_EQ(ours["resources"]["requests"], res.value("requests", json::object()));
      EXPECT_EQ(ours["resources"]["limits"], res.value("limits", json::object()));
      if (std::string(kind) == "initContainers") {
        EXPECT_EQ(ours["sidecar"], spec.value("restartPolicy", "") == "Always") << spec["name"];
      }
      const json& status = findNamed(raw["status"][statuses], spec["name"].get<std::string>());
      EXPECT_EQ(ours["ready"], status["ready"]);
      EXPECT_EQ(ours["started"], status.value("started", false));
      EXPECT_EQ(ours["restartCount"], status["restartCount"]);
      EXPECT_EQ(ours["imageID"], status["imageID"]);
      ASSERT_EQ(ours["state"].size(), 1u);
      EXPECT_TRUE(status["state"].contains(ours["state"].begin().key()));
      EXPECT_EQ(ours["lastState"], status["lastState"]);  // {} here
      EXPECT_EQ(ours["mounts"].size(), spec.value("volumeMounts", json::array()).size());
    }
  }
  const json& envoy = findNamed(doc["initContainers"], "envoy");
  EXPECT_TRUE(envoy["sidecar"]);
  EXPECT_EQ(envoy["state"]["running"]["startedAt"], "2026-11-21T00:09:05Z");
  const json& wait_db = findNamed(doc["initContainers"], "wait-db");
  EXPECT_FALSE(wait_db["sidecar"]);
  EXPECT_EQ(wait_db["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(wait_db["state"]["terminated"]["exitCode"], 0);

  ASSERT_EQ(doc["conditions"].size(), raw["status"]["conditions"].size());
  for (std::size_t i = 0; i < doc["conditions"].size(); ++i) {
    EXPECT_EQ(doc["conditions"][i]["type"], raw["status"]["conditions"][i]["type"]);
    EXPECT_EQ(doc["conditions"][i]["status"], raw["status"]["conditions"][i]["status"]);
    EXPECT_EQ(doc["conditions"][i]["lastTransitionTime"],
              raw["status"]["conditions"][i]["lastTransitionTime"]);
  }
  ASSERT_EQ(doc["tolerations"].size(), raw["spec"]["tolerations"].size());
  EXPECT_EQ(doc["tolerations"][0]["description"],
            "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s");
  EXPECT_EQ(doc["tolerations"][0]["tolerationSeconds"], 300);
}

TEST(PodDescribeDocument, VolumesControllerAndSelectors) {
  const json doc = podDescribeDocument(webPod(), {});
  EXPECT_EQ(doc["controlledBy"], "ReplicaSet/web-7b87746859");
  EXPECT_EQ(doc["nodeSelector"], (json{{"kubernetes.io/os", "linux"}}));
  const json& volumes = doc["volumes"];
  EXPECT_EQ(findNamed(volumes, "config"),
            (json{{"name", "config"},
                  {"type", "ConfigMap"},
                  {"source", {{"configMap", {{"name", "web-config"}}}}}}));
  EXPECT_EQ(findNamed(volumes, "tls")["source"]["secret"]["secretName"], "web-tls");
  EXPECT_EQ(findNamed(volumes, "uploads")["type"], "PersistentVolumeClaim");
  EXPECT_EQ(findNamed(volumes, "uploads")["source"]["persistentVolumeClaim"]["claimName"],
            "uploads");
  EXPECT_EQ(findNamed(volumes, "logs")["source"]["emptyDir"]["sizeLimit"], "500Mi");
  EXPECT_EQ(findNamed(volumes, "cache")["source"]["emptyDir"]["medium"], "Memory");
  EXPECT_EQ(findNamed(volumes, "host-logs")["source"]["hostPath"]["path"], "/var/log");
  EXPECT_EQ(findNamed(volumes, "podinfo")["type"], "DownwardAPI");
  const json& mounts = findNamed(doc["containers"], "app")["mounts"];
  EXPECT_EQ(findNamed(mounts, "uploads"), (json{{"name", "uploads"},
                                                {"mountPath", "/srv/uploads"},
                                                {"subPath", "web"},
                                                {"readOnly", false}}));
  EXPECT_TRUE(findNamed(mounts, "config")["readOnly"]);
  const json& probes = findNamed(doc["containers"], "app")["probes"];
  EXPECT_EQ(probes["liveness"]["type"], "httpGet");
  EXPECT_EQ(probes["liveness"]["initialDelaySeconds"], 10);
  EXPECT_EQ(probes["liveness"]["failureThreshold"], 5);
  EXPECT_EQ(probes["startup"]["target"], "cat /tmp/started");
  EXPECT_FALSE(findNamed(doc["containers"], "grpc-health")["probes"].contains("readiness"));
  EXPECT_TRUE(findNamed(doc["initContainers"], "log-shipper")["sidecar"]);
  EXPECT_FALSE(findNamed(doc["initContainers"], "migrate")["sidecar"]);
}

TEST(PodDescribeDocument, CarriesThePodsEvents) {
  const auto events = kube::decodeList<kube::Event>(readFile("events_core_v1.json")).items;
  const kube::Pod& pod = webPod();
  const std::vector<kube::Event> mine = podEvents(pod, events);
  ASSERT_FALSE(mine.empty());
  const json doc = podDescribeDocument(pod, mine);
  ASSERT_EQ(doc["events"].size(), mine.size());
  // Each event against the recorded core/v1 JSON of the same event.
  const json raw = json::parse(readFile("events_core_v1.json"));
  for (const auto& ours : doc["events"]) {
    bool found = false;
    for (const auto& item : raw["items"]) {
      if (item["involvedObject"]["name"] != pod.metadata.name || item["reason"] != ours["reason"] ||
          item["message"] != ours["message"]) {
        continue;
      }
      found = true;
      EXPECT_EQ(ours["type"], item["type"]);
      EXPECT_EQ(ours["count"], item.value("count", 1));
      if (item["lastTimestamp"].is_string()) {
        EXPECT_EQ(ours["lastTimestamp"], item["lastTimestamp"]);
      }
      // kubectl describe's "From": source.component, else reportingComponent; plus the node.
      std::string from = item["source"].value("component", "");
      if (from.empty()) from = item.value("reportingComponent", "");
      const std::string host = item["source"].value("host", "");
      EXPECT_EQ(ours["source"], host.empty() ? from : from + "/" + host);
    }
    EXPECT_TRUE(found) << ours.dump();
  }
  const std::string text = renderPodDescription(doc);
  for (const auto& e : doc["events"]) {
    EXPECT_NE(text.find(e["message"].get<std::string>()), std::string::npos);
  }
}

TEST(RenderPodDescription, SaysWhatTheDocumentSays) {
  const json doc = podDescribeDocument(webPod(), {});
  const std::string text = renderPodDescription(doc);
  EXPECT_EQ(textField(text, "Name"), doc["name"]);
  EXPECT_EQ(textField(text, "Namespace"), doc["namespace"]);
  EXPECT_EQ(textField(text, "QoS Class"), doc["qosClass"]);
  EXPECT_EQ(textField(text, "Controlled By"), "ReplicaSet/web-7b87746859");
  EXPECT_EQ(textField(text, "Status"), doc["status"]["phase"]);
  for (const auto& c : doc["containers"]) {
    for (const auto& [kind, probe] : c["probes"].items()) {
      EXPECT_NE(text.find(probe["description"].get<std::string>()), std::string::npos) << kind;
    }
  }
  for (const auto& t : doc["tolerations"]) {
    EXPECT_NE(text.find(t["description"].get<std::string>()), std::string::npos);
  }
  EXPECT_NE(text.find("/srv/uploads from uploads (rw,path=\"web\")"), std::string::npos);
  EXPECT_NE(text.find("DB_PASSWORD:"), std::string::npos);
  // A partial document renders without throwing.
  EXPECT_NO_THROW(renderPodDescription(json{{"name", "x"}, {"containers", {json::object()}}}));
  EXPECT_NO_THROW(renderPodDescription(json::object()));
}

}  // namespace
}  // namespace keelson::docs
