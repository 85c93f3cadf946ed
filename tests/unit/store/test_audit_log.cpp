// AuditLog, read back through a raw sqlite3 connection: records, errors, file modes, concurrent
// writers, and intents whose process was SIGKILLed (alone, and in the middle of a loop of
// intents and outcomes).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "common/expect_error.h"
#include "store/audit_log.h"
#include "store/history_store.h"
#include "store/state_dir.h"
#include "store_test_util.h"

namespace keelson::store {
namespace {

using keelson::testing::expectError;
using test::RawDb;
using test::TempDir;

AuditIntent cordon(const std::string& node, std::int64_t started_ms = 1'700'000'000'000) {
  return {.started_ms = started_ms,
          .requester = {.kind = "user", .id = "alice"},
          .verb = "cordon",
          .target = "node/" + node,
          .namespace_name = "",
          .dry_run = "none",
          .request_json = R"({"node":")" + node + R"("})"};
}

AuditOutcome succeeded(std::int64_t finished_ms) {
  return {.finished_ms = finished_ms,
          .outcome = "succeeded",
          .status_codes_json = "[200,200]",
          .result_json = R"({"summary":"cordoned"})",
          .error = ""};
}

// The Error AuditLog::open (or openReadOnly) throws for `path`.
Error openError(const std::filesystem::path& path, bool read_only) {
  return expectError([&] {
    if (read_only) {
      AuditLog::openReadOnly(path);
    } else {
      AuditLog::open(path);
    }
  });
}

mode_t modeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(AuditLog, IntentAndOutcomeRoundTrip) {
  TempDir dir;
  const auto path = dir / "state" / "audit.db";  // parents are created
  std::int64_t first = 0;
  std::int64_t second = 0;
  {
    AuditLog log = AuditLog::open(path);
    EXPECT_EQ(log.path(), path);
    EXPECT_TRUE(log.unknownOutcomes().empty());
    first = log.recordIntent(cordon("kwok-1"));
    AuditIntent scale{.started_ms = 1'700'000'005'000,
                      .requester = {.kind = "backend", .id = "act-7"},
                      .verb = "scale",
                      .target = "deployment.apps/web",
                      .namespace_name = "shop",
                      .dry_run = "server",
                      .request_json = R"({"replicas":3,"note":"ünïcode, \"quoted\""})"};
    second = log.recordIntent(scale);
    EXPECT_GT(second, first);
    log.recordOutcome(first, succeeded(1'700'000'001'500));
    log.recordOutcome(second, {.finished_ms = 1'700'000'006'000,
                               .outcome = "failed",
                               .status_codes_json = "[403]",
                               .result_json = "",
                               .error = "forbidden: user cannot patch deployments/scale"});
  }
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM actions"), 2);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), AuditLog::kSchemaVersion);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  const std::string where = " FROM actions WHERE id = " + std::to_string(second);
  EXPECT_EQ(raw.text("SELECT requester_kind || '/' || requester_id" + where), "backend/act-7");
  EXPECT_EQ(raw.text("SELECT namespace || ' ' || dry_run || ' ' || verb" + where),
            "shop server scale");
  EXPECT_EQ(raw.text("SELECT json_extract(request, '$.replicas')" + where), "3");
  EXPECT_EQ(raw.text("SELECT json_extract(request, '$.note')" + where), "ünïcode, \"quoted\"");
  EXPECT_EQ(raw.integer("SELECT pid" + where), ::getpid());
  EXPECT_GT(raw.integer("SELECT pid_start_ticks" + where), 0);
  EXPECT_EQ(raw.integer("SELECT result IS NULL" + where), 1);
  EXPECT_EQ(raw.text("SELECT status_codes" + where), "[403]");
  EXPECT_EQ(raw.text("SELECT outcome || ' ' || finished_ms" + where), "failed 1700000006000");
  EXPECT_EQ(raw.text("SELECT error FROM actions WHERE id = " + std::to_string(first)), "");
  EXPECT_EQ(raw.integer("SELECT error IS NULL FROM actions WHERE id = " + std::to_string(first)),
            1);

