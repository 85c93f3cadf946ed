// `keelson backend` as a child process on a free loopback port, spoken to over real HTTP
// (net::HttpClient) and through the `keelson backend` operator commands. The signed actions it
// hands out are checked with keelson::link, the agent's own verifier.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/child_process.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "core/uuid.h"
#include "link/message.h"
#include "net/http_client.h"
#include "support/serve_process.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kApiKey = "agent-key-0123";
constexpr const char* kSecretKey = "signing-secret-4567";
constexpr const char* kOperatorToken = "operator-token-89ab";

// `env` without the three secrets, then NAME=VALUE for each of `set`.
std::vector<std::string> envArgs(const std::vector<std::string>& set) {
  std::vector<std::string> argv = {"env",        "-u", "API_KEY",       "-u",
                                   "SECRET_KEY", "-u", "OPERATOR_TOKEN"};
  argv.insert(argv.end(), set.begin(), set.end());
  return argv;
}

const std::vector<std::string> kAllSecrets = {std::string("API_KEY=") + kApiKey,
                                              std::string("SECRET_KEY=") + kSecretKey,
                                              std::string("OPERATOR_TOKEN=") + kOperatorToken};

struct Answer {
  int status = 0;
  json body;
};

class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = freePort();
    std::vector<std::string> argv = envArgs(kAllSecrets);
    for (const std::string& arg :
         {keelsonBinary(), std::string("backend"), std::string("--insecure-listen"),
          std::string("--address"), std::string("127.0.0.1"), std::string("--port"),
          std::to_string(port_), std::string("--state-dir"), state_.path().string(),
          std::string("--heartbeat-interval"), std::string("7s")}) {
      argv.push_back(arg);
    }
    backend_ = ChildProcess(argv);
    client_ = std::make_unique<net::HttpClient>(net::Endpoint{.base_url = url(),
                                                              .tls_server_name = {},
                                                              .ca_pem = {},
                                                              .ca_file = {},
                                                              .client_cert_pem = {},
                                                              .client_key_pem = {},
                                                              .insecure_skip_tls_verify = false});
    const auto deadline = std::chrono::steady_clock::now() + seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (httpGet(port_, "/healthz").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "keelson backend did not answer /healthz: " << backend_.wait(seconds(1)).err;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  Answer call(const std::string& method, const std::string& path, const std::string& token,
              const json& body = nullptr) const {
    net::HttpRequest request;
    request.method = method;
    request.path = path;
    request.timeout = seconds(60);
    request.retry = net::RetryPolicy::none();
    if (!token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
    if (!body.is_null()) {
      request.body = body.dump();
      request.headers.push_back({"Content-Type", "application/json"});
    }
    const net::HttpResponse response = client_->request(request);
    return {response.status, json::parse(response.body, nullptr, false)};
  }
  Answer agentCall(const std::string& method, const std::string& path,
                   const json& body = nullptr) const {
    return call(method, path, kApiKey, body);
  }
  Answer operatorCall(const std::string& method, const std::string& path,
                      const json& body = nullptr) const {
    return call(method, path, kOperatorToken, body);
  }

  // Registers an agent of cluster "c1" and returns its id.
  std::string registerAgent() const {
    const Answer answer = agentCall("POST", "/v1/agents/register",
                                    {{"clusterId", "c1"},
                                     {"agentId", agent_id_},
                                     {"version", "v0.1.0"},
                                     {"hostname", "node-a"},
                                     {"kubernetesVersion", "v1.31.0"},
                                     {"capabilities", {"cordon", "uncordon"}}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.body["agentId"], agent_id_);
    EXPECT_EQ(answer.body["heartbeatIntervalSeconds"], 7);
    EXPECT_EQ(answer.body["config"], json::object());
    return agent_id_;
  }

  // Runs `keelson backend ARGS --backend-url URL` with the operator token in the environment.
  CommandResult operatorCli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = envArgs({std::string("OPERATOR_TOKEN=") + kOperatorToken});
    argv.push_back(keelsonBinary());
    argv.push_back("backend");
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--backend-url");
    argv.push_back(url());
    return runCommand(argv, seconds(60));
  }

  static json cordonNode() {
    return {{"verb", "cordon"}, {"target", {{"kind", "Node"}, {"name", "n1"}}}};
  }

  TempDir state_;
  int port_ = 0;
  ChildProcess backend_;
  std::unique_ptr<net::HttpClient> client_;
  std::string agent_id_ = core::randomUuid();
};

TEST_F(BackendTest, EachRouteNeedsItsOwnCredential) {
  EXPECT_EQ(call("POST", "/v1/agents/register", "", {{"clusterId", "c1"}}).status, 401);
  EXPECT_EQ(call("POST", "/v1/agents/register", "wrong", {{"clusterId", "c1"}}).status, 401);
  EXPECT_EQ(call("GET", "/v1/status", "").status, 401);
  // The agents' key cannot act as an operator, nor the operator's token as an agent.
  EXPECT_EQ(agentCall("GET", "/v1/status").status, 403);
  EXPECT_EQ(agentCall("POST", "/v1/clusters/c1/actions", cordonNode()).status, 403);
  EXPECT_EQ(operatorCall("POST", "/v1/agents/register", {{"clusterId", "c1"}}).status, 403);
  EXPECT_EQ(operatorCall("GET", "/v1/status").status, 200);
  EXPECT_EQ(httpGet(port_, "/readyz").status, 200);
}

TEST_F(BackendTest, AnUnknownAgentIsToldToRegister) {
  const std::string unknown = core::randomUuid();
  EXPECT_EQ(agentCall("POST", "/v1/agents/" + unknown + "/heartbeat", json::object()).status, 404);
  EXPECT_EQ(agentCall("GET", "/v1/agents/" + unknown + "/actions?wait=0").status, 404);
  const std::string agent = registerAgent();
  EXPECT_EQ(agentCall("DELETE", "/v1/agents/" + agent).status, 200);
  const Answer after = agentCall("POST", "/v1/agents/" + agent + "/heartbeat", json::object());
  EXPECT_EQ(after.status, 404);
  EXPECT_THAT(after.body["error"].get<std::string>(), HasSubstr("not registered"));
}

TEST_F(BackendTest, ARepeatedBatchIsReceivedOnceInOrder) {
  const std::string agent = registerAgent();
  EXPECT_EQ(agentCall("POST", "/v1/agents/" + agent + "/heartbeat",
                      {{"components", {{"informer", "ok"}}}, {"outbox", {{"batches", 2}}}})
                .body,
            json::object());
  const std::string first = core::randomUuid();
  const std::string second = core::randomUuid();
  const std::string path = "/v1/agents/" + agent + "/metrics";
  for (const auto& [id, sequence] :
       {std::pair{second, 2}, std::pair{first, 1}, std::pair{second, 2}}) {
    const Answer answer =
        agentCall("POST", path, {{"batchId", id}, {"sequence", sequence}, {"items", {1, 2, 3}}});
    EXPECT_EQ(answer.status, 200) << answer.body;
  }
  const Answer batches = operatorCall("GET", "/v1/agents/" + agent + "/batches");
  ASSERT_EQ(batches.status, 200);
  ASSERT_EQ(batches.body["batches"].size(), 2u) << batches.body;
  EXPECT_EQ(batches.body["batches"][0]["batchId"], first);
  EXPECT_EQ(batches.body["batches"][0]["sequence"], 1);
  EXPECT_EQ(batches.body["batches"][1]["batchId"], second);
  EXPECT_EQ(batches.body["batches"][1]["items"], 3);
  EXPECT_EQ(
      agentCall("POST", path, {{"batchId", "not-a-uuid"}, {"sequence", 3}, {"items", {}}}).status,
      400);
  const HttpAnswer metrics = httpGet(port_, "/metrics");
  EXPECT_THAT(metrics.body, HasSubstr("keelson_backend_batches_received_total 2"));
  EXPECT_THAT(metrics.body, HasSubstr("keelson_backend_batches_duplicate_total 1"));
  const Answer status = operatorCall("GET", "/v1/status");
  EXPECT_EQ(status.body["clusters"][0]["agents"][0]["outbox"], json({{"batches", 2}}));
  EXPECT_EQ(status.body["clusters"][0]["agents"][0]["health"], "healthy");
}

TEST_F(BackendTest, AnActionIsSignedDeliveredAndItsResultReported) {
  const std::string agent = registerAgent();
  const Answer created = operatorCall("POST", "/v1/clusters/c1/actions", cordonNode());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.body["id"];

  const Answer polled = agentCall("GET", "/v1/agents/" + agent + "/actions?wait=5");
  ASSERT_EQ(polled.status, 200);
  ASSERT_EQ(polled.body["actions"].size(), 1u) << polled.body;
  const link::SignedMessage message = link::readSignedMessage(polled.body["actions"][0]);
  EXPECT_TRUE(link::signatureMatches(kSecretKey, message.payload, message.signature));
  EXPECT_FALSE(link::signatureMatches(kApiKey, message.payload, message.signature));
  const link::Payload payload = link::decodePayload(message.payload);
  EXPECT_EQ(payload.id, id);
  EXPECT_EQ(payload.cluster_id, "c1");
  ASSERT_TRUE(payload.action);
  EXPECT_EQ(payload.action->verb, "cordon");
  EXPECT_EQ(payload.action->target.name, "n1");
  EXPECT_EQ(payload.expires_at - payload.issued_at, std::chrono::minutes(5));
  // Until a result arrives, every poll hands it out again.
  EXPECT_EQ(agentCall("GET", "/v1/agents/" + agent + "/actions").body["actions"].size(), 1u);

  const json result = {{"status", "succeeded"},
                       {"reason", "node n1 cordoned"},
                       {"startedAt", "2026-12-04T10:00:00.000Z"},
                       {"finishedAt", "2026-12-04T10:00:01.000Z"},
                       {"details", {{"changed", true}}}};
  const std::string result_path = "/v1/agents/" + agent + "/actions/" + id + "/result";
  EXPECT_EQ(agentCall("POST", result_path, result).body["alreadyReceived"], false);
  EXPECT_EQ(agentCall("POST", result_path, result).body["alreadyReceived"], true);
  EXPECT_EQ(agentCall("GET", "/v1/agents/" + agent + "/actions").body["actions"], json::array());

  const Answer action = operatorCall("GET", "/v1/actions/" + id);
  EXPECT_EQ(action.body["state"], "done");
  EXPECT_EQ(action.body["result"]["reason"], "node n1 cordoned");
  EXPECT_EQ(action.body["result"]["details"], json({{"changed", true}}));

  const CommandResult status = operatorCli({"status", "-o", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json doc = json::parse(status.out);
  ASSERT_EQ(doc["actions"].size(), 1u);
  EXPECT_EQ(doc["actions"][0]["id"], id);
  EXPECT_EQ(doc["actions"][0]["result"]["status"], "succeeded");
  EXPECT_EQ(doc["clusters"][0]["agents"][0]["agentId"], agent);
  const CommandResult text = operatorCli({"action", "get", id});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("node/n1"));
  EXPECT_THAT(text.out, HasSubstr("succeeded"));
}

TEST_F(BackendTest, AnEmptyLongPollWaitsThenAnswersNothing) {
  const std::string agent = registerAgent();
  const auto start = std::chrono::steady_clock::now();
  const Answer polled = agentCall("GET", "/v1/agents/" + agent + "/actions?wait=2");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(polled.status, 200);
  EXPECT_EQ(polled.body, json({{"actions", json::array()}}));
  EXPECT_GE(elapsed, std::chrono::milliseconds(1900));
  EXPECT_EQ(agentCall("GET", "/v1/agents/" + agent + "/actions?wait=soon").status, 400);
}

TEST_F(BackendTest, TheCliCreatesAnActionThatWakesAWaitingPoll) {
  const std::string agent = registerAgent();
  auto poll = std::async(std::launch::async, [&] {
    return agentCall("GET", "/v1/agents/" + agent + "/actions?wait=25");
  });
  EXPECT_EQ(poll.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
  const CommandResult created =
      operatorCli({"action", "create", "--cluster", "c1", "--verb", "scale", "--target",
                   "deploy/web", "-n", "shop", "--param", "replicas=3", "--param", "dryRun=server",
                   "--agent-id", agent, "-o", "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json action = json::parse(created.out);
  ASSERT_EQ(poll.wait_for(seconds(10)), std::future_status::ready);
  const Answer polled = poll.get();
  ASSERT_EQ(polled.body["actions"].size(), 1u) << polled.body;
  const link::Payload payload =
      link::decodePayload(link::readSignedMessage(polled.body["actions"][0]).payload);
  EXPECT_EQ(payload.id, action["id"]);
  EXPECT_EQ(payload.agent_id, agent);
  ASSERT_TRUE(payload.action);
  EXPECT_EQ(payload.action->target.kind, "Deployment");
  EXPECT_EQ(payload.action->target.namespace_name, "shop");
  EXPECT_EQ(payload.action->params, json({{"replicas", 3}, {"dryRun", "server"}}));

  const CommandResult refused = operatorCli(
      {"action", "create", "--cluster", "c1", "--verb", "scale", "--target", "node/n1"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("400"));
}

TEST_F(BackendTest, SigtermEndsWaitingPollsAndExitsZero) {
  const std::string agent = registerAgent();
  auto poll = std::async(std::launch::async, [&] {
    return agentCall("GET", "/v1/agents/" + agent + "/actions?wait=25");
  });
  EXPECT_EQ(poll.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
  ASSERT_EQ(::kill(backend_.pid(), SIGTERM), 0);
  const CommandResult exited = backend_.wait(seconds(15));
  EXPECT_EQ(exited.exit_code, 0) << exited.err;
  ASSERT_EQ(poll.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(poll.get().body, json({{"actions", json::array()}}));
}

TEST(BackendStartTest, AMissingSecretIsNamedWithoutShowingTheOthers) {
  TempDir state;
  std::vector<std::string> argv =
      envArgs({std::string("API_KEY=") + kApiKey, std::string("OPERATOR_TOKEN=") + kOperatorToken});
  for (const std::string& arg :
       {keelsonBinary(), std::string("backend"), std::string("--insecure-listen"),
        std::string("--state-dir"), state.path().string()}) {
    argv.push_back(arg);
  }
  const CommandResult result = runCommand(argv, seconds(30));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("SECRET_KEY"));
  EXPECT_THAT(result.err, Not(HasSubstr("API_KEY")));
  EXPECT_THAT(result.err, Not(HasSubstr(kApiKey)));
  EXPECT_THAT(result.err, Not(HasSubstr(kOperatorToken)));
}

TEST(BackendStartTest, PlainHttpNeedsToBeAskedFor) {
  TempDir state;
  std::vector<std::string> argv = envArgs(kAllSecrets);
  for (const std::string& arg :
       {keelsonBinary(), std::string("backend"), std::string("--port"), std::to_string(freePort()),
        std::string("--state-dir"), state.path().string()}) {
    argv.push_back(arg);
  }
  const CommandResult result = runCommand(argv, seconds(30));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("--insecure-listen"));
  EXPECT_THAT(result.err, HasSubstr("--tls-cert-file"));
}

}  // namespace
}  // namespace keelson::testing
