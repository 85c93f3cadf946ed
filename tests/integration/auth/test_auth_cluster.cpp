// The delegated authenticator and authorizer (server/auth.h) against the real test control plane
// with real service-account tokens. keelson's own identity is serve's ServiceAccount from the
// shipped deploy/manifests/10-serve.yaml (its RBAC applied here), so the test also shows that its
// system:auth-delegator binding is enough. RBAC verdicts are compared with `kubectl auth can-i
// --as`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/error.h"
#include "kube/client.h"
#include "kube/cluster_config.h"
#include "server/auth.h"
#include "support/test_cluster.h"

namespace keelson::server {
namespace {

using keelson::testing::TestCluster;
using ::testing::Contains;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The subject of the first certificate in `pem` as a client-certificate identity (CN, O).
std::optional<UserInfo> certificateIdentity(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return std::nullopt;
  UserInfo user;
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                      static_cast<std::size_t>(ASN1_STRING_length(data)));
    if (nid == NID_commonName) user.username = value;
    if (nid == NID_organizationName) user.groups.push_back(value);
  }
  X509_free(cert);
  return user;
}

class DelegatedAuthCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!keelson::testing::findTestCluster(cluster_, why)) {
      skip_reason_ = why;
      return;
    }
    const std::string suffix = keelson::testing::uniqueName("authz");
    ns_a_ = suffix + "-a";
    ns_b_ = suffix + "-b";
    const TestCluster& c = cluster_;
    c.kubectlOk({"create", "namespace", ns_a_});
    c.kubectlOk({"create", "namespace", ns_b_});
    c.kubectlOk({"-n", ns_a_, "create", "serviceaccount", "reader"});
    c.kubectlOk(
        {"-n", ns_a_, "create", "role", "pod-reader", "--verb=get,list", "--resource=pods"});
    c.kubectlOk({"-n", ns_a_, "create", "rolebinding", "reader-pods", "--role=pod-reader",
                 "--serviceaccount=" + ns_a_ + ":reader"});
    // keelson's own identity: serve's ServiceAccount as shipped (applying it again elsewhere, as
    // the serve tests do, changes nothing).
    c.apply(c.shippedObjects("00-namespace.yaml", {"Namespace"}));
    c.apply(
        c.shippedObjects("10-serve.yaml", {"ServiceAccount", "ClusterRole", "ClusterRoleBinding"}));
    reader_uid_ = trim(c.kubectlOk(
        {"-n", ns_a_, "get", "serviceaccount", "reader", "-o", "jsonpath={.metadata.uid}"}));
    reader_token_ = token(ns_a_, "reader");
    keelson_token_ = token("keelson", "keelson-serve");
  }

  static void TearDownTestSuite() {
    if (ns_a_.empty()) return;
    for (const std::string& ns : {ns_a_, ns_b_}) {
      cluster_.kubectlOk({"delete", "namespace", ns, "--wait=false", "--ignore-not-found"});
    }
  }

  void SetUp() override {
    if (!skip_reason_.empty()) KEELSON_MISSING_PREREQUISITE(skip_reason_);
    ASSERT_FALSE(reader_token_.empty());
    ASSERT_FALSE(keelson_token_.empty());
  }

  static std::string token(const std::string& ns, const std::string& service_account) {
    return trim(
        cluster_.kubectlOk({"-n", ns, "create", "token", service_account, "--duration=10m"}));
  }

  static kube::ClusterConfig adminConfig() {
    kube::ConfigOptions options;
    options.kubeconfig_path = cluster_.kubeconfig;
    return kube::loadConfig(options);
  }

  // A client that authenticates as `token` to the test API server.
  static kube::Client clientWithToken(const std::string& bearer_token) {
    kube::ClusterConfig config = adminConfig();
    config.client_cert_pem.clear();
    config.client_key_pem.clear();
    config.exec.reset();
    config.token_file.clear();
    config.bearer_token = bearer_token;
    return kube::Client(config);
  }

  static Credentials bearer(const std::string& value) {
    Credentials credentials;
    credentials.bearer_token = value;
    return credentials;
  }

  // `kubectl auth can-i` as `user`: the API server's own verdict, independently of keelson.
  static bool kubectlCanI(const UserInfo& user, const std::vector<std::string>& what) {
    std::vector<std::string> argv = {cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig,
                                     "auth",           "can-i",        "--as=" + user.username};
    for (const auto& group : user.groups) argv.push_back("--as-group=" + group);
    argv.insert(argv.end(), what.begin(), what.end());
    const auto result = keelson::testing::run(argv);
    return result.exit_code == 0 && trim(result.out) == "yes";
  }

  static ErrorCode authenticateError(Authenticator& authn, const Credentials& credentials) {
    try {
      authn.authenticate(credentials);
    } catch (const Error& error) {
      return error.code();
    }
    ADD_FAILURE() << "authenticate did not throw";
    return ErrorCode::kInternal;
  }

  static TestCluster cluster_;
  static std::string skip_reason_;
  static std::string ns_a_;
  static std::string ns_b_;
  static std::string reader_uid_;
  static std::string reader_token_;
  static std::string keelson_token_;
};

