// Informer and ClusterCache (kube/informer.h, kube/cluster_cache.h) over a scripted Transport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "core/clock.h"
#include "core/error.h"
#include "kube/cluster_cache.h"
#include "kube/informer.h"
#include "kube/node.h"
#include "kube/pod.h"
#include "kube/pod_indexes.h"

namespace keelson::kube {
namespace {

using keelson::testing::FakeClock;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Plays a script of list answers, watch streams and failures, in order, for one informer.
// When the script is exhausted a watch blocks until stopped and a list fails (kUnavailable).
// Thread-safe: the informer thread plays it while the test thread waits and inspects.
class ScriptedTransport final : public Transport {
 public:
  enum class Kind { kList, kWatch, kFail };
  struct Step {
    Kind kind = Kind::kList;
    int status = 200;
    std::string body;   // list body, or watch stream lines
    bool hold = false;  // watch: after the body, block until stopped
  };

  void list(std::string body) { push({Kind::kList, 200, std::move(body), false}); }
  void watch(std::string lines, bool hold) { push({Kind::kWatch, 200, std::move(lines), hold}); }
  void fail() { push({Kind::kFail, 0, {}, false}); }
  void status(int code, std::string body) { push({Kind::kList, code, std::move(body), false}); }
  void push410Watch() {
    push({Kind::kWatch, 410,
          R"({"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"})",
          false});
  }

  HttpResponse request(const HttpRequest& request) override {
    std::unique_lock lock(mutex_);
    paths_.push_back(request.path);
    cv_.notify_all();
    if (steps_.empty()) throw Error(ErrorCode::kUnavailable, "script exhausted");
    Step step = std::move(steps_.front());
    steps_.pop_front();
    if (step.kind == Kind::kFail) throw Error(ErrorCode::kUnavailable, "connection refused");
    EXPECT_EQ(step.kind, Kind::kList) << request.path;
    HttpResponse response;
    response.status = step.status;
    response.body = std::move(step.body);
    return response;
  }

  StreamResult stream(const HttpRequest& request, const ChunkHandler& on_chunk) override {
    std::unique_lock lock(mutex_);
    paths_.push_back(request.path);
    cv_.notify_all();
    StreamResult result;
    Step step;
    if (steps_.empty()) {
      step.kind = Kind::kWatch;
      step.hold = true;
    } else {
      step = std::move(steps_.front());
      steps_.pop_front();
    }
    if (step.kind == Kind::kFail) throw Error(ErrorCode::kUnavailable, "connection reset");
    EXPECT_EQ(step.kind, Kind::kWatch) << request.path;
    result.response.status = step.status;
    if (step.status != 200) {
      result.response.body = std::move(step.body);
      return result;
    }
    lock.unlock();
    if (!step.body.empty()) on_chunk(step.body);
    if (!step.hold) return result;
    lock.lock();
    ++holding_;
    cv_.notify_all();
    cv_.wait(lock, request.stop, [] { return false; });
    --holding_;
    result.stopped = true;
    return result;
  }

  const std::string& server() const noexcept override { return server_; }

  /// Waits until every step was played and a watch is holding.
  bool waitIdle(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return steps_.empty() && holding_ > 0; });
  }

  std::vector<std::string> paths() const {
    std::lock_guard lock(mutex_);
    return paths_;
  }

 private:
  void push(Step step) {
    std::lock_guard lock(mutex_);
    steps_.push_back(std::move(step));
  }

  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  std::deque<Step> steps_;
  std::vector<std::string> paths_;
  int holding_ = 0;
  std::string server_ = "https://fake:6443";
};

std::string podJson(const std::string& ns, const std::string& name, const std::string& rv,
                    const std::string& node = "n1", const std::string& label = "v1") {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + name + R"(","namespace":")" +
         ns + R"(","resourceVersion":")" + rv + R"(","labels":{"version":")" + label +
         R"("}},"spec":{"nodeName":")" + node + R"(","containers":[{"name":"app","image":"x"}]}})";
}

std::string podList(const std::vector<std::string>& items, const std::string& rv) {
  std::string out = R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":")" + rv +
                    R"("},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ",") + items[i];
  return out + "]}";
}

std::string event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}

std::string bookmark(const std::string& rv) {
  return event("BOOKMARK",
               R"({"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":")" + rv + "\"}}");
}

const std::string kGoneEvent =
    R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 10 (30)","reason":"Expired","code":410}})j"
    "\n";

template <class T>
std::size_t sizeOf(const Informer<T>& informer) {
  const auto snapshot = informer.snapshot();
  return snapshot->size();
}

