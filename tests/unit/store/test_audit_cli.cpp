// The built `keelson audit` binary on an audit log this test fills through AuditLog: JSON parsed
// back, CSV read by Python's csv module, the text table, --since, and the files it must refuse
// or must not create.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "common/test_env.h"
#include "store/audit_log.h"
#include "store/history_store.h"
#include "store_test_util.h"

namespace keelson::store {
namespace {

using test::runCommand;
using test::shellQuote;
using test::TempDir;

// 2024-01-15T10:30:00Z
constexpr std::int64_t kT0 = 1'705'314'600'000;

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    AuditLog log = AuditLog::open(state_ / "audit.db");
    const std::int64_t cordon = log.recordIntent({.started_ms = kT0,
                                                  .requester = {.kind = "user", .id = "alice"},
                                                  .verb = "cordon",
                                                  .target = "node/kwok-1",
                                                  .namespace_name = "",
                                                  .dry_run = "none",
                                                  .request_json = R"({"node":"kwok-1"})"});
    log.recordOutcome(cordon, {.finished_ms = kT0 + 1'250,
                               .outcome = "succeeded",
                               .status_codes_json = "[200,200]",
                               .result_json = R"({"summary":"cordoned"})",
                               .error = ""});
    const std::int64_t scale = log.recordIntent({.started_ms = kT0 + 60'000,
                                                 .requester = {.kind = "backend", .id = "act-7"},
                                                 .verb = "scale",
                                                 .target = "deployment.apps/web",
                                                 .namespace_name = "shop",
                                                 .dry_run = "server",
                                                 .request_json = R"({"replicas":3})"});
    log.recordOutcome(scale, {.finished_ms = kT0 + 60'000 + 125'500,
                              .outcome = "failed",
                              .status_codes_json = "[403]",
                              .result_json = "",
                              .error = "forbidden: \"x\", y"});
    // This process runs: the action reads as running.
    log.recordIntent({.started_ms = kT0 + 120'000,
                      .requester = {.kind = "remediation", .id = "finding-1"},
                      .verb = "drain",
                      .target = "node/kwok-2",
                      .namespace_name = "",
                      .dry_run = "client",
                      .request_json = "{}"});
  }

  // Runs `keelson audit --state-dir <state_> args`; stderr goes to a file read into `err`.
  test::CommandResult keelson(const std::string& args, std::string* err = nullptr,
                              const std::filesystem::path& state = {}) {
    const auto err_path = dir_ / "stderr.txt";
    auto result = runCommand(shellQuote(keelson::testing::keelsonBinary()) + " audit --state-dir " +
                             shellQuote((state.empty() ? state_ : state).string()) + " " + args +
                             " 2>" + shellQuote(err_path.string()));
    if (err != nullptr) *err = test::readFile(err_path);
    return result;
  }

  TempDir dir_;
  std::filesystem::path state_ = dir_ / "state";
};

TEST_F(AuditCli, JsonDocument) {
  const auto r = keelson("-o json");
  ASSERT_EQ(r.exit_code, 0);
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["kind"], "AuditLog");
  ASSERT_EQ(doc["items"].size(), 3U);
  EXPECT_EQ(doc["items"][0],
            nlohmann::json::parse(R"({"id": 1, "startedAt": "2024-01-15T10:30:00.000Z",
              "finishedAt": "2024-01-15T10:30:01.250Z",
              "requester": {"kind": "user", "id": "alice"}, "verb": "cordon",
              "target": "node/kwok-1", "namespace": "", "dryRun": "none",
              "request": {"node": "kwok-1"}, "outcome": "succeeded", "statusCodes": [200, 200],
              "result": {"summary": "cordoned"}, "error": null})"));
  EXPECT_EQ(doc["items"][1]["outcome"], "failed");
  EXPECT_EQ(doc["items"][1]["error"], "forbidden: \"x\", y");
  EXPECT_EQ(doc["items"][2]["outcome"], "running");
  EXPECT_EQ(doc["items"][2]["finishedAt"], nullptr);
}

TEST_F(AuditCli, CsvReadByPython) {
  const auto r = keelson("-o csv");
  ASSERT_EQ(r.exit_code, 0);
  const auto csv_path = dir_ / "audit.csv";
  std::ofstream(csv_path) << r.out;
  const auto records = test::pythonReadCsv(csv_path);
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 4U);
  EXPECT_EQ((*records)[0],
            (std::vector<std::string>{"id", "started_at", "finished_at", "requester_kind",
                                      "requester_id", "verb", "target", "namespace", "dry_run",
                                      "outcome", "status_codes", "error", "request", "result"}));
  EXPECT_EQ((*records)[1],
            (std::vector<std::string>{"1", "2024-01-15T10:30:00.000Z", "2024-01-15T10:30:01.250Z",
                                      "user", "alice", "cordon", "node/kwok-1", "", "none",
                                      "succeeded", "[200,200]", "", R"({"node":"kwok-1"})",
                                      R"({"summary":"cordoned"})"}));
  EXPECT_EQ((*records)[2][11], "forbidden: \"x\", y");
  EXPECT_EQ((*records)[3][9], "running");
  EXPECT_EQ((*records)[3][2], "");
}

