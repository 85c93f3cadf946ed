// Delegated authn/authz (server/auth.h) over a fake kube::Transport: the exact TokenReview and
// SubjectAccessReview documents sent, response parsing, caching with a fake clock (allowed and
// denied TTLs), and failures of the review itself.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "core/error.h"
#include "kube/client.h"
#include "kube/transport.h"
#include "server/auth.h"

namespace keelson::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;
using namespace std::chrono_literals;

// Records requests and answers them from a queue (a reply may instead be an exception).
class FakeTransport final : public kube::Transport {
 public:
  kube::HttpResponse request(const kube::HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests.push_back(request);
    if (replies.empty()) throw std::logic_error("FakeTransport: unexpected " + request.path);
    Reply reply = std::move(replies.front());
    replies.pop_front();
    if (reply.error) throw *reply.error;
    return reply.response;
  }
  kube::StreamResult stream(const kube::HttpRequest&, const kube::ChunkHandler&) override {
    throw std::logic_error("FakeTransport: stream");
  }
  const std::string& server() const noexcept override { return server_; }

  void reply(int status, const Json& body) { reply(status, body.dump()); }
  void reply(int status, const char* body) { reply(status, std::string(body)); }
  void reply(int status, std::string body) {
    Reply reply;
    reply.response.status = status;
    reply.response.body = std::move(body);
    replies.push_back(std::move(reply));
  }
  void fail(Error error) {
    Reply reply;
    reply.error = std::move(error);
    replies.push_back(std::move(reply));
  }

  struct Reply {
    kube::HttpResponse response;
    std::optional<Error> error;
  };
  std::vector<kube::HttpRequest> requests;
  std::deque<Reply> replies;

 private:
  std::mutex mutex_;
  std::string server_ = "https://fake:6443";
};

Json tokenReviewReply(const Json& status) {
  return {{"apiVersion", "authentication.k8s.io/v1"},
          {"kind", "TokenReview"},
          {"metadata", {{"creationTimestamp", nullptr}}},
          {"spec", {{"token", "redacted-by-test"}}},
          {"status", status}};
}

Json serviceAccountUser() {
  return {
      {"authenticated", true},
      {"user",
       {{"username", "system:serviceaccount:a:sa"},
        {"uid", "0b3f8c1e-uid"},
        {"groups", {"system:serviceaccounts", "system:serviceaccounts:a", "system:authenticated"}},
        {"extra", {{"authentication.kubernetes.io/credential-id", {"JTI=abc"}}}}}},
      {"audiences", {"https://kubernetes.default.svc"}}};
}

Json sarReply(bool allowed, const std::string& reason, bool denied = false) {
  Json status = {{"allowed", allowed}};
  if (denied) status["denied"] = true;
  if (!reason.empty()) status["reason"] = reason;
  return {{"apiVersion", "authorization.k8s.io/v1"},
          {"kind", "SubjectAccessReview"},
          {"spec", Json::object()},
          {"status", status}};
}

// A review changes nothing on the server: it is retried as a read is (a 503, a broken
// transfer), but at most once more, since the caller's request waits for it.
void expectRetriedAsARead(const kube::HttpRequest& sent) {
  ASSERT_TRUE(sent.retry.has_value());
  EXPECT_EQ(sent.retry->max_attempts, 2);
  EXPECT_EQ(sent.retry->max_total, 1s);
  kube::HttpResponse unavailable;
  unavailable.status = 503;
  ASSERT_TRUE(sent.retry->retry_response);
  EXPECT_TRUE(sent.retry->retry_response(unavailable));
  EXPECT_TRUE(sent.retry->retry_transfer_failures);
}

class AuthTest : public ::testing::Test {
 protected:
  AuthTest() {
    options_.token_cache_ttl = 10s;
    options_.authorized_ttl = 300s;
    options_.unauthorized_ttl = 30s;
    options_.clock = clock_;
  }

  Credentials token(const std::string& value) {
    Credentials credentials;
    credentials.bearer_token = value;
    return credentials;
  }

