// AgentState, read back after reopening and through a raw sqlite3 connection: the agent id, the
// outbox (sequences, the bound and its drop counters, a writer SIGKILLed mid-stream, threads
// appending and removing at once), replay protection, action results, and files that are not an
// agent database.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "common/expect_error.h"
#include "common/fake_clock.h"
#include "store/agent_state.h"
#include "store/audit_log.h"
#include "store_test_util.h"

namespace keelson::store {
namespace {

using Seen = AgentState::Seen;

using keelson::testing::expectError;
using keelson::testing::FakeClock;
using test::RawDb;
using test::TempDir;

const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

// A batch's items, ["<n>","xx...x"], whose text is exactly `bytes` long (at least 7 more than
// the digits of n), distinct per `n`.
std::string itemsOf(int n, std::size_t bytes = 100) {
  const std::string number = std::to_string(n);
  EXPECT_GE(bytes, number.size() + 7);
  return "[\"" + number + "\",\"" + std::string(bytes - number.size() - 7, 'x') + "\"]";
}

AgentStateOptions bounded(std::uint64_t max_bytes) {
  AgentStateOptions options;
  options.outbox_max_bytes = max_bytes;
  return options;
}

std::vector<std::int64_t> sequencesOf(const std::vector<OutboxEntry>& entries) {
  std::vector<std::int64_t> sequences;
  for (const OutboxEntry& e : entries) sequences.push_back(e.sequence);
  return sequences;
}

TEST(AgentState, AgentIdIsGeneratedOnceAndStableAcrossReopen) {
  TempDir dir;
  const auto path = dir / "state" / "agent.db";
  std::string generated;
  {
    AgentState state = AgentState::open(path);
    generated = state.agentId("");
    EXPECT_TRUE(std::regex_match(generated, kUuidV4)) << generated;
    EXPECT_EQ(state.agentId(""), generated);
  }
  {
    AgentState state = AgentState::open(path);
    EXPECT_EQ(state.agentId(""), generated);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.text("SELECT value FROM meta WHERE key = 'agent_id'"), generated);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), AgentState::kSchemaVersion);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  // Another database gets another id.
  AgentState other = AgentState::open(dir / "other.db");
  EXPECT_NE(other.agentId(""), generated);
}

TEST(AgentState, ConfiguredAgentIdIsStoredAndReturned) {
  TempDir dir;
  const auto path = dir / "agent.db";
  {
    AgentState state = AgentState::open(path);
    const std::string generated = state.agentId("");
    EXPECT_EQ(state.agentId("node-7.prod"), "node-7.prod");
    EXPECT_EQ(state.agentId(""), "node-7.prod");  // the configured one replaced the generated
    EXPECT_NE(generated, "node-7.prod");
  }
  {
    AgentState state = AgentState::open(path);
    EXPECT_EQ(state.agentId(""), "node-7.prod");
    EXPECT_EQ(state.agentId("node-8"), "node-8");
  }
  AgentState state = AgentState::open(path);
  EXPECT_EQ(state.agentId(""), "node-8");
}

