// A real `keelson agent` process against a backend played by the test itself, which sends raw
// WebSocket frames: a valid signed action runs once (kubectl sees it); a forged signature, a
// replayed nonce, a stale issuedAt, an expired message, another cluster's message and a verb
// outside the agent's policy are each rejected, reported to the backend, recorded in the
// agent's audit log, and change nothing kubectl can see.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/prerequisite.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "core/uuid.h"
#include "link/message.h"
#include "net/crypto.h"
#include "server/server.h"
#include "support/keelson_process.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kSecret = "raw-frames-secret";

// The backend side: registration, heartbeats and batches accepted, an empty long poll, results
// recorded, and the WebSocket of the one agent kept so that the test can push frames.
class FakeBackend {
 public:
  FakeBackend() {
    server::Router router;
    const auto ok = [](const server::Request&) {
      return server::Response::text("{}", "application/json");
    };
    router.add("POST", "/v1/agents/register", [](const server::Request& r) {
      const json body = json::parse(r.body);
      return server::Response::text(json{{"agentId", body["agentId"]},
                                         {"heartbeatIntervalSeconds", 30},
                                         {"config", json::object()}}
                                        .dump(),
                                    "application/json");
    });
    router.add("POST", "/v1/agents/{id}/heartbeat", ok);
    router.add("POST", "/v1/agents/{id}/metrics", ok);
    router.add("DELETE", "/v1/agents/{id}", ok);
    router.get("/v1/agents/{id}/actions", [](const server::Request&) {
      std::this_thread::sleep_for(500ms);  // a long poll with nothing to say
      return server::Response::text(R"({"actions":[]})", "application/json");
    });
    router.add("POST", "/v1/agents/{id}/actions/{action}/result", [this](const server::Request& r) {
      const std::lock_guard lock(mutex_);
      results_.emplace_back(r.param("action"), json::parse(r.body));
      return server::Response::text("{}", "application/json");
    });
    auto handler = std::make_shared<server::WebSocketHandler>();
    handler->on_message = [this](const std::shared_ptr<server::WebSocket>& socket,
                                 const std::string& text) {
      const json message = json::parse(text);
      const std::lock_guard lock(mutex_);
      if (message["type"] == "hello") socket_ = socket;
      if (message["type"] == "ack") acks_.push_back(message["id"]);
    };
    handler->on_close = [this](const std::shared_ptr<server::WebSocket>&) {
      const std::lock_guard lock(mutex_);
      socket_.reset();
    };
    router.websocket("/v1/ws", handler);
    server::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.request_deadline = 10s;
    server_ = std::make_unique<server::Server>(options, std::move(router));
    server_->start();
  }
  ~FakeBackend() { server_->stop(1s); }
  FakeBackend(const FakeBackend&) = delete;
  FakeBackend& operator=(const FakeBackend&) = delete;

  std::string url(const char* scheme) const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(server_->port());
  }
  bool connected() {
    const std::lock_guard lock(mutex_);
    return socket_ != nullptr;
  }
  void push(const json& signed_message) {
    json frame = signed_message;
    frame["type"] = "action";
    const std::lock_guard lock(mutex_);
    ASSERT_NE(socket_, nullptr);
    socket_->send(frame.dump());
  }
  // The results reported for `id`, in order.
  std::vector<json> results(const std::string& id) {
    const std::lock_guard lock(mutex_);
    std::vector<json> out;
    for (const auto& [action, body] : results_) {
      if (action == id) out.push_back(body);
    }
    return out;
  }
  std::size_t acks() {
    const std::lock_guard lock(mutex_);
    return acks_.size();
  }

 private:
  std::unique_ptr<server::Server> server_;
  std::mutex mutex_;
  std::shared_ptr<server::WebSocket> socket_;
  std::vector<std::pair<std::string, json>> results_;
  std::vector<std::string> acks_;
};

class AgentRawFrames : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    node_ = uniqueName("raw-frames-node");
    const auto added = run({sourceDir() + "/test/cluster/add-node", node_});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- agent.log ---\n" << tailOf(dir_ / "agent.log") << "\n";
    if (!node_.empty()) cluster_.kubectlOk({"delete", "node", node_, "--ignore-not-found"});
  }

  // A signed action for cluster "raw", issued now, valid for 5 minutes; `change` edits the
  // payload before signing.
  static json message(const std::string& verb, const std::string& node,
                      const std::function<void(json&)>& change = {}) {
    const auto now = std::chrono::system_clock::now();
    json payload = {{"id", core::randomUuid()},
                    {"kind", "action"},
                    {"clusterId", "raw"},
                    {"issuedAt", kube::formatTimeMillis(now)},
                    {"expiresAt", kube::formatTimeMillis(now + 5min)},
                    {"nonce", net::randomHex(16)},
                    {"action", {{"verb", verb}, {"target", {{"kind", "Node"}, {"name", node}}}}}};
    if (change) change(payload);
    return link::signMessage(kSecret, payload);
  }
  static std::string idOf(const json& m) {
    return json::parse(m["payload"].get<std::string>())["id"];
  }
  json node() const { return cluster_.kubectlJson({"get", "node", node_, "-o", "json"}); }

  TestCluster cluster_;
  std::string node_;
  TempDir dir_;
};

