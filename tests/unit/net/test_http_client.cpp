// net::HttpClient against a real HTTPS server on 127.0.0.1 (the kube transport tests'
// fake_apiserver.py: python3 + the openssl CLI, certificates made at test time): the retry
// policy chosen per request, Retry-After, timeouts, TLS verification, caller headers, streaming.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/expect_error.h"
#include "common/fake_apiserver.h"
#include "common/files.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/error.h"
#include "net/http_client.h"

namespace keelson::net {
namespace {

using keelson::testing::expectError;
using keelson::testing::readFile;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

class HttpClientTest : public keelson::testing::FakeApiserverSuite {
 protected:
  // Trusts the test CA, read from its file.
  static Endpoint endpoint() {
    Endpoint endpoint;
    endpoint.base_url = url();
    endpoint.ca_file = file("ca.crt").string();
    return endpoint;
  }

  // Short waits so that retry tests stay quick.
  static RetryPolicy quick(RetryPolicy policy) {
    policy.initial_backoff = 50ms;
    policy.max_backoff = 2s;
    policy.max_total = 20s;
    return policy;
  }

  static HttpRequest get(std::string path) {
    HttpRequest request;
    request.path = std::move(path);
    return request;
  }

  static nlohmann::json json(const HttpResponse& response) {
    return nlohmann::json::parse(response.body);
  }

