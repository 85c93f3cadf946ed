// The node metrics sampler (api/utilization.h): what it asks metrics.k8s.io for, and how it
// reports a group that is not served.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/utilization.h"
#include "kube/client.h"

namespace keelson::api {
namespace {

// Answers every request with one fixed response and records the paths asked for.
class RecordingTransport final : public kube::Transport {
 public:
  RecordingTransport(int status, std::string body) : status_(status), body_(std::move(body)) {}
  kube::HttpResponse request(const kube::HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    paths_.push_back(request.path);
    kube::HttpResponse response;
    response.status = status_;
    response.body = body_;
    return response;
  }
  kube::StreamResult stream(const kube::HttpRequest&, const kube::ChunkHandler&) override {
    throw std::logic_error("RecordingTransport: no watch expected");
  }
  const std::string& server() const noexcept override { return server_; }
  std::vector<std::string> paths() const {
    std::lock_guard lock(mutex_);
    return paths_;
  }

 private:
  int status_;
  std::string body_;
  mutable std::mutex mutex_;
  std::vector<std::string> paths_;
  std::string server_ = "https://fake:6443";
};

const char* const kOneNode =
    R"({"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[)"
    R"({"metadata":{"name":"n1"},"timestamp":"2026-12-04T12:00:00Z","window":"10s",)"
    R"("usage":{"cpu":"250m","memory":"1Gi"}}]})";

TEST(NodeMetricsSampling, ClusterModeListsEveryNode) {
  auto transport = std::make_shared<RecordingTransport>(200, kOneNode);
  const kube::Client client(transport);
  const NodeMetricsSample sample = sampleNodeMetrics(client);
  EXPECT_EQ(sample.error, "");
  ASSERT_NE(sample.find("n1"), nullptr);
  EXPECT_EQ(transport->paths(),
            std::vector<std::string>{"/apis/metrics.k8s.io/v1beta1/nodes?limit=500"});
}

TEST(NodeMetricsSampling, NodeModeAsksForItsOwnNodeOnly) {
  auto transport = std::make_shared<RecordingTransport>(200, kOneNode);
  const kube::Client client(transport);
  const NodeMetricsSample sample = sampleNodeMetrics(client, "n1");
  ASSERT_NE(sample.find("n1"), nullptr);
  EXPECT_EQ(transport->paths(),
            std::vector<std::string>{
                "/apis/metrics.k8s.io/v1beta1/nodes?limit=500&fieldSelector=metadata.name%3Dn1"});
}

TEST(NodeMetricsSampling, AGroupNotServedIsAnErrorSayingSo) {
  auto transport = std::make_shared<RecordingTransport>(
      404, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound",)"
           R"("message":"the server could not find the requested resource","code":404})");
  const kube::Client client(transport);
  const NodeMetricsSample sample = sampleNodeMetrics(client, "n1");
  EXPECT_TRUE(sample.nodes.empty());
  EXPECT_NE(sample.error.find("metrics.k8s.io is not served"), std::string::npos) << sample.error;
}

}  // namespace
}  // namespace keelson::api
