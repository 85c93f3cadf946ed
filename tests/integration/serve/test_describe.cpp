// The pod describe document of `keelson serve` (/api/v1/pods/{ns}/{pod}/describe) and of
// `keelson describe pod -o json`, compared with `kubectl get pod -o json` (the API server's view
// of the same pod, QoS class included) and `kubectl describe pod` (probe and toleration lines).
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The literal env value and the secret's data: neither may appear in keelson's output.
constexpr const char* kSecretLiteral = "literal-canary-7f3a9c21e";

class Describe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    serve_.start(cluster_);
  }

  static void TearDownTestSuite() { serve_.kill(); }

  void SetUp() override {
    if (cluster_.kubectl.empty()) KEELSON_MISSING_PREREQUISITE("no test cluster");
    ASSERT_GT(serve_.pid(), 0) << "keelson serve is not running";
  }

  static TestCluster cluster_;
  static ServeProcess serve_;
};

TestCluster Describe::cluster_;
ServeProcess Describe::serve_;

const json* findNamed(const json& list, const std::string& name) {
  for (const auto& item : list) {
    if (item.value("name", "") == name) return &item;
  }
  return nullptr;
}

json podManifest(const std::string& ns, const std::string& node_label) {
  json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "described", "labels": {"app": "describe"}},
    "spec": {
      "tolerations": [
        {"key": "dedicated", "operator": "Equal", "value": "describe", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 120}],
      "initContainers": [
        {"name": "init-db", "image": "busybox:1.36", "command": ["true"],
         "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}}},
        {"name": "proxy", "image": "envoyproxy/envoy:v1.31", "restartPolicy": "Always",
         "readinessProbe": {"tcpSocket": {"port": 9901}, "periodSeconds": 5},
         "resources": {"requests": {"cpu": "0.05", "memory": "64Mi"}}}],
      "containers": [
        {"name": "app", "image": "nginx:1.27",
         "ports": [{"name": "http", "containerPort": 8080}],
         "env": [
           {"name": "LITERAL", "value": "set below"},
           {"name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "describe-secret", "key": "password"}}}],
         "envFrom": [{"configMapRef": {"name": "describe-config"}}],
         "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080},
                           "initialDelaySeconds": 5},
         "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 5},
         "startupProbe": {"tcpSocket": {"port": "http"}, "failureThreshold": 30},
         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                       "limits": {"cpu": "200m", "memory": "256Mi"}},
         "volumeMounts": [
           {"name": "config", "mountPath": "/etc/config", "readOnly": true},
           {"name": "scratch", "mountPath": "/scratch"},
           {"name": "creds", "mountPath": "/creds/password", "subPath": "password",
            "readOnly": true}]}],
      "volumes": [
        {"name": "config", "configMap": {"name": "describe-config"}},
        {"name": "scratch", "emptyDir": {"sizeLimit": "64Mi"}},
        {"name": "creds", "secret": {"secretName": "describe-secret"}}]
    }
  })");
  pod["metadata"]["namespace"] = ns;
  pod["spec"]["nodeSelector"] = {{"keelson-describe-test", node_label}};
  pod["spec"]["containers"][0]["env"][0]["value"] = kSecretLiteral;
  return pod;
}

