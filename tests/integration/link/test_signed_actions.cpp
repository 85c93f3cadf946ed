// Signed actions of the backend link against the test control plane: a message signed as a
// backend signs it is verified, dispatched to the actuator and audited as the backend's, and
// kubectl sees the change; messages that fail verification change nothing kubectl can see.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "act/actuator.h"
#include "common/prerequisite.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "core/uuid.h"
#include "kube/client.h"
#include "kube/cluster_config.h"
#include "link/action_handler.h"
#include "link/dispatch.h"
#include "link/verify.h"
#include "net/crypto.h"
#include "store/agent_state.h"
#include "store/audit_log.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kSecret = "test-secret-key";

class SignedActions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    ready_ = true;
    node_ = uniqueName("link-node");
    ns_ = uniqueName("link");
    const auto added = run({sourceDir() + "/test/cluster/add-node", node_});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    cluster_.kubectlOk({"create", "namespace", ns_});
    cluster_.kubectlOk(
        {"create", "deployment", "web", "-n", ns_, "--image=busybox", "--replicas=1"});
  }
  static void TearDownTestSuite() {
    if (!ready_) return;
    cluster_.kubectlOk({"delete", "namespace", ns_, "--wait=false", "--ignore-not-found"});
    cluster_.kubectlOk({"delete", "node", node_, "--ignore-not-found"});
  }

  void SetUp() override {
    if (!ready_) KEELSON_MISSING_PREREQUISITE("no test cluster");
    kube::ConfigOptions options;
    options.kubeconfig_path = cluster_.kubeconfig;
    client_ = std::make_unique<kube::Client>(kube::loadConfig(options), kube::TransportOptions{});
    audit_ = std::make_unique<store::AuditLog>(store::AuditLog::open(dir_ / "audit.db"));
  }

  // A signed action for this cluster, issued now, valid for 5 minutes.
  static json message(const std::string& verb, const json& target,
                      const json& params = json::object()) {
    const auto now = std::chrono::system_clock::now();
    const json payload = {{"id", core::randomUuid()},
                          {"kind", "action"},
                          {"clusterId", "test"},
                          {"issuedAt", kube::formatTimeMillis(now)},
                          {"expiresAt", kube::formatTimeMillis(now + 5min)},
                          {"nonce", net::randomHex(16)},
                          {"action", {{"verb", verb}, {"target", target}, {"params", params}}}};
    return link::signMessage(kSecret, payload);
  }

  link::Verification verify(const json& m, const link::AgentPolicy& policy = {}) const {
    return link::verifyMessage(link::readSignedMessage(m), {kSecret, "test", "agent-1", 300s},
                               policy, std::chrono::system_clock::now());
  }

  // Verifies `m` and, when accepted, runs it as the backend's action.
  act::ActionResult runVerified(const json& m, const link::AgentPolicy& policy = {}) {
    const link::Verification v = verify(m, policy);
    EXPECT_TRUE(v.accepted()) << v.rejection;
    act::Actuator actuator(*client_, *audit_, act::Requester{"backend", v.payload->id});
    return link::runAction(actuator, *v.payload->action);
  }

  static json node() { return cluster_.kubectlJson({"get", "node", node_, "-o", "json"}); }
  static json deployment() {
    return cluster_.kubectlJson({"get", "deployment", "web", "-n", ns_, "-o", "json"});
  }

  static inline TestCluster cluster_;
  static inline bool ready_ = false;
  static inline std::string node_;
  static inline std::string ns_;
  TempDir dir_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<store::AuditLog> audit_;
};

TEST_F(SignedActions, ACordonRunsAndIsAuditedAsTheBackendsAction) {
  const json m = message("cordon", {{"kind", "Node"}, {"name", node_}});
  const act::ActionResult result = runVerified(m);
  EXPECT_EQ(result.outcome, act::Outcome::kSucceeded) << act::toJson(result).dump();
  EXPECT_TRUE(node()["spec"].value("unschedulable", false)) << "kubectl sees it cordoned";
  const auto records = audit_->list(0);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].intent.requester.kind, "backend");
  EXPECT_EQ(records[0].intent.requester.id, verify(m).payload->id);
  EXPECT_EQ(records[0].intent.verb, "cordon");

  const json back = message("uncordon", {{"kind", "Node"}, {"name", node_}});
  EXPECT_EQ(runVerified(back).outcome, act::Outcome::kSucceeded);
  EXPECT_FALSE(node()["spec"].value("unschedulable", false));
}

TEST_F(SignedActions, ScaleHonoursDryRunAndReplicas) {
  const json target = {{"kind", "Deployment"}, {"namespace", ns_}, {"name", "web"}};
  // The controllers still update the new Deployment's status (and so its resourceVersion); a
  // stored scale would change its spec, and with it metadata.generation.
  const json before = deployment();
  const act::ActionResult dry =
      runVerified(message("scale", target, {{"replicas", 3}, {"dryRun", "server"}}));
  EXPECT_EQ(dry.outcome, act::Outcome::kSucceeded) << act::toJson(dry).dump();
  const json after = deployment();
  EXPECT_EQ(after["metadata"]["generation"], before["metadata"]["generation"])
      << "a server dry run stores nothing";
  EXPECT_EQ(after["spec"]["replicas"], 1);
  EXPECT_EQ(runVerified(message("scale", target, {{"replicas", 3}})).outcome,
            act::Outcome::kSucceeded);
  EXPECT_EQ(deployment()["spec"]["replicas"], 3);
}

