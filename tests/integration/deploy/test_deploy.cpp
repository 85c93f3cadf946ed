// What keelson ships to install it (deploy/): the Helm chart, the plain manifests rendered from
// it and the kustomize overlays, proven on the test control plane with the helm and the
// Prometheus Operator CRDs that test/cluster/build makes. helm lint and template for every values
// file; every rendered object accepted by the API server (server-side dry run, CRDs installed);
// the values schema rejecting bad values; each mode's RBAC exactly what it needs (kubectl auth
// can-i --list, and no for a list of dangerous verbs); the Deployments' pods admitted under the
// `restricted` Pod Security Standard and the DaemonSet's only where `privileged` is allowed; the
// committed manifests up to date with the chart; `kubectl apply -f deploy/manifests/` and
// `kubectl apply -k` of each overlay.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

std::string chartDir() { return sourceDir() + "/deploy/helm/keelson"; }

/// The chart's ci/*-values.yaml files, sorted.
std::vector<std::string> ciValuesFiles() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(chartDir() + "/ci")) {
    if (entry.path().extension() == ".yaml") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out += " " + a;
  return out;
}

class Deploy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!findTestCluster(cluster_, skip_reason_)) return;
    if (cluster_.helm.empty() || !std::filesystem::exists(cluster_.helm) ||
        cluster_.prometheus_operator_crds.empty()) {
      skip_reason_ = "no HELM or PROMETHEUS_OPERATOR_CRDS in " + cluster_.dir +
                     "/env (test/cluster/build makes them, test/cluster/up names them)";
      return;
    }
    // ServiceMonitor, PodMonitor and PrometheusRule, so that the chart's objects of those kinds
    // are validated too.
    cluster_.installPrometheusOperatorCrds();
  }

  void SetUp() override {
    if (!skip_reason_.empty()) KEELSON_MISSING_PREREQUISITE(skip_reason_);
  }

  void TearDown() override {
    for (const std::string& ns : namespaces_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns,
           "--wait=false", "--ignore-not-found"});
    }
    for (const std::string& objects : cluster_objects_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "-f", objects,
           "--ignore-not-found"});
    }
  }

  static CommandOutput helm(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {cluster_.helm};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }

  static CommandOutput kubectl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }

  /// A namespace for this test (labels: "key=value" each), deleted after it.
  std::string createNamespace(const std::string& suffix, const std::vector<std::string>& labels) {
    const std::string ns = uniqueName("deploy-" + suffix);
    cluster_.kubectlOk({"create", "namespace", ns});
    if (!labels.empty()) {
      std::vector<std::string> args = {"label", "namespace", ns};
      args.insert(args.end(), labels.begin(), labels.end());
      cluster_.kubectlOk(args);
    }
    namespaces_.push_back(ns);
    return ns;
  }

  /// `helm template` of the chart into a file (fails the test when helm does).
  std::string renderToFile(const std::string& name, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"template"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(chartDir());
    const CommandOutput out = helm(argv);
    EXPECT_EQ(out.exit_code, 0) << "helm" << joined(argv) << ": " << out.err;
    const std::string path = cluster_.dir + "/" + uniqueName(name) + ".yaml";
    std::ofstream(path) << out.out;
    return path;
  }

  /// Writes `objects` as a JSON List to a file; returns its path.
  static std::string listFile(const std::string& name, const std::vector<json>& objects) {
    const std::string path = cluster_.dir + "/" + uniqueName(name) + ".json";
    std::ofstream(path) << json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", objects}}.dump();
    return path;
  }

  /// What `kubectl auth can-i --list` grants `user` in `ns`: "resource[names] verb" for
  /// resource rules, "/url verb" for non-resource ones.
  static std::set<std::string> grants(const std::string& ns, const std::string& user) {
    const std::string table =
        cluster_.kubectlOk({"auth", "can-i", "--list", "-n", ns, "--as=" + user});
    static const std::regex kRow(R"(^(\S*)\s+\[(.*)\]\s+\[(.*)\]\s+\[(.*)\]\s*$)");
    std::set<std::string> out;
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (!std::regex_match(line, m, kRow)) continue;
      std::string subject = m[1].str().empty() ? m[2].str() : m[1].str();
      if (!m[1].str().empty() && !m[3].str().empty()) subject += "[" + m[3].str() + "]";
      std::istringstream verbs(m[4].str());
      for (std::string verb; verbs >> verb;) out.insert(subject + " " + verb);
    }
    return out;
  }

  /// `kubectl auth can-i VERB RESOURCE` as `user` in `ns`: "yes" or "no".
  static std::string canI(const std::string& ns, const std::string& user,
                          const std::vector<std::string>& request) {
    std::vector<std::string> args = {"auth", "can-i", "-n", ns, "--as=" + user};
    args.insert(args.end(), request.begin(), request.end());
    const CommandOutput out = kubectl(args);
    return out.out.substr(0, out.out.find('\n'));
  }

  static inline TestCluster cluster_;
  static inline std::string skip_reason_;
  std::vector<std::string> namespaces_;
  std::vector<std::string> cluster_objects_;  ///< Files of cluster-scoped objects to delete.
};

