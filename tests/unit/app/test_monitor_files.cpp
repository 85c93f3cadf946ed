// The monitor's dataset rows and insights file, on real API objects recorded from a v1.36 cluster.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/insight_tracker.h"
#include "analysis/pod_sample.h"
#include "app/monitor_network.h"
#include "common/files.h"
#include "common/test_env.h"
#include "core/error.h"
#include "docs/insights_file.h"
#include "docs/monitor_dataset.h"
#include "kube/decode.h"

namespace keelson::app {
namespace {

using keelson::testing::readFile;

std::map<std::string, std::string> rowOf(const analysis::PodSample& pod, kube::Time tick) {
  const auto cells = docs::datasetRow(pod, tick);
  EXPECT_EQ(cells.size(), docs::datasetColumns().size());
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out[docs::datasetColumns()[i]] = cells[i].value_or("<empty>");
  }
  return out;
}

std::vector<analysis::PodSample> recordedSamples(bool with_metrics) {
  analysis::ClusterState state;
  state.nodes = kube::decodeList<kube::Node>(keelson::testing::apiFixture("nodes.json")).items;
  state.pods = kube::decodeList<kube::Pod>(keelson::testing::apiFixture("pods.json")).items;
  if (with_metrics) {
    state.node_metrics =
        kube::decodeList<kube::NodeMetrics>(keelson::testing::apiFixture("node_metrics.json"))
            .items;
    state.pod_metrics =
        kube::decodeList<kube::PodMetrics>(keelson::testing::apiFixture("pod_metrics.json")).items;
  }
  const auto summary = analysis::summarizeCluster(state);
  analysis::SampleInputs inputs;
  inputs.now = kube::parseTime("2026-11-21T00:11:00Z");
  return analysis::samplePods(state, summary, {}, inputs);
}

const analysis::PodSample& find(const std::vector<analysis::PodSample>& samples,
                                const std::string& name) {
  const auto it = std::find_if(samples.begin(), samples.end(),
                               [&](const auto& s) { return s.summary.name == name; });
  EXPECT_NE(it, samples.end());
  return *it;
}

TEST(MonitorDataset, RowOfARecordedPodWithMetrics) {
  const auto samples = recordedSamples(true);
  const auto row = rowOf(find(samples, "checkout"), kube::parseTime("2026-11-21T00:11:00Z"));
  EXPECT_EQ(row.at("timestamp"), "2026-11-21T00:11:00.000Z");
  EXPECT_EQ(row.at("namespace"), "shop");
  EXPECT_EQ(row.at("phase"), "Running");
  // pod_metrics.json: containers at 4215731n and 281339907n (each rounded up to a millicore:
  // 5m + 282m), 41236Ki + 233472Ki of working set.
  EXPECT_EQ(row.at("cpu_usage_millicores"), "287");
  EXPECT_EQ(row.at("memory_usage_bytes"), std::to_string((41236 + 233472) * 1024LL));
  EXPECT_EQ(row.at("usage_timestamp"), "2026-11-21T00:10:19Z");
  EXPECT_EQ(row.at("usage_window_seconds"), "18.521");
  EXPECT_EQ(row.at("memory_limit_bytes"), std::to_string(512LL * 1024 * 1024 + 120LL * 1024 * 1024))
      << "limit 512Mi plus the RuntimeClass overhead 120Mi";
  // The percentages agree with the row's own figures.
  const double cpu = std::stod(row.at("cpu_usage_millicores"));
  EXPECT_NEAR(std::stod(row.at("cpu_percent_of_request")),
              100.0 * cpu / std::stod(row.at("cpu_request_millicores")), 0.01);
  EXPECT_EQ(row.at("cpu_limit_millicores"), "<empty>") << "no CPU limit: empty, not 0";
  EXPECT_EQ(row.at("cpu_percent_of_limit"), "<empty>");
  EXPECT_EQ(row.at("restarts_since_last_tick"), "<empty>") << "first tick";
  EXPECT_EQ(row.at("network_rx_bytes"), "<empty>") << "no network source";
}

TEST(MonitorDataset, WithoutMetricsTheUsageColumnsStayEmpty) {
  const auto samples = recordedSamples(false);
  const auto row = rowOf(find(samples, "crashy"), kube::parseTime("2026-11-21T00:11:00Z"));
  for (const char* column : {"cpu_usage_millicores", "memory_usage_bytes", "usage_timestamp",
                             "cpu_percent_of_request", "memory_percent_of_limit"}) {
    EXPECT_EQ(row.at(column), "<empty>") << column;
  }
  EXPECT_EQ(row.at("restarts_total"), "7");
  EXPECT_EQ(row.at("waiting_reasons"), "crashy=CrashLoopBackOff");
  EXPECT_EQ(row.at("last_terminated_reasons"), "crashy=OOMKilled");
  EXPECT_EQ(row.at("ready_containers"), "0");
  EXPECT_EQ(row.at("total_containers"), "1");
}

class InsightsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("keelson-insights-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(InsightsFile, RoundTripKeepsLifetimesAndEvidence) {
  analysis::Finding f;
  f.id = "oom_risk/pod/ns/a";
  f.kind = "oom_risk";
  f.subject = {"pod", "ns", "a"};
  f.severity = "warning";
  f.evidence = {"memory_usage_bytes",
                {1.0, 2.5},
                std::pair{0.0, 10.0},
                std::nullopt,
                {{"limit_bytes", "10"}}};
  f.explanation = "growing";
  f.suggested_action = {"set_resources", "raise the limit"};
  analysis::Finding gone = f;
  gone.id = "crash_loop/pod/ns/b/app";
  gone.kind = "crash_loop";
  gone.evidence.expected_range.reset();
  gone.evidence.score = 0.93;
  const kube::Time t0 = kube::parseTime("2026-11-21T00:00:00Z");
  analysis::InsightTracker tracker;
  tracker.update({f, gone}, t0);
  tracker.update({f}, t0 + std::chrono::seconds(30));

  const auto path = dir_ / "insights.json";
  docs::writeInsightsFile(path, tracker, t0 + std::chrono::seconds(30));
  const auto doc = nlohmann::json::parse(readFile(path.string()));
  ASSERT_EQ(doc.at("findings").size(), 2U);
  EXPECT_EQ(doc["findings"][0]["id"], "crash_loop/pod/ns/b/app");
  EXPECT_EQ(doc["findings"][0]["status"], "closed");
  EXPECT_EQ(doc["findings"][0]["closed_at"], "2026-11-21T00:00:30Z");
  EXPECT_EQ(doc["findings"][1]["status"], "open");
  EXPECT_EQ(doc["findings"][1]["evidence"]["expected_range"]["upper"], 10.0);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));

  analysis::InsightTracker restored;
  docs::loadInsightsFile(path, restored);
  ASSERT_EQ(restored.findings().size(), 2U);
  const auto& a = restored.findings().at(f.id);
  EXPECT_EQ(a.ticks, 2);
  EXPECT_EQ(a.first_seen, t0);
  EXPECT_TRUE(a.open());
  EXPECT_EQ(a.finding.evidence.recent_values, (std::vector<double>{1.0, 2.5}));
  EXPECT_EQ(restored.findings().at(gone.id).finding.evidence.score, 0.93);
  EXPECT_EQ(docs::insightsJson(restored, t0 + std::chrono::seconds(30)), doc);
}

