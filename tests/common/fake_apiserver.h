#pragma once

// A real HTTPS server on 127.0.0.1 for client tests: python3 running fake_apiserver.py, with
// certificates the openssl CLI makes at start-up.

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <string>

#include "common/child_process.h"
#include "common/prerequisite.h"
#include "common/temp_dir.h"
#include "common/test_env.h"

namespace keelson::testing {

/// tests/common/fake_apiserver.py serving HTTPS on 127.0.0.1 from a temporary directory
/// holding its certificates (ca.crt, wrong-ca.crt, client.crt/key, ...). For a test suite's
/// SetUpTestSuite: url() is empty when the server did not start (no python3 or openssl).
class FakeApiserver {
 public:
  /// Starts `script` and waits (at most a minute) for its "PORT <n>" line.
  explicit FakeApiserver(const std::string& script = sourceDir() +
                                                     "/tests/common/fake_apiserver.py") {
    try {
      process_ = ChildProcess({"python3", script, "--dir", dir_.path().string()});
      const std::string line = process_.readLine(std::chrono::seconds(60));
      if (line.rfind("PORT ", 0) == 0) url_ = "https://127.0.0.1:" + line.substr(5);
    } catch (const std::exception&) {
      url_.clear();  // python3 missing: the caller skips or fails
    }
  }
  /// "https://127.0.0.1:<port>", or "" when the server did not start.
  const std::string& url() const { return url_; }
  /// A file the server made, e.g. file("ca.crt").
  std::filesystem::path file(const std::string& name) const { return dir_.path() / name; }
  /// What the server wrote to stderr when it failed to start (waits for its exit).
  std::string startupError() { return process_.wait(std::chrono::seconds(5)).err; }

 private:
  TempDir dir_;
  ChildProcess process_;
  std::string url_;
};

/// A test suite sharing one FakeApiserver: started before the suite's first test, stopped
/// after its last. Each test skips (fails under CI=true) when the server did not start.
class FakeApiserverSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new FakeApiserver(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (url().empty()) {
      KEELSON_MISSING_PREREQUISITE(
          "fake_apiserver.py (python3, openssl) did not start: " << server_->startupError());
    }
  }

  /// "https://127.0.0.1:<port>" of the suite's server.
  static const std::string& url() { return server_->url(); }
  /// A file the server made: "ca.crt", "wrong-ca.crt", "client.crt", "client.key", ...
  static std::filesystem::path file(const std::string& name) { return server_->file(name); }

 private:
  static inline FakeApiserver* server_ = nullptr;
};

}  // namespace keelson::testing