std::vector<std::string> names(const ObjectSnapshot<Pod>& snapshot) {
  std::vector<std::string> out;
  for (const auto& pod : snapshot.all()) {
    out.push_back(pod->metadata.namespace_name + "/" + pod->metadata.name);
  }
  return out;
}

class InformerTest : public ::testing::Test {
 protected:
  InformerOptions options() {
    InformerOptions options;
    options.resource = "pods";
    options.path = "/api/v1/pods";
    options.watch_timeout_seconds = 60;
    options.clock = clock_;
    return options;
  }

  // Waits until the informer backs off on the fake clock, then advances the clock to the end
  // of that wait. Returns how long the informer chose to wait.
  std::chrono::nanoseconds finishBackoff() {
    EXPECT_TRUE(clock_->awaitWaits(1)) << "the informer did not back off";
    const auto deadline = clock_->nextDeadline();
    if (!deadline) return {};
    const auto delay = *deadline - clock_->steadyNow();
    clock_->advance(delay);
    return delay;
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<ScriptedTransport> transport_ = std::make_shared<ScriptedTransport>();
  Client client_{transport_};
};

TEST_F(InformerTest, ListThenWatchAppliesAddedModifiedDeleted) {
  transport_->list(podList({podJson("b", "x", "5"), podJson("a", "y", "6")}, "10"));
  transport_->watch(event("ADDED", podJson("a", "z", "11")) +
                        event("MODIFIED", podJson("a", "y", "12", "n1", "v2")) +
                        event("DELETED", podJson("b", "x", "13")),
                    true);
  Informer<Pod> informer(client_, options());
  EXPECT_FALSE(informer.hasSynced());
  EXPECT_EQ(sizeOf(informer), 0u);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(10s));
  ASSERT_TRUE(transport_->waitIdle());

  const auto snapshot = informer.snapshot();
  EXPECT_EQ(names(*snapshot), (std::vector<std::string>{"a/y", "a/z"}));
  ASSERT_NE(snapshot->get("a", "y"), nullptr);
  EXPECT_EQ(snapshot->get("a", "y")->metadata.labels.at("version"), "v2");
  EXPECT_EQ(snapshot->get("b", "x"), nullptr);
  EXPECT_EQ(snapshot->resourceVersion(), "13");

  const auto paths = transport_->paths();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], "/api/v1/pods?limit=500");
  EXPECT_EQ(paths[1],
            "/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=10&"
            "timeoutSeconds=60");

  const InformerStatus status = informer.status();
  EXPECT_EQ(status.resource, "pods");
  EXPECT_TRUE(status.has_synced);
  EXPECT_EQ(status.objects, 2u);
  EXPECT_EQ(status.relists, 0u);
  EXPECT_EQ(status.watch_restarts, 0u);
  EXPECT_EQ(status.consecutive_failures, 0);
  EXPECT_EQ(status.resource_version, "13");
  EXPECT_TRUE(isSet(status.last_contact));
  EXPECT_EQ(status.last_error, "");
}

// The store is a sorted vector: objects added before, between and after the listed ones, and a
// deletion of the first and of an unknown object, keep it sorted and every object findable.
TEST_F(InformerTest, WatchEventsKeepTheStoreSortedWhereverTheyLand) {
  transport_->list(podList({podJson("m", "b", "5"), podJson("m", "d", "6")}, "10"));
  transport_->watch(
      event("ADDED", podJson("z", "a", "11")) + event("ADDED", podJson("a", "z", "12")) +
          event("ADDED", podJson("m", "c", "13")) + event("DELETED", podJson("a", "z", "14")) +
          event("DELETED", podJson("q", "unknown", "15")) +
          event("MODIFIED", podJson("m", "e", "16")),
      true);
  Informer<Pod> informer(client_, options());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(10s));
  ASSERT_TRUE(transport_->waitIdle());

  const auto snapshot = informer.snapshot();
  const std::vector<std::string> expected{"m/b", "m/c", "m/d", "m/e", "z/a"};
  EXPECT_EQ(names(*snapshot), expected);
  for (const std::string& key : expected) {
    const auto slash = key.find('/');
    const Pod* pod = snapshot->get(key.substr(0, slash), key.substr(slash + 1));
    ASSERT_NE(pod, nullptr) << key;
    EXPECT_EQ(pod->metadata.name, key.substr(slash + 1));
  }
  EXPECT_EQ(snapshot->get("a", "z"), nullptr);
  EXPECT_EQ(snapshot->list("m").size(), 4u);
  EXPECT_EQ(informer.status().objects, 5u);
}