TEST(AgentState, AppendPeekRemoveInOrder) {
  TempDir dir;
  const auto path = dir / "agent.db";
  auto clock = std::make_shared<FakeClock>();
  AgentStateOptions options;
  options.clock = clock;
  AgentState state = AgentState::open(path, options);
  EXPECT_TRUE(state.peek(10).empty());
  std::vector<OutboxEntry> appended;
  for (int i = 0; i < 5; ++i) {
    appended.push_back(state.append(itemsOf(i)));
    clock->advance(std::chrono::milliseconds(1500));
  }
  std::set<std::string> batch_ids;
  for (std::size_t i = 0; i < appended.size(); ++i) {
    EXPECT_EQ(appended[i].sequence, static_cast<std::int64_t>(i) + 1);
    EXPECT_TRUE(std::regex_match(appended[i].batch_id, kUuidV4)) << appended[i].batch_id;
    batch_ids.insert(appended[i].batch_id);
    EXPECT_EQ(appended[i].items_json, itemsOf(static_cast<int>(i)));
    EXPECT_EQ(appended[i].created_ms, 1'800'000'000'000 + static_cast<std::int64_t>(i) * 1500);
  }
  EXPECT_EQ(batch_ids.size(), 5U);

  const auto three = state.peek(3);
  ASSERT_EQ(three.size(), 3U);
  for (std::size_t i = 0; i < three.size(); ++i) {
    EXPECT_EQ(three[i].sequence, appended[i].sequence);
    EXPECT_EQ(three[i].batch_id, appended[i].batch_id);
    EXPECT_EQ(three[i].items_json, appended[i].items_json);
    EXPECT_EQ(three[i].created_ms, appended[i].created_ms);
  }
  EXPECT_TRUE(state.peek(0).empty());
  EXPECT_EQ(state.peek(100).size(), 5U);

  state.remove(2);
  state.remove(2);    // absent: nothing
  state.remove(999);  // never given: nothing
  state.remove(1);
  EXPECT_EQ(sequencesOf(state.peek(10)), (std::vector<std::int64_t>{3, 4, 5}));
  const OutboxStats stats = state.stats();
  EXPECT_EQ(stats.batches, 3U);
  EXPECT_EQ(stats.bytes, 300U);
  EXPECT_EQ(stats.dropped_batches, 0U);  // removing is not dropping
  EXPECT_EQ(stats.dropped_bytes, 0U);

  // Items that are not a JSON array are refused, and use up no sequence.
  for (const std::string bad : {"", "{}", "[1,", "3", R"("[]")", "[] []"}) {
    const Error e = expectError([&] { state.append(bad); });
    EXPECT_EQ(e.code(), ErrorCode::kBadInput) << bad;
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(state.append(" \n[ ]").sequence, 6);
}

TEST(AgentState, SequencesNeverRepeatAcrossReopenRemoveAndDrops) {
  TempDir dir;
  const auto path = dir / "agent.db";
  std::int64_t last = 0;
  {
    AgentState state = AgentState::open(path, bounded(250));
    for (int i = 0; i < 4; ++i) {
      const std::int64_t seq = state.append(itemsOf(i)).sequence;
      EXPECT_GT(seq, last);
      last = seq;
    }
    // Empty the outbox: the highest sequence is gone from the table.
    for (const OutboxEntry& e : state.peek(10)) state.remove(e.sequence);
    EXPECT_TRUE(state.peek(10).empty());
    EXPECT_EQ(state.stats().dropped_batches, 2U);  // 4 x 100 bytes into 250
  }
  {
    AgentState state = AgentState::open(path, bounded(250));
    const std::int64_t seq = state.append(itemsOf(10)).sequence;
    EXPECT_EQ(seq, last + 1);
    last = seq;
    // An oversize batch is dropped, but its sequence is used up.
    const std::int64_t oversize = state.append(itemsOf(11, 400)).sequence;
    EXPECT_EQ(oversize, last + 1);
    last = oversize;
    state.remove(seq);
  }
  AgentState state = AgentState::open(path, bounded(250));
  EXPECT_EQ(state.append(itemsOf(12)).sequence, last + 1);
}

TEST(AgentState, BoundDropsTheOldestAndCountsExactly) {
  TempDir dir;
  const auto path = dir / "agent.db";
  constexpr std::uint64_t kBound = 1000;
  {
    AgentState state = AgentState::open(path, bounded(kBound));
    std::uint64_t appended_bytes = 0;
    std::map<std::int64_t, std::size_t> size_of;
    for (int i = 0; i < 40; ++i) {
      const std::size_t size = 60 + static_cast<std::size_t>((i * 37) % 140);  // 60..199
      const OutboxEntry e = state.append(itemsOf(i, size));
      size_of[e.sequence] = size;
      appended_bytes += size;
      const OutboxStats stats = state.stats();
      ASSERT_LE(stats.bytes, kBound) << "after batch " << i;
      // Nothing lost below the bound: stored + dropped == appended, and the stored ones are the
      // newest, contiguous up to this one.
      EXPECT_EQ(stats.bytes + stats.dropped_bytes, appended_bytes);
      EXPECT_EQ(stats.batches + stats.dropped_batches, static_cast<std::uint64_t>(i) + 1);
      const auto entries = state.peek(100);
      ASSERT_EQ(entries.size(), stats.batches);
      ASSERT_FALSE(entries.empty());
      EXPECT_EQ(entries.back().sequence, e.sequence);
      std::uint64_t sum = 0;
      for (std::size_t k = 0; k < entries.size(); ++k) {
        EXPECT_EQ(entries[k].sequence, entries.front().sequence + static_cast<std::int64_t>(k));
        sum += entries[k].items_json.size();
      }
      EXPECT_EQ(sum, stats.bytes);
      // The oldest stored one could not have stayed with the one before it: dropping was needed.
      const auto before = size_of.find(entries.front().sequence - 1);
      if (before != size_of.end()) {
        EXPECT_GT(sum + before->second, kBound);
      }
    }
  }
  // The counters persist, and a lower bound on reopen drops more (the oldest).
  OutboxStats stats_before;
  std::vector<OutboxEntry> before;
  {
    AgentState state = AgentState::open(path, bounded(kBound));
    stats_before = state.stats();
    before = state.peek(100);
  }
  AgentState state = AgentState::open(path, bounded(300));
  const OutboxStats stats = state.stats();
  const auto after = state.peek(100);
  ASSERT_FALSE(after.empty());
  EXPECT_LE(stats.bytes, 300U);
  EXPECT_EQ(after.back().sequence, before.back().sequence);
  std::uint64_t dropped_now = 0;
  for (const OutboxEntry& e : before) {
    if (e.sequence < after.front().sequence) dropped_now += e.items_json.size();
  }
  EXPECT_EQ(stats.dropped_batches, stats_before.dropped_batches + (before.size() - after.size()));
  EXPECT_EQ(stats.dropped_bytes, stats_before.dropped_bytes + dropped_now);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT value FROM meta WHERE key = 'dropped_bytes'"),
            static_cast<std::int64_t>(stats.dropped_bytes));
  EXPECT_EQ(raw.integer("SELECT sum(length(items)) FROM outbox"),
            static_cast<std::int64_t>(stats.bytes));
}

