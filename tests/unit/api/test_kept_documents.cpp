// KeptPodDocuments and SharedSchedulingState::document (api/cache_documents.h) over a
// ClusterCache fed by a fake API server: the kept texts are the documents built afresh, and a
// change of the pod, a node or an event is in the next answer.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/cache_documents.h"
#include "docs/pod_describe.h"
#include "docs/scheduling_explanation.h"
#include "kube/client.h"
#include "kube/transport.h"

namespace keelson::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Answers each list with the items set for its path, and each watch with the events the test
// sends to its path, held open until stopped. Thread-safe.
class FakeApiServer final : public kube::Transport {
 public:
  void setItems(const std::string& path, json items) {
    const std::lock_guard lock(mutex_);
    items_[path] = std::move(items);
  }

  // One watch event (`type`: ADDED, MODIFIED, DELETED) to the watch of `path`.
  void send(const std::string& path, const std::string& type, const json& object) {
    const std::lock_guard lock(mutex_);
    pending_[path].push_back(json{{"type", type}, {"object", object}}.dump() + "\n");
    cv_.notify_all();
  }

  kube::HttpResponse request(const kube::HttpRequest& request) override {
    const std::lock_guard lock(mutex_);
    kube::HttpResponse response;
    response.status = 200;
    const auto items = items_.find(pathOf(request));
    response.body = json{{"metadata", {{"resourceVersion", "1"}}},
                         {"items", items == items_.end() ? json::array() : items->second}}
                        .dump();
    return response;
  }

  kube::StreamResult stream(const kube::HttpRequest& request,
                            const kube::ChunkHandler& on_chunk) override {
    const std::string path = pathOf(request);
    std::unique_lock lock(mutex_);
    while (cv_.wait(lock, request.stop, [&] { return !pending_[path].empty(); })) {
      const std::vector<std::string> lines = std::exchange(pending_[path], {});
      lock.unlock();
      for (const auto& line : lines) on_chunk(line);
      lock.lock();
    }
    kube::StreamResult result;
    result.response.status = 200;
    result.stopped = true;
    return result;
  }

  const std::string& server() const noexcept override { return server_; }

 private:
  static std::string pathOf(const kube::HttpRequest& request) {
    return request.path.substr(0, request.path.find('?'));
  }

  std::mutex mutex_;
  std::condition_variable_any cv_;
  std::map<std::string, json> items_;                        // guarded by mutex_
  std::map<std::string, std::vector<std::string>> pending_;  // guarded by mutex_
  const std::string server_ = "https://fake:6443";
};

// A pod asking for more cpu than any node has.
json bigPod(const std::string& resource_version) {
  return {{"metadata",
           {{"name", "big"},
            {"namespace", "shop"},
            {"uid", "uid-big"},
            {"resourceVersion", resource_version},
            {"labels", {{"version", resource_version}}}}},
          {"spec",
           {{"containers", json::array({{{"name", "app"},
                                         {"image", "registry.example.com/app:1"},
                                         {"resources", {{"requests", {{"cpu", "1000"}}}}}}})}}},
          {"status", {{"phase", "Pending"}}}};
}