  ErrorCode authenticateError(Authenticator& authn, const Credentials& credentials,
                              std::string* message = nullptr) {
    try {
      authn.authenticate(credentials);
    } catch (const Error& error) {
      if (message != nullptr) *message = error.what();
      return error.code();
    }
    ADD_FAILURE() << "authenticate did not throw";
    return ErrorCode::kInternal;
  }

  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  kube::Client client_{transport_};
  DelegatedAuthOptions options_;
  std::shared_ptr<keelson::testing::FakeClock> clock_ =
      std::make_shared<keelson::testing::FakeClock>();
};

TEST(TokenReviewBody, IsTheDocumentTheApiServerExpects) {
  EXPECT_EQ(tokenReviewBody("abc.def"),
            R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",)"
            R"("spec":{"token":"abc.def"}})");
}

TEST(ParseTokenReview, ReadsTheUser) {
  const TokenReviewResult result = parseTokenReview(tokenReviewReply(serviceAccountUser()).dump());
  ASSERT_TRUE(result.user);
  EXPECT_EQ(result.user->username, "system:serviceaccount:a:sa");
  EXPECT_EQ(result.user->uid, "0b3f8c1e-uid");
  EXPECT_THAT(result.user->groups, ElementsAre("system:serviceaccounts", "system:serviceaccounts:a",
                                               "system:authenticated"));
  EXPECT_EQ(result.user->extra.at("authentication.kubernetes.io/credential-id"),
            std::vector<std::string>{"JTI=abc"});
}

TEST(ParseTokenReview, ReadsARejection) {
  const TokenReviewResult result = parseTokenReview(
      tokenReviewReply({{"user", Json::object()}, {"error", "token has expired"}}).dump());
  EXPECT_FALSE(result.user);
  EXPECT_EQ(result.error, "token has expired");
}

TEST(ParseTokenReview, RejectsDocumentsThatAreNotAReview) {
  EXPECT_THROW(parseTokenReview("<html>"), Error);
  EXPECT_THROW(parseTokenReview(R"({"kind":"TokenReview"})"), Error);
  EXPECT_THROW(parseTokenReview(R"({"kind":"Status","status":{}})"), Error);
  EXPECT_THROW(parseTokenReview(tokenReviewReply({{"authenticated", true}}).dump()), Error);
}

TEST(SubjectAccessReviewBody, ResourceAttributes) {
  UserInfo user{"jane", "uid-1", {"dev", "system:authenticated"}, {{"scopes", {"a", "b"}}}};
  ResourceAttributes attributes;
  attributes.verb = "list";
  attributes.version = "v1";
  attributes.resource = "pods";
  attributes.namespace_name = "a";
  EXPECT_EQ(Json::parse(subjectAccessReviewBody(user, attributes)),
            Json::parse(R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
              "spec":{"user":"jane","uid":"uid-1","groups":["dev","system:authenticated"],
                      "extra":{"scopes":["a","b"]},
                      "resourceAttributes":{"namespace":"a","verb":"list","version":"v1",
                                            "resource":"pods"}}})"));
}

TEST(SubjectAccessReviewBody, EveryResourceFieldAndNothingEmpty) {
  UserInfo user{"jane", "", {}, {}};
  ResourceAttributes attributes{"get", "apps", "v1", "deployments", "scale", "ns", "web"};
  EXPECT_EQ(subjectAccessReviewBody(user, attributes),
            R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{)"
            R"("resourceAttributes":{"group":"apps","name":"web","namespace":"ns",)"
            R"("resource":"deployments","subresource":"scale","verb":"get","version":"v1"},)"
            R"("user":"jane"}})");
}

TEST(SubjectAccessReviewBody, NonResourceAttributes) {
  UserInfo user{"admin", "", {"system:masters"}, {}};
  EXPECT_EQ(subjectAccessReviewBody(user, NonResourceAttributes{"get", "/metrics"}),
            R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{)"
            R"("groups":["system:masters"],"nonResourceAttributes":{"path":"/metrics",)"
            R"("verb":"get"},"user":"admin"}})");
}