TEST(AgentState, OversizeBatchIsDroppedAloneAndCounted) {
  TempDir dir;
  AgentState state = AgentState::open(dir / "agent.db", bounded(500));
  state.append(itemsOf(1, 200));
  state.append(itemsOf(2, 200));
  const OutboxEntry big = state.append(itemsOf(3, 501));
  EXPECT_EQ(big.sequence, 3);
  EXPECT_EQ(big.items_json.size(), 501U);
  EXPECT_EQ(sequencesOf(state.peek(10)), (std::vector<std::int64_t>{1, 2}));  // nothing evicted
  OutboxStats stats = state.stats();
  EXPECT_EQ(stats.batches, 2U);
  EXPECT_EQ(stats.bytes, 400U);
  EXPECT_EQ(stats.dropped_batches, 1U);
  EXPECT_EQ(stats.dropped_bytes, 501U);
  // Exactly the bound fits (and evicts both older ones).
  EXPECT_EQ(state.append(itemsOf(4, 500)).sequence, 4);
  EXPECT_EQ(sequencesOf(state.peek(10)), (std::vector<std::int64_t>{4}));
  stats = state.stats();
  EXPECT_EQ(stats.bytes, 500U);
  EXPECT_EQ(stats.dropped_batches, 3U);
  EXPECT_EQ(stats.dropped_bytes, 901U);
}

TEST(AgentState, BatchesSurviveSigkill) {
  TempDir dir;
  const auto path = dir / "agent.db";
  constexpr int kBatches = 25;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      AgentState state = AgentState::open(path);
      for (int i = 0; i < kBatches; ++i) state.append(itemsOf(i, 2000));
    } catch (...) {
      ::_exit(3);
    }
    ::raise(SIGKILL);  // no destructor runs: the connection is never closed
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  AgentState state = AgentState::open(path);
  const auto entries = state.peek(1000);
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kBatches));
  for (int i = 0; i < kBatches; ++i) {
    EXPECT_EQ(entries[static_cast<std::size_t>(i)].sequence, i + 1);
    EXPECT_EQ(entries[static_cast<std::size_t>(i)].items_json, itemsOf(i, 2000));
  }
  EXPECT_EQ(state.append(itemsOf(99)).sequence, kBatches + 1);
}

TEST(AgentState, BatchesReportedBeforeAKillMidStreamAreOnDisk) {
  TempDir dir;
  const auto path = dir / "agent.db";
  test::ForkedWriter child([&](int report_fd) {
    try {
      AgentState state = AgentState::open(path);
      for (int i = 0;; ++i) {
        const std::int64_t sequence = state.append(itemsOf(i, 3000)).sequence;
        if (::write(report_fd, &sequence, sizeof sequence) != sizeof sequence) ::_exit(4);
      }
    } catch (...) {
      ::_exit(3);
    }
  });
  ASSERT_TRUE(child.waitForReports(40)) << "the child died early";
  ASSERT_TRUE(child.kill());
  const std::int64_t reported = child.reports();
  AgentState state = AgentState::open(path);
  const auto entries = state.peek(100000);
  // Every reported batch is there, in order; at most the one in flight beyond them.
  ASSERT_GE(static_cast<std::int64_t>(entries.size()), reported);
  ASSERT_LE(static_cast<std::int64_t>(entries.size()), reported + 1);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].sequence, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(entries[i].items_json, itemsOf(static_cast<int>(i), 3000));
  }
  EXPECT_EQ(child.lastReport(), reported);
}

