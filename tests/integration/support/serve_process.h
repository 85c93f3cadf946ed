#pragma once
// A `keelson serve` child process for integration tests, and a small HTTP GET through curl.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/test_cluster.h"

namespace keelson::testing {

/// A loopback port nobody listens on right now (the kernel's choice for an ephemeral bind).
int freePort();

/// One HTTP answer: status 0 when curl could not connect or timed out.
struct HttpAnswer {
  int status = 0;
  std::string body;
};

/// GET http://127.0.0.1:`port``path` with curl (10 s limit).
HttpAnswer httpGet(int port, const std::string& path);

/// `keelson serve --kubeconfig <cluster> --address 127.0.0.1 --port <free> <extra_args>`,
/// started by start() and killed (SIGKILL) by kill() or the destructor.
class ServeProcess {
 public:
  ServeProcess() = default;
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess() { kill(); }

  /// Forks and execs the server with LOG_LEVEL=info. Returns false if fork failed.
  bool start(const TestCluster& cluster, const std::vector<std::string>& extra_args = {});
  /// SIGKILL and reap; no-op when not running.
  void kill();
  /// Sends `signal` and waits up to `timeout` for the exit; returns the wait status, or -1 if
  /// the process did not exit in time.
  int signalAndWait(int signal, std::chrono::seconds timeout);

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  HttpAnswer get(const std::string& path) const { return httpGet(port_, path); }
  /// Polls `path` every 250 ms until it answers `status` or `timeout` passes; returns the last
  /// answer.
  HttpAnswer waitFor(const std::string& path, int status,
                     std::chrono::seconds timeout = std::chrono::seconds(60)) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace keelson::testing