// Whether a handle of type H (a value: a temporary; a reference: a held handle) can be used.
template <class H>
concept MemberAccess = requires(H&& handle) {
  std::forward<H>(handle).operator->();
};
template <class H>
concept Dereference = requires(H&& handle) {
  *std::forward<H>(handle);
};

// A temporary handle cannot be dereferenced: `informer.snapshot()->all()` in a range-for would free
// the snapshot before the loop body runs (issue 9's /metrics crash).
TEST(SnapshotHandleTest, TemporaryHandlesCannotBeDereferenced) {
  static_assert(!MemberAccess<SnapshotHandle<Pod>>);
  static_assert(!Dereference<SnapshotHandle<Pod>>);
  static_assert(MemberAccess<const SnapshotHandle<Pod>&>);
  static_assert(Dereference<const SnapshotHandle<Pod>&>);
  const SnapshotHandle<Pod> empty;
  EXPECT_FALSE(empty);
}

TEST_F(InformerTest, SnapshotsAreImmutableAndLookupsWork) {
  transport_->list(podList({podJson("b", "x", "5"), podJson("a", "y", "6"), podJson("a", "w", "7"),
                            podJson("c", "v", "8")},
                           "10"));
  transport_->watch(event("DELETED", podJson("a", "w", "11")), true);
  Informer<Pod> informer(client_, options());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(10s));
  ASSERT_TRUE(transport_->waitIdle());
  const auto snapshot = informer.snapshot();
  EXPECT_EQ(informer.snapshot(), snapshot);  // no change: the same snapshot
  EXPECT_EQ(names(*snapshot), (std::vector<std::string>{"a/y", "b/x", "c/v"}));
  const auto in_a = snapshot->list("a");
  ASSERT_EQ(in_a.size(), 1u);
  EXPECT_EQ(in_a[0]->metadata.name, "y");
  EXPECT_TRUE(snapshot->list("zz").empty());
  EXPECT_TRUE(snapshot->list("").empty());
  EXPECT_EQ(snapshot->get("c", "v")->spec.node_name, "n1");
  EXPECT_EQ(snapshot->get("c", "w"), nullptr);
}