  const AuditLog log = AuditLog::openReadOnly(path);
  const auto records = log.list();
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[0].id, first);
  EXPECT_EQ(records[0].intent.target, "node/kwok-1");
  EXPECT_EQ(records[0].intent.requester.id, "alice");
  EXPECT_EQ(records[0].intent.request_json, R"({"node":"kwok-1"})");
  EXPECT_EQ(records[0].pid, ::getpid());
  ASSERT_TRUE(records[0].outcome);
  EXPECT_EQ(records[0].outcome->outcome, "succeeded");
  EXPECT_EQ(records[0].outcome->finished_ms, 1'700'000'001'500);
  EXPECT_EQ(records[0].outcome->status_codes_json, "[200,200]");
  EXPECT_EQ(records[0].outcome->result_json, R"({"summary":"cordoned"})");
  ASSERT_TRUE(records[1].outcome);
  EXPECT_EQ(records[1].intent.namespace_name, "shop");
  EXPECT_EQ(records[1].outcome->error, "forbidden: user cannot patch deployments/scale");
  EXPECT_EQ(records[1].outcome->result_json, "");
  // since_ms is inclusive.
  EXPECT_EQ(log.list(1'700'000'005'000).size(), 1U);
  EXPECT_EQ(log.list(1'700'000'005'001).size(), 0U);
}

TEST(AuditLog, RunningIntentReadsAsNoOutcome) {
  TempDir dir;
  AuditLog log = AuditLog::open(dir / "audit.db");
  const std::int64_t id = log.recordIntent(cordon("n1"));
  const auto records = AuditLog::openReadOnly(dir / "audit.db").list();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].id, id);
  EXPECT_FALSE(records[0].outcome);  // this process records it, and runs
  // A writer opened meanwhile leaves it alone.
  EXPECT_TRUE(AuditLog::open(dir / "audit.db").unknownOutcomes().empty());
  EXPECT_FALSE(log.list()[0].outcome);
}

