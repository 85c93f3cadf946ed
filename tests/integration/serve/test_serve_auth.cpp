// `keelson serve --authentication=delegated` over HTTPS against the test control plane: real
// service-account tokens checked with TokenReview, each request authorised with a
// SubjectAccessReview against the cluster's RBAC.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ServeAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    // Per test: a namespace deleted by the previous test may still be terminating.
    static int test_number = 0;
    const std::string suffix = "-" + std::to_string(++test_number);
    allowed_ns_ = uniqueName("auth-a") + suffix;
    other_ns_ = uniqueName("auth-b") + suffix;
    for (const auto& ns : {allowed_ns_, other_ns_}) {
      cluster_.kubectlOk({"create", "namespace", ns});
      cluster_.kubectlOk(
          {"-n", ns, "wait", "--for=create", "serviceaccount/default", "--timeout=60s"});
      cluster_.kubectlOk({"-n", ns, "run", "web", "--image=registry.example.com/app:1"});
    }
    // reader: get/list pods in allowed_ns_ only.
    cluster_.kubectlOk({"-n", allowed_ns_, "create", "serviceaccount", "reader"});
    cluster_.kubectlOk(
        {"-n", allowed_ns_, "create", "role", "pod-reader", "--verb=get,list", "--resource=pods"});
    cluster_.kubectlOk({"-n", allowed_ns_, "create", "rolebinding", "reader", "--role=pod-reader",
                        "--serviceaccount=" + allowed_ns_ + ":reader"});
    // scraper: /metrics and the host's stats, nothing else.
    cluster_.kubectlOk({"-n", allowed_ns_, "create", "serviceaccount", "scraper"});
    scraper_role_ = uniqueName("keelson-scraper") + suffix;
    cluster_.kubectlOk(
        {"create", "clusterrole", scraper_role_, "--verb=get", "--non-resource-url=/metrics"});
    cluster_.kubectlOk({"patch", "clusterrole", scraper_role_, "--type=json", "-p",
                        R"([{"op":"add","path":"/rules/-","value":{"apiGroups":[""],)"
                        R"("resources":["nodes/stats"],"verbs":["get"]}}])"});
    cluster_.kubectlOk({"create", "clusterrolebinding", scraper_role_,
                        "--clusterrole=" + scraper_role_,
                        "--serviceaccount=" + allowed_ns_ + ":scraper"});
    reader_token_ = token("reader");
    scraper_token_ = token("scraper");

    // A serving certificate for 127.0.0.1, as cert-manager would mount it.
    cert_ = cluster_.dir + "/" + uniqueName("serve-tls") + ".crt";
    key_ = cert_.substr(0, cert_.size() - 4) + ".key";
    const auto made =
        run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "1", "-subj", "/CN=keelson-test", "-addext",
             "subjectAltName=IP:127.0.0.1", "-keyout", key_, "-out", cert_});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    makeClientCertificate();
    serve_.useHttps(cert_);
    ASSERT_TRUE(serve_.start(
        cluster_,
        {"--authentication=delegated", "--tls-cert-file", cert_, "--tls-private-key-file", key_,
         "--client-ca-file", client_ca_, "--authentication-token-webhook-cache-ttl", "1s",
         "--authorization-webhook-cache-unauthorized-ttl", "1s", "--host-refresh", "2s"}));
    ASSERT_EQ(waitFor("/readyz", "", 200).status, 200);
  }

  // A client CA and a certificate from it for user client_user_ in group client_group_ (CN and
  // O, as the API server reads them).
  void makeClientCertificate() {
    const std::string base = cluster_.dir + "/" + uniqueName("serve-client");
    client_ca_ = base + "-ca.crt";
    client_cert_ = base + ".crt";
    client_key_ = base + ".key";
    client_user_ = uniqueName("carol");
    client_group_ = uniqueName("carol-team");
    const std::vector<std::vector<std::string>> steps = {
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=keelson-test-client-ca", "-keyout", base + "-ca.key",
         "-out", client_ca_},
        {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-subj", "/O=" + client_group_ + "/CN=" + client_user_, "-keyout", client_key_, "-out",
         base + ".csr"},
        {"openssl", "x509", "-req", "-in", base + ".csr", "-CA", client_ca_, "-CAkey",
         base + "-ca.key", "-CAcreateserial", "-days", "1", "-out", client_cert_}};
    for (const auto& step : steps) {
      const auto made = run(step);
      ASSERT_EQ(made.exit_code, 0) << made.err;
    }
  }

  HttpAnswer getWithCertificate(const std::string& path) const {
    return curlGet("https://127.0.0.1:" + std::to_string(serve_.port()) + path,
                   {"--cacert", cert_, "--cert", client_cert_, "--key", client_key_});
  }

  void TearDown() override {
    serve_.kill();
    if (cluster_.kubectl.empty()) return;
    for (const auto& ns : {allowed_ns_, other_ns_}) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns,
           "--wait=false"});
    }
    for (const auto& kind : {"clusterrolebinding", "clusterrole"}) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", kind, scraper_role_});
    }
  }

  std::string token(const std::string& service_account) const {
    std::string out = cluster_.kubectlOk({"-n", allowed_ns_, "create", "token", service_account});
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }

  HttpAnswer get(const std::string& path, const std::string& bearer) const {
    return serve_.get(path, bearer);
  }
  HttpAnswer waitFor(const std::string& path, const std::string& bearer, int status) const {
    return serve_.waitFor(path, status, 60s, bearer);
  }

  static std::string errorCode(const HttpAnswer& answer) {
    const auto doc = json::parse(answer.body, nullptr, false);
    return doc.is_object() && doc.contains("error") ? doc["error"].value("code", "") : "";
  }

  TestCluster cluster_;
  ServeProcess serve_;
  std::string allowed_ns_;
  std::string other_ns_;
  std::string scraper_role_;
  std::string reader_token_;
  std::string scraper_token_;
  std::string cert_;
  std::string key_;
  std::string client_ca_;
  std::string client_cert_;
  std::string client_key_;
  std::string client_user_;
  std::string client_group_;
};