TEST(AgentState, RememberRejectsRepeatedIdsAndNoncesAcrossReopen) {
  TempDir dir;
  const auto path = dir / "agent.db";
  {
    AgentState state = AgentState::open(path);
    EXPECT_EQ(state.remember("msg-1", "nonce-a", 1000), Seen::kNew);
    EXPECT_EQ(state.remember("msg-1", "nonce-a", 1000), Seen::kRedelivered);  // again
    EXPECT_EQ(state.remember("msg-1", "nonce-b", 1000), Seen::kRedelivered);  // a repeated id
    EXPECT_EQ(state.remember("msg-2", "nonce-a", 1000), Seen::kReplayed);     // a repeated nonce
    // The refused ones recorded nothing: their new id and nonce are still free.
    EXPECT_EQ(state.remember("msg-2", "nonce-b", 2000), Seen::kNew);
    // Ids and nonces are separate namespaces.
    EXPECT_EQ(state.remember("nonce-a", "msg-1", 3000), Seen::kNew);
    const Error e = expectError([&] { state.remember("", "n", 1); });
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_EQ(expectError([&] { state.remember("m", "", 1); }).code(), ErrorCode::kBadInput);
  }
  {
    AgentState state = AgentState::open(path);
    EXPECT_EQ(state.remember("msg-1", "nonce-z", 5000), Seen::kRedelivered);
    EXPECT_EQ(state.remember("msg-z", "nonce-b", 5000), Seen::kReplayed);
    // Prune: keep_until 1000 < 2000 goes; 2000 is not before 2000 and stays.
    state.forgetSeenBefore(2000);
    EXPECT_EQ(state.remember("msg-1", "nonce-a", 9000), Seen::kNew);  // forgotten, so new again
    EXPECT_EQ(state.remember("msg-2", "nonce-q", 9000), Seen::kRedelivered);
    EXPECT_EQ(state.remember("msg-q", "msg-1", 9000),
              Seen::kReplayed);  // "msg-1" as a nonce: kept until 3000
  }
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM seen"), 6);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM seen WHERE keep_until_ms < 2000"), 0);
}

TEST(AgentState, ResultsSavedReplacedAcknowledgedAcrossReopen) {
  TempDir dir;
  const auto path = dir / "agent.db";
  auto clock = std::make_shared<FakeClock>();
  AgentStateOptions options;
  options.clock = clock;
  {
    AgentState state = AgentState::open(path, options);
    EXPECT_FALSE(state.result("a1"));
    state.saveResult("a1", R"({"outcome":"succeeded"})");
    clock->advance(std::chrono::seconds(1));
    state.saveResult("a2", R"({"outcome":"failed"})");
    clock->advance(std::chrono::seconds(1));
    state.saveResult("a3", R"({"outcome":"refused"})");
    clock->advance(std::chrono::seconds(1));
    state.saveResult("a1", R"({"outcome":"succeeded","again":true})");  // replaces: now newest
    state.acknowledgeResult("a2");
    state.acknowledgeResult("a2");       // again: nothing
    state.acknowledgeResult("unknown");  // nothing
    EXPECT_EQ(expectError([&] { state.saveResult("a4", "{not json"); }).code(),
              ErrorCode::kBadInput);
    EXPECT_EQ(expectError([&] { state.saveResult("", "{}"); }).code(), ErrorCode::kBadInput);
  }
  {
    AgentState state = AgentState::open(path, options);
    EXPECT_EQ(state.result("a1"), R"({"outcome":"succeeded","again":true})");
    EXPECT_EQ(state.result("a2"), R"({"outcome":"failed"})");  // acknowledged, still readable
    EXPECT_FALSE(state.result("a4"));
    const auto pending = state.unacknowledgedResults();
    ASSERT_EQ(pending.size(), 2U);
    EXPECT_EQ(pending[0].action_id, "a3");
    EXPECT_EQ(pending[0].result_json, R"({"outcome":"refused"})");
    EXPECT_EQ(pending[0].saved_ms, 1'800'000'002'000);
    EXPECT_EQ(pending[1].action_id, "a1");
    EXPECT_EQ(pending[1].saved_ms, 1'800'000'003'000);
    // Saving an acknowledged result again makes it unacknowledged.
    state.saveResult("a2", R"({"outcome":"failed","retried":1})");
    EXPECT_EQ(state.unacknowledgedResults().back().action_id, "a2");
    state.acknowledgeResult("a3");
    state.acknowledgeResult("a1");
    clock->advance(std::chrono::seconds(10));
    state.acknowledgeResult("a2");
    // Forget what was acknowledged before the last acknowledgement.
    state.forgetAcknowledgedResultsBefore(1'800'000'013'000);
  }
  AgentState state = AgentState::open(path, options);
  EXPECT_TRUE(state.unacknowledgedResults().empty());
  EXPECT_FALSE(state.result("a1"));
  EXPECT_FALSE(state.result("a3"));
  EXPECT_EQ(state.result("a2"), R"({"outcome":"failed","retried":1})");
}

