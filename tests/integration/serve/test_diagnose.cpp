// The diagnosis endpoints of `keelson serve` (/api/v1/pods/{ns}/{pod}/failure-events and
// /health-score, /api/v1/namespace/{ns}/error, /api/v1/cluster/pod-issues) and `keelson diagnose`
// against the test control plane, compared with kubectl's view of the same objects: pods and their
// owners (ownerReferences, ReplicaSets), restart counts, phases, scheduler conditions, and events
// (count, reasons, timestamps; one core/v1 event and one events.k8s.io/v1 event with a series).
//
// The namespace holds a Deployment whose pod crash-loops (kwok leaves pods annotated
// kwok.x-k8s.io/status=custom alone, so the test writes the kubelet's status itself), a
// Deployment whose pod cannot be scheduled (more cpu than any node has), a healthy StatefulSet,
// and a crash-looping Job pod and bare pod that the namespace analysis must leave out.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "kube/objects.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kCustom = R"({"kwok.x-k8s.io/status":"custom"})";

std::string iso(std::chrono::system_clock::time_point t) { return kube::formatTime(t); }

// An events.k8s.io MicroTime.
std::string micro(std::chrono::system_clock::time_point t) {
  std::string s = kube::formatTime(t);
  return s.substr(0, s.size() - 1) + ".000000Z";
}

