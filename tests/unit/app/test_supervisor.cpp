// Supervised components: a body that throws is restarted and counted, health shows it, stop
// ends a component at once (also during its backoff).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "app/supervisor.h"

namespace keelson::app {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

TEST(Supervisor, ARunningComponentIsHealthyAndStopsOnRequest) {
  Supervisor supervisor;
  supervisor.add("worker", [](std::stop_token stop, const std::function<void()>& running) {
    running();
    while (!stop.stop_requested()) std::this_thread::sleep_for(5ms);
  });
  EXPECT_FALSE(supervisor.allRunning());
  supervisor.start();
  ASSERT_TRUE(eventually([&] { return supervisor.allRunning(); }));
  supervisor.stop("worker");
  const auto health = supervisor.health();
  ASSERT_EQ(health.size(), 1U);
  EXPECT_EQ(health[0].state, ComponentState::kStopped);
  EXPECT_EQ(health[0].restarts, 0);
}

TEST(Supervisor, AThrowingComponentIsRestartedAndCounted) {
  Supervisor supervisor;
  std::atomic<int> runs{0};
  supervisor.add("flaky", [&](std::stop_token stop, const std::function<void()>& running) {
    if (runs.fetch_add(1) == 0) throw std::runtime_error("first run fails");
    running();
    while (!stop.stop_requested()) std::this_thread::sleep_for(5ms);
  });
  supervisor.add("steady", [](std::stop_token stop, const std::function<void()>& running) {
    running();
    while (!stop.stop_requested()) std::this_thread::sleep_for(5ms);
  });
  supervisor.start();
  // The first backoff is at most 1 s (full jitter).
  ASSERT_TRUE(eventually([&] { return supervisor.allRunning(); }));
  const auto health = supervisor.health();
  EXPECT_EQ(health[0].name, "flaky");
  EXPECT_EQ(health[0].restarts, 1);
  EXPECT_EQ(health[0].last_error, "first run fails");
  EXPECT_EQ(health[1].restarts, 0);
  EXPECT_EQ(runs.load(), 2);
}

TEST(Supervisor, StopEndsTheBackoffWait) {
  Supervisor supervisor;
  supervisor.add("broken", [](std::stop_token, const std::function<void()>&) {
    throw std::runtime_error("always");
  });
  supervisor.start();
  ASSERT_TRUE(eventually([&] { return supervisor.health()[0].restarts >= 1; }));
  const auto start = std::chrono::steady_clock::now();
  supervisor.stopAll();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(supervisor.health()[0].state, ComponentState::kStopped);
  EXPECT_STREQ(componentStateName(ComponentState::kRestarting), "restarting");
}

}  // namespace
}  // namespace keelson::app