// Records what event handlers are told, as "add a/x 5", "update a/y 6->12", "delete a/x 13".
class HandlerLog {
 public:
  EventHandlers<Pod> handlers() {
    return {.on_add = [this](const Pod& pod) { record("add " + key(pod)); },
            .on_update =
                [this](const Pod& old_pod, const Pod& new_pod) {
                  record("update " + key(old_pod) + "->" + new_pod.metadata.resource_version);
                },
            .on_delete = [this](const Pod& pod) { record("delete " + key(pod)); }};
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  static std::string key(const Pod& pod) {
    return pod.metadata.namespace_name + "/" + pod.metadata.name + " " +
           pod.metadata.resource_version;
  }
  void record(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// What a HandlerLog heard while an informer played the whole script, and its status then.
struct LoggedRun {
  std::vector<std::string> lines;
  InformerStatus status;
};

class InformerHandlerTest : public InformerTest {
 protected:
  LoggedRun playWithHandlerLog() {
    Informer<Pod> informer(client_, options());
    HandlerLog log;
    informer.addHandlers(log.handlers());
    informer.start();
    EXPECT_TRUE(transport_->waitIdle());
    return {log.lines(), informer.status()};
  }
};

TEST_F(InformerHandlerTest, HandlersAreToldOfWatchEventsAndOfWhatARelistChanged) {
  transport_->list(podList({podJson("a", "x", "5"), podJson("a", "y", "6")}, "10"));
  transport_->watch(event("ADDED", podJson("a", "z", "11")) +
                        event("MODIFIED", podJson("a", "y", "12")) +
                        event("DELETED", podJson("a", "x", "13")) + kGoneEvent,
                    false);
  // After the 410: a/y is gone, a/z changed, b/q is new (and a/x stays deleted).
  transport_->list(podList({podJson("a", "z", "20"), podJson("b", "q", "25")}, "30"));
  transport_->watch("", true);
  const auto [lines, status] = playWithHandlerLog();
  EXPECT_THAT(lines, ::testing::ElementsAre("add a/x 5", "add a/y 6",  // the first list
                                            "add a/z 11", "update a/y 6->12", "delete a/x 5",
                                            "update a/z 11->20", "add b/q 25",  // the relist
                                            "delete a/y 12"));
  EXPECT_EQ(status.handler_errors, 0u);
}

TEST_F(InformerHandlerTest, AnUnchangedObjectIsNotReportedByARelist) {
  transport_->list(podList({podJson("a", "x", "5")}, "10"));
  transport_->watch(kGoneEvent, false);
  transport_->list(podList({podJson("a", "x", "5")}, "10"));
  transport_->watch("", true);
  const auto [lines, status] = playWithHandlerLog();
  EXPECT_EQ(status.relists, 1u);
  EXPECT_THAT(lines, ::testing::ElementsAre("add a/x 5"));
}

TEST_F(InformerTest, AThrowingHandlerIsCountedAndTheCacheGoesOn) {
  transport_->list(podList({podJson("a", "bad", "5"), podJson("a", "good", "6")}, "10"));
  transport_->watch(event("ADDED", podJson("a", "later", "11")), true);
  Informer<Pod> informer(client_, options());
  HandlerLog log;
  informer.addHandlers({.on_add =
                            [](const Pod& pod) {
                              if (pod.metadata.name == "bad") {
                                throw Error(ErrorCode::kBadInput, "handler refuses bad");
                              }
                            },
                        .on_update = {},
                        .on_delete = {}});
  informer.addHandlers(log.handlers());  // a later handler still hears of every change
  informer.start();
  ASSERT_TRUE(transport_->waitIdle());
  EXPECT_EQ(informer.status().handler_errors, 1u);
  EXPECT_THAT(log.lines(), ::testing::ElementsAre("add a/bad 5", "add a/good 6", "add a/later 11"));
  EXPECT_EQ(sizeOf(informer), 3u);
}

TEST_F(InformerTest, HandlersAndIndexesAreAddedBeforeStart) {
  transport_->list(podList({}, "10"));
  Informer<Pod> informer(client_, options());
  informer.start();
  EXPECT_THROW(informer.addHandlers({}), Error);
  EXPECT_THROW(informer.addIndex("node", [](const Pod&) { return std::vector<std::string>{}; }),
               Error);
}

std::vector<std::string> names(std::span<const std::shared_ptr<const Pod>> pods) {
  std::vector<std::string> out;
  for (const auto& pod : pods)
    out.push_back(pod->metadata.namespace_name + "/" + pod->metadata.name);
  return out;
}

TEST_F(InformerTest, IndexesFileEachSnapshotsObjectsByKey) {
  transport_->list(podList(
      {podJson("b", "x", "5", "n1"), podJson("a", "y", "6", "n2"), podJson("a", "w", "7", "n1")},
      "10"));
  transport_->watch(event("MODIFIED", podJson("a", "y", "11", "n1")), true);
  Informer<Pod> informer(client_, options());
  informer.addIndex("node",
                    [](const Pod& pod) { return std::vector<std::string>{pod.spec.node_name}; });
  informer.addIndex("none", [](const Pod&) { return std::vector<std::string>{}; });
  informer.start();
  ASSERT_TRUE(transport_->waitIdle());
  const auto snapshot = informer.snapshot();
  EXPECT_EQ(names(snapshot->byIndex("node", "n1")),
            (std::vector<std::string>{"a/w", "a/y", "b/x"}));  // sorted, a/y moved to n1
  EXPECT_TRUE(snapshot->byIndex("node", "n2").empty());
  EXPECT_TRUE(snapshot->byIndex("none", "n1").empty());
  EXPECT_THROW(snapshot->byIndex("zone", "n1"), Error);
}

TEST_F(InformerTest, BookmarkMovesTheResumePoint) {
  transport_->list(podList({podJson("a", "x", "5")}, "10"));
  transport_->watch(bookmark("50"), false);  // then the server ends the watch
  transport_->watch("", true);
  Informer<Pod> informer(client_, options());
  informer.start();
  ASSERT_TRUE(transport_->waitIdle());
  const auto paths = transport_->paths();
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_THAT(paths[1], HasSubstr("resourceVersion=10&"));
  EXPECT_THAT(paths[2], HasSubstr("resourceVersion=50&"));
  const InformerStatus status = informer.status();
  EXPECT_EQ(status.watch_restarts, 1u);
  EXPECT_EQ(status.relists, 0u);
  EXPECT_EQ(status.resource_version, "50");
  const auto snapshot = informer.snapshot();
  EXPECT_EQ(snapshot->resourceVersion(), "50");
  EXPECT_EQ(sizeOf(informer), 1u);
  // A normal end of a watch is no failure and so no backoff: on the fake clock, a backoff
  // would have kept waitIdle from ever seeing the last watch.
  EXPECT_EQ(status.failures, 0u);
}

TEST_F(InformerTest, GoneRelistsWithEmptyResourceVersionAndReplacesState) {
  transport_->list(podList({podJson("a", "x", "5"), podJson("a", "y", "6")}, "10"));
  transport_->watch(event("ADDED", podJson("a", "z", "11")) + kGoneEvent, false);
  transport_->list(podList({podJson("b", "q", "25")}, "30"));
  transport_->watch("", true);
  Informer<Pod> informer(client_, options());
  informer.start();
  ASSERT_TRUE(transport_->waitIdle());
  const auto paths = transport_->paths();
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(paths[2], "/api/v1/pods?limit=500");  // no resourceVersion: a fresh, consistent list
  EXPECT_THAT(paths[3], HasSubstr("resourceVersion=30&"));
  const auto after_delete = informer.snapshot();
  EXPECT_EQ(names(*after_delete), (std::vector<std::string>{"b/q"}));
  const InformerStatus status = informer.status();
  EXPECT_EQ(status.relists, 1u);
  EXPECT_EQ(status.watch_restarts, 1u);
  EXPECT_EQ(status.failures, 0u);
  EXPECT_THAT(status.last_error, HasSubstr("too old resource version"));
  EXPECT_EQ(clock_->nextDeadline(), std::nullopt);  // relisting after 410 does not wait
}

TEST_F(InformerTest, Http410OnWatchAlsoRelists) {
  transport_->list(podList({podJson("a", "x", "5")}, "10"));
  transport_->push410Watch();
  transport_->list(podList({}, "40"));
  transport_->watch("", true);
  Informer<Pod> informer(client_, options());
  informer.start();
  ASSERT_TRUE(transport_->waitIdle());
  EXPECT_EQ(sizeOf(informer), 0u);
  EXPECT_EQ(informer.status().relists, 1u);
}

TEST_F(InformerTest, AWatchClosedAtOnceWithoutEventsBacksOff) {
  transport_->list(podList({podJson("a", "x", "5")}, "10"));
  transport_->watch("", false);  // ends immediately, nothing delivered
  transport_->watch("", true);
  Informer<Pod> informer(client_, options());
  informer.start();
  const auto delay = finishBackoff();
  EXPECT_GE(delay, 250ms);  // the first backoff: 500 ms less up to 50 % jitter
  EXPECT_LE(delay, 500ms);
  ASSERT_TRUE(transport_->waitIdle());
  const InformerStatus status = informer.status();
  EXPECT_EQ(status.failures, 1u);
  EXPECT_THAT(status.last_error, HasSubstr("closed by the server at once"));
  EXPECT_EQ(status.relists, 0u);
}

TEST(InformerBackoffDelay, GrowsDoublesAndCaps) {
  const InformerBackoff backoff;  // 500 ms, x2, 30 s cap, 50 % jitter
  EXPECT_EQ(informerBackoffDelay(backoff, 1, 0.0), 500ms);
  EXPECT_LT(informerBackoffDelay(backoff, 1, 0.0), 1s);
  EXPECT_EQ(informerBackoffDelay(backoff, 2, 0.0), 1000ms);
  EXPECT_EQ(informerBackoffDelay(backoff, 3, 0.0), 2000ms);
  EXPECT_EQ(informerBackoffDelay(backoff, 6, 0.0), 16000ms);
  EXPECT_EQ(informerBackoffDelay(backoff, 7, 0.0), 30000ms);
  EXPECT_EQ(informerBackoffDelay(backoff, 1000, 0.0), 30000ms);
  EXPECT_EQ(informerBackoffDelay(backoff, 1, 0.5), 375ms);
  EXPECT_EQ(informerBackoffDelay(backoff, 1000, 0.999999), 15001ms);
  EXPECT_EQ(informerBackoffDelay(backoff, 1000, 2.0), 15000ms);  // clamped draw
}

TEST_F(InformerTest, BacksOffWithJitterWhileKeepingTheLastState) {
  constexpr int kFailures = 10;
  transport_->list(podList({podJson("a", "x", "5")}, "10"));
  for (int i = 0; i < kFailures; ++i) transport_->fail();
  transport_->watch(event("ADDED", podJson("a", "y", "11")), true);

  const core::WallTime started = clock_->wallNow();
  Informer<Pod> informer(client_, options());
  informer.start();
  std::vector<std::chrono::nanoseconds> delays;
  for (int i = 0; i < kFailures; ++i) {
    // The informer is waiting: what it serves meanwhile, and how it dates the outage.
    ASSERT_TRUE(clock_->awaitWaits(1)) << "failure " << i + 1;
    EXPECT_TRUE(informer.hasSynced());
    EXPECT_EQ(sizeOf(informer), 1u);  // the last good state keeps serving
    const InformerStatus waiting = informer.status();
    EXPECT_EQ(waiting.consecutive_failures, i + 1);
    EXPECT_THAT(waiting.last_error, HasSubstr("connection reset"));
    EXPECT_EQ(waiting.last_failure, clock_->wallNow());  // failed, then began to wait
    EXPECT_EQ(waiting.failing_since, started);  // the outage stays dated at its first failure
    // freshness() (what every answer's cacheAge is judged by) says the same as status().
    const InformerFreshness fresh = informer.freshness();
    EXPECT_TRUE(fresh.has_synced);
    EXPECT_EQ(fresh.consecutive_failures, i + 1);
    EXPECT_EQ(fresh.last_failure, waiting.last_failure);
    EXPECT_EQ(fresh.failing_since, started);
    EXPECT_EQ(fresh.last_contact, waiting.last_contact);
    delays.push_back(finishBackoff());
  }
  ASSERT_TRUE(transport_->waitIdle());

  for (int i = 0; i < kFailures; ++i) {
    const auto nominal = std::min<std::chrono::nanoseconds>(500ms * (1 << i), 30s);
    EXPECT_LE(delays[i], nominal) << "failure " << i + 1;
    EXPECT_GE(delays[i], nominal / 2) << "failure " << i + 1;
  }
  // Jitter: with 10 draws from a continuous distribution, not all at the same fraction.
  bool varied = false;
  for (int i = 1; i < kFailures; ++i) {
    const auto nominal = std::min<std::chrono::milliseconds>(500ms * (1 << i), 30s);
    const auto nominal0 = 500ms;
    varied |= delays[i] * nominal0.count() != delays[0] * nominal.count();
  }
  EXPECT_TRUE(varied);

  const InformerStatus status = informer.status();
  EXPECT_EQ(status.consecutive_failures, 0);  // the watch works again
  EXPECT_EQ(status.failures, static_cast<std::uint64_t>(kFailures));
  EXPECT_EQ(status.watch_restarts, static_cast<std::uint64_t>(kFailures));
  EXPECT_EQ(status.relists, 0u);  // resumed from the resourceVersion, no relist
  EXPECT_EQ(sizeOf(informer), 2u);
  int lists = 0;
  for (const auto& path : transport_->paths())
    lists += path.find("watch=true") == std::string::npos;
  EXPECT_EQ(lists, 1);
}

TEST_F(InformerTest, FailedFirstListIsRetriedAndNotSynced) {
  transport_->fail();
  transport_->status(403, R"({"kind":"Status","code":403,"reason":"Forbidden","message":"no"})");
  transport_->list(podList({podJson("a", "x", "5")}, "10"));
  transport_->watch("", true);
  Informer<Pod> informer(client_, options());
  informer.start();
  finishBackoff();
  EXPECT_FALSE(informer.hasSynced());
  finishBackoff();
  ASSERT_TRUE(informer.waitForSync(10s));
  ASSERT_TRUE(transport_->waitIdle());
  const InformerStatus status = informer.status();
  EXPECT_EQ(status.failures, 2u);
  EXPECT_EQ(status.relists, 0u);
  EXPECT_EQ(status.objects, 1u);
  EXPECT_THAT(status.last_error, HasSubstr("403"));
}

TEST_F(InformerTest, FieldSelectorOnListAndWatch) {
  transport_->list(podList({podJson("a", "x", "5", "node-1")}, "10"));
  transport_->watch("", true);
  InformerOptions opts = options();
  opts.field_selector = "spec.nodeName=node-1";
  Informer<Pod> informer(client_, opts);
  informer.start();
  ASSERT_TRUE(transport_->waitIdle());
  const auto paths = transport_->paths();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], "/api/v1/pods?limit=500&fieldSelector=spec.nodeName%3Dnode-1");
  EXPECT_THAT(paths[1], HasSubstr("&fieldSelector=spec.nodeName%3Dnode-1"));
}

TEST_F(InformerTest, StopJoinsPromptlyDuringAWatch) {
  transport_->list(podList({}, "10"));
  transport_->watch("", true);
  Informer<Pod> informer(client_, options());
  informer.start();
  ASSERT_TRUE(transport_->waitIdle());
  // Returning is the test: the held watch wakes on the stop token.
  informer.stop();
  informer.stop();  // idempotent
}

TEST_F(InformerTest, StopInterruptsTheBackoffWait) {
  InformerOptions opts = options();
  opts.backoff.initial = 900ms;
  opts.backoff.max = 60s;
  opts.backoff.jitter = 0;
  for (int i = 0; i < 3; ++i) transport_->fail();  // then the script is exhausted: fails on
  Informer<Pod> informer(client_, opts);
  informer.start();
  EXPECT_EQ(finishBackoff(), 900ms);
  // In its second wait (1.8 s): stopping ends it without the clock moving.
  ASSERT_TRUE(clock_->awaitWaits(1));
  EXPECT_EQ(clock_->nextDeadline(), clock_->steadyNow() + 1800ms);
  const core::SteadyTime stopped_at = clock_->steadyNow();
  informer.stop();
  EXPECT_EQ(clock_->steadyNow(), stopped_at);
  EXPECT_EQ(clock_->nextDeadline(), std::nullopt);
  EXPECT_EQ(informer.status().failures, 2u);
  EXPECT_FALSE(informer.waitForSync(10ms));
}

// Answers every list with an empty list and holds every watch; records the paths.
class EmptyClusterTransport final : public Transport {
 public:
  HttpResponse request(const HttpRequest& request) override {
    {
      std::lock_guard lock(mutex_);
      paths_.push_back(request.path);
    }
    HttpResponse response;
    response.status = 200;
    response.body = R"({"metadata":{"resourceVersion":"1"},"items":[]})";
    return response;
  }
  StreamResult stream(const HttpRequest& request, const ChunkHandler&) override {
    std::unique_lock lock(mutex_);
    paths_.push_back(request.path);
    cv_.wait(lock, request.stop, [] { return false; });
    StreamResult result;
    result.response.status = 200;
    result.stopped = true;
    return result;
  }
  const std::string& server() const noexcept override { return server_; }
  std::vector<std::string> paths() const {
    std::lock_guard lock(mutex_);
    return paths_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  std::vector<std::string> paths_;
  std::string server_ = "https://fake:6443";
};

// The list requests `cache` made (watches left out), sorted; stops the cache.
std::vector<std::string> listRequests(ClusterCache& cache, const EmptyClusterTransport& transport) {
  cache.stop();  // returns: every held watch wakes on its stop token
  std::vector<std::string> lists;
  for (const auto& path : transport.paths()) {
    if (path.find("watch=true") == std::string::npos) lists.push_back(path);
  }
  std::sort(lists.begin(), lists.end());
  return lists;
}

// The resources of the cache's informers, in statuses() order.
std::vector<std::string> resourcesOf(const ClusterCache& cache) {
  std::vector<std::string> resources;
  for (const auto& status : cache.statuses()) resources.push_back(status.resource);
  return resources;
}

TEST(ClusterCache, ClusterModeWatchesEveryKind) {
  auto transport = std::make_shared<EmptyClusterTransport>();
  Client client(transport);
  ClusterCacheOptions options;
  options.events_v1 = true;
  ClusterCache cache(client, options);
  cache.start();
  ASSERT_TRUE(cache.waitForSync(10s));
  EXPECT_TRUE(cache.hasSynced());
  EXPECT_FALSE(cache.nodeMode());
  EXPECT_NO_THROW(cache.requireClusterMode("the cluster summary"));
  EXPECT_EQ(resourcesOf(cache),
            (std::vector<std::string>{"pods", "nodes", "events", "events.k8s.io", "namespaces",
                                      "deployments", "replicasets", "statefulsets", "daemonsets",
                                      "jobs", "poddisruptionbudgets", "persistentvolumes",
                                      "persistentvolumeclaims", "storageclasses"}));
  EXPECT_EQ(sizeOf(cache.pods()), 0u);
  ASSERT_NE(cache.eventsV1(), nullptr);
  EXPECT_THAT(listRequests(cache, *transport),
              ::testing::ElementsAre(
                  "/api/v1/events?limit=500", "/api/v1/namespaces?limit=500",
                  "/api/v1/nodes?limit=500", "/api/v1/persistentvolumeclaims?limit=500",
                  "/api/v1/persistentvolumes?limit=500", "/api/v1/pods?limit=500",
                  "/apis/apps/v1/daemonsets?limit=500", "/apis/apps/v1/deployments?limit=500",
                  "/apis/apps/v1/replicasets?limit=500", "/apis/apps/v1/statefulsets?limit=500",
                  "/apis/batch/v1/jobs?limit=500", "/apis/events.k8s.io/v1/events?limit=500",
                  "/apis/policy/v1/poddisruptionbudgets?limit=500",
                  "/apis/storage.k8s.io/v1/storageclasses?limit=500"));
}

TEST(PodIndexes, PodsAreFiledByTheirControllersKind) {
  Pod pod = decodeObject<Pod>(std::string_view(
      R"({"metadata":{"name":"web-1","namespace":"shop","ownerReferences":[)"
      R"({"apiVersion":"v1","kind":"Node","name":"n1","uid":"1"},)"
      R"({"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"2","controller":true}]}})"));
  EXPECT_THAT(podControllerKindKeys(pod), ::testing::ElementsAre("shop/ReplicaSet"));
  pod.metadata.owner_references.pop_back();
  EXPECT_TRUE(podControllerKindKeys(pod).empty());  // a bare pod: in no bucket
  EXPECT_EQ(podControllerKindKey("shop", "StatefulSet"), "shop/StatefulSet");
}

