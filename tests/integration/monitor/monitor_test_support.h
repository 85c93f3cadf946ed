#pragma once
// Helpers for the `keelson monitor` integration tests: an independent CSV reader (Python's csv
// module) and a keelson process running in the background.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace keelson::testing {

/// A CSV file as Python's csv module reads it: the header and every row (as lists of cells).
struct CsvFile {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// The rows as column → cell maps (rows shorter than the header get only their cells).
  std::vector<std::map<std::string, std::string>> records() const;
};

/// Reads `path` with Python's csv module (RFC 4180); fails the test when Python cannot.
CsvFile readCsv(const std::string& path);

/// Runs `sql` on the SQLite database `path` with Python's sqlite3 module and returns the rows.
nlohmann::json sqliteQuery(const std::string& path, const std::string& sql);

/// The keelson binary running in the background (stdout and stderr go to files in /tmp).
class BackgroundKeelson {
 public:
  explicit BackgroundKeelson(const std::vector<std::string>& args);
  ~BackgroundKeelson();  ///< SIGKILLs the process if it is still running.
  BackgroundKeelson(const BackgroundKeelson&) = delete;
  BackgroundKeelson& operator=(const BackgroundKeelson&) = delete;

  /// Sends `signal` to the process.
  void signal(int signal) const;
  /// Waits up to `timeout` for the process to exit; returns its exit code, 128+signal when
  /// killed, or -1 when it is still running.
  int wait(std::chrono::seconds timeout);
  /// What the process wrote to standard error so far.
  std::string stderrText() const;

 private:
  pid_t pid_ = -1;
  std::string err_path_;
};

/// A Prometheus server (Debian's /usr/bin/prometheus) on 127.0.0.1 and a free port, run with
/// `config` (prometheus.yml; rule_files relative to `dir`), whose TSDB holds `openmetrics`
/// (when not empty), backfilled by promtool. Its files and log are in `dir`. SIGTERMed and
/// waited for on destruction.
class PrometheusServer {
 public:
  PrometheusServer(const std::filesystem::path& dir, const std::string& openmetrics,
                   const std::string& config = "global:\n  scrape_interval: 1m\n");
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  /// http://127.0.0.1:PORT
  std::string url() const;
  /// Whether its /-/ready answers 200.
  bool ready() const;

 private:
  int port_;
  pid_t pid_ = -1;
};

/// Polls `ready` every 200 ms for up to `timeout`; returns whether it became true.
template <class Predicate>
bool eventually(Predicate ready, std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace keelson::testing

#include <thread>

namespace keelson::testing {

template <class Predicate>
bool eventually(Predicate ready, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return ready();
}

}  // namespace keelson::testing
