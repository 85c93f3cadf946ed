// backend::Backend over a real Storage on a fake clock: registration, config on heartbeats,
// idempotent batches, signed actions an agent can verify, and long polls that a new action wakes.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "backend/service.h"
#include "common/fake_clock.h"
#include "common/temp_dir.h"
#include "core/uuid.h"
#include "expect_code.h"
#include "kube/objects.h"
#include "link/message.h"

namespace keelson::backend {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kSecret = "s3cret";

class ServiceTest : public ::testing::Test {
 protected:
  Backend makeBackend(json config = json::object()) {
    return Backend(storage_, {.heartbeat_interval = seconds(15),
                              .action_ttl = seconds(120),
                              .agent_config = std::move(config),
                              .max_poll_wait = seconds(30),
                              .secret_key = kSecret,
                              .status_actions = 50,
                              .clock = clock_});
  }

  std::string registerAgent(Backend& backend, const std::string& cluster = "c1") {
    return backend.registerAgent({{"clusterId", cluster}, {"hostname", "h1"}})["agentId"];
  }

  static json cordon() {
    return {{"verb", "cordon"}, {"target", {{"kind", "Node"}, {"name", "n1"}}}};
  }

  // Runs a long poll on its own thread.
  std::future<Delivery> pollAsync(Backend& backend, const std::string& agent, seconds wait,
                                  std::stop_token stop = {}) {
    return std::async(std::launch::async, [&backend, agent, wait, stop] {
      return backend.pollActions(agent, wait, stop);
    });
  }

