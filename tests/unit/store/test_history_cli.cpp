// The built `keelson history` binary on a store this test fills: the CSV export is compared with
// hand-written expected text, and Python's csv module reads it back.
#include <gtest/gtest.h>

#include <chrono>

#include "common/test_env.h"
#include "store/history_store.h"
#include "store_test_util.h"

namespace keelson::store {
namespace {

using test::runCommand;
using test::shellQuote;
using test::TempDir;

// 2024-01-15T10:30:00Z
constexpr std::int64_t kT0 = 1'705'314'600'000;

class HistoryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    HistoryStore store = HistoryStore::open(db_, HistoryOptions{std::chrono::seconds(0), {}});
    const SeriesKey cpu{"pod", "default", "web-1", "cpu_millicores"};
    const SeriesKey mem{"pod", "default", "web-1", "memory_bytes"};
    const SeriesKey other{"pod", "default", "web-2", "cpu_millicores"};
    const SeriesKey odd{"pod", "odd", "a,b", "say \"x\""};
    const SeriesKey node{"node", "", "node-a", "cpu_millicores"};
    for (int tick = 0; tick < 3; ++tick) {
      const std::int64_t ts = kT0 + tick * 10'000 + (tick == 2 ? 250 : 0);
      store.appendTick({{cpu, ts, 100.0 + tick},
                        {mem, ts, 1.5e9},
                        {other, ts, 7},
                        {odd, ts, -0.125},
                        {node, ts, 1500}},
                       {}, ts);
    }
  }

  // Runs keelson with `args`; stderr goes to a file read into `err`.
  test::CommandResult keelson(const std::string& args, std::string* err = nullptr) {
    const auto err_path = dir_ / "stderr.txt";
    auto result =
        runCommand(shellQuote(keelson::testing::keelsonBinary()) + " history --history " +
                   shellQuote(db_.string()) + " " + args + " 2>" + shellQuote(err_path.string()));
    if (err != nullptr) *err = test::readFile(err_path);
    return result;
  }

  TempDir dir_;
  std::filesystem::path db_ = dir_ / "history.db";
};

TEST_F(HistoryCli, CsvExportOfAPod) {
  const auto r =
      keelson("--pod default/web-1 --from 2024-01-15T10:30:00Z --to 2024-01-15T10:31:00Z -o csv");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "timestamp,subject_kind,namespace,name,metric,value\n"
            "2024-01-15T10:30:00.000Z,pod,default,web-1,cpu_millicores,100\n"
            "2024-01-15T10:30:10.000Z,pod,default,web-1,cpu_millicores,101\n"
            "2024-01-15T10:30:20.250Z,pod,default,web-1,cpu_millicores,102\n"
            "2024-01-15T10:30:00.000Z,pod,default,web-1,memory_bytes,1500000000\n"
            "2024-01-15T10:30:10.000Z,pod,default,web-1,memory_bytes,1500000000\n"
            "2024-01-15T10:30:20.250Z,pod,default,web-1,memory_bytes,1500000000\n");
}

TEST_F(HistoryCli, CsvExportQuotesAndFiltersByMetricAndRange) {
  const auto r = keelson(
      "--pod odd/a,b --metric 'say \"x\"' --from 2024-01-15T10:30:05Z --to "
      "2024-01-15T12:30:20.250+02:00 -o csv");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "timestamp,subject_kind,namespace,name,metric,value\n"
            "2024-01-15T10:30:10.000Z,pod,odd,\"a,b\",\"say \"\"x\"\"\",-0.125\n"
            "2024-01-15T10:30:20.250Z,pod,odd,\"a,b\",\"say \"\"x\"\"\",-0.125\n");
  const auto csv_path = dir_ / "export.csv";
  std::ofstream(csv_path) << r.out;
  const auto records = test::pythonReadCsv(csv_path);
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 3U);
  EXPECT_EQ((*records)[1], (std::vector<std::string>{"2024-01-15T10:30:10.000Z", "pod", "odd",
                                                     "a,b", "say \"x\"", "-0.125"}));
}

