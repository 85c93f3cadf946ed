// SchedulingQueue: activeQ order, backoff, unschedulable pods and the moves between them, pods
// removed in flight, and pop() ending on close() or a stop request.
//
// Timing: only lower bounds are asserted (a pod does not pop before its backoff ends); every wait
// is bounded by a generous Deadline so that a bug shows as a failure, not a hang.

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugin_test.h"
#include "schedule/scheduling_queue.h"
#include "thread_test.h"

namespace keelson::schedule {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;
using testing::Depths;
using testing::depthsOf;
using testing::since;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kGenerous = 10s;  ///< Bounds a wait that should end much sooner.

kube::Pod pending(const std::string& name, std::int32_t priority = 0) {
  kube::Pod p = framework::testing::pod(name);
  p.spec.priority = priority;
  return p;
}

/// pop() for at most `timeout`; nullopt when nothing became active by then.
std::optional<QueuedPod> popWithin(SchedulingQueue& q, std::chrono::milliseconds timeout) {
  const Deadline deadline(timeout);
  return q.pop(deadline.token());
}

std::string nameOf(const std::optional<QueuedPod>& p) {
  return p ? p->pod->metadata.name : "<none>";
}

QueueOptions shortBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  QueueOptions o;
  o.initial_backoff = initial;
  o.max_backoff = max;
  return o;
}

TEST(SchedulingQueue, PopsByPriorityThenFirstIn) {
  SchedulingQueue q;
  q.add(pending("low-1", 0));
  q.add(pending("high-1", 10));
  q.add(pending("low-2", 0));
  q.add(pending("high-2", 10));
  q.add(pending("negative", -5));
  q.add(pending("low-1", 0));  // An update in place: neither a second entry nor a new place.

  std::vector<std::string> order;
  std::uint64_t last_cycle = 0;
  for (int i = 0; i < 5; ++i) {
    const auto p = popWithin(q, kGenerous);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->attempts, 1);
    EXPECT_GT(p->cycle, last_cycle);
    last_cycle = p->cycle;
    order.push_back(p->pod->metadata.name);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"high-1", "high-2", "low-1", "low-2", "negative"}));
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 0, 5}));
  EXPECT_FALSE(popWithin(q, 50ms));
}

TEST(SchedulingQueue, BackoffDoublesFromOneSecondUpToTen) {
  const SchedulingQueue q;
  const std::vector<std::chrono::milliseconds> want{1s, 2s, 4s, 8s, 10s, 10s};
  for (int attempts = 1; attempts <= 6; ++attempts) {
    EXPECT_EQ(q.backoffFor(attempts), want[attempts - 1]) << "attempts " << attempts;
  }
  EXPECT_EQ(q.backoffFor(60), 10s);  // No overflow from a long-failing pod.

  const SchedulingQueue custom(shortBackoff(100ms, 250ms));
  EXPECT_EQ(custom.backoffFor(1), 100ms);
  EXPECT_EQ(custom.backoffFor(2), 200ms);
  EXPECT_EQ(custom.backoffFor(3), 250ms);
}

TEST(SchedulingQueue, UnschedulablePodWaitsForAMoveThenItsBackoff) {
  constexpr auto kBackoff = 1000ms;
  SchedulingQueue q(shortBackoff(kBackoff, kBackoff));
  q.add(pending("p"));
  const auto first = popWithin(q, kGenerous);
  ASSERT_TRUE(first);
  const auto requeued_at = SteadyClock::now();
  q.requeueUnschedulable(*first);
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 1, 0}));

  EXPECT_FALSE(popWithin(q, 100ms)) << "an unschedulable pod waits for a cluster event";

  q.moveAllToActiveOrBackoff();
  // Its backoff (1 s from the requeue) still lasts: backoffQ, not activeQ.
  EXPECT_EQ(depthsOf(q), (Depths{0, 1, 0, 0}));
  const auto again = popWithin(q, kGenerous);
  ASSERT_TRUE(again);
  EXPECT_GE(since(requeued_at), kBackoff);
  EXPECT_EQ(again->pod->metadata.name, "p");
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->first_queued, first->first_queued);
}