TEST_F(ServeAuth, TokensAreReviewedAndEveryRequestAuthorised) {
  const std::string pod_in_allowed = "/api/v1/pods/" + allowed_ns_ + "/web/describe";
  const std::string pod_in_other = "/api/v1/pods/" + other_ns_ + "/web/describe";

  // Health and readiness stay open.
  EXPECT_EQ(get("/healthz", "").status, 200);
  EXPECT_EQ(get("/readyz", "").status, 200);

  // No token, a malformed one, a forged one: 401.
  const auto anonymous = get(pod_in_allowed, "");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(errorCode(anonymous), "UNAUTHORIZED");
  EXPECT_EQ(get(pod_in_allowed, "not-a-token").status, 401);
  // A changed signature byte (not the last character: its low bits may be base64 padding).
  std::string forged = reader_token_;
  char& inside = forged[forged.size() - 8];
  inside = inside == 'A' ? 'Q' : 'A';
  EXPECT_EQ(get(pod_in_allowed, forged).status, 401);

  // The reader sees its namespace (kubectl agrees: it may get pods there and not elsewhere).
  const auto allowed = waitFor(pod_in_allowed, reader_token_, 200);  // the pod reached the cache
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(json::parse(allowed.body)["data"]["name"], "web");
  EXPECT_EQ(get("/api/v1/namespace/" + allowed_ns_ + "/error", reader_token_).status, 200);
  EXPECT_EQ(get("/api/v1/cluster/pod-issues?namespace=" + allowed_ns_, reader_token_).status, 200);
  const std::string as_reader = "--as=system:serviceaccount:" + allowed_ns_ + ":reader";
  EXPECT_EQ(run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "auth", "can-i", "get",
                 "pods", "-n", other_ns_, as_reader})
                .out,
            "no\n");
  const auto denied = get(pod_in_other, reader_token_);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(errorCode(denied), "FORBIDDEN");
  EXPECT_NE(denied.body.find(other_ns_), std::string::npos) << denied.body;
  EXPECT_EQ(get("/api/v1/namespace/" + other_ns_ + "/error", reader_token_).status, 403);
  EXPECT_EQ(get("/api/v1/cluster?allNamespaces=true", reader_token_).status, 403);
  EXPECT_EQ(get("/api/v1/cluster/pod-issues?namespace=" + other_ns_, reader_token_).status, 403);
  EXPECT_EQ(get("/api/v1/cluster/pod-issues", reader_token_).status, 403);  // every namespace
  EXPECT_EQ(get("/metrics", reader_token_).status, 403);
  EXPECT_EQ(get("/api/v1/host", reader_token_).status, 403);

  // /metrics and /api/v1/host need their own rights.
  const auto metrics = get("/metrics", scraper_token_);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("keelson_http_requests_total"), std::string::npos);
  EXPECT_EQ(waitFor("/api/v1/host", scraper_token_, 200).status, 200);
  EXPECT_EQ(get(pod_in_allowed, scraper_token_).status, 403);

  // Plain HTTP to the HTTPS port gets nothing.
  EXPECT_EQ(httpGet(serve_.port(), "/healthz").status, 0);
}