TEST(ParseSubjectAccessReview, AllowedDeniedAndReasons) {
  EXPECT_EQ(parseSubjectAccessReview(sarReply(true, "RBAC: allowed by RoleBinding").dump()),
            (Decision{true, "RBAC: allowed by RoleBinding"}));
  EXPECT_EQ(parseSubjectAccessReview(sarReply(false, "").dump()), (Decision{false, ""}));
  // denied wins over allowed, as in the API's contract.
  EXPECT_FALSE(parseSubjectAccessReview(sarReply(true, "x", /*denied=*/true).dump()).allowed);
  Json with_error = sarReply(false, "");
  with_error["status"]["evaluationError"] = "role.rbac.authorization.k8s.io \"r\" not found";
  EXPECT_EQ(parseSubjectAccessReview(with_error.dump()).reason,
            "role.rbac.authorization.k8s.io \"r\" not found");
  EXPECT_THROW(parseSubjectAccessReview(R"({"kind":"SubjectAccessReview"})"), Error);
}

TEST(Sha256Hex, MatchesTheFipsTestVector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenCacheKey, IsTheTokensHashNotTheToken) {
  const std::string token = "eyJhbGciOiJSUzI1NiJ9.secret-part.signature";
  const std::string key = tokenCacheKey(token);
  EXPECT_EQ(key, sha256Hex(token));
  EXPECT_EQ(key.size(), 64u);
  EXPECT_THAT(key, Not(HasSubstr("secret-part")));
  EXPECT_NE(tokenCacheKey(token + "x"), key);
}

TEST_F(AuthTest, ATokenIsReviewedWithTheExactDocument) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  transport_->reply(201, tokenReviewReply(serviceAccountUser()));
  const auto user = authn->authenticate(token("tok-1"));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->username, "system:serviceaccount:a:sa");
  EXPECT_EQ(user->uid, "0b3f8c1e-uid");
  ASSERT_EQ(transport_->requests.size(), 1u);
  const kube::HttpRequest& sent = transport_->requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, "/apis/authentication.k8s.io/v1/tokenreviews");
  EXPECT_EQ(sent.body, R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",)"
                       R"("spec":{"token":"tok-1"}})");
  ASSERT_EQ(sent.headers.size(), 1u);
  EXPECT_EQ(sent.headers[0].name, "Content-Type");
  EXPECT_EQ(sent.headers[0].value, "application/json");
  expectRetriedAsARead(sent);
}

TEST_F(AuthTest, AnAuthenticatedTokenIsCachedForTheTokenTtl) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  EXPECT_EQ(authn->authenticateAtOnce(token("tok-1")), std::nullopt);  // a review is due
  transport_->reply(201, tokenReviewReply(serviceAccountUser()));
  const auto first = authn->authenticate(token("tok-1"));
  clock_->advance(9s);
  EXPECT_EQ(authn->authenticate(token("tok-1")), first);
  EXPECT_EQ(authn->authenticateAtOnce(token("tok-1")), first);  // the cached verdict
  EXPECT_EQ(transport_->requests.size(), 1u);
  clock_->advance(1s);  // token_cache_ttl has passed
  EXPECT_EQ(authn->authenticateAtOnce(token("tok-1")), std::nullopt);
  transport_->reply(201, tokenReviewReply(serviceAccountUser()));
  EXPECT_EQ(authn->authenticate(token("tok-1")), first);
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(AuthTest, EachTokenHasItsOwnReview) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  transport_->reply(201, tokenReviewReply(serviceAccountUser()));
  transport_->reply(201, tokenReviewReply({{"authenticated", false}}));
  EXPECT_TRUE(authn->authenticate(token("good")));
  EXPECT_EQ(authenticateError(*authn, token("bad")), ErrorCode::kUnauthorized);
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(AuthTest, ARejectedTokenIsUnauthorizedAndTheRejectionIsCached) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  transport_->reply(201,
                    tokenReviewReply({{"authenticated", false},
                                      {"error", "service account token has been invalidated"}}));
  std::string message;
  EXPECT_EQ(authenticateError(*authn, token("stale-token-value"), &message),
            ErrorCode::kUnauthorized);
  EXPECT_THAT(message, HasSubstr("service account token has been invalidated"));
  EXPECT_THAT(message, Not(HasSubstr("stale-token-value")));
  clock_->advance(9s);
  EXPECT_EQ(authenticateError(*authn, token("stale-token-value")), ErrorCode::kUnauthorized);
  try {
    authn->authenticateAtOnce(token("stale-token-value"));
    ADD_FAILURE() << "the cached rejection was not thrown at once";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnauthorized);
  }
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(AuthTest, AFailedReviewIsUnavailableAndNotCached) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  transport_->fail(Error(ErrorCode::kUnavailable, "https://fake:6443: connection refused"));
  transport_->reply(503, R"({"kind":"Status","code":503,"reason":"ServiceUnavailable"})");
  transport_->reply(200, "not json");
  EXPECT_EQ(authenticateError(*authn, token("t")), ErrorCode::kUnavailable);
  EXPECT_EQ(authenticateError(*authn, token("t")), ErrorCode::kUnavailable);
  EXPECT_EQ(authenticateError(*authn, token("t")), ErrorCode::kUnavailable);
  transport_->reply(201, tokenReviewReply(serviceAccountUser()));
  EXPECT_TRUE(authn->authenticate(token("t")));
  EXPECT_EQ(transport_->requests.size(), 4u);
}

