#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stop_token>
#include <string>

#include "common/test_env.h"
#include "core/error.h"
#include "docs/capture_document.h"
#include "docs/report.h"
#include "kube/decode.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

json sampleCapture() {
  return json::parse(R"({
    "timestamp": "2026-11-20T10:00:00Z",
    "host": {
      "host_root": "/host", "interval_seconds": 1.0,
      "system": {"hostname": "node-7", "os_pretty_name": "Debian GNU/Linux 12",
                 "kernel_release": "6.1.0", "uptime_seconds": 90061},
      "memory": {"total_bytes": 17179869184, "used_bytes": 4294967296, "usage_percent": 25.0,
                 "available_bytes": 12884901888},
      "swap": {"total_bytes": 0, "used_bytes": 0},
      "filesystems": [{"mount_point": "/", "fs_type": "ext4", "device": "/dev/vda",
                       "total_bytes": 1073741824, "used_bytes": 536870912,
                       "available_bytes": 536870912, "usage_percent": 50.0},
                      {"mount_point": "/mnt/nfs", "fs_type": "nfs", "device": "srv:/x",
                       "stale": true, "error": "statvfs missed its 2 s deadline"}],
      "errors": {"cpu": {"code": "NotFound", "message": "/host/proc/stat: not found"}}
    },
    "cluster": {"server": "https://10.0.0.1:6443", "status": "ok",
      "cluster_health": {"total_nodes": 2, "ready_nodes": 1, "node_health_percent": 50.0,
                         "total_pods": 3, "pods_by_phase": {"Running": 2, "Pending": 1},
                         "pod_health_percent": 66.7},
      "metrics": {"available": false, "reason": "metrics.k8s.io is not served"},
      "nodes": [{"name": "n1", "ready": true, "unschedulable": true,
                 "taints": [{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}],
                 "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                 "requested": {"cpu": "1500m", "memory": "2Gi"},
                 "requested_percent": {"cpu": 37.5, "memory": 12.5}, "pods": 2, "usage": null}],
      "pods": [{"namespace": "shop", "name": "web-1", "phase": "Running", "node": "n1",
                "ready_containers": 1, "total_containers": 2, "restarts": 4,
                "requests": {"cpu": "250m"}, "limits": {}}]}
  })");
}

TEST(Report, ShowsEverySectionFromTheDocument) {
  const std::string text = renderReport(sampleCapture());
  EXPECT_NE(text.find("node-7"), std::string::npos);
  EXPECT_NE(text.find("up 1d 1h 1m"), std::string::npos) << text;
  EXPECT_NE(text.find("4 GiB of 16 GiB used (25.0%)"), std::string::npos) << text;
  EXPECT_NE(text.find("/host/proc/stat: not found"), std::string::npos) << text;
  EXPECT_NE(text.find("statvfs missed its 2 s deadline"), std::string::npos) << text;
  EXPECT_NE(text.find("nodes 1/2 ready (50.0%)"), std::string::npos) << text;
  EXPECT_NE(text.find("1500m/4 (37.5%)"), std::string::npos) << text;
  EXPECT_NE(text.find("cordoned"), std::string::npos) << text;
  EXPECT_NE(text.find("dedicated=infra:NoSchedule"), std::string::npos) << text;
  EXPECT_NE(text.find("usage unavailable: metrics.k8s.io is not served"), std::string::npos);
  EXPECT_NE(text.find("web-1"), std::string::npos);
  EXPECT_NE(text.find("1/2"), std::string::npos);
}

TEST(Report, ClusterFailureIsShownWithItsReason) {
  json doc = sampleCapture();
  doc["cluster"] = {
      {"server", "https://10.0.0.1:6443"},
      {"status", "error"},
      {"error", {{"code", "Forbidden"}, {"message", "GET /api/v1/nodes: forbidden"}}}};
  const std::string text = renderReport(doc);
  EXPECT_NE(text.find("unavailable (Forbidden): GET /api/v1/nodes: forbidden"), std::string::npos)
      << text;
  EXPECT_NE(text.find("node-7"), std::string::npos);  // the host part is still there
}