TEST(SchedulingQueue, MoveAfterTheBackoffActivatesAtOnce) {
  SchedulingQueue q(shortBackoff(1ms, 1ms));
  q.add(pending("p"));
  const auto first = popWithin(q, kGenerous);
  ASSERT_TRUE(first);
  q.requeueUnschedulable(*first);
  std::this_thread::sleep_for(5ms);  // Past the 1 ms backoff.
  q.moveAllToActiveOrBackoff();
  EXPECT_EQ(depthsOf(q), (Depths{1, 0, 0, 0}));
  EXPECT_EQ(nameOf(popWithin(q, kGenerous)), "p");
}

TEST(SchedulingQueue, UnschedulablePodComesBackAfterMaxInUnschedulable) {
  QueueOptions o = shortBackoff(1ms, 1ms);
  o.max_in_unschedulable = 200ms;
  SchedulingQueue q(o);
  q.add(pending("p"));
  const auto first = popWithin(q, kGenerous);
  ASSERT_TRUE(first);
  const auto requeued_at = SteadyClock::now();
  q.requeueUnschedulable(*first);
  const auto again = popWithin(q, kGenerous);
  ASSERT_TRUE(again);
  EXPECT_GE(since(requeued_at), 200ms);
  EXPECT_EQ(again->attempts, 2);
}

TEST(SchedulingQueue, UpdateOfAnUnschedulablePodMovesIt) {
  SchedulingQueue q(shortBackoff(1ms, 1ms));
  q.add(pending("p"));
  const auto first = popWithin(q, kGenerous);
  ASSERT_TRUE(first);
  q.requeueUnschedulable(*first);
  std::this_thread::sleep_for(5ms);
  kube::Pod changed = pending("p");
  changed.metadata.labels["app"] = "changed";
  q.add(changed);
  const auto again = popWithin(q, kGenerous);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->pod->metadata.labels.at("app"), "changed");
}

TEST(SchedulingQueue, StatusOnlyUpdateLeavesAnUnschedulablePodWaiting) {
  SchedulingQueue q(shortBackoff(1ms, 1ms));
  q.add(pending("p"));
  const auto first = popWithin(q, kGenerous);
  ASSERT_TRUE(first);
  q.requeueUnschedulable(*first);
  // The scheduler's own PodScheduled=False condition comes back as an update.
  kube::Pod status_only = pending("p");
  status_only.status.conditions.push_back(
      {"PodScheduled", "False", "Unschedulable", "0/3 nodes", {}});
  q.add(status_only);
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 1, 0}));
  EXPECT_FALSE(popWithin(q, 50ms));
}

TEST(SchedulingQueue, UpdateDuringTheCycleSendsThePodToBackoff) {
  SchedulingQueue q(shortBackoff(1min, 1min));
  q.add(pending("p"));
  const auto cycle = popWithin(q, kGenerous);
  ASSERT_TRUE(cycle);
  kube::Pod tolerant = pending("p");
  tolerant.spec.tolerations.push_back({"dedicated", "Exists", "", "NoSchedule", {}});
  q.add(tolerant);  // Arrives while "p" is being placed.
  q.requeueUnschedulable(*cycle);
  EXPECT_EQ(depthsOf(q), (Depths{0, 1, 0, 0}));
}

TEST(SchedulingQueue, BackoffPodPopsAgainAfterItsBackoff) {
  SchedulingQueue q(shortBackoff(100ms, 10s));
  q.add(pending("p"));
  auto p = popWithin(q, kGenerous);
  ASSERT_TRUE(p);
  // An update while in flight is what the next cycle sees.
  kube::Pod changed = pending("p");
  changed.metadata.labels["version"] = "2";
  q.add(changed);
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 0, 1}));

  auto requeued_at = SteadyClock::now();
  q.requeueBackoff(*p);
  EXPECT_EQ(depthsOf(q), (Depths{0, 1, 0, 0}));
  p = popWithin(q, kGenerous);
  ASSERT_TRUE(p);
  EXPECT_GE(since(requeued_at), 100ms);
  EXPECT_EQ(p->attempts, 2);
  EXPECT_EQ(p->pod->metadata.labels.at("version"), "2");

  requeued_at = SteadyClock::now();
  q.requeueBackoff(*p);  // Second failure: 200 ms.
  p = popWithin(q, kGenerous);
  ASSERT_TRUE(p);
  EXPECT_GE(since(requeued_at), 200ms);
  EXPECT_EQ(p->attempts, 3);
}

