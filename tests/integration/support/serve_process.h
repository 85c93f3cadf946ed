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
/// GET `url` with curl (10 s limit) and `curl_args` (headers, --cacert, ...).
HttpAnswer curlGet(const std::string& url, const std::vector<std::string>& curl_args = {});

/// `keelson serve --kubeconfig <cluster> --address 127.0.0.1 --port <free> <extra_args>`
/// (with --authentication=none unless `extra_args` choose), started by start() and killed
/// (SIGKILL) by kill() or the destructor.
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
  /// Speak HTTPS, checking the server against the PEM certificate `cacert`.
  void useHttps(const std::string& cacert) {
    scheme_ = "https";
    curl_args_ = {"--cacert", cacert};
  }
  /// GET `path`, with "Authorization: Bearer `bearer`" unless it is empty.
  HttpAnswer get(const std::string& path, const std::string& bearer = {}) const;
  /// Polls `path` every 250 ms until it answers `status` or `timeout` passes; returns the last
  /// answer.
  HttpAnswer waitFor(const std::string& path, int status,
                     std::chrono::seconds timeout = std::chrono::seconds(60),
                     const std::string& bearer = {}) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string scheme_ = "http";
  std::vector<std::string> curl_args_;
};

}  // namespace keelson::testing
