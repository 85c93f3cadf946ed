// StatvfsProber: real statvfs, failures, and hung mounts simulated by an injected function.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "host/statvfs_prober.h"

namespace keelson::host {
namespace {

using Status = StatvfsProber::Result::Status;
using namespace std::chrono_literals;

// A fake statvfs: paths in `hung` block until release(); others succeed with f_blocks = 42.
// Shared with the probe threads through a shared_ptr, so it outlives the test if a thread is
// still blocked when the test ends.
struct FakeStatvfs {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  std::set<std::string> hung;
  std::map<std::string, int> calls;

  static StatvfsFunction function(const std::shared_ptr<FakeStatvfs>& fake) {
    return [fake](const std::string& path, struct statvfs& out) {
      std::unique_lock lock(fake->mutex);
      ++fake->calls[path];
      if (fake->hung.contains(path)) {
        fake->released_cv.wait(lock, [&] { return fake->released; });
      }
      if (path == "/fails") return ENOTCONN;
      if (path == "/throws") throw std::runtime_error("boom");
      out = {};
      out.f_blocks = 42;
      return 0;
    };
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      released = true;
    }
    released_cv.notify_all();
  }
  int callsOf(const std::string& path) {
    std::lock_guard lock(mutex);
    return calls[path];
  }
};

// Waits (without asserting on time) until the prober has no stuck probe left.
void waitUntilUnstuck(StatvfsProber& prober) {
  for (int i = 0; i < 10000 && prober.stuckProbes() != 0; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(prober.stuckProbes(), 0u);
}

TEST(StatvfsProberTest, RealStatvfsMatchesTheSystemCall) {
  struct statvfs direct {};
  ASSERT_EQ(::statvfs("/", &direct), 0);
  StatvfsProber prober;
  const auto results = prober.probeAll({"/"}, 10s);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].status, Status::kOk) << results[0].message;
  EXPECT_EQ(results[0].stat.f_blocks, direct.f_blocks);
  EXPECT_EQ(results[0].stat.f_frsize, direct.f_frsize);
  EXPECT_EQ(results[0].stat.f_files, direct.f_files);
  EXPECT_EQ(realStatvfs("/", direct), 0);
  EXPECT_EQ(realStatvfs("/no/such/path", direct), ENOENT);
}

TEST(StatvfsProberTest, FailuresCarryErrno) {
  StatvfsProber prober;
  const auto results = prober.probeAll({"/no/such/path", "/"}, 10s);
  EXPECT_EQ(results[0].status, Status::kFailed);
  EXPECT_EQ(results[0].error_number, ENOENT);
  EXPECT_NE(results[0].message.find("No such file"), std::string::npos);
  EXPECT_EQ(results[1].status, Status::kOk);
}

TEST(StatvfsProberTest, HungMountIsStaleAndNotProbedAgainUntilItReturns) {
  auto fake = std::make_shared<FakeStatvfs>();
  fake->hung = {"/hung"};
  StatvfsProber prober(FakeStatvfs::function(fake));

  auto results = prober.probeAll({"/ok", "/hung", "/fails"}, 100ms);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, Status::kOk);
  EXPECT_EQ(results[0].stat.f_blocks, 42u);
  EXPECT_EQ(results[1].status, Status::kStale);
  EXPECT_NE(results[1].message.find("did not return within 100 ms"), std::string::npos);
  EXPECT_EQ(results[2].status, Status::kFailed);
  EXPECT_EQ(results[2].error_number, ENOTCONN);
  EXPECT_EQ(prober.stuckProbes(), 1u);

  // The stuck probe is remembered: no second thread for the same path.
  results = prober.probeAll({"/hung", "/ok"}, 100ms);
  EXPECT_EQ(results[0].status, Status::kStale);
  EXPECT_NE(results[0].message.find("still blocked"), std::string::npos) << results[0].message;
  EXPECT_EQ(results[1].status, Status::kOk);
  EXPECT_EQ(fake->callsOf("/hung"), 1);

  // Once it returns, the path is probed again.
  fake->release();
  waitUntilUnstuck(prober);
  results = prober.probeAll({"/hung"}, 10s);
  EXPECT_EQ(results[0].status, Status::kOk);
  EXPECT_EQ(fake->callsOf("/hung"), 2);
}

TEST(StatvfsProberTest, StuckProbesAreBounded) {
  auto fake = std::make_shared<FakeStatvfs>();
  fake->hung = {"/a", "/b", "/c", "/d"};
  StatvfsProber prober(FakeStatvfs::function(fake), /*max_stuck_probes=*/2);
  auto results = prober.probeAll({"/a", "/b", "/c"}, 50ms);
  for (const auto& result : results) EXPECT_EQ(result.status, Status::kStale);
  EXPECT_EQ(prober.stuckProbes(), 3u);

  // Three probes are stuck (>= 2): a new path is not probed at all.
  results = prober.probeAll({"/d", "/ok"}, 50ms);
  EXPECT_EQ(results[0].status, Status::kStale);
  EXPECT_NE(results[0].message.find("not starting more"), std::string::npos);
  EXPECT_EQ(results[1].status, Status::kStale);
  EXPECT_EQ(fake->callsOf("/d"), 0);
  EXPECT_EQ(fake->callsOf("/ok"), 0);
  EXPECT_EQ(prober.stuckProbes(), 3u);

  fake->release();
  waitUntilUnstuck(prober);
  results = prober.probeAll({"/ok"}, 10s);
  EXPECT_EQ(results[0].status, Status::kOk);
}

TEST(StatvfsProberTest, DuplicatePathsShareOneProbe) {
  auto fake = std::make_shared<FakeStatvfs>();
  StatvfsProber prober(FakeStatvfs::function(fake));
  const auto results = prober.probeAll({"/x", "/x"}, 10s);
  EXPECT_EQ(results[0].status, Status::kOk);
  EXPECT_EQ(results[1].status, Status::kOk);
  EXPECT_EQ(fake->callsOf("/x"), 1);
}

TEST(StatvfsProberTest, ThrowingFunctionIsAFailure) {
  auto fake = std::make_shared<FakeStatvfs>();
  StatvfsProber prober(FakeStatvfs::function(fake));
  const auto results = prober.probeAll({"/throws"}, 10s);
  EXPECT_EQ(results[0].status, Status::kFailed);
  EXPECT_EQ(results[0].error_number, EIO);
}

TEST(StatvfsProberTest, ConcurrentCallers) {
  auto fake = std::make_shared<FakeStatvfs>();
  StatvfsProber prober(FakeStatvfs::function(fake));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const auto results = prober.probeAll({"/p" + std::to_string(t), "/shared"}, 10s);
        for (const auto& result : results) ok += result.status == Status::kOk ? 1 : 0;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // A caller that finds "/shared" being probed by another waits for that probe.
  EXPECT_EQ(ok.load(), 4 * 20 * 2);
  EXPECT_EQ(prober.stuckProbes(), 0u);
}

}  // namespace
}  // namespace keelson::host
