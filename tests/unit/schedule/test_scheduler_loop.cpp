// Scheduler: the loop over a real queue and cache with a recording SchedulerSink: bindings,
// events, assumed pods, failed bindings, unschedulable pods and lost leadership.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "plugin_test.h"
#include "schedule/framework/score_plugins.h"
#include "schedule/scheduler.h"
#include "thread_test.h"

namespace keelson::schedule {
namespace {

using namespace std::chrono_literals;
namespace fw = framework;
using fw::testing::node;
using fw::testing::pod;
using testing::Deadline;
using testing::depthsOf;

/// Records every call; bind() throws the error configured for a pod's name.
class RecordingSink final : public SchedulerSink {
 public:
  struct Failed {
    std::string pod;
    std::string message;
    bool error = false;
  };

  void bind(const kube::Pod& p, const std::string& node_name) override {
    std::unique_lock lock(mutex_);
    bind_calls_.emplace_back(p.metadata.name, node_name);
    changed_.notify_all();
    changed_.wait(lock, [this] { return !held_; });
    if (const auto it = errors_.find(p.metadata.name); it != errors_.end()) {
      throw Error(it->second, "binding " + p.metadata.name + ": scripted failure");
    }
    bound_.emplace_back(p.metadata.name, node_name);
  }
  void scheduled(const kube::Pod& p, const std::string& node_name) noexcept override {
    const std::lock_guard lock(mutex_);
    scheduled_.emplace_back(p.metadata.name, node_name);
  }
  void failed(const kube::Pod& p, const std::string& message, bool error) noexcept override {
    const std::lock_guard lock(mutex_);
    failed_.push_back({p.metadata.name, message, error});
  }

  /// bind() waits (after recording the call) until releaseBindings().
  void holdBindings() {
    const std::lock_guard lock(mutex_);
    held_ = true;
  }
  void releaseBindings() {
    const std::lock_guard lock(mutex_);
    held_ = false;
    changed_.notify_all();
  }
  /// Waits (bounded) until `n` bind() calls have started; false on timeout.
  bool waitForBindCalls(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return bind_calls_.size() >= n; });
  }

  void failBind(const std::string& pod_name, ErrorCode code) {
    const std::lock_guard lock(mutex_);
    errors_[pod_name] = code;
  }
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  Pairs bindCalls() const {
    const std::lock_guard lock(mutex_);
    return bind_calls_;
  }
  Pairs bound() const {
    const std::lock_guard lock(mutex_);
    return bound_;
  }
  Pairs scheduled() const {
    const std::lock_guard lock(mutex_);
    return scheduled_;
  }
  std::vector<Failed> failed() const {
    const std::lock_guard lock(mutex_);
    return failed_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  std::map<std::string, ErrorCode> errors_;
  Pairs bind_calls_;  ///< Every attempt, failed ones included.
  Pairs bound_;       ///< Successful bindings only.
  Pairs scheduled_;
  std::vector<Failed> failed_;
};

/// A scheduler with the default profile over a cache and a queue, recording every Attempt.
struct Loop {
  explicit Loop(QueueOptions options = {}) : queue(options) {
    profile.scores = fw::makeScorePlugins(fw::ScoreConfig{});
  }

  Scheduler make(std::function<bool()> may_bind = {}) {
    SchedulerHooks hooks;
    hooks.objects = [this] { return ObjectsView{view, nullptr}; };
    hooks.may_bind = std::move(may_bind);
    hooks.observe = [this](const Attempt& a) {
      const std::lock_guard lock(mutex);
      attempts.push_back(a);
    };
    return Scheduler(profile, cache, queue, sink, std::move(hooks));
  }

  /// scheduleOne() with a generous deadline (it waits for a pod), then waits for the binders;
  /// false if no pod came.
  static bool once(Scheduler& s) {
    const Deadline deadline(10s);
    const bool popped = s.scheduleOne(deadline.token()) && !deadline.expired();
    s.waitForBindings();
    return popped;
  }