// Compares one container of our document with kubectl's spec and status of it.
void expectContainer(const json& ours, const json& spec, const json& statuses, bool init) {
  const std::string name = spec["name"];
  SCOPED_TRACE("container " + name);
  EXPECT_EQ(ours["image"], spec["image"]);
  const json* status = findNamed(statuses, name);
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(ours["ready"], (*status)["ready"]);
  EXPECT_EQ(ours["restartCount"], (*status)["restartCount"]);
  EXPECT_EQ(ours["started"], status->value("started", false));
  EXPECT_EQ(ours["imageID"], (*status)["imageID"]);
  ASSERT_EQ(ours["state"].size(), 1u) << ours["state"];
  ASSERT_EQ((*status)["state"].size(), 1u);
  EXPECT_EQ(ours["state"].begin().key(), (*status)["state"].begin().key());
  const json resources = spec.value("resources", json::object());
  EXPECT_EQ(ours["resources"]["requests"], resources.value("requests", json::object()));
  EXPECT_EQ(ours["resources"]["limits"], resources.value("limits", json::object()));
  const json mounts = spec.value("volumeMounts", json::array());
  ASSERT_EQ(ours["mounts"].size(), mounts.size());
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    EXPECT_EQ(ours["mounts"][i]["name"], mounts[i]["name"]);
    EXPECT_EQ(ours["mounts"][i]["mountPath"], mounts[i]["mountPath"]);
    EXPECT_EQ(ours["mounts"][i]["subPath"], mounts[i].value("subPath", ""));
    EXPECT_EQ(ours["mounts"][i]["readOnly"], mounts[i].value("readOnly", false));
  }
  const json env = spec.value("env", json::array());
  ASSERT_EQ(ours["environment"].size(), env.size());
  for (std::size_t i = 0; i < env.size(); ++i) {
    EXPECT_EQ(ours["environment"][i]["name"], env[i]["name"]);
    EXPECT_EQ(ours["environment"][i]["source"] == "value", env[i].contains("value"));
  }
  EXPECT_EQ(ours["envFrom"].size(), spec.value("envFrom", json::array()).size());
  for (const char* probe : {"liveness", "readiness", "startup"}) {
    EXPECT_EQ(ours["probes"].contains(probe), spec.contains(std::string(probe) + "Probe")) << probe;
  }
  if (init) {
    EXPECT_EQ(ours["sidecar"], spec.value("restartPolicy", "") == "Always");
  }
}

// Compares our document with kubectl's pod.
void expectMatchesKubectl(const json& doc, const json& pod) {
  EXPECT_EQ(doc["name"], pod["metadata"]["name"]);
  EXPECT_EQ(doc["namespace"], pod["metadata"]["namespace"]);
  EXPECT_EQ(doc["uid"], pod["metadata"]["uid"]);
  EXPECT_EQ(doc["labels"], pod["metadata"].value("labels", json::object()));
  EXPECT_EQ(doc["node"], pod["spec"]["nodeName"]);
  EXPECT_EQ(doc["serviceAccount"], pod["spec"]["serviceAccountName"]);
  EXPECT_EQ(doc["priority"], pod["spec"].value("priority", 0));
  EXPECT_EQ(doc["status"]["phase"], pod["status"]["phase"]);
  EXPECT_EQ(doc["status"]["podIP"], pod["status"].value("podIP", ""));
  EXPECT_EQ(doc["status"]["hostIP"], pod["status"].value("hostIP", ""));
  EXPECT_EQ(doc["status"]["startTime"], pod["status"].value("startTime", ""));
  // Computed by keelson, computed by the API server.
  EXPECT_EQ(doc["qosClass"], pod["status"]["qosClass"]);
  for (const auto& [kind, statuses] : {std::pair{"containers", "containerStatuses"},
                                       std::pair{"initContainers", "initContainerStatuses"}}) {
    ASSERT_EQ(doc[kind].size(), pod["spec"][kind].size()) << kind;
    for (std::size_t i = 0; i < doc[kind].size(); ++i) {
      EXPECT_EQ(doc[kind][i]["name"], pod["spec"][kind][i]["name"]);
      expectContainer(doc[kind][i], pod["spec"][kind][i], pod["status"][statuses],
                      std::string(kind) == "initContainers");
    }
  }
  ASSERT_EQ(doc["conditions"].size(), pod["status"]["conditions"].size());
  for (std::size_t i = 0; i < doc["conditions"].size(); ++i) {
    EXPECT_EQ(doc["conditions"][i]["type"], pod["status"]["conditions"][i]["type"]);
    EXPECT_EQ(doc["conditions"][i]["status"], pod["status"]["conditions"][i]["status"]);
  }
  ASSERT_EQ(doc["volumes"].size(), pod["spec"]["volumes"].size());
  for (std::size_t i = 0; i < doc["volumes"].size(); ++i) {
    const json& theirs = pod["spec"]["volumes"][i];
    EXPECT_EQ(doc["volumes"][i]["name"], theirs["name"]);
    ASSERT_EQ(doc["volumes"][i]["source"].size(), 1u);
    const std::string type = doc["volumes"][i]["source"].begin().key();
    EXPECT_TRUE(theirs.contains(type)) << type << " not in " << theirs;
  }
  const json* config = findNamed(doc["volumes"], "config");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ((*config)["source"]["configMap"]["name"], "describe-config");
  const json* creds = findNamed(doc["volumes"], "creds");
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ((*creds)["source"]["secret"]["secretName"], "describe-secret");
  EXPECT_EQ(doc["nodeSelector"], pod["spec"]["nodeSelector"]);
  ASSERT_EQ(doc["tolerations"].size(), pod["spec"]["tolerations"].size());
  for (std::size_t i = 0; i < doc["tolerations"].size(); ++i) {
    const json& theirs = pod["spec"]["tolerations"][i];
    EXPECT_EQ(doc["tolerations"][i]["key"], theirs.value("key", ""));
    EXPECT_EQ(doc["tolerations"][i]["operator"], theirs.value("operator", "Equal"));
    EXPECT_EQ(doc["tolerations"][i]["value"], theirs.value("value", ""));
    EXPECT_EQ(doc["tolerations"][i]["effect"], theirs.value("effect", ""));
    EXPECT_EQ(doc["tolerations"][i]["tolerationSeconds"],
              theirs.value("tolerationSeconds", json(nullptr)));
  }
  EXPECT_EQ(doc.dump().find(kSecretLiteral), std::string::npos);
}