// `helm lint --strict` with the default values and each ci/*-values.yaml; those files cover
// every mode (each one's workload is rendered by at least one of them).
TEST_F(Deploy, ChartLintsWithEveryValuesFile) {
  std::vector<std::vector<std::string>> variants = {{}};
  for (const std::string& file : ciValuesFiles()) variants.push_back({"-f", file});
  ASSERT_GE(variants.size(), 7u) << "ci/*-values.yaml are missing";
  std::set<std::string> workloads;
  for (const auto& values : variants) {
    std::vector<std::string> lint = {"lint", "--strict", chartDir()};
    lint.insert(lint.end(), values.begin(), values.end());
    const CommandOutput out = helm(lint);
    EXPECT_EQ(out.exit_code, 0) << "helm" << joined(lint) << ":\n" << out.out << out.err;
    EXPECT_THAT(out.out, HasSubstr("1 chart(s) linted, 0 chart(s) failed"));
    for (const json& object : cluster_.objectsOf(renderToFile("lint", values))) {
      const std::string kind = object.value("kind", "");
      if (kind == "Deployment" || kind == "DaemonSet") {
        workloads.insert(object["metadata"]["labels"].value("app.kubernetes.io/component", "") +
                         "/" + kind);
      }
    }
  }
  EXPECT_EQ(workloads,
            (std::set<std::string>{"agent/Deployment", "monitor/Deployment", "node/DaemonSet",
                                   "scheduler/Deployment", "serve/Deployment"}));
}

// Every object the chart renders, with the default values and each ci/*-values.yaml, is accepted
// by the API server (server-side dry run: admission and schema validation, the Prometheus
// Operator CRDs' included). A ServiceMonitor the CRD's schema forbids is refused, so the CRDs do
// validate.
TEST_F(Deploy, EveryRenderedObjectIsAcceptedByTheApiServer) {
  const std::string ns = createNamespace("dry-run", {});
  std::vector<std::vector<std::string>> variants = {{}};
  for (const std::string& file : ciValuesFiles()) variants.push_back({"-f", file});
  std::set<std::string> kinds;
  for (const auto& values : variants) {
    std::vector<std::string> args = {"--namespace", ns};
    args.insert(args.end(), values.begin(), values.end());
    const std::string rendered = renderToFile("dry-run", args);
    const std::vector<json> objects = cluster_.objectsOf(rendered);
    ASSERT_FALSE(objects.empty()) << joined(values);
    for (const json& object : objects) kinds.insert(object.value("kind", ""));
    const CommandOutput applied = kubectl({"apply", "--dry-run=server", "-f", rendered});
    EXPECT_EQ(applied.exit_code, 0) << joined(values) << ":\n" << applied.err;
    const auto accepted =
        static_cast<std::size_t>(std::count(applied.out.begin(), applied.out.end(), '\n'));
    EXPECT_EQ(accepted, objects.size()) << joined(values) << ":\n" << applied.out;
  }
  for (const std::string kind :
       {"ServiceMonitor", "PodMonitor", "PrometheusRule", "NetworkPolicy", "PodDisruptionBudget",
        "PersistentVolumeClaim", "Secret", "DaemonSet", "Deployment", "Role", "ClusterRole"}) {
    EXPECT_TRUE(kinds.contains(kind)) << "no values file renders a " << kind;
  }

  const std::string bad = cluster_.dir + "/" + uniqueName("bad-servicemonitor") + ".json";
  std::ofstream(bad) << json{{"apiVersion", "monitoring.coreos.com/v1"},
                             {"kind", "ServiceMonitor"},
                             {"metadata", {{"name", "bad"}, {"namespace", ns}}},
                             {"spec",
                              {{"selector", json::object()},
                               {"endpoints", {{{"port", "https"}, {"scheme", "gopher"}}}}}}}
                            .dump();
  const CommandOutput refused = kubectl({"apply", "--dry-run=server", "-f", bad});
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_THAT(refused.err, HasSubstr("scheme"));
}