TEST(AuditLog, OutcomeOfAnUnknownOrFinishedIntentIsRefused) {
  TempDir dir;
  AuditLog log = AuditLog::open(dir / "audit.db");
  auto e = expectError([&] { log.recordOutcome(42, succeeded(1)); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(e.what()).find("42"), std::string::npos) << e.what();
  const std::int64_t id = log.recordIntent(cordon("n1"));
  log.recordOutcome(id, succeeded(2));
  e = expectError([&] { log.recordOutcome(id, succeeded(3)); });
  EXPECT_EQ(e.code(), ErrorCode::kConflict);
  EXPECT_NE(std::string(e.what()).find("succeeded"), std::string::npos) << e.what();
  RawDb raw(dir / "audit.db");
  EXPECT_EQ(raw.integer("SELECT finished_ms FROM actions"), 2);
}

TEST(AuditLog, MalformedRecordsAreRefusedAndNothingIsWritten) {
  TempDir dir;
  AuditLog log = AuditLog::open(dir / "audit.db");
  AuditIntent bad = cordon("n1");
  bad.request_json = "[1]";
  EXPECT_EQ(expectError([&] { log.recordIntent(bad); }).code(), ErrorCode::kBadInput);
  bad.request_json = "{";
  EXPECT_EQ(expectError([&] { log.recordIntent(bad); }).code(), ErrorCode::kBadInput);
  bad = cordon("n1");
  bad.dry_run = "true";
  EXPECT_EQ(expectError([&] { log.recordIntent(bad); }).code(), ErrorCode::kBadInput);
  bad = cordon("n1");
  bad.verb = "";
  EXPECT_EQ(expectError([&] { log.recordIntent(bad); }).code(), ErrorCode::kBadInput);
  const std::int64_t id = log.recordIntent(cordon("n1"));
  AuditOutcome outcome = succeeded(1);
  outcome.outcome = "unknown";  // the store's own word, not a caller's
  EXPECT_EQ(expectError([&] { log.recordOutcome(id, outcome); }).code(), ErrorCode::kBadInput);
  outcome = succeeded(1);
  outcome.status_codes_json = "200";
  EXPECT_EQ(expectError([&] { log.recordOutcome(id, outcome); }).code(), ErrorCode::kBadInput);
  outcome = succeeded(1);
  outcome.result_json = "{not json";
  EXPECT_EQ(expectError([&] { log.recordOutcome(id, outcome); }).code(), ErrorCode::kBadInput);
  // Empty JSON fields are the empty values.
  AuditIntent plain = cordon("n2");
  plain.request_json = "";
  const std::int64_t plain_id = log.recordIntent(plain);
  log.recordOutcome(plain_id, {.finished_ms = 5,
                               .outcome = "refused",
                               .status_codes_json = "",
                               .result_json = "",
                               .error = "cannot delete pods with local storage"});
  RawDb raw(dir / "audit.db");
  EXPECT_EQ(raw.integer("SELECT count(*) FROM actions"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM actions WHERE outcome IS NULL"), 1);
  const std::string where = " FROM actions WHERE id = " + std::to_string(plain_id);
  EXPECT_EQ(raw.text("SELECT request" + where), "{}");
  EXPECT_EQ(raw.text("SELECT status_codes" + where), "[]");
}

TEST(AuditLog, ReadOnlyRefusesWritesAndCreatesNothing) {
  TempDir dir;
  const auto missing = dir / "nope" / "audit.db";
  auto e = expectError([&] { AuditLog::openReadOnly(missing); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  EXPECT_FALSE(std::filesystem::exists(missing.parent_path()));

  const auto path = dir / "audit.db";
  const std::int64_t id = AuditLog::open(path).recordIntent(cordon("n1"));
  AuditLog log = AuditLog::openReadOnly(path);
  EXPECT_EQ(expectError([&] { log.recordIntent(cordon("n2")); }).code(), ErrorCode::kInternal);
  EXPECT_EQ(expectError([&] { log.recordOutcome(id, succeeded(1)); }).code(), ErrorCode::kInternal);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM actions"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM actions WHERE outcome IS NULL"), 1);
}

TEST(AuditLog, RefusesNewerAndForeignFiles) {
  TempDir dir;
  const auto newer = dir / "newer.db";
  AuditLog::open(newer);
  test::execRaw(newer, "PRAGMA user_version = 2");
  for (const bool read_only : {false, true}) {
    const Error e = openError(newer, read_only);
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("written by a newer keelson"), std::string::npos)
        << e.what();
  }
  // Not SQLite at all, and keelson's history database (same schema version, other tables).
  const auto junk = dir / "junk.db";
  test::appendRaw(junk, std::string(8192, 'x'));
  const auto history = dir / "history.db";
  HistoryStore::open(history);
  for (const auto& path : {junk, history}) {
    for (const bool read_only : {false, true}) {
      const Error e = openError(path, read_only);
      EXPECT_EQ(e.code(), ErrorCode::kBadInput) << e.what();
      EXPECT_NE(std::string(e.what()).find("audit " + path.string()), std::string::npos)
          << e.what();
    }
  }
  const Error e = openError(history, true);
  EXPECT_NE(std::string(e.what()).find("not a keelson audit database"), std::string::npos)
      << e.what();
  // ... and the other way round.
  const auto audit = dir / "audit.db";
  AuditLog::open(audit);
  const Error h = expectError([&] { HistoryStore::openReadOnly(audit); });
  EXPECT_EQ(h.code(), ErrorCode::kBadInput);
  EXPECT_NE(std::string(h.what()).find("not a keelson history database"), std::string::npos)
      << h.what();
}

// A writer creates the file before its schema: a reader that comes in between (keelson audit
// while the first action of a new state directory starts) finds no records, not a foreign file.
TEST(AuditLog, AFileBeingCreatedReadsAsNoRecordsYet) {
  TempDir dir;
  const auto creating = dir.path() / "audit.db";
  test::appendRaw(creating, "");  // the moment after sqlite3_open_v2 created it
  const Error empty = expectError([&] { AuditLog::openReadOnly(creating); });
  EXPECT_EQ(empty.code(), ErrorCode::kNotFound) << empty.what();
  // With any table but no schema version it is another application's database.
  test::execRaw(creating, "CREATE TABLE t(x)");
  EXPECT_EQ(expectError([&] { AuditLog::openReadOnly(creating); }).code(), ErrorCode::kBadInput);
}

// A reader racing the writer that creates the file (keelson audit while keelson drain starts)
// sees either no database yet or the log: never "not a keelson audit database".
TEST(AuditLog, AReaderRacingTheCreationSeesNotFoundOrTheLog) {
  TempDir dir;
  int opened = 0;
  for (int round = 0; round < 200; ++round) {
    const auto path = dir.path() / ("audit-" + std::to_string(round) + ".db");
    std::thread writer([&] { AuditLog::open(path); });
    for (;;) {
      try {
        AuditLog::openReadOnly(path);
        ++opened;
        break;
      } catch (const Error& e) {
        ASSERT_EQ(e.code(), ErrorCode::kNotFound) << "round " << round << ": " << e.what();
      }
    }
    writer.join();
  }
  EXPECT_EQ(opened, 200);
}

TEST(AuditLog, FilesAreTheOwnersWhateverTheUmask) {
  TempDir dir;
  const mode_t parent_mode = modeOf(dir.path());
  const mode_t old_umask = ::umask(0);
  const auto path = dir / "a" / "b" / "audit.db";
  {
    AuditLog log = AuditLog::open(path);
    log.recordIntent(cordon("n1"));
    EXPECT_EQ(modeOf(dir / "a"), 0700U);
    EXPECT_EQ(modeOf(dir / "a" / "b"), 0700U);
    EXPECT_EQ(modeOf(path), 0600U);
    EXPECT_EQ(modeOf(path.string() + "-wal"), 0600U);
    EXPECT_EQ(modeOf(path.string() + "-shm"), 0600U);
  }
  EXPECT_EQ(modeOf(dir.path()), parent_mode);  // an existing directory keeps its mode
  ::umask(0277);                               // takes the owner's write bit too
  const auto other = dir / "c" / "audit.db";
  AuditLog::open(other).recordIntent(cordon("n1"));
  ::umask(old_umask);
  EXPECT_EQ(modeOf(dir / "c"), 0700U);
  EXPECT_EQ(modeOf(other), 0600U);
}

// Two threads share one AuditLog, a third writes the same file through its own connection.
TEST(AuditLog, ConcurrentWriters) {
  TempDir dir;
  const auto path = dir / "audit.db";
  constexpr int kPerThread = 60;
  AuditLog shared = AuditLog::open(path);
  std::vector<std::thread> threads;
  std::vector<std::vector<std::int64_t>> ids(3);
  std::vector<std::string> failures(3);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::optional<AuditLog> own;
        if (t == 2) own = AuditLog::open(path);
        AuditLog& log = t == 2 ? *own : shared;
        for (int i = 0; i < kPerThread; ++i) {
          const std::int64_t id = log.recordIntent(
              cordon("t" + std::to_string(t) + "-" + std::to_string(i), 1000 * i + t));
          log.recordOutcome(id, succeeded(1000 * i + t + 1));
          ids[static_cast<std::size_t>(t)].push_back(id);
        }
      } catch (const std::exception& e) {
        failures[static_cast<std::size_t>(t)] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) EXPECT_EQ(failure, "");
  std::set<std::int64_t> all;
  for (const auto& list : ids) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), 3U * kPerThread);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM actions"), 3 * kPerThread);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM actions WHERE outcome = 'succeeded' AND "
                        "finished_ms = started_ms + 1"),
            3 * kPerThread);
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
  const auto records = shared.list();
  ASSERT_EQ(records.size(), 3U * kPerThread);
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_LE(records[i - 1].intent.started_ms, records[i].intent.started_ms);
  }
}

