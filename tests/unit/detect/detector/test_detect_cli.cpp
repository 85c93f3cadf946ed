// `keelson detect` end to end: runs the built binary on a small series and on bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_env.h"

namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;
};

RunResult run(const std::string& args) {
  const std::string command = keelson::testing::keelsonBinary() + " detect " + args;
  RunResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::filesystem::path writeTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("keelson_detect_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(DetectCli, ScoresEveryRowInOrder) {
  std::string csv = "timestamp,value\n";
  for (int i = 0; i < 400; ++i) {
    csv += "2014-04-01 " + std::string(i / 60 < 10 ? "0" : "") + std::to_string(i / 60) + ":" +
           (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + ":00," +
           std::to_string(i == 350 ? 500 : 10 + i % 3) + "\n";
  }
  const auto path = writeTemp("ok.csv", csv);
  const RunResult r = run(path.string() + " 2>&1");
  std::filesystem::remove(path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 401u);
  EXPECT_EQ(out[0], "timestamp,value,anomaly_score");
  EXPECT_EQ(out[1], "2014-04-01 00:00:00,10,0.000000");
  // Row 350 (a spike to 500 after a quiet period) scores 1.
  EXPECT_EQ(out[351], "2014-04-01 05:50:00,500,1.000000");
  for (std::size_t i = 1; i < out.size(); ++i) {
    const double score = std::stod(out[i].substr(out[i].rfind(',') + 1));
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
  }
}

TEST(DetectCli, ReadsStandardInput) {
  const auto path = writeTemp("stdin.csv", "timestamp,value\n1396310400,1\n1396310700,2\n");
  const RunResult r = run("- < " + path.string() + " 2>&1");
  std::filesystem::remove(path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(lines(r.out).size(), 3u);
}

TEST(DetectCli, BadRowIsAnErrorNamingTheLine) {
  const auto path =
      writeTemp("bad.csv", "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,x\n");
  const RunResult r = run(path.string() + " 2>&1 >/dev/null");
  ASSERT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(path.string() + ":3: value \"x\""), std::string::npos) << r.out;
  std::filesystem::remove(path);
}

TEST(DetectCli, MissingFileIsAnError) {
  const RunResult r = run("/nonexistent/series.csv 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("/nonexistent/series.csv: cannot open"), std::string::npos) << r.out;
}

}  // namespace