TestCluster DelegatedAuthCluster::cluster_;
std::string DelegatedAuthCluster::skip_reason_;
std::string DelegatedAuthCluster::ns_a_;
std::string DelegatedAuthCluster::ns_b_;
std::string DelegatedAuthCluster::reader_uid_;
std::string DelegatedAuthCluster::reader_token_;
std::string DelegatedAuthCluster::keelson_token_;

TEST_F(DelegatedAuthCluster, AServiceAccountTokenIsItsServiceAccount) {
  const kube::Client client = clientWithToken(keelson_token_);
  auto authn = makeDelegatedAuthenticator(client, {});
  const auto user = authn->authenticate(bearer(reader_token_));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->username, "system:serviceaccount:" + ns_a_ + ":reader");
  EXPECT_EQ(user->uid, reader_uid_);
  EXPECT_THAT(user->groups, Contains("system:serviceaccounts"));
  EXPECT_THAT(user->groups, Contains("system:serviceaccounts:" + ns_a_));
  EXPECT_THAT(user->groups, Contains("system:authenticated"));
}

TEST_F(DelegatedAuthCluster, AccessFollowsTheServiceAccountsRbac) {
  const kube::Client client = clientWithToken(keelson_token_);
  auto authn = makeDelegatedAuthenticator(client, {});
  auto authz = makeDelegatedAuthorizer(client, {});
  const auto user = authn->authenticate(bearer(reader_token_));
  ASSERT_TRUE(user);

  const Decision get_a =
      authz->authorize(*user, ResourceAttributes{"get", "", "v1", "pods", "", ns_a_, "any"});
  EXPECT_TRUE(get_a.allowed) << get_a.reason;
  EXPECT_THAT(get_a.reason, HasSubstr("reader-pods"));
  EXPECT_TRUE(
      authz->authorize(*user, ResourceAttributes{"list", "", "v1", "pods", "", ns_a_, ""}).allowed);
  EXPECT_FALSE(
      authz->authorize(*user, ResourceAttributes{"get", "", "v1", "pods", "", ns_b_, "any"})
          .allowed);
  EXPECT_FALSE(
      authz->authorize(*user, ResourceAttributes{"list", "", "v1", "pods", "", "", ""}).allowed);
  EXPECT_FALSE(
      authz->authorize(*user, ResourceAttributes{"delete", "", "v1", "pods", "", ns_a_, "x"})
          .allowed);
  EXPECT_FALSE(
      authz->authorize(*user, ResourceAttributes{"get", "", "v1", "secrets", "", ns_a_, "x"})
          .allowed);
  EXPECT_FALSE(authz->authorize(*user, NonResourceAttributes{"get", "/metrics"}).allowed);

  // The API server's own answers agree.
  EXPECT_TRUE(kubectlCanI(*user, {"get", "pods", "-n", ns_a_}));
  EXPECT_FALSE(kubectlCanI(*user, {"get", "pods", "-n", ns_b_}));
}