TEST_F(InsightsFile, MissingFileRestoresNothingAndAForeignFileIsRejected) {
  analysis::InsightTracker tracker;
  docs::loadInsightsFile(dir_ / "absent.json", tracker);
  EXPECT_TRUE(tracker.findings().empty());
  std::ofstream(dir_ / "other.json") << R"({"findings": [{"id": 3}]})";
  try {
    docs::loadInsightsFile(dir_ / "other.json", tracker);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("other.json"), std::string::npos);
  }
}

TEST_F(InsightsFile, UnwritableDirectoryIsAnErrorNamingThePath) {
  analysis::InsightTracker tracker;
  EXPECT_THROW(docs::writeInsightsFile(dir_ / "no-such-dir" / "i.json", tracker, {}), Error);
}

}  // namespace
}  // namespace keelson::app

namespace keelson::app {
namespace {

TEST(PrometheusVector, SeriesWithNamespaceAndPodLabels) {
  // The shape of GET /api/v1/query (resultType vector), as Prometheus 2.42 answers.
  const auto values = parsePrometheusVector(
      R"({"status":"success","data":{"resultType":"vector","result":[)"
      R"({"metric":{"namespace":"ns1","pod":"a"},"value":[1795230867.690,"1525"]},)"
      R"({"metric":{"namespace":"ns1"},"value":[1795230867.690,"7"]},)"
      R"({"metric":{"namespace":"ns1","pod":"b"},"value":[1795230867.690,"NaN"]}]}})");
  ASSERT_EQ(values.size(), 1U) << "series without a pod label and NaN samples are skipped";
  EXPECT_EQ(values.at("ns1/a"), 1525);
  EXPECT_THROW(parsePrometheusVector(R"({"status":"error","errorType":"bad_data"})"), Error);
  EXPECT_THROW(parsePrometheusVector(R"({"status":"success","data":{"resultType":"matrix",)"
                                     R"("result":[]}})"),
               Error);
  EXPECT_THROW(parsePrometheusVector("not json"), Error);
}

}  // namespace
}  // namespace keelson::app