TEST(PodIndexes, EventsAreFiledByTheirPod) {
  Event event = decodeObject<Event>(std::string_view(
      R"({"metadata":{"name":"web-1.17","namespace":"shop"},"reason":"BackOff",)"
      R"("involvedObject":{"kind":"Pod","namespace":"shop","name":"web-1","uid":"1"}})"));
  EXPECT_THAT(eventPodKeys(event), ::testing::ElementsAre("shop/web-1"));
  EXPECT_EQ(eventPodKey("shop", "web-1"), "shop/web-1");
  event.regarding.kind = "Node";
  EXPECT_TRUE(eventPodKeys(event).empty());  // not about a pod: in no bucket
}

TEST(ClusterCache, NodeModeWatchesOnlyTheNodeAndItsPods) {
  auto transport = std::make_shared<EmptyClusterTransport>();
  Client client(transport);
  ClusterCacheOptions options;
  options.node_name = "node-7";
  options.events_v1 = true;  // ignored: no events are watched in node mode
  ClusterCache cache(client, options);
  cache.start();
  ASSERT_TRUE(cache.waitForSync(10s));
  EXPECT_TRUE(cache.hasSynced());  // waits for the two informers there are
  EXPECT_TRUE(cache.nodeMode());
  EXPECT_EQ(cache.nodeName(), "node-7");
  EXPECT_EQ(resourcesOf(cache), (std::vector<std::string>{"pods", "nodes"}));
  EXPECT_EQ(cache.events(), nullptr);
  EXPECT_EQ(cache.eventsV1(), nullptr);
  EXPECT_EQ(cache.namespaces(), nullptr);
  EXPECT_EQ(cache.deployments(), nullptr);
  EXPECT_EQ(cache.replicaSets(), nullptr);
  EXPECT_EQ(cache.statefulSets(), nullptr);
  EXPECT_EQ(cache.daemonSets(), nullptr);
  EXPECT_EQ(cache.jobs(), nullptr);
  EXPECT_EQ(cache.podDisruptionBudgets(), nullptr);
  EXPECT_EQ(cache.persistentVolumes(), nullptr);
  EXPECT_EQ(cache.persistentVolumeClaims(), nullptr);
  EXPECT_EQ(cache.storageClasses(), nullptr);
  try {
    cache.requireClusterMode("the cluster summary");
    ADD_FAILURE() << "no error in node mode";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("the cluster summary needs the whole cluster"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("node mode (--node node-7)"));
  }
  EXPECT_THAT(
      listRequests(cache, *transport),
      ::testing::ElementsAre("/api/v1/nodes?limit=500&fieldSelector=metadata.name%3Dnode-7",
                             "/api/v1/pods?limit=500&fieldSelector=spec.nodeName%3Dnode-7"));
}

TEST(ClusterCache, ListPodEventsSelectsByTheInvolvedUid) {
  auto transport = std::make_shared<EmptyClusterTransport>();
  Client client(transport);
  ClusterCacheOptions options;
  options.node_name = "node-7";
  ClusterCache cache(client, options);
  Pod pod;
  pod.metadata.namespace_name = "shop";
  pod.metadata.uid = "a376d41d";
  EXPECT_TRUE(cache.listPodEvents(pod).empty());
  EXPECT_THAT(
      transport->paths(),
      ::testing::ElementsAre(
          "/api/v1/namespaces/shop/events?limit=500&fieldSelector=involvedObject.uid%3Da376d41d"));
}

TEST(ClusterCache, EventsV1IsOffByDefault) {
  auto transport = std::make_shared<EmptyClusterTransport>();
  Client client(transport);
  ClusterCache cache(client);
  EXPECT_EQ(cache.eventsV1(), nullptr);
  EXPECT_EQ(cache.informers().size(), 13u);
  EXPECT_EQ(cache.pods().options().field_selector, "");
}

}  // namespace
}  // namespace keelson::kube
