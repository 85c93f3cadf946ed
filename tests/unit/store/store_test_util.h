#pragma once

#include "common/files.h"
#include "common/temp_dir.h"

// Helpers for the store tests: a temporary directory, running a command for its output, a raw
// SQLite connection and Python's csv module as independent readers, a forked writer to SIGKILL,
// a fake environment.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace keelson::store::test {

using keelson::testing::readFile;

using keelson::testing::TempDir;

/// What a command printed on stdout and its exit status (-1 when it did not exit normally).
struct CommandResult {
  int exit_code = -1;
  std::string out;
};

/// Runs `command` through /bin/sh, capturing stdout (stderr goes where the test's goes unless
/// the command redirects it).
inline CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Single-quotes `text` for /bin/sh.
inline std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

/// Parses the CSV file at `path` with Python's csv module (strict mode: a malformed record is an
/// error) and returns its records; fails the test and returns nullopt when Python refuses it.
inline std::optional<std::vector<std::vector<std::string>>> pythonReadCsv(
    const std::filesystem::path& path) {
  const std::string script =
      "import csv, json, sys\n"
      "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
      "    print(json.dumps(list(csv.reader(f, strict=True))))\n";
  const CommandResult r =
      runCommand("python3 -c " + shellQuote(script) + " " + shellQuote(path.string()));
  EXPECT_EQ(r.exit_code, 0) << "python3 csv could not read " << path;
  if (r.exit_code != 0) return std::nullopt;
  return nlohmann::json::parse(r.out).get<std::vector<std::vector<std::string>>>();
}

/// An independent reader: a raw read-only sqlite3 connection.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close_v2(db_); }

  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return value;
  }
  std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

/// Runs `sql` on `path` through a raw read-write sqlite3 connection (to tamper with a file).
inline void execRaw(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  sqlite3_close(db);
}

/// A forked child that runs `body(report_fd)`, which writes std::int64_t reports to the fd as it
/// commits (and _exits on failure, never returning normally); the parent counts the reports and
/// SIGKILLs the child. A child still running when this goes away is killed and reaped.
class ForkedWriter {
 public:
  template <typename Body>
  explicit ForkedWriter(Body body) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    child_ = pid_;
    if (pid_ == 0) {
      ::close(fds[0]);
      body(fds[1]);
      ::_exit(5);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ForkedWriter(const ForkedWriter&) = delete;
  ForkedWriter& operator=(const ForkedWriter&) = delete;
  ~ForkedWriter() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }

  /// The child's pid (also after kill()).
  pid_t pid() const { return child_; }
  /// Reads reports until `count` have arrived in all (true), or the child closed the pipe.
  bool waitForReports(std::int64_t count) {
    while (reports_ < count && ::read(fd_, &last_, sizeof last_) == sizeof last_) ++reports_;
    return reports_ >= count;
  }
  /// SIGKILLs the child, reaps it, then reads the reports it sent before dying. False (and a
  /// test failure) when it had already died on its own.
  bool kill() {
    const pid_t pid = pid_;
    pid_ = -1;
    int status = 0;
    const bool killed = ::kill(pid, SIGKILL) == 0 && ::waitpid(pid, &status, 0) == pid &&
                        WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    EXPECT_TRUE(killed) << "the child failed on its own, status " << status;
    while (::read(fd_, &last_, sizeof last_) == sizeof last_) ++reports_;
    return killed;
  }
  /// How many reports arrived, and the last one.
  std::int64_t reports() const { return reports_; }
  std::int64_t lastReport() const { return last_; }

 private:
  pid_t pid_ = -1;
  pid_t child_ = -1;
  int fd_ = -1;
  std::int64_t reports_ = 0;
  std::int64_t last_ = 0;
};

/// A fake environment for functions taking an EnvLookup-like getenv: `vars`, nothing else.
inline std::function<const char*(const char*)> fakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

/// Appends raw bytes (to fake a torn write).
inline void appendRaw(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

}  // namespace keelson::store::test
