#pragma once
// A long-running keelson process for integration tests (agent, backend): its output goes to a
// log file (a pipe nobody reads would fill and stall it), and a polling helper for conditions
// that become true eventually.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace keelson::testing {

/// `keelson ARGS...` with stdin from /dev/null and stdout + stderr appended to a log file;
/// SIGKILLed and reaped when destroyed.
class KeelsonProcess {
 public:
  KeelsonProcess() = default;
  KeelsonProcess(const KeelsonProcess&) = delete;
  KeelsonProcess& operator=(const KeelsonProcess&) = delete;
  ~KeelsonProcess() { kill(9); }

  /// Starts the keelson binary under test; fails the test (ADD_FAILURE) if it cannot.
  void start(const std::vector<std::string>& args, const std::filesystem::path& log);
  /// Sends `signal` and waits up to `timeout` for the exit. Returns the exit code (128 + the
  /// signal when a signal ended it), or -1 when it is not running or did not end in time.
  int kill(int signal, std::chrono::seconds timeout = std::chrono::seconds(60));

 private:
  pid_t pid_ = -1;
};

/// Polls `condition` every 250 ms until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout);

/// The last `bytes` of the file at `path` ("" when it cannot be read), for failure messages.
std::string tailOf(const std::filesystem::path& path, std::size_t bytes = 6000);

}  // namespace keelson::testing