TEST_F(DelegatedAuthCluster, AGarbageTokenIsUnauthorized) {
  const kube::Client client = clientWithToken(keelson_token_);
  auto authn = makeDelegatedAuthenticator(client, {});
  EXPECT_EQ(authenticateError(*authn, bearer("not-a-token")), ErrorCode::kUnauthorized);
  // A well-formed JWT with a forged signature.
  // (Not the last character: its low bits may be base64 padding, leaving the signature valid.)
  std::string forged = reader_token_;
  char& inside = forged[forged.size() - 8];
  inside = inside == 'A' ? 'Q' : 'A';
  EXPECT_EQ(authenticateError(*authn, bearer(forged)), ErrorCode::kUnauthorized);
}

TEST_F(DelegatedAuthCluster, TheTokenOfADeletedServiceAccountIsUnauthorized) {
  const kube::Client client = clientWithToken(keelson_token_);
  cluster_.kubectlOk({"-n", ns_a_, "create", "serviceaccount", "gone"});
  const std::string gone_token = token(ns_a_, "gone");
  DelegatedAuthOptions no_cache;
  no_cache.token_cache_ttl = 0s;
  auto authn = makeDelegatedAuthenticator(client, no_cache);
  ASSERT_TRUE(authn->authenticate(bearer(gone_token)));

  cluster_.kubectlOk({"-n", ns_a_, "delete", "serviceaccount", "gone"});
  // The API server validates bound tokens against its (watch-fed) view of the ServiceAccount.
  ErrorCode code = ErrorCode::kInternal;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      authn->authenticate(bearer(gone_token));
      code = ErrorCode::kInternal;
    } catch (const Error& error) {
      code = error.code();
      if (code == ErrorCode::kUnauthorized) break;
    }
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(code, ErrorCode::kUnauthorized);
}

TEST_F(DelegatedAuthCluster, TheAdminClientCertificateMayReadMetrics) {
  const kube::ClusterConfig admin = adminConfig();
  if (admin.client_cert_pem.empty()) {
    GTEST_SKIP() << "the test kubeconfig authenticates without a client certificate";
  }
  const auto identity = certificateIdentity(admin.client_cert_pem);
  ASSERT_TRUE(identity);
  const kube::Client client = clientWithToken(keelson_token_);
  auto authn = makeDelegatedAuthenticator(client, {});
  auto authz = makeDelegatedAuthorizer(client, {});
  Credentials credentials;
  credentials.client_certificate = identity;
  const auto user = authn->authenticate(credentials);
  ASSERT_EQ(user, identity);
  const Decision decision = authz->authorize(*user, NonResourceAttributes{"get", "/metrics"});
  EXPECT_TRUE(decision.allowed) << user->username << ": " << decision.reason;
  EXPECT_TRUE(kubectlCanI(*user, {"get", "/metrics"}));
}

TEST_F(DelegatedAuthCluster, WithoutAuthDelegatorTheReviewIsUnavailable) {
  // The reader may not create TokenReviews or SubjectAccessReviews.
  const kube::Client client = clientWithToken(reader_token_);
  auto authn = makeDelegatedAuthenticator(client, {});
  try {
    authn->authenticate(bearer(keelson_token_));
    ADD_FAILURE() << "authenticate did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable) << error.what();
    EXPECT_THAT(error.what(), HasSubstr("system:auth-delegator"));
  }
  auto authz = makeDelegatedAuthorizer(client, {});
  try {
    authz->authorize(UserInfo{"jane", "", {}, {}}, NonResourceAttributes{"get", "/metrics"});
    ADD_FAILURE() << "authorize did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable) << error.what();
  }
}

TEST_F(DelegatedAuthCluster, AnUnreachableApiServerIsUnavailable) {
  kube::ClusterConfig config = adminConfig();
  config.server = "https://127.0.0.1:1";  // nothing listens on port 1
  kube::TransportOptions transport;
  transport.retry.max_attempts = 1;
  const kube::Client client(config, transport);
  auto authn = makeDelegatedAuthenticator(client, {});
  EXPECT_EQ(authenticateError(*authn, bearer(reader_token_)), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace keelson::server