// kubectl describe's text mentions each of our probe and toleration lines.
void expectKubectlDescribeSays(const json& doc, const std::string& text) {
  int probes = 0;
  for (const char* kind : {"containers", "initContainers"}) {
    for (const auto& c : doc[kind]) {
      for (const auto& [name, probe] : c["probes"].items()) {
        ++probes;
        EXPECT_NE(text.find(probe["description"].get<std::string>()), std::string::npos)
            << name << ": " << probe["description"] << "\n"
            << text;
      }
    }
  }
  EXPECT_EQ(probes, 4);
  for (const auto& t : doc["tolerations"]) {
    EXPECT_NE(text.find(t["description"].get<std::string>()), std::string::npos)
        << t["description"] << "\n"
        << text;
  }
}

TEST_F(Describe, MatchesKubectl) {
  ASSERT_EQ(serve_.waitFor("/readyz", 200).status, 200);
  const std::string ns = uniqueName("describe");
  const std::string node = ns + "-node";
  cluster_.kubectlOk({"create", "namespace", ns});
  ASSERT_EQ(run({keelson::testing::sourceDir() + "/test/cluster/add-node", node, "--label",
                 "keelson-describe-test=" + ns, "--taint", "dedicated=describe:NoSchedule"})
                .exit_code,
            0);
  cluster_.kubectlOk({"-n", ns, "create", "secret", "generic", "describe-secret",
                      std::string("--from-literal=password=") + kSecretLiteral});
  cluster_.kubectlOk(
      {"-n", ns, "create", "configmap", "describe-config", "--from-literal=MODE=test"});
  cluster_.apply(podManifest(ns, ns).dump());
  cluster_.kubectlOk({"-n", ns, "wait", "--for=condition=Ready", "pod/described", "--timeout=90s"});
  const json pod = cluster_.kubectlJson({"-n", ns, "get", "pod", "described", "-o", "json"});
  ASSERT_EQ(pod["spec"]["nodeName"], node);

  // keelson serve answers from its cache: wait until it has seen the pod as kubectl does.
  const std::string path = "/api/v1/pods/" + ns + "/described/describe";
  json served;
  for (int i = 0; i < 240; ++i) {
    const HttpAnswer answer = serve_.get(path);
    if (answer.status == 200) {
      served = json::parse(answer.body)["data"];
      if (served["conditions"].size() == pod["status"]["conditions"].size() &&
          served["status"]["phase"] == pod["status"]["phase"] && !served["events"].empty()) {
        bool same = true;
        for (std::size_t c = 0; c < served["conditions"].size(); ++c) {
          same =
              same && served["conditions"][c]["status"] == pod["status"]["conditions"][c]["status"];
        }
        if (same) break;
      }
    }
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_FALSE(served.is_null()) << "no describe document from keelson serve";
  {
    SCOPED_TRACE("keelson serve");
    expectMatchesKubectl(served, pod);
  }

  const CommandOutput cli = runKeelson(
      {"describe", "pod", ns + "/described", "-o", "json", "--kubeconfig", cluster_.kubeconfig});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out.find(kSecretLiteral), std::string::npos);
  const json doc = json::parse(cli.out);
  {
    SCOPED_TRACE("keelson describe pod -o json");
    expectMatchesKubectl(doc, pod);
  }

  // The pod's events, as kubectl lists them.
  const json events =
      cluster_.kubectlJson({"-n", ns, "get", "events", "--field-selector",
                            "involvedObject.kind=Pod,involvedObject.name=described", "-o", "json"});
  ASSERT_EQ(doc["events"].size(), events["items"].size());
  for (const auto& event : events["items"]) {
    bool found = false;
    for (const auto& ours : doc["events"]) {
      if (ours["reason"] == event["reason"] && ours["message"] == event["message"]) {
        found = true;
        EXPECT_EQ(ours["type"], event["type"]);
        EXPECT_EQ(ours["count"], event.value("count", 1));
        std::string from = event.value("source", json::object()).value("component", "");
        if (from.empty()) from = event.value("reportingComponent", "");
        EXPECT_EQ(ours["source"], from);  // no source.host: the scheduler does not set one
        // firstTimestamp, or (events.k8s.io-written events) eventTime at second precision.
        const std::string first = event["firstTimestamp"].is_string()
                                      ? event["firstTimestamp"].get<std::string>()
                                      : event["eventTime"].get<std::string>().substr(0, 19) + "Z";
        EXPECT_EQ(ours["firstTimestamp"], first);
      }
    }
    EXPECT_TRUE(found) << event["reason"] << ": " << event["message"];
  }
  bool scheduled = false;
  for (const auto& ours : served["events"]) scheduled = scheduled || ours["reason"] == "Scheduled";
  EXPECT_TRUE(scheduled) << served["events"];

  const std::string kubectl_text = cluster_.kubectlOk({"-n", ns, "describe", "pod", "described"});
  expectKubectlDescribeSays(served, kubectl_text);
  expectKubectlDescribeSays(doc, kubectl_text);

  // The text rendering: same facts, no env values.
  const CommandOutput text =
      runKeelson({"describe", "pod", ns + "/described", "--kubeconfig", cluster_.kubeconfig});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.find(kSecretLiteral), std::string::npos);
  expectKubectlDescribeSays(doc, text.out);
  EXPECT_NE(text.out.find(pod["status"]["qosClass"].get<std::string>()), std::string::npos);

  run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns,
       "--wait=false"});
  run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", node,
       "--wait=false"});
}