// A child's body: records one intent, reports its id and waits to be killed.
[[noreturn]] void recordAndWait(const std::filesystem::path& path, const AuditIntent& intent,
                                int report_fd) {
  try {
    AuditLog log = AuditLog::open(path);
    const std::int64_t id = log.recordIntent(intent);
    if (::write(report_fd, &id, sizeof id) != sizeof id) ::_exit(4);
    for (;;) ::pause();
  } catch (...) {
    ::_exit(3);
  }
}

TEST(AuditLogCrash, IntentOfAKilledProcessHasAnUnknownOutcome) {
  TempDir dir;
  const auto path = dir / "audit.db";
  AuditLog mine = AuditLog::open(path);
  const std::int64_t own_id = mine.recordIntent(cordon("mine"));  // this process: alive
  test::ForkedWriter writer(
      [&](int fd) { recordAndWait(path, cordon("theirs", 1'700'000'000'500), fd); });
  ASSERT_TRUE(writer.waitForReports(1)) << "the child died before recording its intent";
  const std::int64_t child_id = writer.lastReport();
  const pid_t child = writer.pid();
  {
    const auto before = AuditLog::openReadOnly(path).list();
    ASSERT_EQ(before.size(), 2U);
    EXPECT_FALSE(before[1].outcome) << "the child runs";
    EXPECT_EQ(before[1].pid, child);
  }
  ASSERT_TRUE(writer.kill());

  // A reader sees it as unknown and writes nothing.
  const auto read = AuditLog::openReadOnly(path).list();
  ASSERT_EQ(read.size(), 2U);
  EXPECT_FALSE(read[0].outcome);
  ASSERT_TRUE(read[1].outcome);
  EXPECT_EQ(read[1].outcome->outcome, "unknown");
  {
    RawDb raw(path);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM actions WHERE outcome IS NULL"), 2);
  }

  // A writer marks it, and only it.
  AuditLog reopened = AuditLog::open(path);
  ASSERT_EQ(reopened.unknownOutcomes().size(), 1U);
  const AuditRecord& unknown = reopened.unknownOutcomes()[0];
  EXPECT_EQ(unknown.id, child_id);
  EXPECT_EQ(unknown.pid, child);
  EXPECT_EQ(unknown.intent.target, "node/theirs");
  ASSERT_TRUE(unknown.outcome);
  EXPECT_EQ(unknown.outcome->outcome, "unknown");
  EXPECT_EQ(unknown.outcome->finished_ms, 0);
  RawDb raw(path);
  EXPECT_EQ(raw.text("SELECT outcome FROM actions WHERE id = " + std::to_string(child_id)),
            "unknown");
  EXPECT_EQ(
      raw.integer("SELECT finished_ms IS NULL FROM actions WHERE id = " + std::to_string(child_id)),
      1);
  EXPECT_EQ(raw.integer("SELECT outcome IS NULL FROM actions WHERE id = " + std::to_string(own_id)),
            1);
  // Marked once: the next writer finds nothing new, and the live intent can still finish.
  EXPECT_TRUE(AuditLog::open(path).unknownOutcomes().empty());
  mine.recordOutcome(own_id, succeeded(1'700'000'002'000));
  EXPECT_EQ(expectError([&] { mine.recordOutcome(child_id, succeeded(1)); }).code(),
            ErrorCode::kConflict);
}

