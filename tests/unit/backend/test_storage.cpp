// backend::Storage against a real SQLite file: what is stored is read back through the storage
// and, where it matters, through an independent raw connection.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend/storage.h"
#include "common/fake_clock.h"
#include "common/temp_dir.h"
#include "core/uuid.h"
#include "expect_code.h"

namespace keelson::backend {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const std::string kAgent = "6f1c2a56-0a0e-4c5e-9d0b-3f4a1e2b7c11";
const std::string kOtherAgent = "7a2b3c4d-0a0e-4c5e-9d0b-3f4a1e2b7c12";

// The row count of `table` in the database file, read with a connection of its own.
int rawCount(const std::filesystem::path& path, const std::string& table) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT count(*) FROM " + table;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const int count = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

class StorageTest : public ::testing::Test {
 protected:
  std::int64_t nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               clock_->wallNow().time_since_epoch())
        .count();
  }

  AgentRecord agent(const std::string& id, const std::string& cluster = "c1") const {
    AgentRecord record;
    record.agent_id = id;
    record.cluster_id = cluster;
    record.version = "v0.1.0";
    record.hostname = "host-" + id.substr(0, 4);
    record.capabilities = json::array({"cordon"});
    return record;
  }

  ActionRecord action(const std::string& cluster, std::optional<std::string> agent_id,
                      seconds ttl = seconds(60)) const {
    ActionRecord record;
    record.id = core::randomUuid();
    record.cluster_id = cluster;
    record.agent_id = std::move(agent_id);
    record.verb = "cordon";
    record.target = {{"kind", "Node"}, {"name", "n1"}};
    record.message = R"({"payload":"{}","signature":"v1=00"})";
    record.created_ms = nowMs();
    record.expires_ms = nowMs() + std::chrono::milliseconds(ttl).count();
    return record;
  }

  testing::TempDir dir_;
  std::filesystem::path path_ = dir_ / "state" / "backend.db";
  std::shared_ptr<testing::FakeClock> clock_ = std::make_shared<testing::FakeClock>();
  Storage storage_ = Storage::open(path_, {.clock = clock_});
};

TEST_F(StorageTest, ARepeatedBatchIdIsStoredOnce) {
  storage_.registerAgent(agent(kAgent));
  const std::string batch = core::randomUuid();
  EXPECT_EQ(storage_.addBatch(kAgent, batch, 1, json::array({1, 2, 3})), BatchOutcome::kStored);
  EXPECT_EQ(storage_.addBatch(kAgent, batch, 1, json::array({1, 2, 3})),
            BatchOutcome::kAlreadyReceived);
  // Another agent's batch with the same id is its own.
  EXPECT_EQ(storage_.addBatch(kOtherAgent, batch, 1, json::array()), BatchOutcome::kStored);
  EXPECT_EQ(rawCount(path_, "batches"), 2);
  const auto batches = storage_.batches(kAgent);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].batch_id, batch);
  EXPECT_EQ(batches[0].item_count, 3);
  EXPECT_EQ(storage_.agent(kAgent)->batches_received, 1);
}

TEST_F(StorageTest, BatchesAreListedInSequenceOrder) {
  for (const std::int64_t sequence : {3, 1, 2}) {
    storage_.addBatch(kAgent, core::randomUuid(), sequence, json::array({sequence, sequence}));
  }
  const auto batches = storage_.batches(kAgent);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].sequence, 1);
  EXPECT_EQ(batches[1].sequence, 2);
  EXPECT_EQ(batches[2].sequence, 3);
  EXPECT_EQ(batches[2].item_count, 2);
}

TEST_F(StorageTest, ItemsThatAreNotAnArrayAreRefused) {
  expectError(ErrorCode::kBadInput, "items must be a JSON array",
              [&] { storage_.addBatch(kAgent, core::randomUuid(), 1, json::object()); });
}

TEST_F(StorageTest, AnActionIsDeliveredUntilItHasAResult) {
  const ActionRecord created = action("c1", std::nullopt);
  storage_.addAction(created);
  EXPECT_TRUE(storage_.deliverActions("c2", kAgent).empty());
  EXPECT_EQ(storage_.action(created.id)->state, ActionState::kQueued);

  auto first = storage_.deliverActions("c1", kAgent);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, created.id);
  EXPECT_EQ(first[0].message, created.message);
  EXPECT_EQ(first[0].state, ActionState::kDelivered);
  ASSERT_TRUE(first[0].delivered_ms);
  const std::int64_t delivered_ms = *first[0].delivered_ms;

  clock_->advance(seconds(5));
  auto again = storage_.deliverActions("c1", kOtherAgent);  // any agent of the cluster
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].delivered_ms, delivered_ms);  // the first delivery is kept

  ActionResultRecord result{.status = "succeeded",
                            .reason = "cordoned",
                            .started_at = "2027-01-15T08:00:01.000Z",
                            .finished_at = "2027-01-15T08:00:02.000Z",
                            .details = {{"changed", true}},
                            .received_ms = 0};
  EXPECT_TRUE(storage_.addResult(created.id, result));
  result.status = "failed";
  EXPECT_FALSE(storage_.addResult(created.id, result));  // resent: the first one stays
  EXPECT_TRUE(storage_.deliverActions("c1", kAgent).empty());

  const auto done = storage_.action(created.id);
  ASSERT_TRUE(done && done->result);
  EXPECT_EQ(done->state, ActionState::kDone);
  EXPECT_EQ(done->result->status, "succeeded");
  EXPECT_EQ(done->result->details, json({{"changed", true}}));
  EXPECT_EQ(done->result->received_ms, nowMs());
  EXPECT_EQ(rawCount(path_, "results"), 1);
}

