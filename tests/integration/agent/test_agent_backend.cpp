// keelson agent and keelson backend as real processes over the test control plane: what the
// backend received is compared with kubectl; an operator's action is run by the agent and read
// back with kubectl; outages of the backend and kill -9 of the agent lose no batch and deliver
// none twice; past the outbox bound, drops are counted and reported.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "net/http_client.h"
#include "support/keelson_process.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kApiKey = "agent-api-key-0123456789";
constexpr const char* kSecretKey = "hmac-secret-key-0123456789";
constexpr const char* kOperatorToken = "operator-token-0123456789";

class AgentBackend : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    ready_ = true;
    ns_ = uniqueName("agent");
    node_ = uniqueName("agent-node");
    const auto added = run({sourceDir() + "/test/cluster/add-node", node_});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    cluster_.kubectlOk({"create", "namespace", ns_});
    cluster_.kubectlOk(
        {"create", "deployment", "web", "-n", ns_, "--image=busybox", "--replicas=3"});
  }
  static void TearDownTestSuite() {
    if (!ready_) return;
    cluster_.kubectlOk({"delete", "namespace", ns_, "--wait=false", "--ignore-not-found"});
    cluster_.kubectlOk({"delete", "node", node_, "--ignore-not-found"});
  }

  void SetUp() override {
    if (!ready_) KEELSON_MISSING_PREREQUISITE("no test cluster");
    writeSecret("api-key", kApiKey);
    writeSecret("secret-key", kSecretKey);
    writeSecret("operator-token", kOperatorToken);
    backend_port_ = freePort();
    agent_id_ = uniqueName("agent-id") + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const char* log : {"backend.log", "agent.log"}) {
        std::cerr << "--- " << log << " (tail) ---\n" << tailOf(dir_ / log) << "\n";
      }
    }
  }

  void writeSecret(const std::string& name, const std::string& value) const {
    std::ofstream(dir_ / name) << value << "\n";
  }

  // http://, or https:// once useTls() made a certificate.
  std::string backendUrl(const char* scheme = "http") const {
    return std::string(scheme) + (tls_cert_.empty() ? "" : "s") +
           "://127.0.0.1:" + std::to_string(backend_port_);
  }

  // The backend serves HTTPS with a self-signed certificate for 127.0.0.1, which is also the
  // CA file the agent and the test trust.
  void useTls() {
    tls_cert_ = (dir_ / "backend.crt").string();
    tls_key_ = (dir_ / "backend.key").string();
    const auto made =
        run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "1", "-subj", "/CN=keelson-backend-test", "-addext",
             "subjectAltName=IP:127.0.0.1", "-keyout", tls_key_, "-out", tls_cert_});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }

  void startBackend() {
    std::vector<std::string> args = {"backend",
                                     "--address",
                                     "127.0.0.1",
                                     "--port",
                                     std::to_string(backend_port_),
                                     "--state-dir",
                                     (dir_ / "backend").string(),
                                     "--api-key-file",
                                     (dir_ / "api-key").string(),
                                     "--secret-key-file",
                                     (dir_ / "secret-key").string(),
                                     "--operator-token-file",
                                     (dir_ / "operator-token").string(),
                                     "--heartbeat-interval",
                                     "2s"};
    if (tls_cert_.empty()) {
      args.emplace_back("--insecure-listen");
    } else {
      args.insert(args.end(), {"--tls-cert-file", tls_cert_, "--tls-key-file", tls_key_});
    }
    backend_.start(args, dir_ / "backend.log");
    const std::vector<std::string> trust = tls_cert_.empty()
                                               ? std::vector<std::string>{}
                                               : std::vector<std::string>{"--cacert", tls_cert_};
    ASSERT_TRUE(
        eventually([&] { return curlGet(backendUrl() + "/healthz", trust).status == 200; }, 30s))
        << "the backend did not come up";
  }

  // Starts the agent; `extra` flags replace the defaults of the same name.
  void startAgent(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"agent",
                                     "--kubeconfig",
                                     kubeconfig_.empty() ? cluster_.kubeconfig : kubeconfig_,
                                     "--backend-url",
                                     backendUrl(),
                                     "--api-key-file",
                                     (dir_ / "api-key").string(),
                                     "--secret-key-file",
                                     (dir_ / "secret-key").string(),
                                     "--cluster-id",
                                     "test",
                                     "--agent-id",
                                     agent_id_,
                                     "--address",
                                     "127.0.0.1",
                                     "--port",
                                     std::to_string(agent_port_)};
    const std::vector<std::pair<std::string, std::string>> defaults = {
        {"--state-dir", (dir_ / "agent").string()},
        {"--collection-interval", "2s"},
        {"--action-poll-interval", "2s"},
        {"--batch-size", "1000"},
        {"--allow-actions", "cordon,uncordon"},
        {"--backend-ws-url", backendUrl("ws") + "/v1/ws"}};
    for (const auto& [flag, value] : defaults) {
      if (std::find(extra.begin(), extra.end(), flag) == extra.end()) {
        args.insert(args.end(), {flag, value});
      }
    }
    args.insert(args.end(), extra.begin(), extra.end());
    agent_.start(args, dir_ / "agent.log");
  }

  // The operator REST API; with `lenient`, an error answer is null instead of a test failure
  // (while waiting for the agent to show up).
  json operatorCall(const std::string& method, const std::string& path, const json& body = nullptr,
                    bool lenient = false) const {
    net::Endpoint endpoint;
    endpoint.base_url = backendUrl();
    endpoint.ca_file = tls_cert_;
    net::HttpClient http(endpoint);
    net::HttpRequest request;
    request.method = method;
    request.path = path;
    request.headers = {{"Authorization", std::string("Bearer ") + kOperatorToken}};
    if (!body.is_null()) {
      request.body = body.dump();
      request.headers.push_back({"Content-Type", "application/json"});
    }
    const net::HttpResponse response = http.request(request);
    if (lenient && (response.status < 200 || response.status > 299)) return json();
    EXPECT_GE(response.status, 200) << method << " " << path << ": " << response.body;
    EXPECT_LT(response.status, 300) << method << " " << path << ": " << response.body;
    return response.body.empty() ? json() : json::parse(response.body);
  }

  // The batches the backend stored for our agent, in its order.
  json batches() const { return operatorCall("GET", "/v1/agents/" + agent_id_ + "/batches"); }
  static json itemsOf(const json& listing) { return listing["batches"]; }
  // How many batches the backend has for our agent (0 before it registered).
  std::size_t batchCount() const {
    const json listing =
        operatorCall("GET", "/v1/agents/" + agent_id_ + "/batches", nullptr, /*lenient=*/true);
    return listing.is_object() ? listing["batches"].size() : 0;
  }

  // Our agent as `GET /v1/status` shows it.
  json agentStatus() const {
    const json status = operatorCall("GET", "/v1/status");
    for (const json& cluster : status["clusters"]) {
      for (const json& agent : cluster["agents"]) {
        if (agent["agentId"] == agent_id_) return agent;
      }
    }
    return json();
  }

  // Creates an action as an operator and waits for its result; returns the action document.
  json runAction(const json& request) const {
    const json created = operatorCall("POST", "/v1/clusters/test/actions", request);
    const std::string id = created["id"];
    json action;
    EXPECT_TRUE(eventually(
        [&] {
          action = operatorCall("GET", "/v1/actions/" + id);
          return action.contains("result");
        },
        60s))
        << action.dump(2);
    return action;
  }

  // The agent's /metrics value of `series` (the whole line before the value), or -1.
  double agentMetric(const std::string& series) const {
    const HttpAnswer answer = httpGet(agent_port_, "/metrics");
    std::istringstream lines(answer.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  // Sequences of the stored batches, checking each batchId is there once.
  std::vector<std::int64_t> sequences() const {
    std::vector<std::int64_t> out;
    std::set<std::string> ids;
    for (const json& b : itemsOf(batches())) {
      EXPECT_TRUE(ids.insert(b["batchId"].get<std::string>()).second) << "a batch stored twice";
      out.push_back(b["sequence"].get<std::int64_t>());
    }
    return out;
  }

  static void expectContiguous(const std::vector<std::int64_t>& seqs) {
    ASSERT_FALSE(seqs.empty());
    for (std::size_t i = 1; i < seqs.size(); ++i) {
      ASSERT_EQ(seqs[i], seqs[i - 1] + 1) << "batch " << i << ": missing or out of order";
    }
  }

  static inline TestCluster cluster_;
  static inline bool ready_ = false;
  static inline std::string ns_;
  static inline std::string node_;
  TempDir dir_;
  int backend_port_ = 0;
  int agent_port_ = freePort();
  std::string agent_id_;
  std::string kubeconfig_;  // "" = the test cluster's
  std::string tls_cert_;    // "" = plain HTTP
  std::string tls_key_;
  KeelsonProcess backend_;
  KeelsonProcess agent_;
};

// The agent runs as the Helm chart's agent ServiceAccount, with the RBAC the chart renders for
// its --allow-actions (cordon,uncordon): the collections and the action need nothing more.
TEST_F(AgentBackend, BatchesMatchKubectlAndAnOperatorsCordonRuns) {
  if (cluster_.helm.empty()) {
    KEELSON_MISSING_PREREQUISITE("no HELM in " + cluster_.dir + "/env (run test/cluster/up)");
  }
  const std::string release = uniqueName("chart");
  const std::string rbac = listOf(
      cluster_.renderChart({"--namespace", ns_, "--set", "fullnameOverride=" + release, "--set",
                            "serve.enabled=false,node.enabled=false,agent.enabled=true", "--set",
                            "agent.backend.url=https://backend.test,agent.clusterId=test", "--set",
                            "agent.existingSecret=unused,agent.allowActions={cordon,uncordon}"}),
      {"ServiceAccount", "ClusterRole", "ClusterRoleBinding"});
  cluster_.apply(rbac);
  std::string token;
  kubeconfig_ = cluster_.asServiceAccount(ns_, release + "-agent", token).kubeconfig;
  ASSERT_FALSE(token.empty());
  startBackend();
  startAgent();
  ASSERT_TRUE(eventually([&] { return httpGet(agent_port_, "/readyz").status == 200; }, 60s))
      << httpGet(agent_port_, "/readyz").body;
  // The pods of our namespace in the latest collection, against kubectl's list.
  ASSERT_TRUE(eventually([&] { return batchCount() >= 2; }, 60s));
  std::set<std::string> from_backend;
  const json stored = itemsOf(batches());
  std::string collection;  // the latest collection's timestamp
  for (auto it = stored.rbegin(); it != stored.rend(); ++it) {
    const json batch = operatorCall(
        "GET", "/v1/agents/" + agent_id_ + "/batches/" + (*it)["batchId"].get<std::string>());
    const json& items = batch["items"];
    if (items.empty()) continue;
    if (collection.empty()) collection = items[0].value("timestamp", "");
    if (items[0].value("timestamp", "") != collection) break;
    for (const json& item : items) {
      if (item["type"] == "pod" && item["namespace"] == ns_) from_backend.insert(item["name"]);
    }
  }
  std::set<std::string> from_kubectl;
  const json pods = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
  for (const json& pod : pods["items"]) from_kubectl.insert(pod["metadata"]["name"]);
  EXPECT_EQ(from_backend, from_kubectl);
  EXPECT_EQ(from_kubectl.size(), 3U);

  // The operator's cordon arrives over the WebSocket, runs, and kubectl sees the node cordoned.
  ASSERT_TRUE(
      eventually([&] { return agentMetric("keelson_agent_websocket_connected") == 1; }, 60s));
  std::this_thread::sleep_for(3s);  // a long poll begun before the WebSocket came up has ended
  const double polled = agentMetric("keelson_agent_messages_received_total{channel=\"poll\"}");
  json action = runAction({{"verb", "cordon"}, {"target", {{"kind", "Node"}, {"name", node_}}}});
  EXPECT_EQ(action["result"]["status"], "succeeded") << action.dump(2);
  EXPECT_EQ(action["result"]["details"]["summary"], "cordoned") << action.dump(2);
  EXPECT_TRUE(cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["spec"].value(
      "unschedulable", false));
  EXPECT_GE(agentMetric("keelson_agent_messages_received_total{channel=\"websocket\"}"), 1);
  EXPECT_EQ(agentMetric("keelson_agent_messages_received_total{channel=\"poll\"}"), polled)
      << "the long poll stays idle while the WebSocket is up";

  // A verb outside the agent's policy is rejected and changes nothing.
  const std::string rv =
      cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["metadata"]["resourceVersion"];
  action = runAction({{"verb", "drain"}, {"target", {{"kind", "Node"}, {"name", node_}}}});
  EXPECT_EQ(action["result"]["status"], "rejected");
  EXPECT_NE(action["result"]["reason"].get<std::string>().find("not allowed"), std::string::npos);
  EXPECT_EQ(
      cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["metadata"]["resourceVersion"],
      rv);
  cluster_.kubectlOk({"uncordon", node_});

  // Heartbeats reach the backend with the components' health.
  const json agent = agentStatus();
  EXPECT_EQ(agent["health"], "healthy") << agent.dump(2);
  EXPECT_EQ(agent["lastHeartbeat"]["components"].size(), 6U) << agent.dump(2);

  EXPECT_EQ(agent_.kill(SIGTERM), 0) << "a graceful stop";
  EXPECT_EQ(agentStatus()["health"], "deregistered");
  std::ofstream(dir_ / "chart-rbac.json") << rbac;
  cluster_.kubectlOk({"delete", "-f", (dir_ / "chart-rbac.json").string()});
}

// Over TLS: the agent verifies the backend against --backend-ca-file (https and wss), and
// without it refuses the backend's self-signed certificate and never registers.
TEST_F(AgentBackend, OverTlsTheBackendIsVerified) {
  useTls();
  startBackend();
  startAgent({"--backend-ca-file", tls_cert_});
  ASSERT_TRUE(
      eventually([&] { return agentMetric("keelson_agent_websocket_connected") == 1; }, 60s))
      << httpGet(agent_port_, "/readyz").body;
  const json action =
      runAction({{"verb", "cordon"}, {"target", {{"kind", "Node"}, {"name", node_}}}});
  EXPECT_EQ(action["result"]["status"], "succeeded") << action.dump(2);
  EXPECT_GE(agentMetric("keelson_agent_messages_received_total{channel=\"websocket\"}"), 1);
  cluster_.kubectlOk({"uncordon", node_});
  EXPECT_EQ(agent_.kill(SIGTERM), 0);

  // Another agent that trusts only the system's CAs.
  agent_id_ += "-untrusting";
  agent_port_ = freePort();
  startAgent({"--state-dir", (dir_ / "agent-2").string()});
  std::this_thread::sleep_for(5s);
  const HttpAnswer ready = httpGet(agent_port_, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("\"registered\":false"), std::string::npos) << ready.body;
  EXPECT_NE(tailOf(dir_ / "agent.log").find("certificate"), std::string::npos)
      << tailOf(dir_ / "agent.log");
}

// The same with the WebSocket blocked (its URL leads nowhere): the long poll delivers.
TEST_F(AgentBackend, WithTheWebSocketBlockedTheLongPollDelivers) {
  startBackend();
  startAgent({"--backend-ws-url", "ws://127.0.0.1:" + std::to_string(freePort()) + "/v1/ws"});
  ASSERT_TRUE(eventually([&] { return httpGet(agent_port_, "/readyz").status == 200; }, 60s))
      << httpGet(agent_port_, "/readyz").body;
  const json action =
      runAction({{"verb", "cordon"}, {"target", {{"kind", "Node"}, {"name", node_}}}});
  EXPECT_EQ(action["result"]["status"], "succeeded") << action.dump(2);
  EXPECT_TRUE(cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["spec"].value(
      "unschedulable", false));
  EXPECT_GE(agentMetric("keelson_agent_messages_received_total{channel=\"poll\"}"), 1);
  cluster_.kubectlOk({"uncordon", node_});
}

TEST_F(AgentBackend, ABackendOutageLosesNoBatchAndDeliversNoneTwice) {
  startBackend();
  startAgent({"--collection-interval", "5s"});
  ASSERT_TRUE(eventually([&] { return batchCount() > 0; }, 60s));
  EXPECT_EQ(backend_.kill(SIGKILL), 128 + SIGKILL);
  std::this_thread::sleep_for(120s);  // the agent keeps collecting every 5 s
  const double waiting = agentMetric("keelson_agent_outbox{figure=\"batches\"}");
  EXPECT_GE(waiting, 20) << "about 24 collections while the backend was away";
  startBackend();
  ASSERT_TRUE(eventually(
      [&] { return agentMetric("keelson_agent_outbox{figure=\"batches\"}") == 0; }, 120s));
  const auto seqs = sequences();
  expectContiguous(seqs);
  EXPECT_GE(seqs.size(), 25U);
}

TEST_F(AgentBackend, Kill9OfTheAgentWithAFullOutboxLosesNoBatch) {
  startBackend();
  startAgent({"--collection-interval", "1s"});
  ASSERT_TRUE(eventually([&] { return batchCount() > 0; }, 60s));
  EXPECT_EQ(backend_.kill(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(eventually(
      [&] { return agentMetric("keelson_agent_outbox{figure=\"batches\"}") >= 10; }, 60s));
  EXPECT_EQ(agent_.kill(SIGKILL), 128 + SIGKILL);
  startBackend();
  startAgent({"--collection-interval", "1s"});
  ASSERT_TRUE(eventually(
      [&] {
        const double left = agentMetric("keelson_agent_outbox{figure=\"batches\"}");
        return left >= 0 && left <= 1;
      },
      120s));
  std::this_thread::sleep_for(3s);
  const auto seqs = sequences();
  expectContiguous(seqs);
  EXPECT_GE(seqs.size(), 12U);
}

TEST_F(AgentBackend, PastTheBoundDropsAreCountedAndReported) {
  startBackend();
  // One collection is one batch here; its size depends on what else runs in the cluster, so
  // the bound is made to hold about three of them.
  startAgent({"--collection-interval", "1s"});
  ASSERT_TRUE(eventually([&] { return batchCount() > 0; }, 60s));
  const json first = operatorCall("GET", "/v1/agents/" + agent_id_ + "/batches/" +
                                             itemsOf(batches())[0]["batchId"].get<std::string>());
  const std::size_t batch_bytes = first["items"].dump().size();
  const std::size_t bound = batch_bytes * 7 / 2;
  EXPECT_EQ(agent_.kill(SIGTERM), 0);
  EXPECT_EQ(backend_.kill(SIGKILL), 128 + SIGKILL);
  startAgent({"--collection-interval", "1s", "--buffer-max-bytes", std::to_string(bound)});
  ASSERT_TRUE(eventually(
      [&] { return agentMetric("keelson_agent_outbox{figure=\"dropped_batches\"}") >= 3; }, 90s));
  EXPECT_LE(agentMetric("keelson_agent_outbox{figure=\"bytes\"}"), static_cast<double>(bound));
  EXPECT_GE(agentMetric("keelson_agent_outbox{figure=\"batches\"}"), 2) << "the newest are kept";
  const double dropped = agentMetric("keelson_agent_outbox{figure=\"dropped_batches\"}");
  startBackend();
  // A heartbeat after the outage carries the drops (at least those counted before it).
  ASSERT_TRUE(eventually(
      [&] {
        const json outbox = agentStatus().value("outbox", json());
        return outbox.is_object() && outbox.value("droppedBatches", 0.0) >= dropped;
      },
      60s))
      << agentStatus().dump(2);
  // What arrived is in order; the gaps are the drops.
  const auto seqs = sequences();
  ASSERT_GE(seqs.size(), 2U);
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_GT(seqs[i], seqs[i - 1]);
  std::int64_t gaps = 0;
  for (std::size_t i = 1; i < seqs.size(); ++i) gaps += seqs[i] - seqs[i - 1] - 1;
  EXPECT_GE(static_cast<double>(gaps), dropped);
}

TEST_F(AgentBackend, AFailingComponentIsRestartedAndReadyzSaysSo) {
  startBackend();
  // A kubeconfig whose API server does not answer: the collector fails and is restarted.
  kubeconfig_ = (dir_ / "broken-kubeconfig").string();
  std::ofstream(kubeconfig_)
      << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
         "    server: https://127.0.0.1:"
      << freePort()
      << "\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  "
         "context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: "
         "u\n  user: {token: x}\n";
  startAgent();
  ASSERT_TRUE(eventually(
      [&] { return agentMetric("keelson_agent_component_restarts{component=\"collector\"}") >= 1; },
      60s));
  const HttpAnswer ready = httpGet(agent_port_, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("\"collector\":\"restarting\""), std::string::npos) << ready.body;
  EXPECT_TRUE(eventually(
      [&] { return agentMetric("keelson_agent_component_up{component=\"session\"}") == 1; }, 30s))
      << "the other components carry on";
}

}  // namespace
}  // namespace keelson::testing