  std::vector<Attempt> observed() {
    const std::lock_guard lock(mutex);
    return attempts;
  }

  std::int64_t requestedCpu(const std::string& name) const {
    return cache.withNodes([&](std::span<const fw::NodeInfo> nodes) -> std::int64_t {
      for (const fw::NodeInfo& n : nodes) {
        if (n.node->metadata.name == name) return fw::quantityOf(n.requested, "cpu").milliValue();
      }
      ADD_FAILURE() << "no node " << name;
      return -1;
    });
  }

  Profile profile;
  fw::ClusterView view;  ///< No PVCs, PVs, classes or namespaces.
  SchedulerCache cache;
  SchedulingQueue queue;
  RecordingSink sink;
  std::mutex mutex;
  std::vector<Attempt> attempts;
};

kube::Pod pending(const std::string& name, const std::string& cpu, std::int32_t priority = 0) {
  kube::Pod p = pod(name, cpu, "");
  p.spec.priority = priority;
  return p;
}

/// The attempt left nothing behind on n1 (nothing assumed, its cpu as before: 0) and the queue
/// holds its pod at `depths` (active, backoff, unschedulable, in_flight).
void expectNothingHeld(const Loop& loop, std::array<std::size_t, 4> depths) {
  EXPECT_EQ(loop.cache.assumedPods(), 0u);
  EXPECT_EQ(loop.requestedCpu("n1"), 0);
  EXPECT_EQ(depthsOf(loop.queue), depths);
}

TEST(SchedulerLoop, BindsEveryPodWhereItFitsBest) {
  Loop loop;
  loop.cache.upsertNode(node("n1", "4"));
  loop.cache.upsertNode(node("n2", "4"));
  // Popped by priority: "a" ties on the two empty nodes (n1, first), "b" then fits only n2,
  // "c" ties again on 1 cpu left each (n1).
  loop.queue.add(pending("c", "1", 0));
  loop.queue.add(pending("b", "3", 1));
  loop.queue.add(pending("a", "3", 2));
  Scheduler s = loop.make();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Loop::once(s));

  const RecordingSink::Pairs want{{"a", "n1"}, {"b", "n2"}, {"c", "n1"}};
  EXPECT_EQ(loop.sink.bound(), want);
  EXPECT_EQ(loop.sink.scheduled(), want);
  EXPECT_TRUE(loop.sink.failed().empty());
  EXPECT_EQ(loop.cache.assumedPods(), 3u);  // The informers have not confirmed them yet.
  EXPECT_EQ(loop.requestedCpu("n1"), 4000);
  EXPECT_EQ(loop.requestedCpu("n2"), 3000);
  EXPECT_EQ(depthsOf(loop.queue), (std::array<std::size_t, 4>{0, 0, 0, 0}));

  const std::vector<Attempt> attempts = loop.observed();
  ASSERT_EQ(attempts.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(attempts[i].result, AttemptResult::kScheduled);
    EXPECT_EQ(attempts[i].pod, "default/" + want[i].first);
    EXPECT_EQ(attempts[i].node, want[i].second);
    EXPECT_EQ(attempts[i].message, "");
    EXPECT_EQ(attempts[i].attempts, 1);
    EXPECT_GE(attempts[i].since_queued, attempts[i].duration);
  }
  EXPECT_EQ(attemptResultName(AttemptResult::kScheduled), "scheduled");
}

TEST(SchedulerLoop, AssumedPodKeepsTheNextOneOffAFullNode) {
  Loop loop(QueueOptions{1min, 1min, std::chrono::minutes(5)});
  loop.cache.upsertNode(node("n1", "4"));
  loop.queue.add(pending("first", "3", 1));
  loop.queue.add(pending("second", "3", 0));
  Scheduler s = loop.make();
  ASSERT_TRUE(Loop::once(s));
  ASSERT_TRUE(Loop::once(s));

  EXPECT_EQ(loop.sink.bindCalls(), (RecordingSink::Pairs{{"first", "n1"}}));
  const auto failed = loop.sink.failed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].pod, "second");
  EXPECT_EQ(failed[0].message, "0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_FALSE(failed[0].error);
  EXPECT_EQ(depthsOf(loop.queue), (std::array<std::size_t, 4>{0, 0, 1, 0}));

  const std::vector<Attempt> attempts = loop.observed();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1].result, AttemptResult::kUnschedulable);
  EXPECT_EQ(attempts[1].node, "");
  EXPECT_EQ(attempts[1].message, "0/1 nodes are available: 1 Insufficient cpu.");
}

