// The drain engine (act/drain.h) over a scripted API server: evictions from several threads, a
// PodDisruptionBudget's 429 retried and named, a 404 taken as done, the wait for pods to go, and
// a timeout that reports what is left. Runs under ThreadSanitizer too (label tsan). Intervals are
// shortened to milliseconds; the assertions are on what was sent and reported, never on time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "act/context.h"
#include "act/drain.h"
#include "kube/client.h"
#include "kube/transport.h"

namespace keelson::act {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A node and its pods. Evicting a pod removes it (unless the pod is `stuck`: then it stays on
// the node, as a pod whose kubelet never confirms); `blocked` pods are refused with a 429 naming
// budget "web" that many times first; `missing` pods answer 404.
class ScriptedCluster final : public kube::Transport {
 public:
  explicit ScriptedCluster(std::vector<std::string> pods) {
    for (const std::string& name : pods) pods_.insert(name);
  }

  kube::HttpResponse request(const kube::HttpRequest& request) override {
    const std::scoped_lock lock(mutex_);
    requests_.push_back(request.method + " " + request.path);
    if (request.path.starts_with("/api/v1/nodes/n1")) {
      return reply(200, json{{"kind", "Node"},
                             {"metadata", {{"name", "n1"}}},
                             {"spec", {{"unschedulable", request.method == "PATCH"}}}});
    }
    if (request.path.starts_with("/api/v1/pods?")) return reply(200, podList());
    const auto eviction = request.path.find("/eviction");
    if (request.method == "POST" && eviction != std::string::npos) {
      const std::string path = request.path.substr(0, eviction);
      const std::string name = path.substr(path.rfind('/') + 1);
      if (missing_.contains(name)) return reply(404, status(404, "NotFound", "not found", ""));
      if (blocked_[name] > 0) {
        --blocked_[name];
        return reply(429, status(429, "TooManyRequests",
                                 "Cannot evict pod as it would violate the pod's disruption "
                                 "budget.",
                                 "The disruption budget web needs 2 healthy pods and has 2 "
                                 "currently"));
      }
      evicted_.push_back(name);
      if (!stuck_.contains(name)) pods_.erase(name);
      return reply(201, json{{"kind", "Status"}, {"status", "Success"}});
    }
    return reply(500, status(500, "InternalError", "unexpected " + request.path, ""));
  }

  kube::StreamResult stream(const kube::HttpRequest&, const kube::ChunkHandler&) override {
    throw std::logic_error("no streams here");
  }
  const std::string& server() const noexcept override { return server_; }

  void block(const std::string& pod, int times) { blocked_[pod] = times; }
  void stick(const std::string& pod) { stuck_.insert(pod); }
  void miss(const std::string& pod) { missing_.insert(pod); }
  std::vector<std::string> evicted() const {
    const std::scoped_lock lock(mutex_);
    return evicted_;
  }
  int count(const std::string& prefix) const {
    const std::scoped_lock lock(mutex_);
    return static_cast<int>(
        std::count_if(requests_.begin(), requests_.end(),
                      [&](const std::string& r) { return r.starts_with(prefix); }));
  }

 private:
  static kube::HttpResponse reply(int code, const json& body) {
    kube::HttpResponse response;
    response.status = code;
    response.body = body.dump();
    return response;
  }
  static json status(int code, const std::string& reason, const std::string& message,
                     const std::string& cause) {
    json doc = {{"kind", "Status"},
                {"status", "Failure"},
                {"code", code},
                {"reason", reason},
                {"message", message}};
    if (!cause.empty()) {
      doc["details"] = {
          {"causes", json::array({{{"reason", "DisruptionBudget"}, {"message", cause}}})}};
    }
    return doc;
  }
  json podList() const {
    json items = json::array();
    for (const std::string& name : pods_) {
      items.push_back({{"metadata",
                        {{"name", name},
                         {"namespace", "shop"},
                         {"uid", "uid-" + name},
                         {"ownerReferences", json::array({{{"kind", "ReplicaSet"},
                                                           {"name", "web"},
                                                           {"controller", true},
                                                           {"apiVersion", "apps/v1"},
                                                           {"uid", "rs"}}})}}},
                       {"spec", {{"nodeName", "n1"}, {"containers", json::array()}}},
                       {"status", {{"phase", "Running"}}}});
    }
    return {{"kind", "PodList"}, {"metadata", {{"resourceVersion", "1"}}}, {"items", items}};
  }

  mutable std::mutex mutex_;
  std::set<std::string> pods_;
  std::map<std::string, int> blocked_;
  std::set<std::string> stuck_;
  std::set<std::string> missing_;
  std::vector<std::string> evicted_;
  std::vector<std::string> requests_;
  std::string server_ = "https://fake:6443";
};

class DrainEngine : public ::testing::Test {
 protected:
  ActionResult drain(std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
    kube::Client client(cluster_);
    ActionContext context(client, WriteOptions{});
    DrainOptions options;
    options.parallelism = 4;
    options.retry_interval = std::chrono::milliseconds(5);
    options.poll_interval = std::chrono::milliseconds(5);
    options.timeout = timeout;
    DrainObserver observer;
    observer.on_event = [this](const DrainEvent& event) { events_.push_back(event); };
    observer.on_progress = [this](const DrainProgress& progress) {
      // Counts always add up to the total, whatever thread reported them.
      EXPECT_EQ(progress.pending + progress.waiting + progress.gone + progress.failed,
                progress.total);
    };
    return act::drain(context, "n1", options, observer);
  }

  std::vector<std::string> lines(DrainEvent::Type type) const {
    std::vector<std::string> out;
    for (const DrainEvent& event : events_) {
      if (event.type == type) out.push_back(event.message);
    }
    return out;
  }

  std::vector<std::string> pods_ = {"web-0", "web-1", "web-2", "web-3", "web-4",
                                    "web-5", "web-6", "web-7", "web-8", "web-9"};
  std::shared_ptr<ScriptedCluster> cluster_ = std::make_shared<ScriptedCluster>(pods_);
  std::vector<DrainEvent> events_;  // the observer is called one at a time
};

TEST_F(DrainEngine, EvictsEveryPodAndWaitsUntilTheyAreGone) {
  const ActionResult result = drain();
  EXPECT_EQ(result.outcome, Outcome::kSucceeded) << result.error;
  EXPECT_EQ(result.summary, "drained");
  EXPECT_EQ(cluster_->count("PATCH /api/v1/nodes/n1"), 1);
  EXPECT_EQ(cluster_->evicted().size(), pods_.size());
  EXPECT_EQ(lines(DrainEvent::Type::kGone).size(), pods_.size());
  EXPECT_EQ(result.changes.size(), pods_.size() + 1);  // the cordon, then every pod
  EXPECT_THAT(result.changes.front(), HasSubstr("node/n1 cordoned"));
}

TEST_F(DrainEngine, RetriesWhileABudgetRefusesAndNamesIt) {
  cluster_->block("web-3", 3);
  const ActionResult result = drain();
  EXPECT_EQ(result.outcome, Outcome::kSucceeded) << result.error;
  EXPECT_EQ(cluster_->count("POST /api/v1/namespaces/shop/pods/web-3/eviction"), 4);
  const std::vector<std::string> retries = lines(DrainEvent::Type::kRetrying);
  ASSERT_EQ(retries.size(), 3U);
  EXPECT_THAT(retries[0], HasSubstr("error when evicting pods/\"web-3\" -n \"shop\" (will retry "
                                    "after 5ms)"));
  EXPECT_THAT(retries[0], HasSubstr("PodDisruptionBudget shop/web"));
  for (const DrainEvent& event : events_) {
    if (event.type == DrainEvent::Type::kRetrying) {
      EXPECT_EQ(event.pdb, "shop/web");
    }
  }
}

TEST_F(DrainEngine, APodAlreadyGoneIsDone) {
  cluster_->miss("web-5");
  const ActionResult result = drain();
  EXPECT_EQ(result.outcome, Outcome::kSucceeded) << result.error;
  EXPECT_EQ(cluster_->evicted().size(), pods_.size() - 1);
}

TEST_F(DrainEngine, TimeoutReportsEveryPodLeft) {
  cluster_->block("web-1", 1'000'000);  // a budget that never allows it
  cluster_->stick("web-2");             // evicted, but never goes
  const ActionResult result = drain(std::chrono::milliseconds(300));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  ASSERT_EQ(result.errors.size(), 2U) << result.error;
  EXPECT_THAT(result.error, HasSubstr("error when evicting pods/\"web-1\" -n \"shop\": global "
                                      "timeout reached: 300ms"));
  EXPECT_THAT(result.error, HasSubstr("error when waiting for pod \"web-2\" in namespace \"shop\" "
                                      "to terminate: global timeout reached: 300ms"));
  std::set<std::string> left;
  for (const Skipped& item : result.skipped) left.insert(item.target);
  EXPECT_EQ(left, (std::set<std::string>{"pod/shop/web-1", "pod/shop/web-2"}));
}

}  // namespace
}  // namespace keelson::act