TEST_F(StorageTest, AnActionForOneAgentGoesToThatAgentOnly) {
  const ActionRecord created = action("c1", kAgent);
  storage_.addAction(created);
  EXPECT_TRUE(storage_.deliverActions("c1", kOtherAgent).empty());
  EXPECT_EQ(storage_.deliverActions("c1", kAgent).size(), 1u);
}

TEST_F(StorageTest, AnExpiredActionIsNotDelivered) {
  const ActionRecord created = action("c1", std::nullopt, seconds(10));
  storage_.addAction(created);
  clock_->advance(seconds(10));
  EXPECT_TRUE(storage_.deliverActions("c1", kAgent).empty());
  EXPECT_EQ(storage_.action(created.id)->state, ActionState::kExpired);
}

TEST_F(StorageTest, ActionsAreListedNewestFirst) {
  const ActionRecord older = action("c1", std::nullopt);
  storage_.addAction(older);
  clock_->advance(seconds(1));
  const ActionRecord newer = action("c1", std::nullopt);
  storage_.addAction(newer);
  const auto recent = storage_.recentActions(10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].id, newer.id);
  EXPECT_EQ(recent[1].id, older.id);
  EXPECT_EQ(storage_.recentActions(1).size(), 1u);
  expectError(ErrorCode::kConflict, "exists", [&] { storage_.addAction(older); });
}

TEST_F(StorageTest, AResultForAnUnknownActionIsNotFound) {
  expectError(ErrorCode::kNotFound, "not found", [&] {
    storage_.addResult(core::randomUuid(), {.status = "succeeded",
                                            .reason = "",
                                            .started_at = "",
                                            .finished_at = "",
                                            .details = json::object(),
                                            .received_ms = 0});
  });
}

TEST_F(StorageTest, HeartbeatsNeedARegisteredAgent) {
  expectError(ErrorCode::kNotFound, "not registered",
              [&] { storage_.recordHeartbeat(kAgent, json::object()); });
  storage_.registerAgent(agent(kAgent));
  clock_->advance(seconds(3));
  storage_.recordHeartbeat(kAgent, {{"outbox", {{"batches", 2}}}});
  auto stored = storage_.agent(kAgent);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->last_heartbeat_ms, nowMs());
  EXPECT_EQ(stored->last_heartbeat["outbox"]["batches"], 2);

  EXPECT_TRUE(storage_.deregisterAgent(kAgent));
  EXPECT_TRUE(storage_.agent(kAgent)->deregistered);
  expectError(ErrorCode::kNotFound, "not registered",
              [&] { storage_.recordHeartbeat(kAgent, json::object()); });
  storage_.registerAgent(agent(kAgent));  // registering again brings it back
  EXPECT_FALSE(storage_.agent(kAgent)->deregistered);
  storage_.recordHeartbeat(kAgent, json::object());
  EXPECT_FALSE(storage_.deregisterAgent(kOtherAgent));
}

TEST_F(StorageTest, EverythingSurvivesAReopen) {
  storage_.registerAgent(agent(kAgent));
  storage_.addBatch(kAgent, core::randomUuid(), 1, json::array({1}));
  const ActionRecord created = action("c1", std::nullopt);
  storage_.addAction(created);
  storage_ = Storage::open(path_, {.clock = clock_});
  EXPECT_EQ(storage_.agent(kAgent)->hostname, agent(kAgent).hostname);
  EXPECT_EQ(storage_.batches(kAgent).size(), 1u);
  EXPECT_EQ(storage_.action(created.id)->message, created.message);
}

TEST_F(StorageTest, ThreadsShareOneStorage) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 25;
  const std::string shared_batch = core::randomUuid();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBatches; ++i) {
        storage_.addBatch(kAgent, core::randomUuid(), t * kBatches + i, json::array({i}));
        storage_.addBatch(kAgent, shared_batch, 0, json::array());  // once in all
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(rawCount(path_, "batches"), kThreads * kBatches + 1);
  EXPECT_EQ(storage_.batches(kAgent).size(), static_cast<std::size_t>(kThreads * kBatches + 1));
}

}  // namespace
}  // namespace keelson::backend