TEST_F(HistoryCli, NodeAsJson) {
  const auto r = keelson("--node node-a --from 2024-01-15T10:30:00Z -o json");
  ASSERT_EQ(r.exit_code, 0);
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["series"].size(), 1U);
  EXPECT_EQ(doc["series"][0]["name"], "node-a");
  ASSERT_EQ(doc["series"][0]["points"].size(), 3U);
  EXPECT_EQ(doc["series"][0]["points"][2]["timestamp"], "2024-01-15T10:30:20.250Z");
  EXPECT_EQ(doc["series"][0]["points"][2]["value"], 1500.0);
}

TEST_F(HistoryCli, PodWithoutDataIsEmptyWithANote) {
  std::string err;
  const auto r = keelson("--pod default/nope --since 7d -o csv", &err);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "timestamp,subject_kind,namespace,name,metric,value\n");
  EXPECT_NE(err.find("no points for pod default/nope"), std::string::npos) << err;
  // The data is from 2024: --since 1h from now finds nothing for web-1 either.
  const auto text = keelson("--pod default/web-1", &err);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.out, "");
  EXPECT_NE(err.find("no points"), std::string::npos) << err;
}

TEST_F(HistoryCli, SinceCoversRecentPoints) {
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  {
    HistoryStore store = HistoryStore::open(db_, HistoryOptions{std::chrono::seconds(0), {}});
    const SeriesKey key{"host", "", "h1", "load1"};
    store.appendTick({{key, now_ms - 2 * 3600'000, 1}, {key, now_ms - 60'000, 2}}, {}, now_ms);
  }
  const auto r = keelson("--host --since 30m -o csv");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find(",host,,h1,load1,2\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(",load1,1\n"), std::string::npos) << r.out;
  EXPECT_NE(keelson("--host --since 3h -o csv").out.find(",load1,1\n"), std::string::npos);
}

TEST_F(HistoryCli, ListShowsSeries) {
  const auto r = keelson("--list -o csv");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(
      r.out,
      "subject_kind,namespace,name,metric,first,last\n"
      "node,,node-a,cpu_millicores,2024-01-15T10:30:00.000Z,2024-01-15T10:30:20.250Z\n"
      "pod,default,web-1,cpu_millicores,2024-01-15T10:30:00.000Z,2024-01-15T10:30:20.250Z\n"
      "pod,default,web-1,memory_bytes,2024-01-15T10:30:00.000Z,2024-01-15T10:30:20.250Z\n"
      "pod,default,web-2,cpu_millicores,2024-01-15T10:30:00.000Z,2024-01-15T10:30:20.250Z\n"
      "pod,odd,\"a,b\",\"say \"\"x\"\"\",2024-01-15T10:30:00.000Z,2024-01-15T10:30:20.250Z\n");
  const auto text = keelson("--list");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("KIND"), std::string::npos);
}

TEST_F(HistoryCli, MissingDatabaseAndBadFlagsFail) {
  std::string err;
  const auto missing = dir_ / "missing" / "history.db";
  auto r = runCommand(shellQuote(keelson::testing::keelsonBinary()) + " history --history " +
                      shellQuote(missing.string()) + " --pod a/b 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(missing.string()), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_EQ(keelson("--pod nameonly", &err).exit_code, 1);
  EXPECT_NE(err.find("NAMESPACE/NAME"), std::string::npos) << err;
  EXPECT_EQ(keelson("--pod a/b --since 5x", &err).exit_code, 1);
  EXPECT_NE(err.find("--since"), std::string::npos) << err;
  EXPECT_EQ(keelson("--pod a/b --from yesterday", &err).exit_code, 1);
  EXPECT_NE(err.find("--from"), std::string::npos) << err;
  EXPECT_EQ(keelson("--since 1h", &err).exit_code, 1);  // no subject
  EXPECT_NE(keelson("--pod a/b --node n").exit_code, 0);
  EXPECT_NE(keelson("--pod a/b -o xml").exit_code, 0);
}

}  // namespace
}  // namespace keelson::store
