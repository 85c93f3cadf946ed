// loadConfig's resolution order (flag, KUBECONFIG, in-cluster, ~/.kube/config), the in-cluster
// configuration and token-file rotation (kube/cluster_config.h, kube/in_cluster.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/fake_clock.h"
#include "core/error.h"
#include "kube/cluster_config.h"
#include "kube/in_cluster.h"
#include "test_kubeconfig_util.h"

namespace keelson::kube {
namespace {

using keelson::testing::FakeClock;
using testing::configData;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::writeFile;

// ConfigOptions with a fake environment and service-account directory.
class LoadConfigTest : public ::testing::Test {
 protected:
  ConfigOptions options() {
    ConfigOptions options;
    options.serviceaccount_dir = sa_dir_;
    options.getenv = [this](const std::string& name) -> std::optional<std::string> {
      const auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return options;
  }
  void makeServiceAccount(const std::string& token) {
    writeFile(sa_dir_ / "token", token);
    writeFile(sa_dir_ / "ca.crt", "SA-CA");
    writeFile(sa_dir_ / "namespace", "keelson-system\n");
  }

  TempDir home_;
  TempDir root_;
  std::filesystem::path sa_dir_ = root_ / "serviceaccount";
  std::map<std::string, std::string> env_{{"HOME", home_.path().string()}};
};

TEST_F(LoadConfigTest, ExplicitFlagWinsOverEverything) {
  makeServiceAccount("sa");
  env_["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  env_["KUBERNETES_SERVICE_PORT"] = "443";
  env_["KUBECONFIG"] = configData("a/config").string();
  auto opts = options();
  opts.kubeconfig_path = configData("b/config");
  const ClusterConfig config = loadConfig(opts);
  EXPECT_EQ(config.server, "https://ci.example.com/");
  EXPECT_EQ(config.bearer_token, "ci-static-token");
}

TEST_F(LoadConfigTest, ExplicitFlagMustExist) {
  auto opts = options();
  opts.kubeconfig_path = root_ / "missing";
  try {
    loadConfig(opts);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing: file does not exist"));
  }
}

TEST_F(LoadConfigTest, KubeconfigListIsMergedAndContextFlagApplies) {
  env_["KUBECONFIG"] = configData("b/config").string() + ":" + (root_ / "nope").string() +
                       "::" + configData("a/config").string();
  auto opts = options();
  ClusterConfig config = loadConfig(opts);
  EXPECT_EQ(config.server, "https://ci.example.com/");  // current-context "ci" from b (first)
  opts.context = "dev-file-token";
  config = loadConfig(opts);
  EXPECT_EQ(config.server, "https://shadowed.example.com");  // b's "dev" cluster wins
  EXPECT_EQ(config.token_file, configData("a/token"));       // user only in a
}

TEST_F(LoadConfigTest, KubeconfigListOfMissingFilesIsAnError) {
  env_["KUBECONFIG"] = (root_ / "x").string() + ":" + (root_ / "y").string();
  try {
    loadConfig(options());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_THAT(e.what(), HasSubstr("none of the files exists"));
  }
}

TEST_F(LoadConfigTest, InClusterBeforeHomeConfig) {
  makeServiceAccount("sa-token\n");
  writeFile(home_ / ".kube/config", testing::readFile(configData("b/config")));
  env_["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  env_["KUBERNETES_SERVICE_PORT"] = "443";
  const ClusterConfig config = loadConfig(options());
  EXPECT_EQ(config.server, "https://10.96.0.1:443");
  EXPECT_EQ(config.ca_pem, "SA-CA");
  EXPECT_EQ(config.bearer_token, "sa-token");
  EXPECT_EQ(config.token_file, sa_dir_ / "token");
  EXPECT_EQ(config.namespace_name, "keelson-system");
  EXPECT_THAT(config.source, HasSubstr("in-cluster"));

  // An explicit --context means "a kubeconfig", as with kubectl.
  auto opts = options();
  opts.context = "ci";
  EXPECT_EQ(loadConfig(opts).server, "https://ci.example.com/");
}

TEST_F(LoadConfigTest, InClusterNeedsServiceHost) {
  makeServiceAccount("sa");
  writeFile(home_ / ".kube/config", testing::readFile(configData("b/config")));
  EXPECT_EQ(loadConfig(options()).server, "https://ci.example.com/");  // falls through to home
}

TEST_F(LoadConfigTest, InClusterIpv6HostIsBracketed) {
  makeServiceAccount("sa");
  env_["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  env_["KUBERNETES_SERVICE_PORT"] = "6443";
  EXPECT_EQ(loadConfig(options()).server, "https://[fd00::1]:6443");
}

TEST_F(LoadConfigTest, NothingFoundExplainsWhereItLooked) {
  try {
    loadConfig(options());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_THAT(e.what(), HasSubstr("no Kubernetes configuration"));
    EXPECT_THAT(e.what(), HasSubstr((home_ / ".kube/config").string() + " does not exist"));
  }
}

TEST(InClusterConfig, EmptyTokenIsAnError) {
  TempDir dir;
  writeFile(dir / "token", "\n");
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBERNETES_SERVICE_HOST") return "10.0.0.1";
    if (name == "KUBERNETES_SERVICE_PORT") return "443";
    return std::nullopt;
  };
  EXPECT_THROW(loadInClusterConfig(dir.path(), env), Error);
}

TEST(InClusterConfig, FixtureDirectory) {
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBERNETES_SERVICE_HOST") return "10.0.0.1";
    if (name == "KUBERNETES_SERVICE_PORT") return "443";
    return std::nullopt;
  };
  const ClusterConfig config = loadInClusterConfig(configData("serviceaccount"), env);
  EXPECT_EQ(config.bearer_token, "sa-token-1");
  EXPECT_EQ(config.namespace_name, "keelson-system");
  EXPECT_EQ(config.ca_pem, testing::readFile(configData("serviceaccount/ca.crt")));
}

// Projected service-account tokens rotate: the file is re-read after kTokenFileRefreshInterval
// and immediately after a 401.
TEST(TokenFileCredentials, RereadAfterIntervalAndAfterUnauthorized) {
  TempDir dir;
  writeFile(dir / "token", "token-a\n");
  ClusterConfig config;
  config.token_file = dir / "token";
  const auto clock = std::make_shared<FakeClock>();
  const auto source = makeCredentialSource(config, clock);
  EXPECT_EQ(source->current().bearer_token, "token-a");

  writeFile(dir / "token", "token-b");
  clock->advance(std::chrono::seconds(59));
  EXPECT_EQ(source->current().bearer_token, "token-a");  // still fresh in memory
  clock->advance(std::chrono::seconds(1));
  EXPECT_EQ(source->current().bearer_token, "token-b");  // 60 s: re-read

  writeFile(dir / "token", "token-c");
  const Credentials rejected = source->current();
  EXPECT_TRUE(source->refreshAfterUnauthorized(rejected));  // 401: re-read now
  EXPECT_EQ(source->current().bearer_token, "token-c");
  // A 401 with an unchanged file is not worth a retry.
  EXPECT_FALSE(source->refreshAfterUnauthorized(source->current()));
}

TEST(TokenFileCredentials, KeepsLastGoodTokenWhenTheFileDisappears) {
  TempDir dir;
  writeFile(dir / "token", "token-a");
  ClusterConfig config;
  config.token_file = dir / "token";
  const auto clock = std::make_shared<FakeClock>();
  const auto source = makeCredentialSource(config, clock);
  std::filesystem::remove(dir / "token");
  clock->advance(std::chrono::minutes(5));
  EXPECT_EQ(source->current().bearer_token, "token-a");
}

TEST(TokenFileCredentials, UnreadableAtStartWithoutFallbackIsAnError) {
  TempDir dir;
  ClusterConfig config;
  config.token_file = dir / "missing";
  try {
    makeCredentialSource(config);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_THAT(e.what(), HasSubstr("missing: cannot read: No such file or directory"));
  }
  config.bearer_token = "fallback";
  EXPECT_EQ(makeCredentialSource(config)->current().bearer_token, "fallback");
}

TEST(StaticCredentials, CarryTokenAndCertificateAndNeverRefresh) {
  ClusterConfig config;
  config.bearer_token = "t";
  config.client_cert_pem = "C";
  config.client_key_pem = "K";
  const auto source = makeCredentialSource(config);
  EXPECT_EQ(source->current(), (Credentials{"t", "C", "K"}));
  EXPECT_FALSE(source->refreshAfterUnauthorized(source->current()));
}

}  // namespace
}  // namespace keelson::kube