TEST(SchedulingQueue, MoveRequestDuringTheCycleSendsThePodToBackoff) {
  SchedulingQueue q(shortBackoff(1min, 1min));
  q.add(pending("raced"));
  const auto raced = popWithin(q, kGenerous);
  ASSERT_TRUE(raced);
  q.moveAllToActiveOrBackoff();  // E.g. a node added while "raced" was being placed.
  q.requeueUnschedulable(*raced);
  EXPECT_EQ(depthsOf(q), (Depths{0, 1, 0, 0}));

  // A move before the cycle began does not count for it.
  q.add(pending("later"));
  const auto later = popWithin(q, kGenerous);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->pod->metadata.name, "later");
  q.requeueUnschedulable(*later);
  EXPECT_EQ(depthsOf(q), (Depths{0, 1, 1, 0}));
}

TEST(SchedulingQueue, SelectiveMoveTakesOnlyThePodsItMayHelp) {
  SchedulingQueue q(shortBackoff(1ms, 1ms));
  q.add(pending("waits-for-a-pod"));
  q.add(pending("too-big"));
  for (int i = 0; i < 2; ++i) {
    const auto p = popWithin(q, kGenerous);
    ASSERT_TRUE(p);
    q.requeueUnschedulable(*p);
  }
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 2, 0}));
  std::this_thread::sleep_for(5ms);  // Past the 1 ms backoff.
  const auto helps = [](const kube::Pod& pod) { return pod.metadata.name == "waits-for-a-pod"; };
  q.moveToActiveOrBackoff(helps);
  EXPECT_EQ(depthsOf(q), (Depths{1, 0, 1, 0}));
  const auto again = popWithin(q, kGenerous);
  EXPECT_EQ(nameOf(again), "waits-for-a-pod");
  ASSERT_TRUE(again);

  // During its cycle: if it turns out unschedulable it goes to backoffQ.
  q.moveToActiveOrBackoff(helps);
  q.requeueUnschedulable(*again);
  EXPECT_EQ(depthsOf(q), (Depths{0, 1, 1, 0}));
}

TEST(SchedulingQueue, PodRemovedInFlightIsDroppedAtTheEndOfItsCycle) {
  SchedulingQueue q(shortBackoff(1min, 1min));
  q.add(pending("a", 2));
  q.add(pending("b", 1));
  q.add(pending("c", 0));

  const auto a = popWithin(q, kGenerous);
  ASSERT_EQ(nameOf(a), "a");
  q.remove(a->pod->metadata.uid);
  EXPECT_EQ(depthsOf(q), (Depths{2, 0, 0, 1}));
  q.requeueBackoff(*a);
  EXPECT_EQ(depthsOf(q), (Depths{2, 0, 0, 0}));

  const auto b = popWithin(q, kGenerous);
  ASSERT_EQ(nameOf(b), "b");
  q.remove(b->pod->metadata.uid);
  q.requeueUnschedulable(*b);
  EXPECT_EQ(depthsOf(q), (Depths{1, 0, 0, 0}));

  const auto c = popWithin(q, kGenerous);
  ASSERT_EQ(nameOf(c), "c");
  q.remove(c->pod->metadata.uid);
  q.done(*c);
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 0, 0}));

  // Removed pods do not come back with a move.
  q.moveAllToActiveOrBackoff();
  EXPECT_FALSE(popWithin(q, 50ms));

  // Removing a queued pod takes it out of activeQ.
  q.add(pending("d"));
  q.remove("uid-d");
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 0, 0}));
  EXPECT_FALSE(popWithin(q, 50ms));
}

/// Runs pop() on another thread; the future holds its result.
struct BackgroundPop {
  std::promise<std::optional<QueuedPod>> result;
  std::future<std::optional<QueuedPod>> future = result.get_future();
  std::jthread thread;

  explicit BackgroundPop(SchedulingQueue& q)
      : thread([this, &q](std::stop_token stop) { result.set_value(q.pop(stop)); }) {}