// values.schema.json refuses bad values before anything is rendered, naming the value and why;
// the chart's required values name what is missing.
TEST_F(Deploy, ValuesSchemaRejectsBadValuesClearly) {
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"--set", "serve.replicas=-1"}, {"/serve/replicas", "minimum"}},
      {{"--set", "serve.port=https"}, {"/serve/port", "want integer"}},
      {{"--set", "serve.replica=2"}, {"/serve", "additional properties 'replica' not allowed"}},
      {{"--set", "log.level=loud"}, {"/log/level", "value must be one of"}},
      {{"--set", "agent.allowActions={cordon,delete}"},
       {"/agent/allowActions/1", "value must be one of"}},
      {{"--set", "monitor.alertThreshold=2"}, {"/monitor/alertThreshold", "maximum"}},
      {{"--set", "scheduler.leaderElect=false"},
       {"/scheduler", "additional properties 'leaderElect' not allowed"}},
      {{"--set", "agent.enabled=true,agent.existingSecret=backend"},
       {"agent.backend.url is required"}},
      {{"--set", "agent.enabled=true,agent.backend.url=https://b,agent.clusterId=c"},
       {"agent.apiKey (or agent.existingSecret) is required"}},
  };
  for (const auto& [values, expected] : cases) {
    std::vector<std::string> args = {"template", chartDir()};
    args.insert(args.end(), values.begin(), values.end());
    const CommandOutput out = helm(args);
    EXPECT_NE(out.exit_code, 0) << joined(values);
    for (const std::string& text : expected) {
      EXPECT_THAT(out.err, HasSubstr(text)) << joined(values);
    }
  }
  // The defaults themselves are valid.
  EXPECT_EQ(helm({"template", chartDir()}).exit_code, 0);
}

/// "resource verb" for every resource and verb.
std::set<std::string> rules(const std::vector<std::string>& resources,
                            const std::vector<std::string>& verbs) {
  std::set<std::string> out;
  for (const std::string& r : resources) {
    for (const std::string& v : verbs) out.insert(r + " " + v);
  }
  return out;
}

std::set<std::string> unite(std::initializer_list<std::set<std::string>> parts) {
  std::set<std::string> out;
  for (const auto& part : parts) out.insert(part.begin(), part.end());
  return out;
}

