// Bad input to the keelson binary: a clear message naming the input, a non-zero exit, no crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/prerequisite.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

class CliErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / uniqueName("keelson-cli");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  // A capture of the cluster only matters here: --interval 0 keeps the host part quick.
  CommandOutput captureWith(const std::string& kubeconfig,
                            const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"capture",    "-o", "json",         "--no-collector.gluster",
                                     "--interval", "0",  "--kubeconfig", kubeconfig};
    args.insert(args.end(), extra.begin(), extra.end());
    return runKeelson(args);
  }

  static CommandOutput expectBadInput(const CommandOutput& result) {
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_EQ(result.out, "");
    return result;
  }

  // The capture still reports the host, marks the cluster failed, and exits 2.
  static json expectClusterError(const CommandOutput& result) {
    EXPECT_EQ(result.exit_code, 2) << result.err;
    const json doc = json::parse(result.out);
    EXPECT_TRUE(doc.at("host").contains("memory"));
    EXPECT_EQ(doc.at("cluster").at("status"), "error");
    return doc.at("cluster").at("error");
  }

  std::filesystem::path dir_;
};

constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: SERVER
    certificate-authority-data: CA
contexts:
- name: dev
  context: {cluster: c, user: u}
- name: ci
  context: {cluster: c, user: u}
current-context: dev
users:
- name: u
  user: {token: not-a-real-token}
)";

std::string kubeconfigFor(const std::string& server, const std::string& ca_b64) {
  std::string text = kKubeconfig;
  text.replace(text.find("SERVER"), 6, server);
  text.replace(text.find("CA"), 2, ca_b64);
  return text;
}

// A kubeconfig that cannot be used is bad input: exit 1 with the reason, nothing on stdout.
TEST_F(CliErrors, UnreadableKubeconfigNamesTheFile) {
  const auto result = expectBadInput(captureWith((dir_ / "missing").string()));
  EXPECT_NE(result.err.find((dir_ / "missing").string()), std::string::npos) << result.err;
}

TEST_F(CliErrors, MalformedKubeconfigNamesTheFile) {
  const auto path = write("bad", "clusters: [\n  - name: x\n  cluster: {server: \n");
  const auto result = expectBadInput(captureWith(path));
  EXPECT_NE(result.err.find(path), std::string::npos) << result.err;
}

TEST_F(CliErrors, UnknownContextListsTheKnownOnes) {
  const auto path = write("config", kubeconfigFor("https://127.0.0.1:1", "AAAA"));
  const std::string message = expectBadInput(captureWith(path, {"--context", "prod"})).err;
  EXPECT_NE(message.find("\"prod\""), std::string::npos) << message;
  EXPECT_NE(message.find("dev"), std::string::npos) << message;
  EXPECT_NE(message.find("ci"), std::string::npos) << message;
}

TEST_F(CliErrors, ServerDownIsUnavailable) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  const auto path = write("config", kubeconfigFor("https://127.0.0.1:1", "AAAA"));
  const json error = expectClusterError(captureWith(path));
  EXPECT_EQ(error.at("code"), "Unavailable");
  EXPECT_NE(error.at("message").get<std::string>().find("127.0.0.1:1"), std::string::npos) << error;
}

TEST_F(CliErrors, WrongCertificateAuthorityIsRefused) {
  TestCluster cluster;
  std::string why;
  if (!findTestCluster(cluster, why)) KEELSON_MISSING_PREREQUISITE(why);
  // The real API server, but trusting a CA that did not sign its certificate.
  const auto key = (dir_ / "ca.key").string(), crt = (dir_ / "ca.crt").string();
  ASSERT_EQ(
      run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=not-the-cluster-ca"})
          .exit_code,
      0);
  const auto b64 = run({"openssl", "base64", "-A", "-in", crt});
  const json config =
      json::parse(cluster.kubectlOk({"config", "view", "--raw", "--minify", "-o", "json"}));
  const std::string server = config.at("clusters").at(0).at("cluster").at("server");
  const json error =
      expectClusterError(captureWith(write("config", kubeconfigFor(server, b64.out))));
  EXPECT_EQ(error.at("code"), "Unavailable");
  EXPECT_NE(error.at("message").get<std::string>().find("certificate"), std::string::npos) << error;
}

TEST_F(CliErrors, HostRootThatIsNotARootFails) {
  const auto result = runKeelson({"host", "--host-root", dir_.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_NE(result.err.find(dir_.string()), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("proc"), std::string::npos) << result.err;
}

TEST_F(CliErrors, CaptureWithABadHostRootFailsBeforeTheCluster) {
  const auto result = runKeelson({"capture", "--host-root", (dir_ / "nope").string(),
                                  "--kubeconfig", (dir_ / "missing").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("nope"), std::string::npos) << result.err;
}

TEST_F(CliErrors, UnknownFlagIsAUsageError) {
  const auto result = runKeelson({"capture", "--no-such-flag"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("--no-such-flag"), std::string::npos) << result.err;
}

TEST_F(CliErrors, UnwritableOutputFileNamesIt) {
  const auto target = (dir_ / "no-such-dir" / "out.json").string();
  const auto result = runKeelson(
      {"host", "--no-collector.gluster", "--interval", "0", "-o", "json", "--output-file", target});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(target), std::string::npos) << result.err;
}

}  // namespace
}  // namespace keelson::testing
