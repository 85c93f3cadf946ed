// remediation_history.json (act/remediation_history.h): written atomically, read back by Python's
// json module (an independent reader), reloaded and appended to, and refused when it is
// something else.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "act/planner.h"
#include "act/remediation_history.h"
#include "common/child_process.h"
#include "common/expect_error.h"
#include "common/temp_dir.h"
#include "core/error.h"

namespace keelson::act {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const kube::Time kDecidedAt = kube::parseTime("2026-11-21T12:00:00Z");

analysis::TrackedFinding crash() {
  analysis::TrackedFinding t;
  t.finding.id = "crash_loop/pod/shop/web-1/app";
  t.finding.kind = "crash_loop";
  t.finding.severity = "critical";
  t.finding.subject = {"pod", "shop", "web-1"};
  t.finding.evidence.series = "restarts_total";
  t.finding.evidence.recent_values = {3, 4};
  t.finding.evidence.details = {{"container", "app"}};
  t.finding.explanation = "keeps crashing";
  t.first_seen = kDecidedAt;
  t.last_seen = kDecidedAt;
  t.ticks = 2;
  return t;
}

Proposal restartWeb() {
  Proposal p;
  p.finding_id = crash().finding.id;
  p.finding_kind = "crash_loop";
  p.action.kind = ActionKind::kRolloutRestart;
  p.action.target = parseObjectRef("deploy/web", KindSet::kAny, "shop");
  p.reason = "restart it";
  return p;
}

// `path` as Python's json module reads it, re-serialised.
json readWithPython(const std::filesystem::path& path) {
  testing::ChildProcess python({"python3", "-c",
                                "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))",
                                path.string()});
  const auto result = python.wait(std::chrono::seconds(30));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return json::parse(result.out);
}

TEST(RemediationHistory, SavesLoadsAndAppends) {
  testing::TempDir dir;
  const auto path = dir / "remediation_history.json";
  RemediationHistory history = RemediationHistory::load(path);
  EXPECT_TRUE(history.items().empty()) << "a missing file is an empty history";
  const std::size_t i = history.append(historyItem(crash(), restartWeb(), Decision::kApproved,
                                                   "approved at the terminal", kDecidedAt));
  ActionResult result;
  result.verb = "rollout restart";
  result.target = "deployment.apps/web";
  result.summary = "restarted";
  history.item(i)["result"] = toJson(result);
  history.item(i)["outcome"] = {{"status", "resolved"}, {"details", "the finding is gone"}};
  history.save();
  EXPECT_FALSE(std::filesystem::exists(dir / "remediation_history.json.tmp"));

  const json doc = readWithPython(path);
  EXPECT_EQ(doc["kind"], "RemediationHistory");
  ASSERT_EQ(doc["items"].size(), 1U);
  const json& item = doc["items"][0];
  EXPECT_EQ(item["finding"]["id"], "crash_loop/pod/shop/web-1/app");
  EXPECT_EQ(item["finding"]["status"], "open");
  EXPECT_EQ(item["finding"]["first_seen"], "2026-11-21T12:00:00Z");
  EXPECT_EQ(item["finding"]["evidence"]["details"]["container"], "app");
  EXPECT_EQ(item["proposal"]["action"], "rollout restart");
  EXPECT_EQ(item["proposal"]["target"], "deployment.apps/web");
  EXPECT_EQ(item["proposal"]["command"], "rollout restart deployment.apps/web -n shop");
  EXPECT_EQ(item["decision"], "approved");
  EXPECT_EQ(item["decided_at"], "2026-11-21T12:00:00Z");
  EXPECT_EQ(item["result"]["summary"], "restarted");
  EXPECT_EQ(item["outcome"]["status"], "resolved");
  EXPECT_TRUE(item["dry_run_result"].is_null());

  RemediationHistory again = RemediationHistory::load(path);
  ASSERT_EQ(again.items().size(), 1U);
  EXPECT_TRUE(again.actedOn("crash_loop/pod/shop/web-1/app", "2026-11-21T12:00:00Z"));
  EXPECT_FALSE(again.actedOn("crash_loop/pod/shop/web-1/app", "2026-11-21T13:00:00Z"))
      << "another occurrence of the finding";
  Proposal none;
  none.reason = "nothing to do";
  again.append(historyItem(crash(), none, Decision::kNoAction, "", kDecidedAt));
  again.save();
  const json twice = readWithPython(path);
  ASSERT_EQ(twice["items"].size(), 2U);
  EXPECT_EQ(twice["items"][1]["decision"], "no-action");
  EXPECT_EQ(twice["items"][1]["proposal"]["action"], "none");
  EXPECT_EQ(twice["items"][1]["proposal"]["target"], "");
}

TEST(RemediationHistory, DeclinedDryRunAndRefusedAreNotActedOn) {
  testing::TempDir dir;
  RemediationHistory history = RemediationHistory::load(dir / "h.json");
  history.append(historyItem(crash(), restartWeb(), Decision::kDeclined, "", kDecidedAt));
  history.append(historyItem(crash(), restartWeb(), Decision::kDryRun, "", kDecidedAt));
  const std::size_t refused =
      history.append(historyItem(crash(), restartWeb(), Decision::kApproved, "", kDecidedAt));
  ActionResult result;
  result.outcome = Outcome::kRefused;
  history.item(refused)["result"] = toJson(result);
  EXPECT_FALSE(history.actedOn(crash().finding.id, "2026-11-21T12:00:00Z"));
}

TEST(RemediationHistory, RefusesAnotherDocument) {
  testing::TempDir dir;
  for (const char* text : {"not json", "{\"kind\": \"Other\", \"items\": []}",
                           "{\"kind\": \"RemediationHistory\", \"items\": [{}]}"}) {
    std::ofstream(dir / "h.json") << text;
    const Error e = testing::expectError([&] { RemediationHistory::load(dir / "h.json"); });
    EXPECT_EQ(e.code(), ErrorCode::kBadInput) << text;
    EXPECT_THAT(e.what(), HasSubstr("history file " + (dir / "h.json").string())) << text;
  }
}

}  // namespace
}  // namespace keelson::act