TEST(AgentState, ConcurrentAppendAndRemoveLoseAndDuplicateNothing) {
  TempDir dir;
  AgentState state = AgentState::open(dir / "agent.db");
  constexpr int kPerThread = 150;
  std::atomic<int> writers_done{0};
  std::vector<std::vector<std::int64_t>> appended(2);
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        appended[static_cast<std::size_t>(t)].push_back(
            state.append(itemsOf(t * 100000 + i)).sequence);
      }
      ++writers_done;
    });
  }
  std::vector<OutboxEntry> removed;
  std::thread sender([&] {
    while (true) {
      const bool done = writers_done.load() == 2;
      const auto entries = state.peek(7);
      for (const OutboxEntry& e : entries) {
        state.remove(e.sequence);
        removed.push_back(e);
      }
      if (done && entries.empty()) break;
    }
  });
  for (std::thread& w : writers) w.join();
  sender.join();

  // Each thread saw its own sequences increase.
  for (const auto& seqs : appended) {
    ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kPerThread));
    for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_GT(seqs[i], seqs[i - 1]);
  }
  // The sender removed every batch once, in sequence order, with its own items.
  ASSERT_EQ(removed.size(), 2U * kPerThread);
  std::set<std::int64_t> all(appended[0].begin(), appended[0].end());
  all.insert(appended[1].begin(), appended[1].end());
  EXPECT_EQ(all.size(), 2U * kPerThread);
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), 2 * kPerThread);
  std::set<std::string> items;
  for (std::size_t i = 0; i < removed.size(); ++i) {
    EXPECT_EQ(removed[i].sequence, static_cast<std::int64_t>(i) + 1);
    items.insert(removed[i].items_json);
  }
  EXPECT_EQ(items.size(), 2U * kPerThread);
  const OutboxStats stats = state.stats();
  EXPECT_EQ(stats.batches, 0U);
  EXPECT_EQ(stats.dropped_batches, 0U);
}

TEST(AgentState, NotAnAgentDatabaseIsBadInputNamingThePath) {
  TempDir dir;
  // Garbage.
  const auto garbage = dir / "garbage.db";
  {
    std::ofstream out(garbage, std::ios::binary);
    out << std::string(4096, 'g');
  }
  Error e = expectError([&] { AgentState::open(garbage); });
  EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find(garbage.string()), std::string::npos) << e.what();

  // Another application's SQLite database.
  const auto foreign = dir / "foreign.db";
  test::execRaw(foreign, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  e = expectError([&] { AgentState::open(foreign); });
  EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find(foreign.string()), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("not a keelson agent database"), std::string::npos)
      << e.what();

  // keelson's audit log given as the agent database.
  const auto audit = dir / "audit.db";
  AuditLog::open(audit);
  e = expectError([&] { AgentState::open(audit); });
  EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find(audit.string()), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("not a keelson agent database"), std::string::npos)
      << e.what();

  // A newer schema.
  const auto newer = dir / "newer.db";
  AgentState::open(newer);
  test::execRaw(newer, "PRAGMA user_version = 99");
  e = expectError([&] { AgentState::open(newer); });
  EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();

  // A zero bound.
  e = expectError([&] { AgentState::open(dir / "zero.db", bounded(0)); });
  EXPECT_EQ(e.code(), ErrorCode::kBadInput);
}

TEST(AgentState, FileIsOwnerOnly) {
  TempDir dir;
  const auto path = dir / "state" / "agent.db";
  AgentState::open(path).append("[]");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600);
  ASSERT_EQ(::stat(path.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700);
}

}  // namespace
}  // namespace keelson::store