TEST(Report, HostValuesCannotDriveTheTerminal) {
  json host = sampleCapture()["host"];
  host["filesystems"][0]["mount_point"] = "/mnt/\x1b[2Jwiped";
  host["processes"] = {{"total", 1},
                       {"threads", 1},
                       {"top_rss",
                        {{{"pid", 7},
                          {"user", "ro\x9bot"},
                          {"rss_bytes", 4096},
                          {"command", "\x1b]0;pwned\x07x"}}}}};
  host["glusterfs"] = {
      {"state", "ok"},
      {"peers", json::array()},
      {"volumes", {{{"name", "gv\r0"}, {"type", "Replicate"}, {"status", "Started"}}}}};
  const std::string text = renderHostReport(host);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte == '\n' || (byte >= 0x20 && byte < 0x7f)) << "raw byte " << int{byte} << "\n"
                                                               << text;
  }
  EXPECT_NE(text.find("/mnt/\\x1b[2Jwiped"), std::string::npos) << text;
  EXPECT_NE(text.find("\\x1b]0;pwned\\x07x"), std::string::npos) << text;
  EXPECT_NE(text.find("ro\\x9bot"), std::string::npos) << text;
  EXPECT_NE(text.find("gv\\r0"), std::string::npos) << text;
}

TEST(Report, ADisabledSectionIsOneLine) {
  json host = sampleCapture()["host"];
  host["processes"] = {{"state", "disabled"}};
  host["glusterfs"] = {{"state", "disabled"}};
  const std::string text = renderHostReport(host);
  EXPECT_NE(text.find("\n  processes    disabled\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  glusterfs    disabled\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("top by CPU"), std::string::npos) << text;
}

TEST(Report, ToleratesAnEmptyDocument) {
  EXPECT_NO_THROW(renderReport(json::object()));
  EXPECT_NO_THROW(renderHostReport(json::object()));
  EXPECT_NE(renderReport(json::object()).find("not captured"), std::string::npos);
}

TEST(CaptureJson, ClusterErrorDocumentCarriesCodeAndMessage) {
  Capture capture;
  capture.cluster = ClusterCapture{};
  capture.cluster->server = "https://x";
  capture.cluster->error_code = ErrorCode::kUnauthorized;
  capture.cluster->error = "GET /api/v1/nodes: Unauthorized";
  const json doc = toJson(capture);
  EXPECT_EQ(doc.at("cluster").at("status"), "error");
  EXPECT_EQ(doc.at("cluster").at("error").at("code"), "Unauthorized");
  EXPECT_FALSE(capture.complete());
}

analysis::ClusterState fixtureState() {
  const auto read = [](const std::string& name) {
    std::ifstream in(keelson::testing::testDataDir() + "/kube/api/" + name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  analysis::ClusterState state;
  state.pods = kube::decodeList<kube::Pod>(read("pods.json")).items;
  state.nodes = kube::decodeList<kube::Node>(read("nodes.json")).items;
  return state;
}

// The pod-by-pod text is the dump of the tree: real API objects, a pod with usage, and a name
// that is not UTF-8 (replaced the same way in both).
TEST(CaptureJson, ClusterSummaryTextIsTheDumpOfItsTree) {
  analysis::ClusterState state = fixtureState();
  ASSERT_GT(state.pods.size(), 2U);
  state.pods[1].metadata.name = "bad\xff-name";
  kube::PodMetrics usage;
  usage.metadata = state.pods[0].metadata;
  usage.containers = {{"app", {{"cpu", core::Quantity::parse("30m")}}}};
  state.node_metrics = std::vector<kube::NodeMetrics>{};
  state.pod_metrics = std::vector<kube::PodMetrics>{usage};
  const auto summary = analysis::summarizeCluster(state, {.list_pods = true, .namespace_name = ""});
  ASSERT_EQ(std::count_if(summary.pods.begin(), summary.pods.end(),
                          [](const analysis::PodSummary& pod) { return pod.usage.has_value(); }),
            1);
  const std::string text = toJsonText(summary);
  EXPECT_EQ(text, toJson(summary).dump(-1, ' ', false, json::error_handler_t::replace));
  EXPECT_EQ(json::parse(text).at("pods").size(), state.pods.size());
}

TEST(CaptureJson, ClusterSummaryTextStopsWhenCancelled) {
  const auto summary = analysis::summarizeCluster(fixtureState());
  std::stop_source source;
  source.request_stop();
  try {
    toJsonText(summary, source.get_token());
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  }
}

}  // namespace
}  // namespace keelson::docs