TEST(SchedulerLoop, UnavailableBindingIsForgottenAndRetriedAfterABackoff) {
  Loop loop(QueueOptions{1min, 1min, std::chrono::minutes(5)});
  loop.cache.upsertNode(node("n1", "4"));
  loop.cache.upsertPod(pod("running", "1", "", "n1"));
  loop.queue.add(pending("p", "2"));
  loop.sink.failBind("p", ErrorCode::kUnavailable);
  Scheduler s = loop.make();
  ASSERT_TRUE(Loop::once(s));

  EXPECT_EQ(loop.sink.bindCalls(), (RecordingSink::Pairs{{"p", "n1"}}));
  EXPECT_TRUE(loop.sink.scheduled().empty());
  const auto failed = loop.sink.failed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].pod, "p");
  EXPECT_TRUE(failed[0].error);
  EXPECT_NE(failed[0].message.find("scripted failure"), std::string::npos) << failed[0].message;
  EXPECT_EQ(loop.cache.assumedPods(), 0u);
  EXPECT_EQ(loop.requestedCpu("n1"), 1000);  // As before the attempt.
  EXPECT_EQ(depthsOf(loop.queue), (std::array<std::size_t, 4>{0, 1, 0, 0}));

  const std::vector<Attempt> attempts = loop.observed();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].result, AttemptResult::kError);
  EXPECT_EQ(attempts[0].node, "");
  EXPECT_EQ(attempts[0].message, failed[0].message);
}

TEST(SchedulerLoop, ConflictingBindingDropsThePodWithoutAnEvent) {
  Loop loop(QueueOptions{1min, 1min, std::chrono::minutes(5)});
  loop.cache.upsertNode(node("n1", "4"));
  loop.queue.add(pending("p", "2"));
  loop.sink.failBind("p", ErrorCode::kConflict);
  Scheduler s = loop.make();
  ASSERT_TRUE(Loop::once(s));

  EXPECT_EQ(loop.sink.bindCalls(), (RecordingSink::Pairs{{"p", "n1"}}));
  EXPECT_TRUE(loop.sink.failed().empty());
  EXPECT_TRUE(loop.sink.scheduled().empty());
  expectNothingHeld(loop, {0, 0, 0, 0});
  const std::vector<Attempt> attempts = loop.observed();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_NE(attempts[0].result, AttemptResult::kScheduled);
  EXPECT_EQ(attempts[0].node, "");
}

TEST(SchedulerLoop, UnschedulablePodGetsAFailedSchedulingEvent) {
  Loop loop;
  loop.cache.upsertNode(node("n1", "1"));
  kube::Node tainted = node("n2", "8");
  tainted.spec.taints = {{"dedicated", "db", "NoSchedule", {}}};
  loop.cache.upsertNode(tainted);
  loop.queue.add(pending("big", "2"));
  Scheduler s = loop.make();
  ASSERT_TRUE(Loop::once(s));

  EXPECT_TRUE(loop.sink.bindCalls().empty());
  const auto failed = loop.sink.failed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].pod, "big");
  EXPECT_EQ(failed[0].message,
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).");
  EXPECT_FALSE(failed[0].error);
  EXPECT_EQ(depthsOf(loop.queue), (std::array<std::size_t, 4>{0, 0, 1, 0}));
  EXPECT_EQ(loop.cache.assumedPods(), 0u);
  const std::vector<Attempt> attempts = loop.observed();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].result, AttemptResult::kUnschedulable);
  EXPECT_EQ(attemptResultName(attempts[0].result), "unschedulable");
}