class Diagnose : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    ns_ = uniqueName("diag");
    node_ = ns_ + "-n";
    serve_.start(cluster_, {"--no-host"});
    run({keelson::testing::sourceDir() + "/test/cluster/add-node", node_, "--cpu", "8", "--memory",
         "16Gi"});
    cluster_.kubectlOk({"create", "namespace", ns_});
    createWorkloads();
  }

  static void TearDownTestSuite() {
    serve_.kill();
    if (cluster_.kubectl.empty()) return;
    const auto ctl = [](std::vector<std::string> args) {
      args.insert(args.begin(), {cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig});
      run(args);
    };
    ctl({"delete", "deployments,statefulsets,jobs", "--all", "-n", ns_, "--wait=false"});
    // kwok does not finish deleting pods whose status it leaves alone: force them.
    ctl({"delete", "pods", "--all", "-n", ns_, "--grace-period=0", "--force"});
    ctl({"delete", "namespace", ns_, "--wait=false"});
    ctl({"delete", "node", node_, "--ignore-not-found"});
  }

  void SetUp() override {
    if (cluster_.kubectl.empty()) KEELSON_MISSING_PREREQUISITE("no test cluster");
    ASSERT_GT(serve_.pid(), 0) << "keelson serve is not running";
    ASSERT_EQ(serve_.waitFor("/readyz", 200).status, 200);
    ASSERT_TRUE(prepared_) << "the workloads could not be prepared";
  }

  static json podTemplate(const std::string& app, const std::string& cpu, bool custom) {
    json metadata = {{"labels", {{"app", app}}}};
    if (custom) metadata["annotations"] = json::parse(kCustom);
    json spec = {{"containers", json::array({{{"name", "app"},
                                              {"image", "registry.example.com/" + app + ":1"},
                                              {"resources", {{"requests", {{"cpu", cpu}}}}}}})}};
    if (cpu != "1000") spec["nodeSelector"] = {{"kubernetes.io/hostname", node_}};
    return {{"metadata", metadata}, {"spec", spec}};
  }

  static void createWorkloads() {
    const auto workload = [](const std::string& kind, const std::string& name, json spec) {
      cluster_.apply(json{{"apiVersion", kind == "Job" ? "batch/v1" : "apps/v1"},
                          {"kind", kind},
                          {"metadata", {{"name", name}, {"namespace", ns_}}},
                          {"spec", std::move(spec)}}
                         .dump());
    };
    const auto selector = [](const std::string& app) {
      return json{{"matchLabels", {{"app", app}}}};
    };
    workload("Deployment", "crash",
             {{"replicas", 1},
              {"selector", selector("crash")},
              {"template", podTemplate("crash", "100m", true)}});
    workload("Deployment", "huge",
             {{"replicas", 1},
              {"selector", selector("huge")},
              {"template", podTemplate("huge", "1000", false)}});
    workload("StatefulSet", "db",
             {{"replicas", 1},
              {"serviceName", "db"},
              {"selector", selector("db")},
              {"template", podTemplate("db", "100m", false)}});
    json job_template = podTemplate("batch", "100m", true);
    job_template["spec"]["restartPolicy"] = "Never";
    workload("Job", "batch", {{"backoffLimit", 0}, {"template", job_template}});
    json bare = podTemplate("lonely", "100m", true);
    bare["apiVersion"] = "v1";
    bare["kind"] = "Pod";
    bare["metadata"]["name"] = "lonely";
    bare["metadata"]["namespace"] = ns_;
    cluster_.apply(bare.dump());

    // Crash-loop the pods of crash, batch and lonely once the scheduler has bound them.
    const auto bound = [](const std::string& app) {
      for (int i = 0; i < 240; ++i) {
        const json pods =
            cluster_.kubectlJson({"get", "pods", "-n", ns_, "-l", "app=" + app, "-o", "json"});
        if (!pods["items"].empty() && !pods["items"][0]["spec"].value("nodeName", "").empty()) {
          return pods["items"][0]["metadata"]["name"].get<std::string>();
        }
        std::this_thread::sleep_for(250ms);
      }
      return std::string();
    };
    crash_pod_ = bound("crash");
    const std::string job_pod = bound("batch");
    const std::string lonely = bound("lonely");
    if (crash_pod_.empty() || job_pod.empty() || lonely.empty()) return;
    const auto now = std::chrono::system_clock::now();
    for (const std::string& pod : {crash_pod_, job_pod, lonely}) {
      const json status = {
          {"phase", "Running"},
          {"conditions", json::array({{{"type", "PodScheduled"}, {"status", "True"}},
                                      {{"type", "Ready"}, {"status", "False"}}})},
          {"containerStatuses",
           json::array({{{"name", "app"},
                         {"image", "registry.example.com/app:1"},
                         {"imageID", ""},
                         {"ready", false},
                         {"started", false},
                         {"restartCount", 7},
                         {"state",
                          {{"waiting",
                            {{"reason", "CrashLoopBackOff"},
                             {"message", "back-off 5m0s restarting failed container=app pod=" +
                                             pod + "_" + ns_}}}}},
                         {"lastState",
                          {{"terminated",
                            {{"exitCode", 1},
                             {"reason", "Error"},
                             {"startedAt", iso(now - 70s)},
                             {"finishedAt", iso(now - 65s)}}}}}}})}};
      cluster_.kubectlOk({"patch", "pod", pod, "-n", ns_, "--subresource=status", "--type=merge",
                          "-p", json{{"status", status}}.dump()});
    }
    const json crash = cluster_.kubectlJson({"get", "pod", crash_pod_, "-n", ns_, "-o", "json"});
    const json regarding = {{"kind", "Pod"},      {"namespace", ns_},
                            {"name", crash_pod_}, {"uid", crash["metadata"]["uid"]},
                            {"apiVersion", "v1"}, {"fieldPath", "spec.containers{app}"}};
    // What kubelet would have reported: a core/v1 BackOff event, and an events.k8s.io/v1
    // Unhealthy event with a series.
    cluster_.apply(json{
        {"apiVersion", "v1"},
        {"kind", "Event"},
        {"metadata", {{"name", crash_pod_ + ".backoff"}, {"namespace", ns_}}},
        {"involvedObject", regarding},
        {"reason", "BackOff"},
        {"message", "Back-off restarting failed container app in pod " + crash_pod_ + "_" + ns_},
        {"type", "Warning"},
        {"count", 6},
        {"firstTimestamp", iso(now - 30min)},
        {"lastTimestamp", iso(now - 1min)},
        {"source", {{"component", "kubelet"}, {"host", node_}}},
        {"reportingComponent", "kubelet"},
        {"reportingInstance",
         node_}}.dump());
    cluster_.apply(json{
        {"apiVersion", "events.k8s.io/v1"},
        {"kind", "Event"},
        {"metadata", {{"name", crash_pod_ + ".unhealthy"}, {"namespace", ns_}}},
        {"eventTime", micro(now - 20min)},
        {"series", {{"count", 4}, {"lastObservedTime", micro(now - 2min)}}},
        {"reportingController", "kubelet"},
        {"reportingInstance", node_},
        {"action", "Probe"},
        {"reason", "Unhealthy"},
        {"regarding", regarding},
        {"note", "Liveness probe failed: HTTP probe failed with statuscode: 500"},
        {"type",
         "Warning"}}.dump());
    prepared_ = true;
  }

  // Polls `path` until `ready(data)` or 90 s pass; returns the last data.
  static json waitForData(const std::string& path, const std::function<bool(const json&)>& ready) {
    json data;
    for (int i = 0; i < 360; ++i) {
      const HttpAnswer answer = serve_.get(path);
      if (answer.status == 200) {
        data = json::parse(answer.body)["data"];
        if (ready(data)) break;
      }
      std::this_thread::sleep_for(250ms);
    }
    return data;
  }

  // The name of the one pod labelled app=`app`, as kubectl lists it ("" unless exactly one).
  static std::string podOfApp(const std::string& app) {
    const json pods =
        cluster_.kubectlJson({"get", "pods", "-n", ns_, "-l", "app=" + app, "-o", "json"});
    return pods["items"].size() == 1 ? pods["items"][0]["metadata"]["name"].get<std::string>()
                                     : std::string();
  }

  static CommandOutput keelson(std::vector<std::string> args) {
    args.insert(args.begin() + 2, {"--kubeconfig", cluster_.kubeconfig});
    return runKeelson(args);
  }

  static TestCluster cluster_;
  static ServeProcess serve_;
  static std::string ns_;
  static std::string node_;
  static std::string crash_pod_;
  static bool prepared_;
};

TestCluster Diagnose::cluster_;
ServeProcess Diagnose::serve_;
std::string Diagnose::ns_;
std::string Diagnose::node_;
std::string Diagnose::crash_pod_;
bool Diagnose::prepared_ = false;

const json* findBy(const json& list, const std::string& key, const std::string& value) {
  for (const auto& item : list) {
    if (item.value(key, "") == value) return &item;
  }
  return nullptr;
}

// The document minus what depends on the moment it was computed.
json timeless(json doc) {
  doc.erase("analysisTime");
  for (auto& pod : doc["problematicPods"]) {
    pod.erase("age");
    for (auto& issue : pod["issues"]) {
      if (issue["type"] == "Pending") issue.erase("description");  // "Pending for 5m3s"
    }
  }
  return doc;
}