// Each mode's ServiceAccount, with the chart's RBAC applied (every mode on, the agent with its
// default allowActions), is granted exactly the rules listed here beyond what every service
// account has, and none of the dangerous ones. The scheduler has kube-scheduler's own roles, so
// it is checked verb by verb.
TEST_F(Deploy, EachModesRbacIsExactlyWhatItNeeds) {
  const std::string ns = createNamespace("rbac", {});
  const std::string name = uniqueName("kr");  // fullnameOverride: objects are <name>-<mode>
  const std::string rendered =
      renderToFile("rbac", {"--namespace", ns, "--set", "fullnameOverride=" + name, "--set",
                            "agent.enabled=true,monitor.enabled=true,scheduler.enabled=true",
                            "--set", "agent.backend.url=https://backend.test", "--set",
                            "agent.clusterId=c,agent.apiKey=k,agent.secretKey=s"});
  std::vector<json> namespaced;
  std::vector<json> cluster_scoped;
  for (const json& object : cluster_.objectsOf(rendered)) {
    const std::string kind = object.value("kind", "");
    if (kind == "ClusterRole" || kind == "ClusterRoleBinding") cluster_scoped.push_back(object);
    if (kind == "ServiceAccount" || kind == "Role" || kind == "RoleBinding") {
      namespaced.push_back(object);
    }
  }
  ASSERT_EQ(namespaced.size(), 7u);  // five ServiceAccounts, the scheduler's Lease Role and binding
  const std::string cluster_file = listFile("rbac-cluster", cluster_scoped);
  cluster_objects_.push_back(cluster_file);
  cluster_.kubectlOk({"apply", "-f", cluster_file});
  cluster_.kubectlOk({"apply", "-f", listFile("rbac-namespaced", namespaced)});
  cluster_.kubectlOk({"create", "serviceaccount", "bare", "-n", ns});

  const auto sa = [&](const std::string& mode) {
    return "system:serviceaccount:" + ns + ":" + name + "-" + mode;
  };
  const std::set<std::string> everyone = grants(ns, "system:serviceaccount:" + ns + ":bare");
  ASSERT_FALSE(everyone.empty());
  const auto beyond_everyone = [&](const std::string& mode) {
    std::set<std::string> out;
    for (const std::string& rule : grants(ns, sa(mode))) {
      if (!everyone.contains(rule)) out.insert(rule);
    }
    return out;
  };
  const std::vector<std::string> read = {"get", "list", "watch"};
  const std::set<std::string> delegated = {"tokenreviews.authentication.k8s.io create",
                                           "subjectaccessreviews.authorization.k8s.io create"};
  const std::map<std::string, std::set<std::string>> expected = {
      {"serve",
       unite({rules({"pods", "nodes", "events", "namespaces", "persistentvolumes",
                     "persistentvolumeclaims", "events.events.k8s.io", "deployments.apps",
                     "replicasets.apps", "statefulsets.apps", "daemonsets.apps", "jobs.batch",
                     "poddisruptionbudgets.policy", "storageclasses.storage.k8s.io"},
                    read),
              rules({"nodes.metrics.k8s.io", "pods.metrics.k8s.io"}, {"get", "list"}), delegated})},
      {"node", unite({rules({"pods", "nodes"}, read), rules({"events"}, {"get", "list"}),
                      rules({"nodes.metrics.k8s.io"}, {"get", "list"}), delegated})},
      {"agent",
       unite(
           {rules({"pods", "events", "nodes.metrics.k8s.io", "pods.metrics.k8s.io"}, {"list"}),
            // cordon and uncordon; label
            rules({"nodes"}, {"get", "list", "patch"}),
            // scale
            rules({"deployments.apps/scale", "statefulsets.apps/scale", "replicasets.apps/scale"},
                  {"get", "update", "patch"}),
            // restart (rollout restart, restart pod) and label
            rules({"deployments.apps", "statefulsets.apps", "daemonsets.apps", "replicasets.apps"},
                  {"get", "patch"}),
            rules({"pods"}, {"get", "patch", "delete"})})},
      {"monitor",
       unite({rules({"nodes", "pods", "events", "nodes.metrics.k8s.io", "pods.metrics.k8s.io"},
                    {"list"}),
              rules({"nodes/proxy"}, {"get"})})},
  };
  for (const auto& [mode, rules_of_mode] : expected) {
    EXPECT_EQ(beyond_everyone(mode), rules_of_mode) << mode;
  }

  // Dangerous for every mode: reading secrets, deleting nodes, exec into pods, making pods,
  // granting themselves more (escalate, bind, impersonate).
  const std::vector<std::vector<std::string>> dangerous = {
      {"get", "secrets"},       {"list", "secrets", "-A"},
      {"delete", "nodes"},      {"create", "pods", "--subresource=exec"},
      {"create", "pods"},       {"escalate", "clusterroles"},
      {"bind", "clusterroles"}, {"create", "clusterrolebindings"},
      {"impersonate", "users"}, {"delete", "namespaces"},
      {"update", "configmaps"},
  };
  for (const std::string mode : {"serve", "node", "agent", "monitor", "scheduler"}) {
    for (const auto& request : dangerous) {
      EXPECT_EQ(canI(ns, sa(mode), request), "no") << mode << joined(request);
    }
  }
  // What a mode may not do although a neighbour may.
  EXPECT_EQ(canI(ns, sa("serve"), {"patch", "nodes"}), "no");
  EXPECT_EQ(canI(ns, sa("node"), {"list", "deployments.apps"}), "no");
  EXPECT_EQ(canI(ns, sa("agent"), {"create", "pods", "--subresource=eviction"}), "no")
      << "drain and evict are not in the default allowActions";
  EXPECT_EQ(canI(ns, sa("monitor"), {"patch", "nodes"}), "no");
  // The scheduler: binding, its events, its own Lease by name and no other.
  EXPECT_EQ(canI(ns, sa("scheduler"), {"create", "pods", "--subresource=binding"}), "yes");
  EXPECT_EQ(canI(ns, sa("scheduler"), {"create", "events.events.k8s.io"}), "yes");
  EXPECT_EQ(canI(ns, sa("scheduler"), {"watch", "persistentvolumeclaims"}), "yes");
  EXPECT_EQ(canI(ns, sa("scheduler"), {"update", "leases/" + name + "-scheduler"}), "yes");
  EXPECT_EQ(canI(ns, sa("scheduler"), {"update", "leases/someone-else"}), "no");
}