  /// Waits for pop() for at most kGenerous; on a timeout, stops it (so that the test ends) and
  /// fails.
  std::optional<QueuedPod> get() {
    if (future.wait_for(kGenerous) != std::future_status::ready) {
      ADD_FAILURE() << "pop() did not return within " << kGenerous.count() << " s";
      thread.request_stop();
    }
    return future.get();
  }
};

TEST(SchedulingQueue, CloseEndsAWaitingPop) {
  SchedulingQueue q;
  BackgroundPop pop(q);
  std::this_thread::sleep_for(20ms);  // Most likely waiting by now; either way it must end.
  q.close();
  EXPECT_FALSE(pop.get());
  // Closed for good: even with a pod active.
  q.add(pending("p"));
  EXPECT_FALSE(popWithin(q, kGenerous));
}

TEST(SchedulingQueue, StopRequestEndsAWaitingPop) {
  SchedulingQueue q;
  BackgroundPop pop(q);
  std::this_thread::sleep_for(20ms);
  pop.thread.request_stop();
  EXPECT_FALSE(pop.get());
  // The queue itself still works.
  q.add(pending("p"));
  EXPECT_EQ(nameOf(popWithin(q, kGenerous)), "p");
}

/// A queue holding one pod in a long backoff, so that pop() waits with a deadline.
SchedulingQueue& withLongBackoff(SchedulingQueue& q) {
  q.add(pending("slow"));
  const auto slow = popWithin(q, kGenerous);
  EXPECT_TRUE(slow);
  if (slow) q.requeueBackoff(*slow);
  EXPECT_EQ(depthsOf(q), (Depths{0, 1, 0, 0}));
  return q;
}

TEST(SchedulingQueue, CloseEndsAPopWaitingOnABackoff) {
  SchedulingQueue q(shortBackoff(1min, 1min));
  BackgroundPop pop(withLongBackoff(q));
  std::this_thread::sleep_for(20ms);
  q.close();
  EXPECT_FALSE(pop.get());
}

TEST(SchedulingQueue, NewPodWakesAPopWaitingOnABackoff) {
  SchedulingQueue q(shortBackoff(1min, 1min));
  BackgroundPop pop(withLongBackoff(q));
  std::this_thread::sleep_for(20ms);
  q.add(pending("fresh"));
  EXPECT_EQ(nameOf(pop.get()), "fresh");
}

TEST(SchedulingQueue, PodRequeuedWhileAPopWaitsOnAnEmptyQueueIsPoppedAfterItsBackoff) {
  // A binder requeues the pod of a finished cycle while the next cycle already waits in pop()
  // with nothing queued: pop() must take up the backoff's deadline.
  SchedulingQueue q(shortBackoff(100ms, 1s));
  q.add(pending("p"));
  const auto p = popWithin(q, kGenerous);
  ASSERT_TRUE(p);
  BackgroundPop pop(q);
  std::this_thread::sleep_for(20ms);  // Most likely waiting without a deadline by now.
  q.requeueBackoff(*p);
  EXPECT_EQ(nameOf(pop.get()), "p");
}

TEST(SchedulingQueue, DepthsCountEachPart) {
  SchedulingQueue q(shortBackoff(1min, 1min));
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 0, 0}));
  for (const char* name : {"a", "b", "c", "d"}) q.add(pending(name));
  EXPECT_EQ(depthsOf(q), (Depths{4, 0, 0, 0}));

  const auto a = popWithin(q, kGenerous);
  const auto b = popWithin(q, kGenerous);
  const auto c = popWithin(q, kGenerous);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(depthsOf(q), (Depths{1, 0, 0, 3}));
  q.requeueUnschedulable(*a);
  q.requeueBackoff(*b);
  EXPECT_EQ(depthsOf(q), (Depths{1, 1, 1, 1}));
  q.done(*c);
  EXPECT_EQ(depthsOf(q), (Depths{1, 1, 1, 0}));
  // done()/requeue of a pod no longer in flight changes nothing.
  q.done(*a);
  q.requeueBackoff(*c);
  EXPECT_EQ(depthsOf(q), (Depths{1, 1, 1, 0}));
  q.remove("uid-a");
  q.remove("uid-b");
  q.remove("uid-d");
  EXPECT_EQ(depthsOf(q), (Depths{0, 0, 0, 0}));
}

}  // namespace
}  // namespace keelson::schedule