TEST_F(Diagnose, NamespaceErrorsMatchKubectl) {
  const std::string path = "/api/v1/namespace/" + ns_ + "/error";
  const json data = waitForData(path, [](const json& d) {
    std::set<std::string> types;
    for (const auto& s : d["summary"]) types.insert(s["issueType"].get<std::string>());
    return types.count("CrashLoopBackOff") > 0 && types.count("ResourceConstraints") > 0;
  });
  ASSERT_TRUE(data.is_object()) << data;

  // kubectl's view: every pod with its controller, resolved through the ReplicaSets.
  const json pods = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
  const json replica_sets = cluster_.kubectlJson({"get", "rs", "-n", ns_, "-o", "json"});
  std::map<std::string, std::string> rs_owner;
  for (const auto& rs : replica_sets["items"]) {
    for (const auto& ref : rs["metadata"].value("ownerReferences", json::array())) {
      if (ref.value("controller", false)) {
        rs_owner[rs["metadata"]["name"]] =
            ref["kind"].get<std::string>() + "/" + ref["name"].get<std::string>();
      }
    }
  }
  std::map<std::string, std::string> owner_of;  // analyzed pods only
  std::set<std::string> excluded;
  for (const auto& pod : pods["items"]) {
    const std::string name = pod["metadata"]["name"];
    std::string owner;
    for (const auto& ref : pod["metadata"].value("ownerReferences", json::array())) {
      if (!ref.value("controller", false)) continue;
      if (ref["kind"] == "ReplicaSet") {
        owner = rs_owner.count(ref["name"]) ? rs_owner[ref["name"]]
                                            : "ReplicaSet/" + ref["name"].get<std::string>();
      } else if (ref["kind"] == "StatefulSet" || ref["kind"] == "DaemonSet") {
        owner = ref["kind"].get<std::string>() + "/" + ref["name"].get<std::string>();
      }
    }
    if (owner.empty()) {
      excluded.insert(name);
    } else {
      owner_of[name] = owner;
    }
  }
  EXPECT_TRUE(excluded.count("lonely"));
  EXPECT_EQ(excluded.size(), 2U) << "the bare pod and the Job's pod";
  EXPECT_EQ(data["totalPodsAnalyzed"].get<std::size_t>(), owner_of.size()) << data.dump(2);
  EXPECT_EQ(data["restartThresholdUsed"], 5);
  EXPECT_EQ(data["healthyPodsCount"].get<int>() + data["problematicPodsCount"].get<int>(),
            data["totalPodsAnalyzed"].get<int>());

  for (const auto& problem : data["problematicPods"]) {
    const std::string name = problem["name"];
    ASSERT_TRUE(owner_of.count(name)) << name << " is not run by a Deployment/StatefulSet";
    EXPECT_EQ(
        problem["ownerKind"].get<std::string>() + "/" + problem["ownerName"].get<std::string>(),
        owner_of[name]);
    const json* pod = nullptr;
    for (const auto& p : pods["items"]) {
      if (p["metadata"]["name"] == name) pod = &p;
    }
    ASSERT_TRUE(pod) << name;
    EXPECT_EQ(problem["phase"], (*pod)["status"]["phase"]);
    int restarts = 0;
    for (const auto& s : (*pod)["status"].value("containerStatuses", json::array())) {
      restarts += s["restartCount"].get<int>();
    }
    EXPECT_EQ(problem["restartCount"].get<int>(), restarts) << name;
  }

  // The crash-looping Deployment pod: CrashLoopBackOff and HighRestarts (7 > 5).
  const json* crash = findBy(data["problematicPods"], "name", crash_pod_);
  ASSERT_TRUE(crash) << data.dump(2);
  std::set<std::string> crash_issues;
  for (const auto& issue : (*crash)["issues"]) crash_issues.insert(issue["type"]);
  EXPECT_EQ(crash_issues, (std::set<std::string>{"CrashLoopBackOff", "HighRestarts"}));
  EXPECT_EQ((*crash)["ownerKind"], "Deployment");
  EXPECT_EQ((*crash)["ownerName"], "crash");
  // recentEvents: the Warning events kubectl lists for the pod.
  const json events = cluster_.kubectlJson({"get", "events", "-n", ns_, "--field-selector",
                                            "involvedObject.name=" + crash_pod_, "-o", "json"});
  std::multiset<std::string> kubectl_warnings;
  for (const auto& e : events["items"]) {
    if (e["type"] == "Warning") kubectl_warnings.insert(e["reason"].get<std::string>());
  }
  std::multiset<std::string> keelson_warnings;
  for (const auto& e : (*crash)["recentEvents"]) keelson_warnings.insert(e["reason"]);
  EXPECT_EQ(keelson_warnings, kubectl_warnings);

  // The unschedulable Deployment pod: ResourceConstraints with the scheduler's condition.
  const json huge_pods =
      cluster_.kubectlJson({"get", "pods", "-n", ns_, "-l", "app=huge", "-o", "json"});
  ASSERT_EQ(huge_pods["items"].size(), 1U);
  const std::string huge = huge_pods["items"][0]["metadata"]["name"];
  const json* pending = findBy(data["problematicPods"], "name", huge);
  ASSERT_TRUE(pending) << data.dump(2);
  std::string condition_message;
  for (const auto& c : huge_pods["items"][0]["status"]["conditions"]) {
    if (c["type"] == "PodScheduled") condition_message = c.value("message", "");
  }
  const json* constraint = findBy((*pending)["issues"], "type", "ResourceConstraints");
  ASSERT_TRUE(constraint) << pending->dump(2);
  EXPECT_EQ((*constraint)["details"], condition_message);

  // Healthy and excluded pods are not reported.
  for (const auto& problem : data["problematicPods"]) {
    EXPECT_FALSE(excluded.count(problem["name"])) << problem["name"];
    EXPECT_NE(problem["ownerKind"], "StatefulSet") << "db-0 runs fine";
  }

  // `keelson diagnose namespace` prints the same document.
  const auto cli = keelson({"diagnose", "namespace", ns_, "-o", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json again =
      serve_.get(path).status == 200 ? json::parse(serve_.get(path).body)["data"] : json();
  const json cli_doc = timeless(json::parse(cli.out));
  EXPECT_TRUE(cli_doc == timeless(data) || cli_doc == timeless(again))
      << json::diff(timeless(data), cli_doc).dump(2);

  // The threshold flag: 7 restarts are not above 10.
  const auto high =
      keelson({"diagnose", "namespace", ns_, "-o", "json", "--restart-threshold", "10"});
  ASSERT_EQ(high.exit_code, 0) << high.err;
  const json high_doc = json::parse(high.out);
  EXPECT_EQ(high_doc["restartThresholdUsed"], 10);
  EXPECT_FALSE(findBy(high_doc["summary"], "issueType", "HighRestarts")) << high_doc.dump(2);

  const auto text = keelson({"diagnose", "namespace", ns_});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(crash_pod_ + " (Deployment crash)"), std::string::npos) << text.out;
}

// What kubectl shows of a pod, judged independently of keelson: the issue types the pod's
// status calls for (restart threshold 5, Pending for more than 5 minutes).
std::set<std::string> kubectlIssueTypes(const json& pod) {
  std::set<std::string> out;
  const auto created = kube::parseTime(pod["metadata"]["creationTimestamp"].get<std::string>());
  if (pod["status"].value("phase", "") == "Pending" &&
      std::chrono::system_clock::now() - created > 5min) {
    out.insert("Pending");
  }
  int restarts = 0;
  for (const auto& s : pod["status"].value("containerStatuses", json::array())) {
    restarts += s["restartCount"].get<int>();
    const std::string reason = s["state"].value("waiting", json::object()).value("reason", "");
    if (reason == "CrashLoopBackOff") out.insert("CrashLoopBackOff");
    if (reason == "ErrImagePull" || reason == "ImagePullBackOff") out.insert("ImagePullError");
  }
  if (restarts > 5) out.insert("HighRestarts");
  if (pod["status"].value("phase", "") == "Failed") out.insert("Failed");
  for (const auto& c : pod["status"].value("conditions", json::array())) {
    if (c["type"] == "PodScheduled" && c["status"] == "False" &&
        c.value("reason", "") == "Unschedulable") {
      const std::string message = c.value("message", "");
      out.insert(message.find("Insufficient") != std::string::npos ? "ResourceConstraints"
                                                                   : "Unschedulable");
    }
  }
  return out;
}

// The controller kubectl shows for a pod ("Kind/name"; Deployments through their ReplicaSet),
// "" for a bare pod.
std::string kubectlController(const json& pod, const json& replica_sets) {
  for (const auto& ref : pod["metadata"].value("ownerReferences", json::array())) {
    if (!ref.value("controller", false)) continue;
    if (ref["kind"] == "ReplicaSet") {
      for (const auto& rs : replica_sets["items"]) {
        if (rs["metadata"]["name"] != ref["name"]) continue;
        for (const auto& up : rs["metadata"].value("ownerReferences", json::array())) {
          if (up.value("controller", false)) {
            return up["kind"].get<std::string>() + "/" + up["name"].get<std::string>();
          }
        }
      }
    }
    return ref["kind"].get<std::string>() + "/" + ref["name"].get<std::string>();
  }
  return "";
}

TEST_F(Diagnose, ClusterPodIssuesMatchKubectl) {
  const std::string path = "/api/v1/cluster/pod-issues?namespace=" + ns_;
  const json data = waitForData(path, [](const json& d) {
    std::set<std::string> types;
    for (const auto& s : d["summary"]) types.insert(s["issueType"].get<std::string>());
    return d["problematicPodsCount"] == 4 && types.count("ResourceConstraints") > 0;
  });
  ASSERT_TRUE(data.is_object());

  // Every pod of the namespace, whatever runs it: the Deployment's, the Job's and the bare one.
  const json pods = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
  const json replica_sets = cluster_.kubectlJson({"get", "rs", "-n", ns_, "-o", "json"});
  std::map<std::string, std::set<std::string>> expected;  // name -> issue types
  std::map<std::string, std::string> controller;
  for (const auto& pod : pods["items"]) {
    const auto types = kubectlIssueTypes(pod);
    if (types.empty()) continue;
    expected[pod["metadata"]["name"]] = types;
    controller[pod["metadata"]["name"]] = kubectlController(pod, replica_sets);
  }
  EXPECT_EQ(expected.size(), 4U) << "crash, huge, the Job's pod and lonely";
  EXPECT_EQ(data["totalPodsAnalyzed"].get<std::size_t>(), pods["items"].size());
  EXPECT_EQ(data["namespace"], ns_);
  EXPECT_EQ(data["continue"], nullptr);
  std::map<std::string, std::set<std::string>> listed;
  std::vector<std::string> order;
  for (const auto& p : data["problematicPods"]) {
    const std::string name = p["name"];
    order.push_back(name);
    for (const auto& issue : p["issues"]) listed[name].insert(issue["type"].get<std::string>());
    const std::string owner = p["ownerKind"].is_null() ? std::string()
                                                       : p["ownerKind"].get<std::string>() + "/" +
                                                             p["ownerName"].get<std::string>();
    EXPECT_EQ(owner, controller[name]) << name;
  }
  EXPECT_EQ(listed, expected) << data.dump(2);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  EXPECT_EQ(controller["lonely"], "");

  // Severity: 7 restarts are a warning (not above twice the threshold); the rest is critical.
  const json warnings = json::parse(serve_.get(path + "&severity=warning").body)["data"];
  std::set<std::string> restarted;
  for (const auto& [name, types] : expected) {
    if (types.count("HighRestarts")) restarted.insert(name);
  }
  std::set<std::string> warned;
  for (const auto& p : warnings["problematicPods"]) {
    warned.insert(p["name"].get<std::string>());
    for (const auto& issue : p["issues"]) EXPECT_EQ(issue["severity"], "warning");
  }
  EXPECT_EQ(warned, restarted);
  EXPECT_EQ(warnings["severity"], "warning");
  EXPECT_EQ(warnings["criticalIssuesCount"], 0);

  // Type: only the unschedulable Deployment's pod lacks resources.
  const json constrained = json::parse(serve_.get(path + "&type=ResourceConstraints").body)["data"];
  ASSERT_EQ(constrained["problematicPods"].size(), 1U) << constrained.dump(2);
  EXPECT_EQ(controller[constrained["problematicPods"][0]["name"]], "Deployment/huge");

  // Pages of one pod walk the same list.
  std::vector<std::string> walked;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    const json slice = json::parse(
        serve_.get(path + "&limit=1" + (token.empty() ? "" : "&continue=" + token)).body)["data"];
    ASSERT_EQ(slice["problematicPods"].size(), 1U) << slice.dump(2);
    walked.push_back(slice["problematicPods"][0]["name"]);
    EXPECT_EQ(slice["remainingItemCount"].get<std::size_t>(), order.size() - walked.size());
    if (slice["continue"].is_null()) break;
    token = slice["continue"];
  }
  EXPECT_EQ(walked, order);

  // Across namespaces, this namespace's pods are among them.
  const json everywhere = json::parse(serve_.get("/api/v1/cluster/pod-issues?limit=1000").body);
  std::set<std::string> here;
  for (const auto& p : everywhere["data"]["problematicPods"]) {
    if (p["namespace"] == ns_) here.insert(p["name"].get<std::string>());
  }
  EXPECT_EQ(here.size(), expected.size()) << everywhere.dump(2);
  EXPECT_EQ(everywhere["data"]["namespace"], nullptr);

  for (const std::string bad : {"&severity=high", "&type=Crashing", "&limit=0", "&limit=1001",
                                "&limit=x", "&continue=no-slash"}) {
    const HttpAnswer answer = serve_.get(path + bad);
    EXPECT_EQ(answer.status, 400) << bad << ": " << answer.body;
  }
  EXPECT_EQ(serve_.get("/api/v1/cluster/pod-issues?namespace=Not_A_Label").status, 400);

  // `keelson diagnose pod-issues` prints the same document (all pages at once).
  const auto cli = keelson({"diagnose", "pod-issues", "-n", ns_, "-o", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json again = json::parse(serve_.get(path).body)["data"];
  const json cli_doc = timeless(json::parse(cli.out));
  EXPECT_TRUE(cli_doc == timeless(data) || cli_doc == timeless(again))
      << json::diff(timeless(data), cli_doc).dump(2);
  const auto names =
      keelson({"diagnose", "pod-issues", "-A", "-o", "name", "--type", "CrashLoopBackOff"});
  ASSERT_EQ(names.exit_code, 0) << names.err;
  EXPECT_NE(names.out.find("pod/lonely\n"), std::string::npos) << names.out;
  EXPECT_NE(names.out.find("pod/" + crash_pod_ + "\n"), std::string::npos) << names.out;
  const auto text = keelson({"diagnose", "pod-issues", "-n", ns_});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(ns_ + "/" + crash_pod_ + " (Deployment crash)"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find(ns_ + "/lonely (no controller)"), std::string::npos) << text.out;
  const auto wrong = keelson({"diagnose", "pod-issues", "-n", ns_, "--severity", "high"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("--severity"), std::string::npos) << wrong.err;
}

TEST_F(Diagnose, FailureEventsMatchKubectl) {
  const std::string path = "/api/v1/pods/" + ns_ + "/" + crash_pod_ + "/failure-events";
  const json data = waitForData(path, [](const json& d) {
    return d["failureEvents"].size() >= 2 && d["podStatus"] == "CrashLoopBackOff";
  });
  ASSERT_TRUE(data.is_object());
  const json events = cluster_.kubectlJson({"get", "events", "-n", ns_, "--field-selector",
                                            "involvedObject.name=" + crash_pod_, "-o", "json"});
  EXPECT_EQ(data["totalEvents"].get<std::size_t>(), events["items"].size()) << data.dump(2);
  EXPECT_EQ(data["podPhase"], "Running");
  EXPECT_EQ(data["podStatus"], "CrashLoopBackOff");
  int warnings = 0;
  for (const auto& e : events["items"]) {
    if (e["type"] != "Warning") continue;
    ++warnings;
    const std::string reason = e["reason"];
    const json* got = findBy(data["failureEvents"], "reason", reason);
    ASSERT_TRUE(got) << reason << " missing: " << data.dump(2);
    // kubectl's core/v1 view; the events.k8s.io/v1 event shows there with series and eventTime.
    const bool series = e.contains("series") && e["series"].is_object();
    const int count = series ? e["series"]["count"].get<int>() : e.value("count", 1);
    const std::string first = !e.value("firstTimestamp", json()).is_null()
                                  ? e["firstTimestamp"].get<std::string>()
                                  : e["eventTime"].get<std::string>();
    const std::string last = series ? e["series"]["lastObservedTime"].get<std::string>()
                                    : e["lastTimestamp"].get<std::string>();
    const auto first_t = kube::parseTime(first);
    const auto last_t = kube::parseTime(last);
    EXPECT_EQ((*got)["count"], count) << reason;
    EXPECT_EQ((*got)["message"], e["message"]) << reason;
    EXPECT_EQ((*got)["firstTimestamp"], kube::formatTime(first_t)) << reason;
    EXPECT_EQ((*got)["lastTimestamp"], kube::formatTime(last_t)) << reason;
    const double minutes =
        std::max(1.0, std::chrono::duration<double>(last_t - first_t).count() / 60);
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.1f times per hour", count * 60 / minutes);
    EXPECT_EQ((*got)["recurrenceRate"], rate) << reason;
    EXPECT_EQ((*got)["isRecurring"], count > 1);
  }
  EXPECT_GE(warnings, 2);  // BackOff and Unhealthy, each matched above
  EXPECT_EQ(findBy(data["failureEvents"], "reason", "BackOff")->at("category"), "ContainerCrash");
  EXPECT_EQ(findBy(data["failureEvents"], "reason", "Unhealthy")->at("category"), "Probe");
  EXPECT_EQ(data["eventCategories"]["ContainerCrash"], 1);
  EXPECT_EQ(data["mostRecentIssue"]["reason"], "BackOff");  // 1 min ago vs 2 min ago

  const auto cli = keelson({"diagnose", "pod", ns_ + "/" + crash_pod_, "--events", "-o", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json cli_doc = json::parse(cli.out);
  EXPECT_EQ(cli_doc["failureEvents"].size(), data["failureEvents"].size());
  EXPECT_EQ(cli_doc["totalEvents"], data["totalEvents"]);
  EXPECT_EQ(cli_doc["podStatus"], data["podStatus"]);
}

TEST_F(Diagnose, SchedulingOfThePendingPodMatchesTheRoute) {
  const std::string huge = podOfApp("huge");
  ASSERT_FALSE(huge.empty()) << "no single pod of the huge Deployment";
  const std::string path = "/api/v1/pods/" + ns_ + "/" + huge + "/scheduling";
  waitForData(path, [](const json& d) { return d["schedulerMessage"].is_object(); });
  // Other tests add nodes and the scheduler retries, so the document can change between two
  // reads: the command must print one of the route's answers around it.
  bool equal = false;
  json before;
  json cli_doc;
  for (int attempt = 0; attempt < 3 && !equal; ++attempt) {
    before = json::parse(serve_.get(path).body)["data"];
    const auto cli = keelson({"diagnose", "pod", ns_ + "/" + huge, "--scheduling", "-o", "json"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    cli_doc = json::parse(cli.out);
    const json after = json::parse(serve_.get(path).body)["data"];
    equal = cli_doc == before || cli_doc == after;
  }
  EXPECT_TRUE(equal) << json::diff(before, cli_doc).dump(2);
  EXPECT_EQ(cli_doc["status"], "Pending");

  // All four sections by default, as text.
  const auto text = keelson({"diagnose", "pod", ns_ + "/" + huge});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Scheduling of " + ns_ + "/" + huge + ": Pending"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Events: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Resources of "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Health of " + ns_ + "/" + huge + ": "), std::string::npos) << text.out;
}

// The explanation of the unschedulable pod's verdict names as many nodes as kubectl lists, the
// resource it lacks, and kube-scheduler's own message as kubectl shows it; the scheduled db-0's
// names the node kubectl shows it bound to.
TEST_F(Diagnose, SchedulingExplanationMatchesKubectl) {
  const std::string huge = podOfApp("huge");
  ASSERT_FALSE(huge.empty()) << "no single pod of the huge Deployment";
  const std::string path = "/api/v1/pods/" + ns_ + "/" + huge + "/scheduling/explain";
  waitForData(path, [](const json& d) { return d["scheduler"].is_object(); });
  // Other tests add nodes: read until kubectl's node count is the same before and after.
  json explained;
  std::size_t nodes = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    nodes = cluster_.kubectlJson({"get", "nodes", "-o", "json"})["items"].size();
    explained = json::parse(serve_.get(path).body)["data"];
    if (cluster_.kubectlJson({"get", "nodes", "-o", "json"})["items"].size() == nodes) break;
  }
  EXPECT_EQ(explained["status"], "Pending");
  EXPECT_EQ(explained["verdict"], "Pod " + ns_ + "/" + huge + " cannot be scheduled: none of the " +
                                      std::to_string(nodes) + " nodes can take it.");
  bool cpu = false;
  for (const auto& reason : explained["reasons"]) {
    cpu = cpu || reason.get<std::string>().starts_with(
                     "Not enough allocatable cpu left for the pod's request on ");
  }
  EXPECT_TRUE(cpu) << explained.dump(2);
  // kube-scheduler's message: its newest FailedScheduling event, as kubectl lists them.
  const json events = cluster_.kubectlJson({"get", "events", "-n", ns_, "--field-selector",
                                            "involvedObject.name=" + huge, "-o", "json"});
  std::set<std::string> messages;
  for (const auto& e : events["items"]) {
    if (e["reason"] == "FailedScheduling") messages.insert(e["message"].get<std::string>());
  }
  ASSERT_TRUE(explained["scheduler"].is_object()) << explained.dump(2);
  EXPECT_TRUE(messages.count(explained["scheduler"]["message"].get<std::string>()))
      << explained.dump(2);
  EXPECT_TRUE(explained["scheduler"]["agrees"].is_boolean());

  const json db = cluster_.kubectlJson({"get", "pod", "db-0", "-n", ns_, "-o", "json"});
  const json db_explained =
      json::parse(serve_.get("/api/v1/pods/" + ns_ + "/db-0/scheduling/explain").body)["data"];
  EXPECT_EQ(db_explained["verdict"], "Pod " + ns_ + "/db-0 is scheduled on node " +
                                         db["spec"]["nodeName"].get<std::string>() + ".");

  const auto cli = keelson({"diagnose", "pod", ns_ + "/" + huge, "--explain"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("Pod " + ns_ + "/" + huge + " cannot be scheduled"), std::string::npos)
      << cli.out;
  EXPECT_NE(cli.out.find("What would let it schedule:"), std::string::npos) << cli.out;
  EXPECT_EQ(serve_.get("/api/v1/pods/" + ns_ + "/no-such-pod/scheduling/explain").status, 404);
}

// The health score's evidence as kubectl reports the same pod, and the scores the model in
// analysis/health_score.h gives for that evidence, worked out here from kubectl's JSON.
void expectHealthMatchesKubectl(const json& doc, const json& pod, const json& events) {
  const json& status = pod["status"];
  const json& evidence = doc["components"]["restarts"]["evidence"];
  // restarts: the summed restartCount; the pod is younger than an hour, so the rate is over
  // one hour.
  int restarts = 0;
  for (const char* key : {"initContainerStatuses", "containerStatuses"}) {
    for (const auto& c : status.value(key, json::array())) restarts += c.value("restartCount", 0);
  }
  EXPECT_EQ(evidence["restartCount"], restarts);
  EXPECT_LT(evidence["podAgeSeconds"].get<int>(), 3600);
  EXPECT_DOUBLE_EQ(evidence["restartsPerHour"].get<double>(), restarts);
  const int restart_score =
      std::max(0, 100 - std::min(50, 10 * restarts) - std::min(50, 20 * restarts));
  EXPECT_EQ(doc["components"]["restarts"]["score"], restart_score);

  // containerStates: every app container with kubectl's state and reason; the worst decides.
  const json& containers = doc["components"]["containerStates"]["evidence"]["containers"];
  const json statuses = status.value("containerStatuses", json::array());
  ASSERT_EQ(containers.size(), statuses.size()) << doc.dump(2);
  int states_score = 100;
  for (const auto& s : statuses) {
    const json* got = findBy(containers, "name", s["name"].get<std::string>());
    ASSERT_TRUE(got) << s["name"];
    const std::string state = s["state"].begin().key();  // waiting, running or terminated
    EXPECT_EQ((*got)["state"], state);
    EXPECT_EQ((*got)["restartCount"], s.value("restartCount", 0));
    EXPECT_EQ((*got)["ready"], s.value("ready", false));
    int score = 100;
    if (state == "waiting") {
      const std::string reason = s["state"]["waiting"].value("reason", "");
      EXPECT_EQ((*got)["reason"], reason);
      score = reason == "CrashLoopBackOff" || reason == "ImagePullBackOff" ? 0 : 50;
    } else if (state == "terminated") {
      EXPECT_EQ((*got)["exitCode"], s["state"]["terminated"]["exitCode"]);
      score = s["state"]["terminated"]["exitCode"] == 0 ? 100 : 0;
    }
    EXPECT_EQ((*got)["score"], score) << s["name"];
    states_score = std::min(states_score, score);
  }
  EXPECT_EQ(doc["components"]["containerStates"]["score"], states_score);

  // conditions: PodScheduled 30, ContainersReady 30, Ready 40 when True.
  const std::map<std::string, int> points = {
      {"PodScheduled", 30}, {"ContainersReady", 30}, {"Ready", 40}};
  int conditions_score = 0;
  const json pod_conditions = status.value("conditions", json::array());
  const json& conditions = doc["components"]["conditions"]["evidence"]["conditions"];
  ASSERT_EQ(conditions.size(), 3U) << doc.dump(2);
  for (const auto& [type, value] : points) {
    const json* got = findBy(conditions, "type", type);
    ASSERT_TRUE(got) << type;
    const json* kubectl = findBy(pod_conditions, "type", type);
    if (kubectl == nullptr) {
      EXPECT_TRUE((*got)["status"].is_null()) << type;
    } else {
      EXPECT_EQ((*got)["status"], (*kubectl)["status"]) << type;
      if ((*kubectl)["status"] == "True") conditions_score += value;
    }
  }
  EXPECT_EQ(doc["components"]["conditions"]["score"], conditions_score);

  // warningEvents: the pod's Warning events (all recent here) and their occurrences.
  std::multiset<std::string> kubectl_warnings;
  int occurrences = 0;
  for (const auto& e : events["items"]) {
    if (e["type"] != "Warning") continue;
    kubectl_warnings.insert(e["reason"].get<std::string>());
    const bool series = e.contains("series") && e["series"].is_object();
    occurrences += series ? e["series"]["count"].get<int>() : e.value("count", 1);
  }
  std::multiset<std::string> keelson_warnings;
  const json& warnings = doc["components"]["warningEvents"]["evidence"];
  for (const auto& e : warnings["events"]) keelson_warnings.insert(e["reason"]);
  EXPECT_EQ(keelson_warnings, kubectl_warnings);
  EXPECT_EQ(warnings["occurrences"], occurrences);
  const int events_score = std::max(0, 100 - 25 * static_cast<int>(kubectl_warnings.size()));
  EXPECT_EQ(doc["components"]["warningEvents"]["score"], events_score);

  const int total =
      (restart_score * 30 + states_score * 30 + conditions_score * 25 + events_score * 15 + 50) /
      100;
  EXPECT_EQ(doc["score"], total) << doc.dump(2);
  const char* band = total >= 80   ? "healthy"
                     : total >= 50 ? "degraded"
                     : total >= 25 ? "unhealthy"
                                   : "critical";
  EXPECT_EQ(doc["status"], band);
  EXPECT_EQ(doc["phase"], status.value("phase", ""));
}

// The document minus what moves with the clock.
json clockless(json doc) {
  doc.erase("evaluatedAt");
  doc["components"]["restarts"]["evidence"].erase("podAge");
  doc["components"]["restarts"]["evidence"].erase("podAgeSeconds");
  return doc;
}

TEST_F(Diagnose, HealthScoreMatchesKubectl) {
  const json db_pods =
      cluster_.kubectlJson({"get", "pods", "-n", ns_, "-l", "app=db", "-o", "json"});
  ASSERT_EQ(db_pods["items"].size(), 1U);
  const std::string db = db_pods["items"][0]["metadata"]["name"];
  for (const std::string& name : {crash_pod_, db}) {
    SCOPED_TRACE(name);
    const std::string path = "/api/v1/pods/" + ns_ + "/" + name + "/health-score";
    const bool crashing = name == crash_pod_;
    const json data = waitForData(path, [crashing](const json& d) {
      if (!crashing) return d["status"] == "healthy";
      return d["components"]["warningEvents"]["evidence"]["warningEvents"] == 2 &&
             d["components"]["restarts"]["evidence"]["restartCount"] == 7;
    });
    ASSERT_TRUE(data.is_object());
    const json pod = cluster_.kubectlJson({"get", "pod", name, "-n", ns_, "-o", "json"});
    const json events = cluster_.kubectlJson(
        {"get", "events", "-n", ns_, "--field-selector",
         "involvedObject.uid=" + pod["metadata"]["uid"].get<std::string>(), "-o", "json"});
    expectHealthMatchesKubectl(data, pod, events);
    EXPECT_EQ(data["podName"], name);
    EXPECT_EQ(data["namespace"], ns_);

    // `keelson diagnose pod --health -o json` prints the route's document.
    const auto cli = keelson({"diagnose", "pod", ns_ + "/" + name, "--health", "-o", "json"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    const json cli_doc = json::parse(cli.out);
    EXPECT_EQ(clockless(cli_doc), clockless(data))
        << json::diff(clockless(data), clockless(cli_doc)).dump(2);
    const auto text = keelson({"diagnose", "pod", ns_ + "/" + name, "--health"});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    const std::string headline = "Health of " + ns_ + "/" + name + ": " +
                                 std::to_string(data["score"].get<int>()) + "/100 (" +
                                 data["status"].get<std::string>() + ")";
    EXPECT_NE(text.out.find(headline), std::string::npos) << text.out;
  }
  const HttpAnswer no_pod = serve_.get("/api/v1/pods/" + ns_ + "/nothing/health-score");
  ASSERT_EQ(no_pod.status, 404) << no_pod.body;
  EXPECT_EQ(json::parse(no_pod.body)["error"]["code"], "RESOURCE_NOT_FOUND");
}

TEST_F(Diagnose, MissingPodsAndNamespaces) {
  const HttpAnswer no_ns = serve_.get("/api/v1/namespace/" + ns_ + "-nope/error");
  ASSERT_EQ(no_ns.status, 404) << no_ns.body;
  EXPECT_EQ(json::parse(no_ns.body)["error"]["code"], "RESOURCE_NOT_FOUND");
  const HttpAnswer bad_ns = serve_.get("/api/v1/namespace/Bad_Name/error");
  ASSERT_EQ(bad_ns.status, 400) << bad_ns.body;
  EXPECT_EQ(json::parse(bad_ns.body)["error"]["code"], "BAD_REQUEST");
  const HttpAnswer no_pod = serve_.get("/api/v1/pods/" + ns_ + "/nothing/failure-events");
  ASSERT_EQ(no_pod.status, 404) << no_pod.body;
  EXPECT_EQ(json::parse(no_pod.body)["error"]["code"], "RESOURCE_NOT_FOUND");
  EXPECT_EQ(serve_.get("/api/v1/pods/" + ns_ + "/No_Pod/failure-events").status, 400);

  const auto cli_pod = keelson({"diagnose", "pod", ns_ + "/nothing"});
  EXPECT_NE(cli_pod.exit_code, 0);
  EXPECT_NE(cli_pod.err.find("not found"), std::string::npos) << cli_pod.err;
  const auto cli_ns = keelson({"diagnose", "namespace", ns_ + "-nope"});
  EXPECT_NE(cli_ns.exit_code, 0);
  EXPECT_NE(cli_ns.err.find("not found"), std::string::npos) << cli_ns.err;
  const auto malformed = keelson({"diagnose", "pod", "a/b/c"});
  EXPECT_NE(malformed.exit_code, 0);
  EXPECT_NE(malformed.err.find("NAMESPACE/NAME"), std::string::npos) << malformed.err;
  // A bare NAME is kubectl's: the pod in -n's (or the context's) namespace.
  const auto bare = keelson({"diagnose", "pod", "nothing", "-n", ns_});
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_NE(bare.err.find("not found"), std::string::npos) << bare.err;
}

}  // namespace
}  // namespace keelson::testing