json node(const std::string& name, bool unschedulable, const std::string& resource_version) {
  return {{"metadata",
           {{"name", name},
            {"uid", "uid-" + name},
            {"resourceVersion", resource_version},
            {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"spec", {{"unschedulable", unschedulable}}},
          {"status",
           {{"allocatable", {{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "110"}}},
            {"capacity", {{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

// The node's failure category in a scheduling document's failureSummary ("" when not in it).
std::string categoryOf(const json& document, const std::string& node_name) {
  for (const auto& entry : document["failureSummary"]) {
    for (const auto& name : entry["nodes"]) {
      if (name == node_name) return entry["category"].get<std::string>();
    }
  }
  return {};
}

class KeptDocuments : public ::testing::Test {
 protected:
  void SetUp() override {
    server_->setItems("/api/v1/nodes",
                      json::array({node("plain", false, "1"), node("cordoned", true, "1")}));
    server_->setItems("/api/v1/namespaces",
                      json::array({{{"metadata", {{"name", "shop"}, {"uid", "uid-shop"}}}}}));
    server_->setItems("/api/v1/pods", json::array({bigPod("1")}));
    cache_.start();
    ASSERT_TRUE(cache_.waitForSync(10s));
    pod_ = *cachedPod(cache_, "shop", "big");
  }

  void TearDown() override { cache_.stop(); }

  // Waits (bounded) until `done` holds for the cache.
  template <class Predicate>
  static bool eventually(Predicate done) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(2ms);
    }
    return done();
  }

  // A FailedScheduling event of the pod, once the cache has it.
  void addEvent() {
    server_->send(
        "/api/v1/events", "ADDED",
        {{"metadata", {{"name", "big.1"}, {"namespace", "shop"}, {"resourceVersion", "3"}}},
         {"involvedObject",
          {{"kind", "Pod"}, {"namespace", "shop"}, {"name", "big"}, {"uid", "uid-big"}}},
         {"reason", "FailedScheduling"},
         {"type", "Warning"},
         {"message", "0/2 nodes are available: 2 Insufficient cpu."},
         {"count", 1},
         {"lastTimestamp", "2026-12-06T01:00:00Z"}});
    ASSERT_TRUE(eventually([&] {
      const auto events = cache_.events()->snapshot();
      return events->get("shop", "big.1") != nullptr;
    }));
  }

  std::shared_ptr<FakeApiServer> server_ = std::make_shared<FakeApiServer>();
  kube::Client client_{server_};
  kube::ClusterCache cache_{client_};
  kube::Pod pod_;
};

TEST_F(KeptDocuments, KeptTextsAreTheAnalysisAndFollowTheCache) {
  SharedSchedulingState shared;
  const auto text = shared.document(cache_, pod_, false);
  ASSERT_NE(text, nullptr);
  const json document = json::parse(*text);
  EXPECT_EQ(document, cachedSchedulingDocument(cache_, pod_));  // the one-off analysis
  EXPECT_EQ(shared.document(cache_, pod_, false), text);        // kept: the same text
  EXPECT_EQ(json::parse(*shared.document(cache_, pod_, true)),
            docs::schedulingExplanation(document));
  ASSERT_FALSE(categoryOf(document, "plain").empty()) << document.dump(2);
  EXPECT_NE(categoryOf(document, "cordoned"), categoryOf(document, "plain")) << document.dump(2);

  // A node change, no event: uncordoned, the node fails for lack of cpu like the other.
  server_->send("/api/v1/nodes", "MODIFIED", node("cordoned", false, "2"));
  ASSERT_TRUE(eventually([&] {
    const auto nodes = cache_.nodes().snapshot();
    const kube::Node* cordoned = nodes->get("", "cordoned");
    return cordoned != nullptr && cordoned->metadata.resource_version == "2";
  }));
  const json uncordoned = json::parse(*shared.document(cache_, pod_, false));
  EXPECT_EQ(categoryOf(uncordoned, "cordoned"), categoryOf(uncordoned, "plain"))
      << uncordoned.dump(2);
  EXPECT_EQ(uncordoned, cachedSchedulingDocument(cache_, pod_));

  // An event of the pod, no object change: it is in the next answer.
  EXPECT_TRUE(uncordoned["schedulingEvents"].empty()) << uncordoned.dump(2);
  addEvent();
  const json with_event = json::parse(*shared.document(cache_, pod_, false));
  EXPECT_EQ(with_event["schedulingEvents"].size(), 1U) << with_event.dump(2);
  EXPECT_EQ(with_event, cachedSchedulingDocument(cache_, pod_));
}

TEST_F(KeptDocuments, KeptDescriptionsFollowThePodAndItsEvents) {
  KeptPodDocuments kept;
  const auto describe = [&](const kube::Pod& pod, const std::shared_ptr<const void>& basis) {
    return kept.text(cache_, pod, "describe", basis, [&](const std::vector<kube::Event>& events) {
      return docs::podDescribeDocument(pod, events);
    });
  };
  const auto fresh = [&](const kube::Pod& pod) {
    return docs::podDescribeDocument(pod, cachedPodEvents(cache_, pod));
  };
  const auto text = describe(pod_, nullptr);
  EXPECT_EQ(json::parse(*text), fresh(pod_));
  EXPECT_EQ(describe(pod_, nullptr), text);  // kept
  const auto basis = std::make_shared<int>(1);
  EXPECT_NE(describe(pod_, basis), text);  // another basis: built again
  EXPECT_EQ(describe(pod_, basis), describe(pod_, basis));

  // The pod changes: its new object gets its own text.
  server_->send("/api/v1/pods", "MODIFIED", bigPod("2"));
  ASSERT_TRUE(eventually(
      [&] { return cachedPod(cache_, "shop", "big")->metadata.resource_version == "2"; }));
  const kube::Pod changed = *cachedPod(cache_, "shop", "big");
  const json after = json::parse(*describe(changed, basis));
  EXPECT_EQ(after, fresh(changed));
  EXPECT_EQ(after["labels"]["version"], "2") << after.dump(2);

  // An event: every kept text is built again with it.
  addEvent();
  const json with_event = json::parse(*describe(changed, basis));
  EXPECT_EQ(with_event["events"].size(), 1U) << with_event.dump(2);
  EXPECT_EQ(with_event, fresh(changed));
}

}  // namespace
}  // namespace keelson::api