TEST_F(ServeAuth, ATokenOfADeletedServiceAccountIsRefused) {
  cluster_.kubectlOk({"-n", allowed_ns_, "create", "serviceaccount", "leaver"});
  cluster_.kubectlOk({"-n", allowed_ns_, "create", "rolebinding", "leaver", "--role=pod-reader",
                      "--serviceaccount=" + allowed_ns_ + ":leaver"});
  const std::string leaver = token("leaver");
  const std::string path = "/api/v1/pods/" + allowed_ns_ + "/web/resources";
  ASSERT_EQ(waitFor(path, leaver, 200).status, 200);
  cluster_.kubectlOk({"-n", allowed_ns_, "delete", "serviceaccount", "leaver"});
  // The TokenReview cache holds verdicts for 1 s here; the API server refuses the token at once.
  const auto refused = waitFor(path, leaver, 401);
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(errorCode(refused), "UNAUTHORIZED");
}

// A client certificate is a user (CN) in groups (O), authorised like a token's user: RBAC on
// its group decides, and kubectl agrees.
TEST_F(ServeAuth, AClientCertificateIsAUserAuthorisedByItsGroup) {
  const std::string pod_in_allowed = "/api/v1/pods/" + allowed_ns_ + "/web/describe";
  const std::string pod_in_other = "/api/v1/pods/" + other_ns_ + "/web/describe";
  ASSERT_EQ(waitFor(pod_in_allowed, reader_token_, 200).status, 200);  // the pod is cached
  EXPECT_EQ(getWithCertificate(pod_in_allowed).status, 403);           // no RBAC for it yet

  cluster_.kubectlOk({"-n", allowed_ns_, "create", "rolebinding", "certificate-readers",
                      "--role=pod-reader", "--group=" + client_group_});
  const std::vector<std::string> as_client = {"--as=" + client_user_,
                                              "--as-group=" + client_group_};
  auto can_i = [&](const std::string& ns) {
    std::vector<std::string> argv = {cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig,
                                     "auth",           "can-i",        "get",
                                     "pods",           "-n",           ns};
    argv.insert(argv.end(), as_client.begin(), as_client.end());
    return run(argv).out;
  };
  EXPECT_EQ(can_i(allowed_ns_), "yes\n");
  EXPECT_EQ(can_i(other_ns_), "no\n");
  // The SubjectAccessReview cache keeps the earlier denial for up to its TTL (1 s here).
  HttpAnswer allowed;
  for (int i = 0; i < 60 && allowed.status != 200; ++i) {
    allowed = getWithCertificate(pod_in_allowed);
    if (allowed.status != 200) std::this_thread::sleep_for(500ms);
  }
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(json::parse(allowed.body)["data"]["name"], "web");
  const auto denied = getWithCertificate(pod_in_other);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_NE(denied.body.find(client_user_), std::string::npos) << denied.body;
}

}  // namespace
}  // namespace keelson::testing
