// Kubernetes Status -> ApiError mapping (kube/api_error.h).
#include <gtest/gtest.h>

#include <string>

#include "kube/api_error.h"

namespace keelson::kube {
namespace {

TEST(ParseStatus, ReadsCodeReasonMessageAndCauses) {
  const auto status = parseStatus(R"({"kind":"Status","apiVersion":"v1","metadata":{},
      "status":"Failure","message":"pods \"web-0\" not found","reason":"NotFound",
      "details":{"name":"web-0","kind":"pods","causes":[{"field":"x"}]},"code":404})");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 404);
  EXPECT_EQ(status->reason, "NotFound");
  EXPECT_EQ(status->message, "pods \"web-0\" not found");
  ASSERT_EQ(status->causes.size(), 1U);
  EXPECT_EQ(status->causes[0].field, "x");
}

// What the API server sends when a PodDisruptionBudget refuses an eviction (policy/v1).
TEST(ParseStatus, EvictionRefusalNamesTheDisruptionBudget) {
  const std::string body = R"({"kind":"Status","apiVersion":"v1","metadata":{},
      "status":"Failure","message":"Cannot evict pod as it would violate the pod's disruption budget.",
      "reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget",
      "message":"The disruption budget web needs 2 healthy pods and has 2 currently"}]},"code":429})";
  const ApiError error = makeApiError("POST /x", 429, body);
  EXPECT_EQ(error.code(), ErrorCode::kTooManyRequests);
  ASSERT_EQ(error.causes().size(), 1U);
  EXPECT_EQ(error.causes()[0].reason, "DisruptionBudget");
  EXPECT_EQ(error.causes()[0].message,
            "The disruption budget web needs 2 healthy pods and has 2 currently");
}

TEST(ParseStatus, RejectsWhatIsNotAStatus) {
  EXPECT_FALSE(parseStatus("<html><body>502 Bad Gateway</body></html>"));
  EXPECT_FALSE(parseStatus(R"({"kind":"Pod","code":404})"));
  EXPECT_FALSE(parseStatus(R"({"kind":"Status","code":4)"));  // truncated
  EXPECT_FALSE(parseStatus(""));
  EXPECT_FALSE(parseStatus("[1,2]"));
}

// The table from the Kubernetes API conventions (StatusReason -> HTTP code).
TEST(ErrorCodeForStatus, MapsReasonsAndStatuses) {
  struct Case {
    int http;
    const char* reason;
    ErrorCode code;
  };
  const Case cases[] = {
      {401, "Unauthorized", ErrorCode::kUnauthorized},
      {403, "Forbidden", ErrorCode::kForbidden},
      {404, "NotFound", ErrorCode::kNotFound},
      {409, "AlreadyExists", ErrorCode::kConflict},
      {409, "Conflict", ErrorCode::kConflict},
      {410, "Gone", ErrorCode::kGone},
      {410, "Expired", ErrorCode::kGone},
      {422, "Invalid", ErrorCode::kBadInput},
      {400, "BadRequest", ErrorCode::kBadInput},
      {429, "TooManyRequests", ErrorCode::kTooManyRequests},
      {504, "Timeout", ErrorCode::kTimeout},
      {500, "ServerTimeout", ErrorCode::kTimeout},
      {503, "ServiceUnavailable", ErrorCode::kUnavailable},
      {500, "InternalError", ErrorCode::kInternal},
      // No or unknown reason: the HTTP status decides.
      {401, "", ErrorCode::kUnauthorized},
      {403, "", ErrorCode::kForbidden},
      {404, "", ErrorCode::kNotFound},
      {409, "", ErrorCode::kConflict},
      {410, "", ErrorCode::kGone},
      {429, "", ErrorCode::kTooManyRequests},
      {504, "", ErrorCode::kTimeout},
      {500, "", ErrorCode::kInternal},
      {502, "", ErrorCode::kUnavailable},
      {503, "SomethingNew", ErrorCode::kUnavailable},
      {418, "", ErrorCode::kBadInput},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(errorCodeName(errorCodeForStatus(c.http, c.reason)), errorCodeName(c.code))
        << c.http << " " << c.reason;
  }
}

TEST(MakeApiError, FromStatusBody) {
  const ApiError error = makeApiError(
      "GET /api/v1/namespaces/x/pods/y", 404,
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"y\" not found","reason":"NotFound","code":404})");
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_EQ(error.httpStatus(), 404);
  EXPECT_EQ(error.reason(), "NotFound");
  EXPECT_EQ(error.serverMessage(), "pods \"y\" not found");
  EXPECT_STREQ(error.what(), "GET /api/v1/namespaces/x/pods/y: 404 NotFound: pods \"y\" not found");
  // ApiError is a keelson::Error: boundaries catch one type.
  const Error& base = error;
  EXPECT_EQ(base.code(), ErrorCode::kNotFound);
}

TEST(MakeApiError, ExpiredContinueTokenIsGone) {
  const ApiError error = makeApiError(
      "GET /api/v1/pods?continue=abc", 410,
      R"({"kind":"Status","status":"Failure","message":"The provided continue parameter is too old to display a consistent list result.","reason":"Expired","code":410})");
  EXPECT_EQ(error.code(), ErrorCode::kGone);
  EXPECT_EQ(error.reason(), "Expired");
}

TEST(MakeApiError, NonStatusBodyIsQuotedAndTrimmed) {
  const ApiError error = makeApiError("GET /version", 502, "  <html>bad gateway</html>\n");
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error.reason(), "");
  EXPECT_STREQ(error.what(), "GET /version: HTTP 502: <html>bad gateway</html>");
  const ApiError long_body = makeApiError("GET /x", 500, std::string(1000, 'a'));
  EXPECT_EQ(long_body.serverMessage().size(), 203u);  // 200 bytes and "..."
  EXPECT_STREQ(makeApiError("GET /x", 401, "").what(), "GET /x: HTTP 401");
}

TEST(MakeApiError, WatchErrorEventStatus) {
  const ApiError error = makeApiError(
      "WATCH /api/v1/pods", ApiStatus{410, "Expired", "too old resource version: 1 (42)", {}});
  EXPECT_EQ(error.code(), ErrorCode::kGone);
  EXPECT_EQ(error.httpStatus(), 410);
  EXPECT_STREQ(error.what(), "WATCH /api/v1/pods: 410 Expired: too old resource version: 1 (42)");
  EXPECT_EQ(makeApiError("WATCH /x", ApiStatus{0, "", "boom", {}}).code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace keelson::kube
