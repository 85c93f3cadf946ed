// `keelson serve` against the test control plane: node utilization compared with metrics.k8s.io
// and the Node read through kubectl, a missing metrics API (503), the request deadline (408 and
// nothing written after it), and the shipped RBAC (deploy/manifests/10-serve.yaml) being enough
// to serve.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/quantity.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ServeNodes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    std::vector<std::string> args = {"--no-host", "--metrics-refresh", "1s"};
#ifdef KEELSON_TEST_HOOKS
    args.insert(args.end(), {"--test-handler-delay", "2s"});
#endif
    serve_.start(cluster_, args);
  }
  static void TearDownTestSuite() { serve_.kill(); }

  void SetUp() override {
    if (cluster_.kubectl.empty()) KEELSON_MISSING_PREREQUISITE("no test cluster");
    ASSERT_GT(serve_.pid(), 0) << "keelson serve is not running";
    ASSERT_EQ(serve_.waitFor("/readyz", 200).status, 200);
  }

  static void addNode(const std::string& name, const std::string& cpu, const std::string& memory) {
    ASSERT_EQ(run({keelson::testing::sourceDir() + "/test/cluster/add-node", name, "--cpu", cpu,
                   "--memory", memory})
                  .exit_code,
              0);
  }

  static TestCluster cluster_;
  static ServeProcess serve_;
};

TestCluster ServeNodes::cluster_;
ServeProcess ServeNodes::serve_;

int64_t milli(const json& quantity) {
  return core::Quantity::parse(quantity.get<std::string>()).milliValue();
}

TEST_F(ServeNodes, UtilizationAgreesWithMetricsApiAndNode) {
  const std::string node = uniqueName("util");
  addNode(node, "3", "6Gi");
  const json object = cluster_.kubectlJson({"get", "node", node, "-o", "json"});
  // Poll until keelson's sample and the one kubectl reads have the same timestamp (metrics-server
  // scrapes every few seconds, keelson lists every second), then compare them field by field.
  json ours;
  json theirs;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (std::chrono::steady_clock::now() < deadline) {
    const HttpAnswer answer = serve_.get("/api/v1/nodes/" + node + "/utilization");
    const auto raw = run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "get", "--raw",
                          "/apis/metrics.k8s.io/v1beta1/nodes/" + node});
    if (answer.status == 200 && raw.exit_code == 0) {
      ours = json::parse(answer.body)["data"];
      theirs = json::parse(raw.out);
      if (ours["timestamp"] == theirs["timestamp"]) break;
    }
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(ours.is_object()) << "no utilization for " << node;
  ASSERT_EQ(ours["timestamp"], theirs["timestamp"]) << ours.dump(2) << theirs.dump(2);
  EXPECT_EQ(ours["nodeName"], node);
  EXPECT_EQ(milli(ours["cpuUsage"]), milli(theirs["usage"]["cpu"]));
  EXPECT_EQ(milli(ours["memoryUsage"]), milli(theirs["usage"]["memory"]));
  EXPECT_EQ(milli(ours["cpuCapacity"]), milli(object["status"]["capacity"]["cpu"]));
  EXPECT_EQ(milli(ours["memoryCapacity"]), milli(object["status"]["capacity"]["memory"]));
  EXPECT_EQ(milli(ours["cpuAllocatable"]), milli(object["status"]["allocatable"]["cpu"]));
  EXPECT_EQ(milli(ours["memoryAllocatable"]), milli(object["status"]["allocatable"]["memory"]));
  const double cpu_percent = 100.0 * static_cast<double>(milli(theirs["usage"]["cpu"])) /
                             static_cast<double>(milli(object["status"]["capacity"]["cpu"]));
  EXPECT_NEAR(ours["cpuPercentage"].get<double>(), cpu_percent, 0.01);
  const double memory_percent =
      100.0 * static_cast<double>(milli(theirs["usage"]["memory"])) /
      static_cast<double>(milli(object["status"]["allocatable"]["memory"]));
  EXPECT_NEAR(ours["memoryAllocatablePercentage"].get<double>(), memory_percent, 0.01);
  EXPECT_EQ(ours["window"], theirs["window"]);
  cluster_.kubectlOk({"delete", "node", node, "--wait=false"});
}

TEST_F(ServeNodes, UtilizationErrors) {
  const HttpAnswer missing = serve_.get("/api/v1/nodes/no-such-node/utilization");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "RESOURCE_NOT_FOUND");
  const HttpAnswer bad = serve_.get("/api/v1/nodes/Not_A_Name/utilization");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(json::parse(bad.body)["error"]["code"], "BAD_REQUEST");
}

