// Pure HTTP helpers (net/http.h): Retry-After, backoff, retry rules, URL encoding.
#include <gtest/gtest.h>

#include "net/http.h"

namespace keelson::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseRetryAfter, DeltaSecondsOnly) {
  EXPECT_EQ(parseRetryAfter("3"), seconds(3));
  EXPECT_EQ(parseRetryAfter(" 120 "), seconds(120));
  EXPECT_EQ(parseRetryAfter("0"), seconds(0));
  EXPECT_FALSE(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));  // HTTP-date form
  EXPECT_FALSE(parseRetryAfter("-1"));
  EXPECT_FALSE(parseRetryAfter("1.5"));
  EXPECT_FALSE(parseRetryAfter(""));
  EXPECT_FALSE(parseRetryAfter("99999999999999999999999"));
}

TEST(BackoffDelay, DoublesUpToTheCapWithBoundedJitter) {
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(1000);
  policy.jitter = 0.5;
  EXPECT_EQ(backoffDelay(policy, 1, 0.0), milliseconds(100));
  EXPECT_EQ(backoffDelay(policy, 2, 0.0), milliseconds(200));
  EXPECT_EQ(backoffDelay(policy, 3, 0.0), milliseconds(400));
  EXPECT_EQ(backoffDelay(policy, 4, 0.0), milliseconds(800));
  EXPECT_EQ(backoffDelay(policy, 5, 0.0), milliseconds(1000));
  EXPECT_EQ(backoffDelay(policy, 60, 0.0), milliseconds(1000));
  EXPECT_EQ(backoffDelay(policy, 1000, 0.0), milliseconds(1000));  // no overflow
  // Jitter takes up to half away, never adds.
  EXPECT_EQ(backoffDelay(policy, 2, 0.5), milliseconds(150));
  EXPECT_EQ(backoffDelay(policy, 2, 0.999), milliseconds(100));
  policy.jitter = 0.0;
  EXPECT_EQ(backoffDelay(policy, 2, 0.9), milliseconds(200));
}

TEST(IsRetryableStatus, FollowsTheDocumentedRules) {
  EXPECT_TRUE(isRetryableStatus(429, "GET", false));
  EXPECT_TRUE(isRetryableStatus(429, "POST", false));
  EXPECT_TRUE(isRetryableStatus(503, "GET", false));
  EXPECT_TRUE(isRetryableStatus(500, "PUT", false));
  EXPECT_TRUE(isRetryableStatus(504, "DELETE", false));
  EXPECT_FALSE(isRetryableStatus(500, "POST", false));  // a create may have happened
  EXPECT_TRUE(isRetryableStatus(503, "POST", true));    // the server asked for a retry
  EXPECT_FALSE(isRetryableStatus(500, "PATCH", false));
  EXPECT_FALSE(isRetryableStatus(404, "GET", true));
  EXPECT_FALSE(isRetryableStatus(409, "PUT", false));
  EXPECT_FALSE(isRetryableStatus(200, "GET", false));
}

TEST(UrlEncode, EscapesSelectorsAndContinueTokens) {
  EXPECT_EQ(urlEncode("app=web,tier!=db"), "app%3Dweb%2Ctier%21%3Ddb");
  EXPECT_EQ(urlEncode("spec.nodeName=node-1"), "spec.nodeName%3Dnode-1");
  EXPECT_EQ(urlEncode("eyJ2IjoibWV0YS5rOHMuaW8vdjEi+/="), "eyJ2IjoibWV0YS5rOHMuaW8vdjEi%2B%2F%3D");
  EXPECT_EQ(urlEncode("a b"), "a%20b");
  EXPECT_EQ(urlEncode("unreserved-._~"), "unreserved-._~");
  EXPECT_EQ(urlEncode(""), "");
}

TEST(HttpResponse, HeaderLookupIgnoresCase) {
  HttpResponse response;
  response.headers = {{"Content-Type", "application/json"}, {"retry-after", "2"}};
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.header("Retry-After"), "2");
  EXPECT_FALSE(response.header("Retry"));
}

TEST(RetryPolicy, IdempotentMethodsRetryThrottlingAndServerErrorsWritesNothing) {
  HttpResponse answer;
  const RetryPolicy get = RetryPolicy::forMethod("GET");
  for (const int status : {429, 500, 503, 504}) {
    answer.status = status;
    EXPECT_TRUE(get.retry_response(answer)) << status;
  }
  for (const int status : {200, 400, 401, 404, 409}) {
    answer.status = status;
    EXPECT_FALSE(get.retry_response(answer)) << status;
  }
  EXPECT_TRUE(get.retry_connect_failures);
  EXPECT_TRUE(get.retry_transfer_failures);
  EXPECT_EQ(get.max_attempts, 5);

  for (const char* method : {"POST", "PATCH"}) {
    const RetryPolicy write = RetryPolicy::forMethod(method);
    EXPECT_EQ(write.max_attempts, 1) << method;
    EXPECT_FALSE(write.retry_response) << method;
    EXPECT_FALSE(write.retry_connect_failures) << method;
    EXPECT_FALSE(write.retry_transfer_failures) << method;
  }
  EXPECT_EQ(RetryPolicy::forMethod("DELETE").max_attempts, 5);
}

}  // namespace
}  // namespace keelson::net