TEST_F(AuthTest, AForbiddenReviewIsUnavailableAndNamesTheMissingRole) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  transport_->reply(403, Json{{"kind", "Status"},
                              {"code", 403},
                              {"reason", "Forbidden"},
                              {"message", "tokenreviews.authentication.k8s.io is forbidden"}});
  std::string message;
  EXPECT_EQ(authenticateError(*authn, token("t"), &message), ErrorCode::kUnavailable);
  EXPECT_THAT(message, HasSubstr("system:auth-delegator"));
}

TEST_F(AuthTest, AClientCertificateNeedsNoReview) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  Credentials credentials;
  credentials.client_certificate = UserInfo{"admin", "", {"system:masters"}, {}};
  credentials.bearer_token = "ignored";
  EXPECT_EQ(authn->authenticate(credentials), credentials.client_certificate);
  EXPECT_EQ(authn->authenticateAtOnce(credentials), credentials.client_certificate);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(AuthTest, NoCredentialsIsNoUserAndAnEmptyTokenIsUnauthorized) {
  auto authn = makeDelegatedAuthenticator(client_, options_);
  EXPECT_EQ(authn->authenticate(Credentials{}), std::nullopt);
  const auto at_once = authn->authenticateAtOnce(Credentials{});
  ASSERT_TRUE(at_once.has_value());   // known without a review:
  EXPECT_EQ(*at_once, std::nullopt);  // no user
  EXPECT_EQ(authenticateError(*authn, token("")), ErrorCode::kUnauthorized);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(AuthTest, AnAccessIsReviewedWithTheExactDocument) {
  auto authz = makeDelegatedAuthorizer(client_, options_);
  transport_->reply(201, sarReply(true, "RBAC: allowed"));
  const UserInfo user{"system:serviceaccount:a:sa", "u1", {"system:serviceaccounts"}, {}};
  const Decision decision =
      authz->authorize(user, ResourceAttributes{"get", "", "v1", "pods", "", "a", "web-0"});
  EXPECT_EQ(decision, (Decision{true, "RBAC: allowed"}));
  ASSERT_EQ(transport_->requests.size(), 1u);
  EXPECT_EQ(transport_->requests[0].method, "POST");
  EXPECT_EQ(transport_->requests[0].path, "/apis/authorization.k8s.io/v1/subjectaccessreviews");
  EXPECT_EQ(Json::parse(transport_->requests[0].body),
            Json::parse(R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
              "spec":{"user":"system:serviceaccount:a:sa","uid":"u1",
                      "groups":["system:serviceaccounts"],
                      "resourceAttributes":{"namespace":"a","verb":"get","version":"v1",
                                            "resource":"pods","name":"web-0"}}})"));
  expectRetriedAsARead(transport_->requests[0]);
}

TEST_F(AuthTest, AllowedAndDeniedDecisionsHaveTheirOwnTtls) {
  auto authz = makeDelegatedAuthorizer(client_, options_);
  const UserInfo user{"jane", "", {"dev"}, {}};
  const ResourceAttributes in_a{"list", "", "v1", "pods", "", "a", ""};
  const ResourceAttributes in_b{"list", "", "v1", "pods", "", "b", ""};
  transport_->reply(201, sarReply(true, ""));
  transport_->reply(201, sarReply(false, "no RBAC policy matched"));
  EXPECT_EQ(authz->authorizeAtOnce(user, in_a), std::nullopt);  // a review is due
  EXPECT_TRUE(authz->authorize(user, in_a).allowed);
  EXPECT_EQ(authz->authorize(user, in_b), (Decision{false, "no RBAC policy matched"}));
  EXPECT_EQ(authz->authorizeAtOnce(user, in_a), (Decision{true, ""}));
  EXPECT_EQ(authz->authorizeAtOnce(user, in_b), (Decision{false, "no RBAC policy matched"}));
  clock_->advance(29s);
  EXPECT_TRUE(authz->authorize(user, in_a).allowed);
  EXPECT_FALSE(authz->authorize(user, in_b).allowed);
  EXPECT_EQ(transport_->requests.size(), 2u);

  clock_->advance(1s);  // unauthorized_ttl (30 s) has passed, authorized_ttl (300 s) has not
  EXPECT_EQ(authz->authorizeAtOnce(user, in_b), std::nullopt);
  EXPECT_EQ(authz->authorizeAtOnce(user, in_a), (Decision{true, ""}));
  transport_->reply(201, sarReply(true, ""));
  EXPECT_TRUE(authz->authorize(user, in_b).allowed);
  EXPECT_TRUE(authz->authorize(user, in_a).allowed);
  EXPECT_EQ(transport_->requests.size(), 3u);

  clock_->advance(270s);  // 300 s after the first review of in_a
  transport_->reply(201, sarReply(false, ""));
  EXPECT_FALSE(authz->authorize(user, in_a).allowed);
  EXPECT_EQ(transport_->requests.size(), 4u);
}

TEST_F(AuthTest, TheCacheKeyCoversGroupsExtraAndAttributes) {
  auto authz = makeDelegatedAuthorizer(client_, options_);
  const NonResourceAttributes metrics{"get", "/metrics"};
  const UserInfo base{"jane", "", {"dev"}, {}};
  UserInfo other_groups = base;
  other_groups.groups.push_back("system:masters");
  UserInfo other_extra = base;
  other_extra.extra["scopes"] = {"x"};
  for (int i = 0; i < 4; ++i) transport_->reply(201, sarReply(i % 2 == 0, ""));
  EXPECT_TRUE(authz->authorize(base, metrics).allowed);
  EXPECT_FALSE(authz->authorize(other_groups, metrics).allowed);
  EXPECT_TRUE(authz->authorize(other_extra, metrics).allowed);
  EXPECT_FALSE(authz->authorize(base, NonResourceAttributes{"get", "/healthz"}).allowed);
  EXPECT_EQ(transport_->requests.size(), 4u);
  // All four are cached now.
  EXPECT_TRUE(authz->authorize(base, metrics).allowed);
  EXPECT_FALSE(authz->authorize(other_groups, metrics).allowed);
  EXPECT_EQ(transport_->requests.size(), 4u);
}

TEST_F(AuthTest, AFailedAccessReviewIsUnavailableAndNotCached) {
  auto authz = makeDelegatedAuthorizer(client_, options_);
  const UserInfo user{"jane", "", {}, {}};
  const NonResourceAttributes metrics{"get", "/metrics"};
  transport_->fail(Error(ErrorCode::kTimeout, "https://fake:6443: timed out"));
  transport_->reply(403, R"({"kind":"Status","code":403,"reason":"Forbidden"})");
  for (int i = 0; i < 2; ++i) {
    try {
      authz->authorize(user, metrics);
      ADD_FAILURE() << "authorize did not throw";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kUnavailable) << error.what();
    }
  }
  transport_->reply(201, sarReply(true, ""));
  EXPECT_TRUE(authz->authorize(user, metrics).allowed);
  EXPECT_EQ(transport_->requests.size(), 3u);
}

TEST_F(AuthTest, TheCachesAreBounded) {
  options_.max_cache_entries = 2;
  auto authn = makeDelegatedAuthenticator(client_, options_);
  for (int i = 0; i < 4; ++i) transport_->reply(201, tokenReviewReply(serviceAccountUser()));
  authn->authenticate(token("t1"));
  authn->authenticate(token("t2"));
  authn->authenticate(token("t3"));  // evicts t1
  authn->authenticate(token("t2"));  // cached
  authn->authenticate(token("t1"));  // reviewed again
  EXPECT_EQ(transport_->requests.size(), 4u);
}

}  // namespace
}  // namespace keelson::server
