// kubeconfig parsing, merging and resolution (kube/kubeconfig.h), on the fixtures in
// tests/data/kube/config and on small inline documents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "kube/kubeconfig.h"
#include "test_kubeconfig_util.h"

namespace keelson::kube {
namespace {

using testing::configData;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::writeFile;

// The message of the keelson::Error `fn` throws, checking its code.
template <typename Fn>
std::string errorOf(Fn&& fn, ErrorCode expected = ErrorCode::kBadInput) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(errorCodeName(e.code()), errorCodeName(expected)) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no keelson::Error thrown";
  return {};
}

TEST(Base64, DecodesPaddedInputAndIgnoresLineBreaks) {
  EXPECT_EQ(decodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(decodeBase64("aGVs\nbG8h\r\n"),
            "hell"
            "o!");
  EXPECT_EQ(decodeBase64("aGk="), "hi");
  EXPECT_EQ(decodeBase64("aA=="), "h");
  EXPECT_EQ(decodeBase64(""), "");
  // Binary content survives (a DER byte string with zero bytes).
  EXPECT_EQ(decodeBase64("AAEC/w=="), std::string("\x00\x01\x02\xff", 4));
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(decodeBase64("aGVsbG8"));       // length not a multiple of 4
  EXPECT_FALSE(decodeBase64("aGVs!G8="));      // not in the alphabet
  EXPECT_FALSE(decodeBase64("aG=sbG8="));      // padding in the middle
  EXPECT_FALSE(decodeBase64("aGVsbG8=aGk="));  // data after padding
  EXPECT_FALSE(decodeBase64("a==="));
}

TEST(ParseKubeconfig, ReadsClustersUsersContextsAndResolvesRelativePaths) {
  const Kubeconfig config = parseKubeconfig(R"(
current-context: dev
clusters:
- name: dev
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: pki/ca.crt
    tls-server-name: api.internal
users:
- name: me
  user:
    client-certificate: ../certs/me.crt
    client-key: /etc/keys/me.key
    token: t0k3n
    tokenFile: ./token
contexts:
- name: dev
  context: {cluster: dev, user: me, namespace: apps}
)",
                                            "/home/u/.kube/config");
  EXPECT_EQ(config.current_context, "dev");
  ASSERT_EQ(config.clusters.count("dev"), 1u);
  const auto& cluster = config.clusters.at("dev");
  EXPECT_EQ(cluster.server, "https://10.0.0.1:6443");
  EXPECT_EQ(cluster.certificate_authority, "/home/u/.kube/pki/ca.crt");
  EXPECT_EQ(cluster.tls_server_name, "api.internal");
  EXPECT_FALSE(cluster.insecure_skip_tls_verify);
  const auto& user = config.users.at("me");
  EXPECT_EQ(user.client_certificate, "/home/u/certs/me.crt");
  EXPECT_EQ(user.client_key, "/etc/keys/me.key");
  EXPECT_EQ(user.token, "t0k3n");
  EXPECT_EQ(user.token_file, "/home/u/.kube/token");
  const auto& context = config.contexts.at("dev");
  EXPECT_EQ(context.cluster, "dev");
  EXPECT_EQ(context.user, "me");
  EXPECT_EQ(context.namespace_name, "apps");
}

TEST(ParseKubeconfig, EmptyDocumentIsAnEmptyConfig) {
  const Kubeconfig config = parseKubeconfig("", "/x/config");
  EXPECT_TRUE(config.clusters.empty());
  EXPECT_TRUE(config.current_context.empty());
  EXPECT_EQ(parseKubeconfig("# only a comment\n", "/x/config").contexts.size(), 0u);
}

TEST(ParseKubeconfig, MalformedYamlNamesFileAndLine) {
  const std::string message = errorOf([] {
    parseKubeconfig("clusters:\n- name: a\n  cluster:\n    server: [unclosed\n", "/x/config");
  });
  EXPECT_THAT(message, HasSubstr("kubeconfig /x/config: malformed YAML at line "));
  // yaml-cpp reports the unclosed flow sequence at the end of the document (line 5).
  EXPECT_THAT(message, ::testing::MatchesRegex(".*at line [45], column [0-9]+: .*"));
}

TEST(ParseKubeconfig, WrongShapesAreReportedWithTheirLine) {
  EXPECT_THAT(errorOf([] { parseKubeconfig("clusters: 3\n", "/x/config"); }),
              HasSubstr("kubeconfig /x/config: clusters: expected a list (line 1)"));
  EXPECT_THAT(errorOf([] { parseKubeconfig("- a\n- b\n", "/x/config"); }),
              HasSubstr("expected a map"));
  EXPECT_THAT(
      errorOf([] { parseKubeconfig("clusters:\n- cluster: {server: https://a}\n", "/x/config"); }),
      HasSubstr("clusters[0]: missing name (line 2)"));
  EXPECT_THAT(errorOf([] {
                parseKubeconfig("users:\n- name: u\n  user:\n    token: [a, b]\n", "/x/config");
              }),
              HasSubstr("user \"u\": token: expected a string (line 4)"));
}

TEST(ParseKubeconfig, DuplicateNamesInOneFileAreAnError) {
  EXPECT_THAT(errorOf([] {
                parseKubeconfig(
                    "contexts:\n- name: a\n  context: {cluster: x}\n"
                    "- name: a\n  context: {cluster: y}\n",
                    "/x/config");
              }),
              HasSubstr("context \"a\" is defined twice"));
}

TEST(ParseKubeconfig, BadBase64NamesTheEntryAndField) {
  const std::string message = errorOf([] {
    parseKubeconfig("users:\n- name: ci\n  user:\n    client-key-data: not*base64\n", "/x/config");
  });
  EXPECT_EQ(message, "kubeconfig /x/config: user \"ci\": client-key-data: invalid base64 (line 4)");
}

TEST(ParseKubeconfig, InsecureSkipTlsVerifyOnlyWhenExplicitlyTrue) {
  const auto insecure = [](const std::string& value) {
    return parseKubeconfig(
               "clusters:\n- name: c\n  cluster:\n    server: https://a\n"
               "    insecure-skip-tls-verify: " +
                   value + "\n",
               "/x/config")
        .clusters.at("c")
        .insecure_skip_tls_verify;
  };
  EXPECT_TRUE(insecure("true"));
  EXPECT_FALSE(insecure("false"));
  EXPECT_FALSE(insecure("null"));
  EXPECT_THAT(errorOf([&] { insecure("yes please"); }),
              HasSubstr("insecure-skip-tls-verify: expected true or false, got \"yes please\""));
}

TEST(ParseKubeconfig, NestingBombIsRejectedBeforeYamlCpp) {
  EXPECT_THAT(errorOf([] { parseKubeconfig(std::string(100000, '['), "/x/config"); }),
              HasSubstr("nested too deeply"));
}

TEST(ReadKubeconfigFiles, MergesLikeKubectlFirstDefinitionWins) {
  const Kubeconfig merged =
      readKubeconfigFiles({configData("a/config"), configData("b/config")}, false);
  // current-context from the first file that sets it.
  EXPECT_EQ(merged.current_context, "dev");
  // "dev" comes from a/config, not from b/config's shadowed definition.
  EXPECT_EQ(merged.clusters.at("dev").server, "https://dev.example.com:6443");
  EXPECT_EQ(merged.contexts.at("dev").cluster, "dev");
  EXPECT_EQ(merged.contexts.at("dev").source, configData("a/config"));
  // Entries only in b/config are merged in, with b's directory as their base.
  EXPECT_EQ(merged.clusters.at("ci").server, "https://ci.example.com/");
  EXPECT_EQ(merged.users.at("ci-bot").token, "ci-static-token");
  EXPECT_EQ(merged.sources.size(), 2u);
}

TEST(ReadKubeconfigFiles, ReversedOrderMakesTheOtherFileWin) {
  const Kubeconfig merged =
      readKubeconfigFiles({configData("b/config"), configData("a/config")}, false);
  EXPECT_EQ(merged.current_context, "ci");
  EXPECT_EQ(merged.clusters.at("dev").server, "https://shadowed.example.com");
}

TEST(ReadKubeconfigFiles, MissingFilesAreSkippedOnlyWhenAsked) {
  const auto missing = configData("does-not-exist");
  EXPECT_EQ(readKubeconfigFiles({missing, configData("a/config")}, true).sources.size(), 1u);
  EXPECT_EQ(errorOf([&] { readKubeconfigFiles({missing}, false); }),
            "kubeconfig " + missing.string() + ": file does not exist");
}

TEST(ReadKubeconfigFiles, UnreadableFileIsAClearError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  TempDir dir;
  writeFile(dir / "config", "clusters: []\n");
  std::filesystem::permissions(dir / "config", std::filesystem::perms::none);
  EXPECT_EQ(errorOf([&] { readKubeconfigFiles({dir / "config"}, false); }),
            "kubeconfig " + (dir / "config").string() + ": cannot read: Permission denied");
}

TEST(ReadKubeconfigFiles, DirectoryIsNotAKubeconfig) {
  TempDir dir;
  EXPECT_THAT(errorOf([&] { readKubeconfigFiles({dir.path()}, false); }),
              HasSubstr("is a directory"));
}

TEST(ResolveKubeconfig, CurrentContextReadsRelativeCertificateFiles) {
  const Kubeconfig merged =
      readKubeconfigFiles({configData("a/config"), configData("b/config")}, false);
  // dev-admin's client-key is an absolute path that does not exist: the error names it.
  EXPECT_THAT(errorOf([&] { resolveKubeconfig(merged, ""); }),
              HasSubstr("user \"dev-admin\": client-key /absolute/elsewhere/client.key: cannot "
                        "read: No such file or directory"));

  const ClusterConfig config = resolveKubeconfig(merged, "dev-file-token");
  EXPECT_EQ(config.server, "https://dev.example.com:6443");
  EXPECT_EQ(config.tls_server_name, "kubernetes.dev.internal");
  EXPECT_EQ(config.ca_pem, testing::readFile(configData("a/certs/ca.crt")));
  EXPECT_EQ(config.token_file, configData("a/token"));
  EXPECT_EQ(config.namespace_name, "default");
  EXPECT_THAT(config.source, HasSubstr("(context \"dev-file-token\")"));
}

TEST(ResolveKubeconfig, InlineDataIsDecoded) {
  const Kubeconfig merged = readKubeconfigFiles({configData("b/config")}, false);
  const ClusterConfig config = resolveKubeconfig(merged, "ci-cert");
  EXPECT_EQ(config.server, "https://ci.example.com/");
  EXPECT_EQ(config.ca_pem, "-----BEGIN CERTIFICATE-----\nY2ktY2E=\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(config.client_cert_pem,
            "-----BEGIN CERTIFICATE-----\nY2ktY2VydA==\n-----END CERTIFICATE-----\n");
  // client-key-data is a folded multi-line block in the fixture.
  EXPECT_EQ(config.client_key_pem,
            "-----BEGIN PRIVATE KEY-----\nY2kta2V5\n-----END PRIVATE KEY-----\n");
  EXPECT_TRUE(config.bearer_token.empty());
}

TEST(ResolveKubeconfig, ContextOverrideAndStaticToken) {
  const Kubeconfig merged =
      readKubeconfigFiles({configData("a/config"), configData("b/config")}, false);
  const ClusterConfig config = resolveKubeconfig(merged, "ci");
  EXPECT_EQ(config.bearer_token, "ci-static-token");
  EXPECT_FALSE(config.insecure_skip_tls_verify);
  const ClusterConfig insecure = resolveKubeconfig(merged, "insecure");
  EXPECT_TRUE(insecure.insecure_skip_tls_verify);
  EXPECT_TRUE(insecure.bearer_token.empty());  // no user: anonymous
}

// kubectl's default namespace: the context's `namespace`, else "default" (keelson's -n default).
TEST(ResolveKubeconfig, TheContextsNamespaceIsTheDefaultNamespace) {
  const Kubeconfig merged =
      readKubeconfigFiles({configData("a/config"), configData("b/config")}, false);
  EXPECT_EQ(merged.contexts.at("dev").namespace_name, "team-a");
  EXPECT_EQ(resolveKubeconfig(merged, "dev-team-b").namespace_name, "team-b");
  EXPECT_EQ(resolveKubeconfig(merged, "dev-file-token").namespace_name, "default");
}

TEST(ResolveKubeconfig, UnknownContextListsTheKnownOnes) {
  const Kubeconfig config = parseKubeconfig(
      "clusters: [{name: c, cluster: {server: https://a}}]\n"
      "contexts: [{name: dev, context: {cluster: c}}, {name: ci, context: {cluster: c}}]\n",
      "/x/config");
  EXPECT_EQ(errorOf([&] { resolveKubeconfig(config, "prod"); }),
            "kubeconfig /x/config: context \"prod\" not found (have: ci, dev)");
  EXPECT_EQ(errorOf([&] { resolveKubeconfig(config, ""); }),
            "kubeconfig /x/config: no current-context is set and no context was given (have: ci, "
            "dev)");
}

TEST(ResolveKubeconfig, MissingClusterOrUserReferencedByContext) {
  const Kubeconfig config = parseKubeconfig(
      "clusters: [{name: c, cluster: {server: https://a}}]\n"
      "users: [{name: u, user: {token: t}}]\n"
      "contexts:\n"
      "- {name: no-cluster, context: {cluster: gone, user: u}}\n"
      "- {name: no-user, context: {cluster: c, user: ghost}}\n",
      "/x/config");
  EXPECT_EQ(errorOf([&] { resolveKubeconfig(config, "no-cluster"); }),
            "kubeconfig /x/config: context \"no-cluster\": cluster \"gone\" not found (have: c)");
  EXPECT_EQ(errorOf([&] { resolveKubeconfig(config, "no-user"); }),
            "kubeconfig /x/config: context \"no-user\": user \"ghost\" not found (have: u)");
}

TEST(ResolveKubeconfig, RejectsCombinationsClientGoRejects) {
  const Kubeconfig config = parseKubeconfig(
      "clusters:\n"
      "- {name: both, cluster: {server: https://a, insecure-skip-tls-verify: true,"
      " certificate-authority-data: aGk=}}\n"
      "- {name: ok, cluster: {server: https://a}}\n"
      "users:\n"
      "- {name: provider, user: {auth-provider: {name: gcp}}}\n"
      "- {name: half, user: {client-certificate-data: aGk=}}\n"
      "- {name: exec-old, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1,"
      " command: x}}}\n"
      "contexts:\n"
      "- {name: both, context: {cluster: both}}\n"
      "- {name: provider, context: {cluster: ok, user: provider}}\n"
      "- {name: half, context: {cluster: ok, user: half}}\n"
      "- {name: exec-old, context: {cluster: ok, user: exec-old}}\n",
      "/x/config");
  EXPECT_THAT(errorOf([&] { resolveKubeconfig(config, "both"); }),
              HasSubstr("insecure-skip-tls-verify cannot be combined with a certificate"));
  EXPECT_THAT(errorOf([&] { resolveKubeconfig(config, "provider"); }),
              HasSubstr("user \"provider\": auth-provider is not supported"));
  EXPECT_THAT(errorOf([&] { resolveKubeconfig(config, "half"); }),
              HasSubstr("needs both client-certificate(-data) and client-key(-data)"));
  EXPECT_THAT(errorOf([&] { resolveKubeconfig(config, "exec-old"); }),
              HasSubstr("apiVersion \"client.authentication.k8s.io/v1alpha1\" is not supported"));
}

TEST(ResolveKubeconfig, ExecPluginCommandResolvedAgainstKubeconfigDirectory) {
  const ClusterConfig config =
      resolveKubeconfig(readKubeconfigFiles({configData("exec/config")}, false), "");
  ASSERT_TRUE(config.exec.has_value());
  EXPECT_EQ(config.exec->command, configData("exec/exec_plugin.sh").string());
  EXPECT_EQ(config.exec->args,
            (std::vector<std::string>{"--cluster", "local cluster", "$HOME;rm -rf /"}));
  ASSERT_EQ(config.exec->env.size(), 1u);
  EXPECT_EQ(config.exec->env[0].name, "PLUGIN_GREETING");
  EXPECT_TRUE(config.exec->provide_cluster_info);
  EXPECT_EQ(config.exec->api_version, "client.authentication.k8s.io/v1");

  // A bare command name stays as it is, for a PATH lookup.
  const Kubeconfig bare = parseKubeconfig(
      "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
      "aws, args: [eks, get-token]}}}]\n",
      "/x/config");
  EXPECT_EQ(bare.users.at("u").exec->command, "aws");
}

}  // namespace
}  // namespace keelson::kube
