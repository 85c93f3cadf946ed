// Exec credential plugins (kube/kubeconfig_exec.h): the ExecCredential parser and a real plugin
// process (tests/data/kube/config/exec/exec_plugin.sh) run through ExecCredentialSource.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "common/fake_clock.h"
#include "core/error.h"
#include "kube/kubeconfig.h"
#include "kube/kubeconfig_exec.h"
#include "test_kubeconfig_util.h"

namespace keelson::kube {
namespace {

using keelson::testing::FakeClock;
using std::chrono::system_clock;
using testing::configData;
using ::testing::HasSubstr;
using testing::readFile;
using testing::TempDir;
using testing::writeFile;

constexpr const char* kV1 = "client.authentication.k8s.io/v1";

system_clock::time_point utc(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d)) +
         std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
}

TEST(ParseRfc3339, AcceptsTheFormsPluginsPrint) {
  EXPECT_EQ(parseRfc3339("2024-05-01T10:00:00Z"), utc(2024, 5, 1, 10, 0, 0));
  EXPECT_EQ(parseRfc3339("2024-05-01T12:00:00+02:00"), utc(2024, 5, 1, 10, 0, 0));
  EXPECT_EQ(parseRfc3339("2024-05-01T08:30:00-01:30"), utc(2024, 5, 1, 10, 0, 0));
  EXPECT_EQ(parseRfc3339("2024-05-01T10:00:00.25Z"),
            utc(2024, 5, 1, 10, 0, 0) + std::chrono::milliseconds(250));
  EXPECT_FALSE(parseRfc3339("2024-05-01 10:00"));
  EXPECT_FALSE(parseRfc3339("2024-02-30T10:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2024-05-01T10:00:00"));  // no zone
  EXPECT_FALSE(parseRfc3339("2024-05-01T10:00:00Zjunk"));
}

TEST(ParseExecCredential, ReadsTokenCertificateAndExpiry) {
  const ExecCredential credential = parseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"abc","clientCertificateData":"CERT","clientKeyData":"KEY",
                    "expirationTimestamp":"2030-01-02T03:04:05Z"}})",
      kV1);
  EXPECT_EQ(credential.token, "abc");
  EXPECT_EQ(credential.client_cert_pem, "CERT");
  EXPECT_EQ(credential.client_key_pem, "KEY");
  EXPECT_EQ(credential.expiration, utc(2030, 1, 2, 3, 4, 5));
}

TEST(ParseExecCredential, RejectsWhatClientGoRejects) {
  const auto message = [](std::string_view json, std::string_view version = kV1) {
    try {
      parseExecCredential(json, version);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message("token: abc"), HasSubstr("not a JSON object"));
  EXPECT_THAT(message(R"({"kind":"Secret","apiVersion":"client.authentication.k8s.io/v1"})"),
              HasSubstr("kind is \"Secret\""));
  EXPECT_THAT(
      message(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1",
                  "status":{"token":"x"}})"),
      HasSubstr("apiVersion is \"client.authentication.k8s.io/v1beta1\", want "
                "\"client.authentication.k8s.io/v1\""));
  EXPECT_THAT(message(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
                          "status":{}})"),
              HasSubstr("neither token nor clientCertificateData"));
  EXPECT_THAT(message(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
                          "status":{"clientCertificateData":"C"}})"),
              HasSubstr("must be given together"));
  EXPECT_THAT(message(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
                          "status":{"token":"x","expirationTimestamp":"tomorrow"}})"),
              HasSubstr("\"tomorrow\" is not an RFC 3339 time"));
}

TEST(ExecInfoJson, CarriesClusterOnlyWhenAsked) {
  ExecConfig exec;
  exec.api_version = kV1;
  ClusterConfig cluster;
  cluster.server = "https://1.2.3.4:6443";
  cluster.ca_pem = "PEM";
  auto info = nlohmann::json::parse(execInfoJson(exec, cluster));
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["apiVersion"], kV1);
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_FALSE(info["spec"].contains("cluster"));

  exec.provide_cluster_info = true;
  info = nlohmann::json::parse(execInfoJson(exec, cluster));
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://1.2.3.4:6443");
  EXPECT_EQ(info["spec"]["cluster"]["certificate-authority-data"], "UEVN");  // base64("PEM")
}

// Runs the fixture plugin from tests/data/kube/config/exec/config with its state in a temp dir.
class ExecPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("KEELSON_PLUGIN_STATE", state_.path().c_str(), 1);
    config_ = resolveKubeconfig(readKubeconfigFiles({configData("exec/config")}, false), "");
    config_.ca_pem = "TEST-CA";
    ASSERT_TRUE(config_.exec);
  }
  void TearDown() override { ::unsetenv("KEELSON_PLUGIN_STATE"); }

  TempDir state_;
  ClusterConfig config_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>(utc(2029, 12, 31, 23, 0, 0));
};

