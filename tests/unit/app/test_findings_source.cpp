// Where remediation reads findings: the insights file, and the in-memory feed of
// `keelson monitor --remediate` (published on one thread, consumed on another).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "analysis/insight_tracker.h"
#include "app/findings_source.h"
#include "common/expect_error.h"
#include "common/temp_dir.h"
#include "core/error.h"

namespace keelson::app {
namespace {

using namespace std::chrono_literals;

docs::InsightsSnapshot snapshotWith(const std::string& id, kube::Time at) {
  analysis::TrackedFinding tracked;
  tracked.finding.id = id;
  tracked.finding.kind = "oom_risk";
  tracked.first_seen = at;
  tracked.last_seen = at;
  tracked.ticks = 1;
  return {at, {tracked}};
}

core::SteadyTime in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

TEST(FindingsFeed, NothingBeforeTheFirstPublish) {
  FindingsFeed feed;
  EXPECT_FALSE(feed.latest().has_value());
  EXPECT_EQ(feed.name(), "this monitor");
}

TEST(FindingsFeed, WaitReturnsAtOnceWhenSomethingNewerIsUnread) {
  FindingsFeed feed;
  const kube::Time t0 = std::chrono::system_clock::now();
  feed.publish(snapshotWith("a", t0));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(feed.waitForUpdate(in(10s), {}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  const auto got = feed.latest();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->generated_at, t0);
  ASSERT_EQ(got->findings.size(), 1U);
  EXPECT_EQ(got->findings[0].finding.id, "a");
}

TEST(FindingsFeed, WaitEndsAtTheDeadlineWhenNothingIsPublished) {
  FindingsFeed feed;
  feed.publish(snapshotWith("a", std::chrono::system_clock::now()));
  (void)feed.latest();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(feed.waitForUpdate(in(100ms), {}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST(FindingsFeed, APublishOnAnotherThreadWakesTheConsumerWithTheNewestSnapshot) {
  FindingsFeed feed;
  const kube::Time t0 = std::chrono::system_clock::now();
  std::thread publisher([&] {
    std::this_thread::sleep_for(50ms);
    feed.publish(snapshotWith("first", t0));
    feed.publish(snapshotWith("second", t0 + 1s));
  });
  EXPECT_TRUE(feed.waitForUpdate(in(60s), {}));
  publisher.join();
  const auto got = feed.latest();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->findings.at(0).finding.id, "second");
  EXPECT_EQ(got->generated_at, t0 + 1s);
}

TEST(FindingsFeed, StopEndsTheWaitAndSaysSo) {
  FindingsFeed feed;
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  EXPECT_FALSE(feed.waitForUpdate(core::SteadyTime::max(), stop.get_token()));
  stopper.join();
}

TEST(InsightsFileSource, AMissingFileIsNoFindingsYetAndABrokenOneIsAnError) {
  const keelson::testing::TempDir dir;
  const auto path = dir / "pod_insights.json";
  InsightsFileSource source(path, 10s);
  EXPECT_FALSE(source.latest().has_value());
  EXPECT_EQ(source.name(), path.string());
  std::ofstream(path) << R"({"findings": 3})";
  EXPECT_EQ(keelson::testing::expectError([&] { (void)source.latest(); }).code(),
            ErrorCode::kBadInput);
}

TEST(InsightsFileSource, WaitsOneWatchIntervalAtMost) {
  InsightsFileSource source("unused.json", 100ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(source.waitForUpdate(core::SteadyTime::max(), {}));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 30s);
}

}  // namespace
}  // namespace keelson::app