TEST_F(Describe, MissingPodAndBadNames) {
  ASSERT_EQ(serve_.waitFor("/readyz", 200).status, 200);
  const HttpAnswer missing = serve_.get("/api/v1/pods/default/no-such-pod/describe");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "RESOURCE_NOT_FOUND") << missing.body;
  const HttpAnswer bad = serve_.get("/api/v1/pods/default/Not_A_Name/describe");
  EXPECT_EQ(bad.status, 400) << bad.body;

  const CommandOutput cli =
      runKeelson({"describe", "pod", "default/no-such-pod", "--kubeconfig", cluster_.kubeconfig});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.err.find("no-such-pod"), std::string::npos) << cli.err;
  EXPECT_TRUE(cli.out.empty()) << cli.out;

  // A bare NAME is the pod in the context's namespace (kubectl's rule): not found here.
  const CommandOutput bare =
      runKeelson({"describe", "pod", "no-slash", "--kubeconfig", cluster_.kubeconfig});
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_NE(bare.err.find("not found"), std::string::npos) << bare.err;
  for (const char* target : {"Bad_Name", "default/Bad_Name", "a/b/c", "/x"}) {
    const CommandOutput usage =
        runKeelson({"describe", "pod", target, "--kubeconfig", cluster_.kubeconfig});
    EXPECT_NE(usage.exit_code, 0) << target;
    EXPECT_NE(usage.err.find("NAMESPACE/NAME"), std::string::npos) << target << ": " << usage.err;
  }
}

}  // namespace
}  // namespace keelson::testing