TEST(SchedulerLoop, NothingIsBoundWithoutLeadership) {
  Loop loop(QueueOptions{1min, 1min, std::chrono::minutes(5)});
  loop.cache.upsertNode(node("n1", "4"));
  loop.queue.add(pending("p", "1"));
  int asked = 0;
  Scheduler s = loop.make([&asked] {
    ++asked;
    return false;
  });
  ASSERT_TRUE(Loop::once(s));

  EXPECT_EQ(asked, 1);
  EXPECT_TRUE(loop.sink.bindCalls().empty());
  EXPECT_TRUE(loop.sink.scheduled().empty());
  // Kept for the next leader's turn, after a backoff.
  expectNothingHeld(loop, {0, 1, 0, 0});
  const std::vector<Attempt> attempts = loop.observed();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].result, AttemptResult::kError);
}

TEST(SchedulerLoop, NextCycleRunsWhileBindingsAreInFlight) {
  Loop loop;
  loop.cache.upsertNode(node("n1", "2"));
  for (const char* name : {"a", "b", "c"}) loop.queue.add(pending(name, "1"));
  loop.sink.holdBindings();
  Scheduler s = loop.make();
  const Deadline deadline(10s);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.scheduleOne(deadline.token()));

  // Two bindings wait in the API at once; the assumed pods filled n1, so the third cycle
  // found no room without waiting for either binding to return.
  ASSERT_TRUE(loop.sink.waitForBindCalls(2));
  EXPECT_EQ(loop.cache.assumedPods(), 2u);
  EXPECT_TRUE(loop.sink.bound().empty());
  loop.sink.releaseBindings();
  s.waitForBindings();

  EXPECT_EQ(loop.sink.bound().size(), 2u);
  EXPECT_EQ(loop.sink.scheduled().size(), 2u);
  const auto failed = loop.sink.failed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].message, "0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_EQ(loop.requestedCpu("n1"), 2000);
  EXPECT_EQ(depthsOf(loop.queue), (std::array<std::size_t, 4>{0, 0, 1, 0}));
  EXPECT_EQ(loop.observed().size(), 3u);
}

TEST(SchedulerLoop, LeadershipLostBeforeTheBindingIsSentUndoesTheAssumption) {
  Loop loop(QueueOptions{1min, 1min, std::chrono::minutes(5)});
  loop.cache.upsertNode(node("n1", "4"));
  loop.queue.add(pending("p", "1"));
  std::atomic<int> asked = 0;
  // Leading when the cycle assumes the pod, lost when the binder is about to send it.
  Scheduler s = loop.make([&asked] { return ++asked == 1; });
  ASSERT_TRUE(Loop::once(s));

  EXPECT_EQ(asked.load(), 2);
  EXPECT_TRUE(loop.sink.bindCalls().empty());
  expectNothingHeld(loop, {0, 1, 0, 0});
  const std::vector<Attempt> attempts = loop.observed();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].result, AttemptResult::kError);
  EXPECT_EQ(attempts[0].message, "not the leader: binding skipped");
}

TEST(SchedulerLoop, RunEndsWhenTheQueueCloses) {
  Loop loop;
  loop.cache.upsertNode(node("n1", "4"));
  loop.queue.add(pending("p", "1"));
  Scheduler s = loop.make();
  std::jthread runner([&s](std::stop_token stop) { s.run(stop); });
  // Wait (bounded) for the pod to be bound, then close: run() must return for join().
  const auto start = std::chrono::steady_clock::now();
  while (loop.sink.bound().empty() && testing::since(start) < 10s) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(loop.sink.bound(), (RecordingSink::Pairs{{"p", "n1"}}));
  loop.queue.close();
  runner.join();
  EXPECT_FALSE(Loop::once(s));
}

}  // namespace
}  // namespace keelson::schedule