  testing::TempDir dir_;
  std::shared_ptr<testing::FakeClock> clock_ = std::make_shared<testing::FakeClock>();
  Storage storage_ = Storage::open(dir_ / "backend.db", {.clock = clock_});
};

TEST_F(ServiceTest, RegistrationChoosesAnIdAndGivesTheSettings) {
  Backend backend = makeBackend({{"logLevel", "debug"}});
  const json answer = backend.registerAgent({{"clusterId", "c1"}});
  EXPECT_TRUE(core::isUuid(answer["agentId"].get<std::string>()));
  EXPECT_EQ(answer["heartbeatIntervalSeconds"], 15);
  EXPECT_EQ(answer["config"], json({{"logLevel", "debug"}}));
  const std::string own = "6f1c2a56-0a0e-4c5e-9d0b-3f4a1e2b7c11";
  EXPECT_EQ(backend.registerAgent({{"clusterId", "c1"}, {"agentId", own}})["agentId"], own);
  expectError(ErrorCode::kBadInput, "clusterId", [&] { backend.registerAgent(json::object()); });
  EXPECT_EQ(backend.registerAgent({{"clusterId", "c1"}, {"agentId", "edge-agent.1"}})["agentId"],
            "edge-agent.1")
      << "AGENT_ID may name an agent";
  expectError(ErrorCode::kBadInput, "is not an agent id", [&] {
    backend.registerAgent({{"clusterId", "c1"}, {"agentId", "x/../y"}});
  });
}

TEST_F(ServiceTest, AHeartbeatCarriesTheConfigOnlyWhenItChanged) {
  std::string agent;
  {
    Backend before = makeBackend({{"a", 1}});
    agent = registerAgent(before);
    EXPECT_EQ(before.heartbeat(agent, json::object()), json::object());
  }
  Backend after = makeBackend({{"a", 2}});  // restarted with another --agent-config
  EXPECT_EQ(after.heartbeat(agent, json::object()), json({{"config", {{"a", 2}}}}));
  EXPECT_EQ(after.heartbeat(agent, json::object()), json::object());
  expectError(ErrorCode::kNotFound, "not registered",
              [&] { after.heartbeat(core::randomUuid(), json::object()); });
}

TEST_F(ServiceTest, BatchesAreCheckedAndStoredOnce) {
  Backend backend = makeBackend();
  const std::string agent = registerAgent(backend);
  const json batch = {{"batchId", core::randomUuid()}, {"sequence", 1}, {"items", {1, 2}}};
  EXPECT_EQ(backend.receiveBatch(agent, batch), BatchOutcome::kStored);
  EXPECT_EQ(backend.receiveBatch(agent, batch), BatchOutcome::kAlreadyReceived);
  EXPECT_EQ(backend.batches(agent)["batches"].size(), 1u);
  expectError(ErrorCode::kBadInput, "batchId is not a UUID", [&] {
    backend.receiveBatch(agent, {{"batchId", "b"}, {"sequence", 1}, {"items", json::array()}});
  });
  expectError(ErrorCode::kBadInput, "sequence", [&] {
    backend.receiveBatch(agent, {{"batchId", core::randomUuid()}, {"items", json::array()}});
  });
  expectError(ErrorCode::kNotFound, "not registered",
              [&] { backend.receiveBatch(core::randomUuid(), batch); });
}

TEST_F(ServiceTest, ACreatedActionIsSignedForTheAgentToVerify) {
  Backend backend = makeBackend();
  const std::string agent = registerAgent(backend);
  const json created = backend.createAction("c1", cordon());
  EXPECT_EQ(created["state"], "queued");

  const Delivery delivery = backend.pollActions(agent, seconds(0), {});
  ASSERT_EQ(delivery.count, 1u);
  const link::SignedMessage message = link::readSignedMessage(delivery.body["actions"][0]);
  EXPECT_TRUE(link::signatureMatches(kSecret, message.payload, message.signature));
  EXPECT_FALSE(link::signatureMatches("other", message.payload, message.signature));
  const link::Payload payload = link::decodePayload(message.payload);
  EXPECT_EQ(payload.id, created["id"]);
  EXPECT_EQ(payload.kind, "action");
  EXPECT_EQ(payload.cluster_id, "c1");
  EXPECT_FALSE(payload.agent_id);
  EXPECT_EQ(payload.issued_at, clock_->wallNow());
  EXPECT_EQ(payload.expires_at - payload.issued_at, seconds(120));
  EXPECT_EQ(payload.nonce.size(), 32u);
  ASSERT_TRUE(payload.action);
  EXPECT_EQ(payload.action->verb, "cordon");
  EXPECT_EQ(payload.action->target.kind, "Node");
  EXPECT_EQ(backend.action(payload.id)["state"], "delivered");
}

TEST_F(ServiceTest, AnInvalidActionIsRefusedBeforeItIsStored) {
  Backend backend = makeBackend();
  expectError(ErrorCode::kBadInput, "unknown", [&] {
    backend.createAction("c1", {{"verb", "explode"}, {"target", cordon()["target"]}});
  });
  json scale_node = cordon();
  scale_node["verb"] = "scale";
  scale_node["params"] = {{"replicas", 2}};
  expectError(ErrorCode::kBadInput, "Node", [&] { backend.createAction("c1", scale_node); });
  json long_ttl = cordon();
  long_ttl["ttlSeconds"] = 86401;
  expectError(ErrorCode::kBadInput, "ttlSeconds", [&] { backend.createAction("c1", long_ttl); });
  EXPECT_TRUE(backend.status()["actions"].empty());
}

TEST_F(ServiceTest, AWaitingPollIsWokenByANewAction) {
  Backend backend = makeBackend();
  const std::string agent = registerAgent(backend);
  auto poll = pollAsync(backend, agent, seconds(30));
  // The poll waits: the fake clock does not move by itself.
  EXPECT_EQ(poll.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  backend.createAction("c1", cordon());
  ASSERT_EQ(poll.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(poll.get().count, 1u);
}

TEST_F(ServiceTest, APollWithNothingQueuedEndsAfterItsWait) {
  Backend backend = makeBackend();
  const std::string agent = registerAgent(backend);
  backend.createAction("c2", cordon());  // another cluster's
  auto poll = pollAsync(backend, agent, seconds(5));
  while (poll.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
    clock_->advance(seconds(1));
  }
  const Delivery delivery = poll.get();
  EXPECT_EQ(delivery.count, 0u);
  EXPECT_EQ(delivery.body, json({{"actions", json::array()}}));
}

TEST_F(ServiceTest, ShutdownEndsWaitingPolls) {
  Backend backend = makeBackend();
  const std::string agent = registerAgent(backend);
  auto poll = pollAsync(backend, agent, seconds(30));
  EXPECT_EQ(poll.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  backend.shutdown();
  ASSERT_EQ(poll.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(poll.get().count, 0u);
}

TEST_F(ServiceTest, AResultIsStoredOnceAndShownInTheStatus) {
  Backend backend = makeBackend();
  const std::string agent = registerAgent(backend);
  const std::string id = backend.createAction("c1", cordon())["id"];
  const json result = {{"status", "succeeded"}, {"reason", "cordoned"}, {"details", {{"n", 1}}}};
  EXPECT_TRUE(backend.receiveResult(agent, id, result));
  EXPECT_FALSE(backend.receiveResult(agent, id, result));
  expectError(ErrorCode::kBadInput, "status", [&] {
    backend.receiveResult(agent, id, {{"status", "maybe"}});
  });
  const std::string other_agent = registerAgent(backend, "c2");
  expectError(ErrorCode::kNotFound, "not found",
              [&] { backend.receiveResult(other_agent, id, result); });

  const json status = backend.status();
  ASSERT_EQ(status["clusters"].size(), 2u);
  EXPECT_EQ(status["clusters"][0]["clusterId"], "c1");
  EXPECT_EQ(status["clusters"][0]["agents"][0]["health"], "registered");
  ASSERT_EQ(status["actions"].size(), 1u);
  EXPECT_EQ(status["actions"][0]["state"], "done");
  EXPECT_EQ(status["actions"][0]["result"]["reason"], "cordoned");
  EXPECT_EQ(backend.pollActions(agent, seconds(0), {}).count, 0u);
}

}  // namespace
}  // namespace keelson::backend
