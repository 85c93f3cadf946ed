#include "monitor/monitor_test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "common/test_env.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

extern char** environ;

namespace keelson::testing {

std::vector<std::map<std::string, std::string>> CsvFile::records() const {
  std::vector<std::map<std::string, std::string>> out;
  for (const auto& row : rows) {
    std::map<std::string, std::string> record;
    for (std::size_t i = 0; i < row.size() && i < header.size(); ++i) record[header[i]] = row[i];
    out.push_back(std::move(record));
  }
  return out;
}

CsvFile readCsv(const std::string& path) {
  const auto result = run({"python3", "-c",
                           "import csv, json, sys\n"
                           "with open(sys.argv[1], newline='') as f:\n"
                           "    print(json.dumps(list(csv.reader(f, strict=True))))\n",
                           path});
  CsvFile out;
  if (result.exit_code != 0) {
    ADD_FAILURE() << "python csv cannot read " << path << ": " << result.err;
    return out;
  }
  auto rows = nlohmann::json::parse(result.out).get<std::vector<std::vector<std::string>>>();
  if (rows.empty()) return out;
  out.header = rows.front();
  out.rows.assign(rows.begin() + 1, rows.end());
  return out;
}

nlohmann::json sqliteQuery(const std::string& path, const std::string& sql) {
  const auto result = run({"python3", "-c",
                           "import json, sqlite3, sys\n"
                           "db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n"
                           "print(json.dumps(db.execute(sys.argv[2]).fetchall()))\n",
                           path, sql});
  if (result.exit_code != 0) {
    ADD_FAILURE() << "sqlite3 cannot query " << path << ": " << result.err;
    return nlohmann::json::array();
  }
  return nlohmann::json::parse(result.out);
}

BackgroundKeelson::BackgroundKeelson(const std::vector<std::string>& args) {
  err_path_ = "/tmp/keelson-bg-" + std::to_string(::getpid()) + "-" +
              std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".err";
  std::vector<std::string> argv = {keelson::testing::keelsonBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  if (posix_spawn(&pid_, c_argv[0], &actions, nullptr, c_argv.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_GT(pid_, 0) << "cannot start " << argv[0];
}

BackgroundKeelson::~BackgroundKeelson() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::unlink(err_path_.c_str());
}

void BackgroundKeelson::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

int BackgroundKeelson::wait(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  int status = 0;
  const bool exited =
      eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
  if (!exited) return -1;
  pid_ = -1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::string BackgroundKeelson::stderrText() const {
  std::ifstream in(err_path_);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

PrometheusServer::PrometheusServer(const std::filesystem::path& dir, const std::string& openmetrics,
                                   const std::string& config)
    : port_(freePort()) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "prometheus.yml") << config;
  if (!openmetrics.empty()) {
    std::ofstream(dir / "series.om") << openmetrics;
    const auto backfill = run({"promtool", "tsdb", "create-blocks-from", "openmetrics",
                               (dir / "series.om").string(), (dir / "data").string()});
    EXPECT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
  }
  const std::string argv0 = "/usr/bin/prometheus";
  pid_ = ::fork();
  if (pid_ == 0) {
    const std::string config_flag = "--config.file=" + (dir / "prometheus.yml").string();
    const std::string storage = "--storage.tsdb.path=" + (dir / "data").string();
    const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    const std::string log = (dir / "prometheus.log").string();
    std::freopen(log.c_str(), "w", stderr);
    ::execl(argv0.c_str(), argv0.c_str(), config_flag.c_str(), storage.c_str(), listen.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string PrometheusServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool PrometheusServer::ready() const {
  return run({"python3", "-c",
              "import sys, urllib.request\n"
              "urllib.request.urlopen(sys.argv[1] + '/-/ready', timeout=2)\n",
              url()})
             .exit_code == 0;
}

}  // namespace keelson::testing