// The expected intent of step i of the crash loop.
AuditIntent loopIntent(std::int64_t i) {
  return {.started_ms = 1'000'000 + i,
          .requester = {.kind = "remediation", .id = "finding-" + std::to_string(i)},
          .verb = i % 2 == 0 ? "drain" : "label",
          .target = "node/n" + std::to_string(i),
          .namespace_name = "ns-" + std::to_string(i % 7),
          .dry_run = i % 3 == 0 ? "server" : "none",
          .request_json = nlohmann::json{{"i", i}, {"pad", std::string(3000, 'p')}}.dump()};
}

[[noreturn]] void loopChild(const std::filesystem::path& path, int report_fd) {
  try {
    AuditLog log = AuditLog::open(path);
    for (std::int64_t i = 0;; ++i) {
      const std::int64_t id = log.recordIntent(loopIntent(i));
      if (i % 2 == 0) log.recordOutcome(id, succeeded(2'000'000 + i));
      if (::write(report_fd, &i, sizeof i) != sizeof i) ::_exit(4);
    }
  } catch (...) {
    ::_exit(3);
  }
}

// Each cycle kills the writer mid-loop; every row is a whole intent (and a whole outcome, or
// none), the rows are the loop's steps in order, and reopening marks exactly those without an
// outcome as unknown.
TEST(AuditLogCrash, KilledMidLoopLeavesOnlyWholeRecords) {
  TempDir dir;
  const auto path = dir / "audit.db";
  std::mt19937 random(4242);
  for (int cycle = 0; cycle < 5; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
    test::ForkedWriter writer([&](int fd) { loopChild(path, fd); });
    ASSERT_TRUE(writer.waitForReports(5 + cycle * 7)) << "the child died early";
    ::usleep(std::uniform_int_distribution<unsigned>(0, 2000)(random));
    ASSERT_TRUE(writer.kill());
    const pid_t child = writer.pid();
    const std::int64_t reported = writer.reports();

    std::int64_t rows = 0;
    {
      RawDb raw(path);
      EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
      rows = raw.integer("SELECT count(*) FROM actions");
    }
    EXPECT_GE(rows, reported);
    EXPECT_LE(rows, reported + 1);  // the step in flight may have its intent

    const auto records = AuditLog::openReadOnly(path).list();
    ASSERT_EQ(static_cast<std::int64_t>(records.size()), rows);
    std::set<std::int64_t> without_outcome;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const AuditRecord& r = records[i];
      const AuditIntent expected = loopIntent(static_cast<std::int64_t>(i));
      EXPECT_EQ(r.intent.started_ms, expected.started_ms);
      EXPECT_EQ(r.intent.requester.kind, expected.requester.kind);
      EXPECT_EQ(r.intent.requester.id, expected.requester.id);
      EXPECT_EQ(r.intent.verb, expected.verb);
      EXPECT_EQ(r.intent.target, expected.target);
      EXPECT_EQ(r.intent.namespace_name, expected.namespace_name);
      EXPECT_EQ(r.intent.dry_run, expected.dry_run);
      EXPECT_EQ(r.intent.request_json, expected.request_json);
      EXPECT_EQ(r.pid, child);
      ASSERT_TRUE(r.outcome) << "the child is dead: no record may read as running";
      if (r.outcome->outcome == "unknown") {
        without_outcome.insert(r.id);
        // Even steps record an outcome; only the last of them may have lost it.
        if (i % 2 == 0) {
          EXPECT_EQ(i + 1, records.size()) << "step " << i;
        }
      } else {
        EXPECT_EQ(i % 2, 0U);
        EXPECT_EQ(r.outcome->outcome, "succeeded");
        EXPECT_EQ(r.outcome->finished_ms, 2'000'000 + static_cast<std::int64_t>(i));
        EXPECT_EQ(r.outcome->status_codes_json, "[200,200]");
      }
    }
    const AuditLog reopened = AuditLog::open(path);
    std::set<std::int64_t> marked;
    for (const auto& r : reopened.unknownOutcomes()) marked.insert(r.id);
    EXPECT_EQ(marked, without_outcome);
  }
}

TEST(DefaultStateDir, EnvironmentThenXdgThenHomeThenVarLib) {
  const auto env = test::fakeEnv;
  EXPECT_EQ(defaultStateDir(env({{"KEELSON_STATE_DIR", "/srv/k"}, {"XDG_STATE_HOME", "/x"}})),
            std::filesystem::path("/srv/k"));
  EXPECT_EQ(defaultStateDir(env({{"KEELSON_STATE_DIR", ""}, {"XDG_STATE_HOME", "/x"}})),
            std::filesystem::path("/x/keelson"));
  EXPECT_EQ(defaultStateDir(env({{"XDG_STATE_HOME", "rel"}, {"HOME", "/home/u"}})),
            std::filesystem::path("/home/u/.local/state/keelson"));
  EXPECT_EQ(defaultStateDir(env({})), std::filesystem::path("/var/lib/keelson"));
}

}  // namespace
}  // namespace keelson::store