// The agent's whole path for one message (link::ActionHandler): verify, replay check against
// the state store, run, store the result; a repeat gets the stored result, not a second run.
TEST_F(SignedActions, TheHandlerRunsAnActionOnceAndAnswersARepeatFromTheStore) {
  auto state = store::AgentState::open(dir_ / "agent.db");
  link::ActionHandler handler(state, *audit_, *client_, {kSecret, "test", "agent-1", 300s}, {});
  const json m = message("cordon", {{"kind", "Node"}, {"name", node_}});
  const link::Handled first = handler.handle(m);
  ASSERT_TRUE(first.result.has_value());
  EXPECT_EQ((*first.result)["status"], "succeeded") << first.result->dump();
  EXPECT_TRUE(first.stored);
  EXPECT_TRUE(node()["spec"].value("unschedulable", false));
  const std::string rv = node()["metadata"]["resourceVersion"];
  const link::Handled again = handler.handle(m);
  EXPECT_EQ(*again.result, *first.result);
  EXPECT_EQ(node()["metadata"]["resourceVersion"], rv) << "not run twice";
  EXPECT_EQ(audit_->list(0).size(), 1U);
  ASSERT_EQ(state.unacknowledgedResults().size(), 1U);
  EXPECT_EQ(state.unacknowledgedResults()[0].action_id, first.id);
  const link::Handled back =
      handler.handle(message("uncordon", {{"kind", "Node"}, {"name", node_}}));
  EXPECT_EQ((*back.result)["status"], "succeeded");

  // A config is handed over once; the same message delivered again (a poll while the first
  // delivery is queued) gives nothing to do and nothing to report.
  json config = json::parse(m["payload"].get<std::string>());
  config.erase("action");
  config["kind"] = "config";
  config["id"] = core::randomUuid();
  config["nonce"] = net::randomHex(16);
  config["config"] = {{"batchSize", 50}};
  const json config_message = link::signMessage(kSecret, config);
  const link::Handled applied = handler.handle(config_message);
  EXPECT_EQ(applied.config, (json{{"batchSize", 50}}));
  EXPECT_FALSE(applied.result.has_value());
  const link::Handled redelivered = handler.handle(config_message);
  EXPECT_FALSE(redelivered.config.has_value());
  EXPECT_FALSE(redelivered.result.has_value());
}

// Raw messages as an attacker or a broken backend would send them: each is rejected with its
// reason, audited as refused, and changes nothing kubectl can see.
TEST_F(SignedActions, TheHandlerRejectsBadMessagesAuditsThemAndChangesNothing) {
  auto state = store::AgentState::open(dir_ / "agent.db");
  link::ActionHandler handler(state, *audit_, *client_, {kSecret, "test", "agent-1", 300s}, {});
  const json target = {{"kind", "Node"}, {"name", node_}};
  const std::string rv = node()["metadata"]["resourceVersion"];
  const auto now = std::chrono::system_clock::now();
  const auto payloadOf = [](const json& m) { return json::parse(m["payload"].get<std::string>()); };

  // A valid message runs once; its nonce under a new id is a replay.
  const json valid = message("label", target, {{"labels", {"keelson-test/link=1"}}});
  ASSERT_EQ((*handler.handle(valid).result)["status"], "succeeded");
  const std::string labelled_rv = node()["metadata"]["resourceVersion"];
  json replay = payloadOf(valid);
  replay["id"] = core::randomUuid();
  replay["action"]["params"]["labels"] = {"keelson-test/link=2"};

  json forged = message("cordon", target);
  forged["signature"] = link::signPayload("another-key", forged["payload"].get<std::string>());
  json other_cluster = payloadOf(message("cordon", target));
  other_cluster["clusterId"] = "another";
  json stale = payloadOf(message("cordon", target));
  stale["issuedAt"] = kube::formatTimeMillis(now - 10min);
  json expired = payloadOf(message("cordon", target));
  expired["issuedAt"] = kube::formatTimeMillis(now - 2min);
  expired["expiresAt"] = kube::formatTimeMillis(now - 1min);
  const struct {
    const char* name;
    json message;
    const char* reason;
    bool stored;
  } cases[] = {
      {"forged", forged, "the signature does not verify", false},
      {"replayed nonce", link::signMessage(kSecret, replay), "replayed", false},
      {"another cluster", link::signMessage(kSecret, other_cluster), "for cluster", false},
      {"stale issuedAt", link::signMessage(kSecret, stale), "issuedAt", true},
      {"expired", link::signMessage(kSecret, expired), "expired", true},
      {"verb outside the policy", message("drain", target), "not allowed", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const link::Handled h = handler.handle(c.message);
    ASSERT_TRUE(h.result.has_value());
    EXPECT_EQ((*h.result)["status"], "rejected");
    EXPECT_NE((*h.result)["reason"].get<std::string>().find(c.reason), std::string::npos)
        << h.result->dump();
    EXPECT_EQ(h.stored, c.stored);
  }
  EXPECT_EQ(node()["metadata"]["resourceVersion"], labelled_rv) << "nothing changed";
  EXPECT_FALSE(node()["spec"].value("unschedulable", false));
  EXPECT_NE(rv, labelled_rv);
  const auto records = audit_->list(0);
  ASSERT_EQ(records.size(), 1U + std::size(cases));
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i].intent.requester.kind, "backend");
    ASSERT_TRUE(records[i].outcome.has_value());
    EXPECT_EQ(records[i].outcome->outcome, "refused");
    EXPECT_NE(records[i].outcome->error.find("rejected: "), std::string::npos);
  }
  cluster_.kubectlOk({"label", "node", node_, "keelson-test/link-"});
}

}  // namespace
}  // namespace keelson::testing