/// A Pod with the pod template of `workload` (a Deployment or DaemonSet), in `ns`.
json podOf(const json& workload, const std::string& ns) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", workload["metadata"]["name"].get<std::string>() + "-pod"}, {"namespace", ns}}},
          {"spec", workload["spec"]["template"]["spec"]}};
}

// The Deployments' pods (and the helm test pod) are admitted in a namespace that enforces the
// `restricted` Pod Security Standard; the node DaemonSet's pods are not (hostPID, the host's
// root), nor, privileged, under `baseline`; they are where `privileged` is allowed.
TEST_F(Deploy, PodsMeetTheirPodSecurityLevel) {
  const std::string restricted =
      createNamespace("restricted", {"pod-security.kubernetes.io/enforce=restricted",
                                     "pod-security.kubernetes.io/warn=restricted"});
  const std::string baseline =
      createNamespace("baseline", {"pod-security.kubernetes.io/enforce=baseline"});
  const std::string privileged =
      createNamespace("privileged", {"pod-security.kubernetes.io/enforce=privileged"});

  // The server-side dry runs of creating a Pod of each object of `kinds` (a workload's pod
  // template, or a Pod as it is) that the chart renders with ci/all-values.yaml and `values` into
  // `ns` (where the chart's ServiceAccounts are created first: admission looks them up).
  const auto admit = [&](const std::string& ns, const std::vector<std::string>& values,
                         const std::set<std::string>& kinds) {
    std::vector<std::string> args = {"--namespace", ns, "-f", chartDir() + "/ci/all-values.yaml"};
    args.insert(args.end(), values.begin(), values.end());
    std::vector<json> accounts;
    std::vector<json> pods;
    for (const json& object : cluster_.objectsOf(renderToFile("pss", args))) {
      const std::string kind = object.value("kind", "");
      if (kind == "ServiceAccount") accounts.push_back(object);
      if (kind == "Pod" && kinds.contains("Pod")) pods.push_back(object);
      if (kinds.contains(kind) && kind != "Pod") pods.push_back(podOf(object, ns));
    }
    cluster_.kubectlOk({"apply", "-f", listFile("pss-accounts", accounts)});
    std::vector<CommandOutput> out;
    for (const json& pod : pods) {
      out.push_back(
          kubectl({"create", "--dry-run=server", "-f", listFile("pss-pod", {pod}), "-o", "name"}));
    }
    return out;
  };

  const std::vector<CommandOutput> deployments = admit(restricted, {}, {"Deployment", "Pod"});
  EXPECT_EQ(deployments.size(), 5u);  // serve, agent, monitor, scheduler, the helm test pod
  for (const CommandOutput& out : deployments) {
    EXPECT_EQ(out.exit_code, 0) << out.err;
    EXPECT_THAT(out.err, Not(HasSubstr("PodSecurity"))) << out.out;
  }
  for (const bool host_mode : {false, true}) {
    const std::string set = host_mode ? "node.privileged.enabled=true" : "node.enabled=true";
    const auto in_restricted = admit(restricted, {"--set", set}, {"DaemonSet"});
    ASSERT_EQ(in_restricted.size(), 1u);
    EXPECT_NE(in_restricted[0].exit_code, 0) << set;
    EXPECT_THAT(in_restricted[0].err, HasSubstr("violates PodSecurity \"restricted:latest\""));
    const auto in_baseline = admit(baseline, {"--set", set}, {"DaemonSet"});
    ASSERT_EQ(in_baseline.size(), 1u);
    EXPECT_NE(in_baseline[0].exit_code, 0) << set;
    EXPECT_THAT(in_baseline[0].err, HasSubstr("violates PodSecurity \"baseline:latest\""));
    const auto in_privileged = admit(privileged, {"--set", set}, {"DaemonSet"});
    ASSERT_EQ(in_privileged.size(), 1u);
    EXPECT_EQ(in_privileged[0].exit_code, 0) << set << ": " << in_privileged[0].err;
  }
}

