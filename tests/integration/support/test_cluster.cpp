#include "support/test_cluster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/test_env.h"
#include "core/process_runner.h"

namespace keelson::testing {

CommandOutput run(const std::vector<std::string>& argv) {
  core::RunOptions options;
  options.timeout = std::chrono::seconds(120);
  const core::RunResult result = core::runProcess(argv, options);
  return {result.timed_out ? -1 : result.exit_code, result.out, result.err};
}

CommandOutput runKeelson(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {keelson::testing::keelsonBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::string TestCluster::kubectlOk(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kubectl, "--kubeconfig", kubeconfig};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandOutput result = run(argv);
  if (result.exit_code != 0) {
    std::string joined;
    for (const auto& a : args) joined += " " + a;
    ADD_FAILURE() << "kubectl" << joined << " failed (" << result.exit_code << "): " << result.err;
  }
  return result.out;
}

nlohmann::json TestCluster::kubectlJson(const std::vector<std::string>& args) const {
  return nlohmann::json::parse(kubectlOk(args));
}

void TestCluster::apply(const std::string& manifest) const {
  static int counter = 0;
  const std::string path =
      dir + "/manifest-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".json";
  std::ofstream(path) << manifest;
  kubectlOk({"apply", "-f", path});
  std::filesystem::remove(path);
}

std::vector<nlohmann::json> TestCluster::objectsOf(const std::string& path) const {
  // One JSON document per object, one after the other (a List's items when the file is one).
  std::istringstream in(kubectlOk({"create", "--dry-run=client", "-o", "json", "-f", path}));
  std::vector<nlohmann::json> objects;
  while ((in >> std::ws).peek() != std::char_traits<char>::eof()) {
    nlohmann::json object;
    in >> object;
    if (object.value("kind", "") == "List") {
      for (const nlohmann::json& item : object["items"]) objects.push_back(item);
    } else {
      objects.push_back(std::move(object));
    }
  }
  return objects;
}

std::vector<nlohmann::json> TestCluster::renderChart(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {helm, "template", "keelson",
                                   sourceDir() + "/deploy/helm/keelson"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandOutput out = run(argv);
  if (out.exit_code != 0) {
    ADD_FAILURE() << "helm template failed (" << out.exit_code << "): " << out.err;
    return {};
  }
  static int counter = 0;
  const std::string path =
      dir + "/chart-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".yaml";
  std::ofstream(path) << out.out;
  std::vector<nlohmann::json> objects = objectsOf(path);
  std::filesystem::remove(path);
  return objects;
}

void TestCluster::installPrometheusOperatorCrds() const {
  kubectlOk({"apply", "--server-side", "-f", prometheus_operator_crds});
  kubectlOk({"wait", "--for=condition=Established", "--timeout=60s",
             "crd/servicemonitors.monitoring.coreos.com", "crd/podmonitors.monitoring.coreos.com",
             "crd/prometheusrules.monitoring.coreos.com"});
}

std::string TestCluster::shippedObjects(const std::string& file,
                                        const std::set<std::string>& kinds) const {
  return listOf(objectsOf(sourceDir() + "/deploy/manifests/" + file), kinds);
}

std::string listOf(const std::vector<nlohmann::json>& objects, const std::set<std::string>& kinds) {
  nlohmann::json list = {
      {"apiVersion", "v1"}, {"kind", "List"}, {"items", nlohmann::json::array()}};
  for (const nlohmann::json& object : objects) {
    if (kinds.contains(object.value("kind", ""))) list["items"].push_back(object);
  }
  return list.dump();
}

TestCluster TestCluster::asServiceAccount(const std::string& ns, const std::string& name,
                                          std::string& token) const {
  token = kubectlOk({"create", "token", name, "-n", ns, "--duration", "1h"});
  token = token.substr(0, token.find('\n'));
  const nlohmann::json config = kubectlJson({"config", "view", "--raw", "--minify", "-o", "json"});
  const nlohmann::json document = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters",
       nlohmann::json::array({{{"name", "c"}, {"cluster", config["clusters"][0]["cluster"]}}})},
      {"users", nlohmann::json::array({{{"name", name}, {"user", {{"token", token}}}}})},
      {"contexts",
       nlohmann::json::array({{{"name", name}, {"context", {{"cluster", "c"}, {"user", name}}}}})},
      {"current-context", name}};
  TestCluster out = *this;
  out.kubeconfig = dir + "/" + ns + "-" + name + ".kubeconfig";
  std::ofstream(out.kubeconfig) << document.dump();
  return out;
}

bool findTestCluster(TestCluster& cluster, std::string& why) {
  const char* dir_env = std::getenv("KEELSON_TEST_DIR");
  cluster.dir = dir_env != nullptr && *dir_env != '\0' ? dir_env : "/tmp/keelson-test-cluster";
  std::ifstream env(cluster.dir + "/env");
  if (!env) {
    why = "no test cluster: " + cluster.dir + "/env is missing (run test/cluster/up)";
    return false;
  }
  std::string line;
  while (std::getline(env, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    std::string value = line.substr(eq + 1);
    if (key.rfind("export ", 0) == 0) key = key.substr(7);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      value = value.substr(1, value.size() - 2);
    }
    if (key == "KUBECTL") cluster.kubectl = value;
    if (key == "KUBECONFIG") cluster.kubeconfig = value;
    if (key == "HELM") cluster.helm = value;
    if (key == "PROMETHEUS_OPERATOR_CRDS") cluster.prometheus_operator_crds = value;
  }
  if (cluster.kubeconfig.empty()) cluster.kubeconfig = cluster.dir + "/kubeconfig";
  if (cluster.kubectl.empty() || !std::filesystem::exists(cluster.kubectl)) {
    why = "no kubectl named in " + cluster.dir + "/env";
    return false;
  }
  return true;
}

std::string uniqueName(const std::string& prefix) {
  return prefix + "-" + std::to_string(getpid());
}

}  // namespace keelson::testing