// metrics.k8s.io goes away (its APIService is deleted): utilization answers 503
// SERVICE_UNAVAILABLE and says why; once the APIService is back it answers 200 again.
TEST_F(ServeNodes, MissingMetricsApiIs503) {
  const std::string node = uniqueName("nometrics");
  addNode(node, "2", "4Gi");
  const std::string path = "/api/v1/nodes/" + node + "/utilization";
  ASSERT_EQ(serve_.waitFor(path, 200, 90s).status, 200);
  json apiservice =
      cluster_.kubectlJson({"get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json"});
  for (const char* field : {"resourceVersion", "uid", "creationTimestamp", "managedFields"}) {
    apiservice["metadata"].erase(field);
  }
  apiservice.erase("status");
  cluster_.kubectlOk({"delete", "apiservice", "v1beta1.metrics.k8s.io"});
  const HttpAnswer gone = serve_.waitFor(path, 503, 30s);
  // Put it back before asserting, so a failure here does not break later tests.
  cluster_.apply(apiservice.dump());
  ASSERT_EQ(gone.status, 503) << gone.body;
  const json error = json::parse(gone.body)["error"];
  EXPECT_EQ(error["code"], "SERVICE_UNAVAILABLE");
  EXPECT_NE(error["details"].get<std::string>().find("metrics.k8s.io"), std::string::npos)
      << error.dump();
  EXPECT_EQ(serve_.waitFor(path, 200, 90s).status, 200);
  cluster_.kubectlOk({"delete", "node", node, "--wait=false"});
}

#ifdef KEELSON_TEST_HOOKS
// Reads from `fd` until `timeout` passes with no data or the peer closes.
std::string readFor(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  char buffer[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// A handler slower than the 500 ms deadline: the client gets 408 REQUEST_TIMEOUT at the
// deadline, and when the handler finishes 2 s later nothing more is written on the connection;
// the next request on the same keep-alive connection gets its own answer.
TEST_F(ServeNodes, DeadlineAnswers408AndWritesNothingAfter) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(serve_.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string slow =
      "GET /api/v1/test/slow HTTP/1.1\r\nHost: t\r\nX-Request-ID: slow-1\r\n\r\n";
  ASSERT_EQ(::write(fd, slow.data(), slow.size()), static_cast<ssize_t>(slow.size()));
  // Everything written in the next 4 s: the 408 at 0.5 s, then (if the bug were there) the
  // handler's late 200 at 2 s.
  const std::string first = readFor(fd, 4000ms);
  const auto header_end = first.find("\r\n\r\n");
  ASSERT_NE(header_end, std::string::npos) << first;
  EXPECT_EQ(first.rfind("HTTP/1.1 408", 0), 0u) << first;
  const auto length_at = first.find("Content-Length: ");
  ASSERT_NE(length_at, std::string::npos) << first;
  const std::size_t length = std::stoul(first.substr(length_at + 16));
  const std::string body = first.substr(header_end + 4);
  ASSERT_EQ(body.size(), length) << "bytes after the 408's body: " << first;
  const json answer = json::parse(body);
  EXPECT_EQ(answer["error"]["code"], "REQUEST_TIMEOUT");
  EXPECT_EQ(answer["metadata"]["requestId"], "slow-1");
  // The connection still works and carries only the next answer.
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::write(fd, health.data(), health.size()), static_cast<ssize_t>(health.size()));
  const std::string second = readFor(fd, 5000ms);
  EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0u) << second;
  EXPECT_EQ(second.find("slept"), std::string::npos) << second;
  ::close(fd);
}
#endif

// The shipped RBAC (deploy/manifests/10-serve.yaml) is enough: keelson serve running as its
// service account, with delegated authentication as deployed, syncs every informer (/readyz 200),
// reviews callers' tokens and access, and reads node metrics (utilization 200); it cannot write.
TEST_F(ServeNodes, ShippedRbacIsEnough) {
  cluster_.apply(cluster_.shippedObjects("00-namespace.yaml", {"Namespace"}));
  cluster_.apply(cluster_.shippedObjects("10-serve.yaml",
                                         {"ServiceAccount", "ClusterRole", "ClusterRoleBinding"}));
  std::string caller;  // the agent's own token, as a caller below
  const TestCluster as_agent = cluster_.asServiceAccount("keelson", "keelson-serve", caller);
  ASSERT_FALSE(caller.empty());

  // The service account may not write (kubectl's own check against the same API server).
  const auto can_delete = run({cluster_.kubectl, "--kubeconfig", as_agent.kubeconfig, "auth",
                               "can-i", "delete", "pods", "-A"});
  EXPECT_EQ(can_delete.out.substr(0, 2), "no") << can_delete.out;

  const std::string node = uniqueName("rbac");
  addNode(node, "2", "4Gi");
  // With the manifests' default, delegated authentication: the agent's TokenReviews and
  // SubjectAccessReviews need system:auth-delegator, which 10-serve.yaml binds.
  ServeProcess agent;
  ASSERT_TRUE(agent.start(as_agent,
                          {"--no-host", "--metrics-refresh", "1s", "--authentication=delegated"}));
  const HttpAnswer ready = agent.waitFor("/readyz", 200, 60s);
  EXPECT_EQ(ready.status, 200) << ready.body;
  const std::string utilization_path = "/api/v1/nodes/" + node + "/utilization";
  EXPECT_EQ(agent.get(utilization_path).status, 401);
  // The agent's own token as the caller: it may get nodes.
  const HttpAnswer utilization = agent.waitFor(utilization_path, 200, 90s, caller);
  EXPECT_EQ(utilization.status, 200) << utilization.body;
  EXPECT_EQ(agent.get("/api/v1/host", caller).status, 403);  // no nodes/stats in its role
  agent.kill();
  cluster_.kubectlOk({"delete", "node", node, "--wait=false"});
}

}  // namespace
}  // namespace keelson::testing