// deploy/manifests/ and deploy/kustomize are what scripts/render-manifests makes of the chart
// now: a chart change without a re-render fails here.
TEST_F(Deploy, CommittedManifestsAreRenderedFromTheChart) {
  const CommandOutput check = run({sourceDir() + "/scripts/render-manifests", "--check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// `kubectl apply -f deploy/manifests/` works on its own (the namespace is created first), then
// `kubectl apply -k` of the production overlay and of the development one each change what they
// say; everything is removed afterwards.
TEST_F(Deploy, ManifestsAndOverlaysApply) {
  const std::string manifests = sourceDir() + "/deploy/manifests/";
  const std::string overlays = sourceDir() + "/deploy/kustomize/overlays/";
  struct Cleanup {
    ~Cleanup() {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "-k",
           overlays + "production", "--ignore-not-found", "--wait=true"});
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "-f", manifests,
           "--ignore-not-found", "--wait=true"});
    }
    std::string manifests;
    std::string overlays;
  } cleanup{manifests, overlays};

  const CommandOutput applied = kubectl({"apply", "-f", manifests});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_THAT(applied.out, HasSubstr("namespace/keelson"));
  EXPECT_THAT(applied.out, HasSubstr("deployment.apps/keelson-serve"));
  EXPECT_THAT(applied.out, HasSubstr("daemonset.apps/keelson-node"));
  EXPECT_THAT(applied.out, HasSubstr("deployment.apps/keelson-scheduler"));
  EXPECT_THAT(applied.out, HasSubstr("clusterrole.rbac.authorization.k8s.io/keelson-actuator"));

  const auto serve = [&] {
    return cluster_.kubectlJson(
        {"get", "deployment", "keelson-serve", "-n", "keelson", "-o", "json"});
  };
  const auto env = [](const json& workload, const std::string& name) {
    for (const json& e : workload["spec"]["template"]["spec"]["containers"][0]["env"]) {
      if (e.value("name", "") == name) return e.value("value", "");
    }
    return std::string();
  };

  const CommandOutput production = kubectl({"apply", "-k", overlays + "production"});
  ASSERT_EQ(production.exit_code, 0) << production.err;
  EXPECT_EQ(serve()["spec"]["replicas"], 2);
  EXPECT_EQ(env(serve(), "LOG_LEVEL"), "info");
  EXPECT_EQ(serve()["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"],
            "1");
  EXPECT_EQ(kubectl({"get", "poddisruptionbudget", "keelson-serve", "-n", "keelson"}).exit_code, 0);
  EXPECT_EQ(
      kubectl({"get", "networkpolicy", "keelson-serve", "keelson-node", "-n", "keelson"}).exit_code,
      0);

  const CommandOutput development = kubectl({"apply", "-k", overlays + "development"});
  ASSERT_EQ(development.exit_code, 0) << development.err;
  EXPECT_EQ(serve()["spec"]["replicas"], 1);
  EXPECT_EQ(env(serve(), "LOG_LEVEL"), "debug");
  const json node =
      cluster_.kubectlJson({"get", "daemonset", "keelson-node", "-n", "keelson", "-o", "json"});
  EXPECT_EQ(env(node, "LOG_LEVEL"), "debug");
}

}  // namespace
}  // namespace keelson::testing