TEST_F(ExecPluginTest, RunsWithArgvEnvAndExecInfoWithoutAShell) {
  const std::string out =
      runExecPlugin(*config_.exec, execInfoJson(*config_.exec, config_), std::chrono::seconds(10));
  EXPECT_EQ(parseExecCredential(out, kV1).token, "token-1");
  // Arguments arrive verbatim: no shell expanded "$HOME" or ran "rm".
  EXPECT_EQ(readFile(state_ / "args"), "--cluster\nlocal cluster\n$HOME;rm -rf /\n");
  EXPECT_EQ(readFile(state_ / "greeting"), "hello from kubeconfig");
  const auto info = nlohmann::json::parse(readFile(state_ / "exec_info"));
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://127.0.0.1:6443");
}

TEST_F(ExecPluginTest, CachesUntilExpiryThenRunsAgain) {
  writeFile(state_ / "expiry", "2030-01-01T00:00:00Z");
  ExecCredentialSource source(config_, clock_);
  EXPECT_EQ(source.current().bearer_token, "token-1");
  EXPECT_EQ(source.current().bearer_token, "token-1");
  EXPECT_EQ(readFile(state_ / "count"), "1\n");  // cached: one run
  // Past the expiry: the plugin runs again (and now hands out a credential valid for a day).
  writeFile(state_ / "expiry", "2030-01-02T00:00:00Z");
  clock_->advance(utc(2030, 1, 1, 0, 0, 1) - clock_->wallNow());
  EXPECT_EQ(source.current().bearer_token, "token-2");
  EXPECT_EQ(source.current().bearer_token, "token-2");
  EXPECT_EQ(readFile(state_ / "count"), "2\n");
}

TEST_F(ExecPluginTest, WithoutExpiryCachesUntilUnauthorized) {
  ExecCredentialSource source(config_, clock_);
  const Credentials first = source.current();
  clock_->advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(source.current().bearer_token, "token-1");
  // A 401 with the cached credential: the plugin runs again and the new token is worth a retry.
  EXPECT_TRUE(source.refreshAfterUnauthorized(first));
  EXPECT_EQ(source.current().bearer_token, "token-2");
  // A late 401 for the old credential does not run the plugin again.
  EXPECT_TRUE(source.refreshAfterUnauthorized(first));
  EXPECT_EQ(readFile(state_ / "count"), "2\n");
}

TEST_F(ExecPluginTest, FailureShowsExitStatusAndStderr) {
  writeFile(state_ / "fail", "no credentials configured");
  ExecCredentialSource source(config_, clock_);
  try {
    source.current();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_THAT(e.what(), HasSubstr("exec_plugin.sh: exited with status 3: plugin failure: no "
                                    "credentials configured"));
  }
}

TEST_F(ExecPluginTest, WrongApiVersionInOutputIsRejected) {
  writeFile(state_ / "api_version", "client.authentication.k8s.io/v1beta1");
  ExecCredentialSource source(config_, clock_);
  EXPECT_THROW(
      {
        try {
          source.current();
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("exec_plugin.sh: output: apiVersion is"));
          throw;
        }
      },
      Error);
}

TEST_F(ExecPluginTest, MissingProgramShowsInstallHint) {
  config_.exec->command = (state_ / "no-such-plugin").string();
  try {
    runExecPlugin(*config_.exec, "{}", std::chrono::seconds(5));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_THAT(e.what(), HasSubstr("cannot run: No such file or directory (install the test "
                                    "plugin)"));
  }
}

TEST_F(ExecPluginTest, HangingPluginIsKilledAtTheTimeout) {
  ExecConfig exec;
  exec.api_version = kV1;
  exec.command = "sleep";
  exec.args = {"30"};
  try {
    runExecPlugin(exec, "{}", std::chrono::milliseconds(200));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
    EXPECT_THAT(e.what(), HasSubstr("exec plugin sleep: no answer within 200 ms; killed"));
  }
}

TEST_F(ExecPluginTest, StaticTokenWinsOverPluginLikeClientGo) {
  config_.bearer_token = "static";
  const auto source = makeCredentialSource(config_, clock_);
  EXPECT_EQ(source->current().bearer_token, "static");
  EXPECT_FALSE(std::filesystem::exists(state_ / "count"));  // the plugin never ran
}

}  // namespace
}  // namespace keelson::kube