  // How many requests the server has seen for a /flaky key (this query counts as one more).
  static int attemptsSoFar(const std::string& key) {
    HttpClient client(endpoint());
    return json(client.request(get("/flaky/" + key + "?count=0")))["attempts"].get<int>() - 1;
  }
};

TEST_F(HttpClientTest, SendsTheCallersHeadersAndItsUserAgentOnly) {
  HttpClient client(endpoint());
  HttpRequest request = get("/echo");
  request.headers = {{"Authorization", "Bearer abc"}, {"X-Custom", "1"}};
  const auto echo = json(client.request(request));
  EXPECT_EQ(echo["headers"]["authorization"], "Bearer abc");
  EXPECT_EQ(echo["headers"]["x-custom"], "1");
  EXPECT_THAT(echo["headers"]["user-agent"].get<std::string>(), StartsWith("keelson/"));
  EXPECT_EQ(echo["headers"]["accept"], "*/*");  // libcurl's; application/json is kube's
  EXPECT_TRUE(echo["client_cn"].is_null());
}

TEST_F(HttpClientTest, GetRetriesServiceUnavailableHonouringRetryAfter) {
  HttpClient client(endpoint());
  HttpRequest request = get("/flaky/get-503?status=503&count=2&retry_after=1");
  request.retry = quick(RetryPolicy::idempotent());
  const HttpResponse response = client.request(request);
  ASSERT_EQ(response.status, 200);
  const auto answer = json(response);
  ASSERT_EQ(answer["attempts"], 3);
  // Measured by the server: each retry came at least Retry-After (1 s) after the previous one,
  // although the backoff alone would have waited 50 and 100 ms.
  EXPECT_GE(answer["times"][1].get<double>() - answer["times"][0].get<double>(), 0.95);
  EXPECT_GE(answer["times"][2].get<double>() - answer["times"][1].get<double>(), 0.95);
}

TEST_F(HttpClientTest, GetWithoutItsOwnPolicyIsRetriedAsIdempotent) {
  HttpClient client(endpoint());
  const HttpResponse response = client.request(get("/flaky/get-default?status=502&count=1"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json(response)["attempts"], 2);
}

TEST_F(HttpClientTest, PostUnderTheNoRetryRuleIsSentOnceEvenWithRetryAfter) {
  HttpClient client(endpoint());
  HttpRequest request;
  request.method = "POST";
  request.path = "/flaky/post-none?status=503&count=1&retry_after=0";
  request.body = "{}";
  request.retry = RetryPolicy::none();
  const HttpResponse response = client.request(request);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.header("Retry-After"), "0");
  EXPECT_EQ(attemptsSoFar("post-none"), 1);

  // Without a policy of its own a POST gets the same rule.
  request.path = "/flaky/post-default?status=503&count=1&retry_after=0";
  request.retry.reset();
  EXPECT_EQ(client.request(request).status, 503);
  EXPECT_EQ(attemptsSoFar("post-default"), 1);
}

TEST_F(HttpClientTest, PostIsRetriedWhenTheCallerSaysSo) {
  // A backend post carrying an idempotency key may be repeated on 503.
  HttpClient client(endpoint());
  HttpRequest request;
  request.method = "POST";
  request.path = "/flaky/post-keyed?status=503&count=2";
  request.body = "{}";
  RetryPolicy policy = quick(RetryPolicy::none());
  policy.max_attempts = 3;
  policy.retry_response = [](const HttpResponse& response) { return response.status == 503; };
  request.retry = policy;
  const HttpResponse response = client.request(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json(response)["attempts"], 3);
}

TEST_F(HttpClientTest, GivesUpAfterMaxAttemptsWithTheLastAnswer) {
  HttpClient client(endpoint());
  HttpRequest request = get("/flaky/give-up?status=503&count=100");
  request.retry = quick(RetryPolicy::idempotent());
  request.retry->max_attempts = 3;
  const HttpResponse response = client.request(request);
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(response.body, HasSubstr("attempt 3 fails"));
  EXPECT_EQ(attemptsSoFar("give-up"), 3);
}

TEST_F(HttpClientTest, RetryAfterBeyondMaxBackoffEndsRetryingUnlessIgnored) {
  HttpClient client(endpoint());
  HttpRequest request = get("/flaky/long-wait?status=429&count=1&retry_after=60");
  request.retry = quick(RetryPolicy::idempotent());
  EXPECT_EQ(client.request(request).status, 429);
  EXPECT_EQ(attemptsSoFar("long-wait"), 1);

  // honour_retry_after = false: the backoff (50 ms) instead of the server's 60 s.
  request.path = "/flaky/ignored-wait?status=429&count=1&retry_after=60";
  request.retry->honour_retry_after = false;
  EXPECT_EQ(client.request(request).status, 200);
  EXPECT_EQ(attemptsSoFar("ignored-wait"), 2);
}

TEST_F(HttpClientTest, RequestTimeoutIsATimeoutError) {
  HttpClientOptions options;
  options.request_timeout = 300ms;
  HttpClient client(endpoint(), options);
  HttpRequest request = get("/slow?seconds=3");
  request.retry = RetryPolicy::none();
  const Error error = expectError([&] { client.request(request); });
  EXPECT_EQ(error.code(), ErrorCode::kTimeout);
  EXPECT_THAT(error.what(), StartsWith(url() + ": Operation timed out"));
  EXPECT_THAT(error.what(), HasSubstr("(GET /slow?seconds=3)"));

  // A per-request timeout overrides the client's.
  HttpClient patient(endpoint());
  request.timeout = 300ms;
  EXPECT_EQ(expectError([&] { patient.request(request); }).code(), ErrorCode::kTimeout);
}

TEST_F(HttpClientTest, UntrustedServerCertificateIsAClearErrorAndNotRetried) {
  Endpoint untrusted = endpoint();
  untrusted.ca_file.clear();  // the system store does not know the test CA
  HttpClient client(untrusted);
  HttpRequest request = get("/echo");
  request.retry = quick(RetryPolicy::idempotent());
  const auto started = std::chrono::steady_clock::now();
  const Error error = expectError([&] { client.request(request); });
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_THAT(error.what(), StartsWith(url() + ": SSL certificate problem: "));
  EXPECT_THAT(error.what(), HasSubstr("(GET /echo)"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);  // no backoff: not retried

  // The wrong CA in memory fails the same way; the right one in memory works.
  untrusted.ca_pem = readFile(file("wrong-ca.crt"));
  EXPECT_THAT(expectError([&] { HttpClient(untrusted).request(get("/echo")); }).what(),
              HasSubstr("SSL certificate problem"));
  untrusted.ca_pem = readFile(file("ca.crt"));
  EXPECT_EQ(HttpClient(untrusted).request(get("/echo")).status, 200);
}

TEST_F(HttpClientTest, InsecureOnlyWhenAsked) {
  Endpoint insecure = endpoint();
  insecure.ca_file.clear();
  insecure.insecure_skip_tls_verify = true;
  EXPECT_EQ(HttpClient(insecure).request(get("/echo")).status, 200);
}

TEST_F(HttpClientTest, ClientCertificateFromTheEndpoint) {
  Endpoint with_cert = endpoint();
  with_cert.client_cert_pem = readFile(file("client.crt"));
  with_cert.client_key_pem = readFile(file("client.key"));
  EXPECT_EQ(json(HttpClient(with_cert).request(get("/whoami")))["cn"], "keelson-client");
}

TEST_F(HttpClientTest, BaseUrlMustBeHttp) {
  Endpoint ftp;
  ftp.base_url = "ftp://127.0.0.1/";
  EXPECT_EQ(expectError([&] { HttpClient client(ftp); }).code(), ErrorCode::kBadInput);
  EXPECT_EQ(withDefaultScheme("prometheus:9090"), "https://prometheus:9090");
  EXPECT_EQ(withDefaultScheme("http://prometheus:9090"), "http://prometheus:9090");
}

TEST_F(HttpClientTest, StreamDeliversChunksAsTheyArrive) {
  HttpClient client(endpoint());
  std::string received;
  int chunks = 0;
  const StreamResult result = client.stream(get("/watch?events=2"), [&](std::string_view chunk) {
    received += chunk;
    ++chunks;
  });
  EXPECT_EQ(result.response.status, 200);
  EXPECT_FALSE(result.stopped);
  EXPECT_GE(chunks, 2);
  EXPECT_THAT(received, HasSubstr("\"101\""));
  EXPECT_THAT(received, HasSubstr("\"102\""));
}

}  // namespace
}  // namespace keelson::net