TEST_F(AuditCli, TextTable) {
  std::string err;
  const auto r = keelson("", &err);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "STARTED               REQUESTER              VERB    TARGET               NAMESPACE  "
            "DRY-RUN  OUTCOME    CODES    DURATION\n"
            "2024-01-15T10:30:00Z  user/alice             cordon  node/kwok-1          -          "
            "none     succeeded  200,200  1.25s\n"
            "2024-01-15T10:31:00Z  backend/act-7          scale   deployment.apps/web  shop       "
            "server   failed     403      2m5.5s\n"
            "2024-01-15T10:32:00Z  remediation/finding-1  drain   node/kwok-2          -          "
            "client   running    -        -\n");
  EXPECT_EQ(err, "");
}

TEST_F(AuditCli, SinceKeepsRecentActionsAndADeadOnesOutcomeIsUnknown) {
  {
    const auto path = state_ / "audit.db";
    test::ForkedWriter writer([&](int fd) {
      try {
        AuditLog log = AuditLog::open(path);
        const std::int64_t id = log.recordIntent({.started_ms = nowMs() - 60'000,
                                                  .requester = {.kind = "user", .id = "bob"},
                                                  .verb = "label",
                                                  .target = "node/kwok-3",
                                                  .namespace_name = "",
                                                  .dry_run = "none",
                                                  .request_json = "{}"});
        if (::write(fd, &id, sizeof id) != sizeof id) ::_exit(4);
        for (;;) ::pause();
      } catch (...) {
        ::_exit(3);
      }
    });
    ASSERT_TRUE(writer.waitForReports(1));
    ASSERT_TRUE(writer.kill());
  }
  auto r = keelson("--since 10m -o json");
  ASSERT_EQ(r.exit_code, 0);
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["items"].size(), 1U);
  EXPECT_EQ(doc["items"][0]["target"], "node/kwok-3");
  EXPECT_EQ(doc["items"][0]["outcome"], "unknown");
  EXPECT_EQ(doc["items"][0]["finishedAt"], nullptr);
  // The data from 2024 is older than 30s ago; the killed child's action started 1m ago.
  std::string err;
  r = keelson("--since 30s", &err);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(err.find("No audit records in " + (state_ / "audit.db").string()), std::string::npos)
      << err;
  EXPECT_EQ(keelson("--since 1.5.3s", &err).exit_code, 1);
  EXPECT_NE(err.find("--since"), std::string::npos) << err;
}

TEST_F(AuditCli, NoDatabaseIsNothingToShowAndCreatesNothing) {
  const auto empty = dir_ / "empty-state";
  std::string err;
  auto r = keelson("", &err, empty);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(err, "No audit records in " + (empty / "audit.db").string() + "\n");
  r = keelson("-o json", &err, empty);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out),
            nlohmann::json::parse(R"({"kind": "AuditLog", "items": []})"));
  EXPECT_EQ(err, "");
  EXPECT_FALSE(std::filesystem::exists(empty));
}

TEST_F(AuditCli, RefusesWhatIsNotAnAuditLog) {
  const auto other = dir_ / "other";
  HistoryStore::open(other / "audit.db");  // a keelson database, of another kind
  std::string err;
  auto r = keelson("", &err, other);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(err.find("not a keelson audit database"), std::string::npos) << err;
  const auto junk = dir_ / "junk";
  std::filesystem::create_directories(junk);
  test::appendRaw(junk / "audit.db", std::string(8192, 'x'));
  r = keelson("-o json", &err, junk);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(err.find((junk / "audit.db").string()), std::string::npos) << err;
  const auto file = dir_ / "plain-file";
  test::appendRaw(file, "x");
  r = keelson("", &err, file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(err.find("not a directory"), std::string::npos) << err;
}

TEST_F(AuditCli, StateDirComesFromTheEnvironment) {
  const auto r = runCommand("KEELSON_STATE_DIR=" + shellQuote(state_.string()) + " " +
                            shellQuote(keelson::testing::keelsonBinary()) + " audit -o json");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["items"].size(), 3U);
}

}  // namespace
}  // namespace keelson::store