TEST_F(AgentRawFrames, OnlyAValidSignedActionRunsAndEachRejectionIsReportedAndAudited) {
  FakeBackend backend;
  std::ofstream(dir_ / "api-key") << "k\n";
  std::ofstream(dir_ / "secret-key") << kSecret << "\n";
  const int port = freePort();
  KeelsonProcess agent;
  agent.start({"agent",
               "--kubeconfig",
               cluster_.kubeconfig,
               "--backend-url",
               backend.url("http"),
               "--backend-ws-url",
               backend.url("ws") + "/v1/ws",
               "--api-key-file",
               (dir_ / "api-key").string(),
               "--secret-key-file",
               (dir_ / "secret-key").string(),
               "--cluster-id",
               "raw",
               "--state-dir",
               (dir_ / "agent").string(),
               "--address",
               "127.0.0.1",
               "--port",
               std::to_string(port),
               "--collection-interval",
               "60s"},
              dir_ / "agent.log");
  ASSERT_TRUE(eventually([&] { return backend.connected(); }, 60s));

  // A valid cordon runs once.
  const json valid = message("cordon", node_);
  backend.push(valid);
  ASSERT_TRUE(eventually([&] { return !backend.results(idOf(valid)).empty(); }, 60s));
  EXPECT_EQ(backend.results(idOf(valid))[0]["status"], "succeeded");
  EXPECT_TRUE(node()["spec"].value("unschedulable", false));
  const std::string rv = node()["metadata"]["resourceVersion"];
  const std::string used_nonce = json::parse(valid["payload"].get<std::string>())["nonce"];

  json forged = message("uncordon", node_);
  forged["signature"] = link::signPayload("not-the-secret", forged["payload"].get<std::string>());
  const struct {
    const char* name;
    json frame;
    const char* reason;
  } cases[] = {
      {"forged signature", forged, "the signature does not verify"},
      {"replayed nonce", message("uncordon", node_, [&](json& p) { p["nonce"] = used_nonce; }),
       "replayed"},
      {"stale issuedAt",
       message("uncordon", node_,
               [](json& p) {
                 p["issuedAt"] = kube::formatTimeMillis(std::chrono::system_clock::now() - 10min);
               }),
       "issuedAt"},
      {"expired",
       message("uncordon", node_,
               [](json& p) {
                 const auto now = std::chrono::system_clock::now();
                 p["issuedAt"] = kube::formatTimeMillis(now - 2min);
                 p["expiresAt"] = kube::formatTimeMillis(now - 1min);
               }),
       "expired"},
      {"another cluster", message("uncordon", node_, [](json& p) { p["clusterId"] = "other"; }),
       "for cluster"},
      {"verb outside the policy", message("drain", node_), "not allowed"},
  };
  for (const auto& c : cases) backend.push(c.frame);
  backend.push(valid);  // the valid one again: answered from the store, not run again
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string id = idOf(c.frame);
    ASSERT_TRUE(eventually([&] { return !backend.results(id).empty(); }, 60s));
    const json result = backend.results(id)[0];
    EXPECT_EQ(result["status"], "rejected");
    EXPECT_NE(result["reason"].get<std::string>().find(c.reason), std::string::npos)
        << result.dump();
  }
  EXPECT_EQ(backend.results(idOf(valid)).size(), 1U) << "the repeat did not run again";
  EXPECT_TRUE(eventually([&] { return backend.acks() == 2 + std::size(cases); }, 30s))
      << "every frame acknowledged";
  EXPECT_EQ(node()["metadata"]["resourceVersion"], rv) << "nothing changed after the cordon";
  EXPECT_EQ(agent.kill(SIGTERM), 0);

  // The agent's audit log: the cordon, then one refused record per rejection.
  const CommandOutput audit =
      runKeelson({"audit", "-o", "json", "--state-dir", (dir_ / "agent").string()});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  const json records = json::parse(audit.out)["items"];
  ASSERT_EQ(records.size(), 1U + std::size(cases)) << records.dump(2);
  EXPECT_EQ(records[0]["verb"], "cordon");
  EXPECT_EQ(records[0]["outcome"], "succeeded");
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i]["outcome"], "refused") << records[i].dump();
    EXPECT_EQ(records[i]["requester"]["kind"], "backend");
  }
}

}  // namespace
}  // namespace keelson::testing
