#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace keelson::testing {

/// The outcome of running a program in a test: exit code and both output streams.
struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `argv` (no shell) with a 120 s deadline and returns what it printed.
CommandOutput run(const std::vector<std::string>& argv);

/// Runs the keelson binary under test with `args`.
CommandOutput runKeelson(const std::vector<std::string>& args);

/// The test control plane started by test/cluster/up: its admin kubeconfig and the kubectl built
/// from the same Kubernetes release. Read from $KEELSON_TEST_DIR/env
/// (default /tmp/keelson-test-cluster/env).
struct TestCluster {
  std::string kubeconfig;
  std::string kubectl;
  std::string dir;
  std::string helm;                      ///< The helm test/cluster/build built ("" if none).
  std::string prometheus_operator_crds;  ///< The directory of its Prometheus Operator CRDs.

  /// Runs kubectl against the test cluster; fails the test (ADD_FAILURE) on a non-zero exit.
  std::string kubectlOk(const std::vector<std::string>& args) const;
  /// Runs kubectl against the test cluster and parses its JSON output.
  nlohmann::json kubectlJson(const std::vector<std::string>& args) const;
  /// Writes a manifest (JSON or YAML text) to a file in `dir` and applies it with kubectl.
  void apply(const std::string& manifest) const;
  /// The objects of a YAML or JSON file, as kubectl reads them.
  std::vector<nlohmann::json> objectsOf(const std::string& path) const;
  /// The objects `helm template keelson deploy/helm/keelson ARGS...` renders (with the helm that
  /// test/cluster/build made); fails the test (ADD_FAILURE) when helm does.
  std::vector<nlohmann::json> renderChart(const std::vector<std::string>& args) const;
  /// Installs (server-side apply) the Prometheus Operator CRDs test/cluster/build made and waits
  /// until ServiceMonitor, PodMonitor and PrometheusRule are served. Fails the test (ADD_FAILURE)
  /// when kubectl does.
  void installPrometheusOperatorCrds() const;
  /// The objects of a shipped manifest, deploy/manifests/`file` (rendered from the Helm chart),
  /// whose kind is one of `kinds`, as one JSON List for apply(): e.g. a mode's RBAC without its
  /// workload, whose image the test cluster cannot run.
  std::string shippedObjects(const std::string& file, const std::set<std::string>& kinds) const;
  /// The same cluster seen as service account `ns`/`name`: a kubeconfig in `dir` with a one-hour
  /// token from `kubectl create token` (stored in `token`, without the newline). Fails the test
  /// (ADD_FAILURE) when kubectl cannot create the token.
  TestCluster asServiceAccount(const std::string& ns, const std::string& name,
                               std::string& token) const;
};

/// A JSON List (for TestCluster::apply) of the `objects` whose kind is one of `kinds`.
std::string listOf(const std::vector<nlohmann::json>& objects, const std::set<std::string>& kinds);

/// Finds the running test cluster, or returns false (the caller then reports `why` through
/// KEELSON_MISSING_PREREQUISITE: a skip, or a failure under CI=true).
bool findTestCluster(TestCluster& cluster, std::string& why);

/// A name unique to this test process, for namespaces and nodes: `<prefix>-<pid>`.
std::string uniqueName(const std::string& prefix);

}  // namespace keelson::testing
