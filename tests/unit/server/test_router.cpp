#include <gtest/gtest.h>

#include "core/error.h"
#include "server/server.h"

namespace keelson::server {
namespace {

Handler named(std::string name) {
  return [name](const Request&) { return Response::ok(name); };
}

TEST(Router, MatchesParametersAndDecodesThem) {
  Router router;
  router.get("/api/v1/pods/{ns}/{pod}/describe", named("describe"));
  const auto match = router.match("GET", "/api/v1/pods/kube-system/my%20pod/describe");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.route, "/api/v1/pods/{ns}/{pod}/describe");
  EXPECT_EQ(match.params.at("ns"), "kube-system");
  EXPECT_EQ(match.params.at("pod"), "my pod");
  EXPECT_EQ(router.match("GET", "/api/v1/pods/ns/describe").handler, nullptr);
  EXPECT_EQ(router.match("GET", "/api/v1/pods//x/describe").handler, nullptr);  // empty param
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router router;
  router.get("/a/{x}", named("param"));
  router.get("/a/b", named("literal"));
  const auto literal = router.match("GET", "/a/b");
  ASSERT_NE(literal.handler, nullptr);
  EXPECT_EQ((*literal.handler)(Request{}).data->get<std::string>(), "literal");
  const auto param = router.match("GET", "/a/c");
  ASSERT_NE(param.handler, nullptr);
  EXPECT_EQ(param.params.at("x"), "c");
}

TEST(Router, WrongMethodReportsAllowedMethods) {
  Router router;
  router.get("/x", named("get"));
  router.add("DELETE", "/x", named("delete"));
  const auto match = router.match("POST", "/x");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allowed_methods, (std::vector<std::string>{"GET", "DELETE"}));
  EXPECT_EQ(match.route, "/x");
  EXPECT_TRUE(router.match("GET", "/y").allowed_methods.empty());
}

TEST(Router, RejectsBadPatternsAndDuplicates) {
  Router router;
  EXPECT_THROW(router.get("relative", named("x")), Error);
  EXPECT_THROW(router.get("/a/{b", named("x")), Error);
  EXPECT_THROW(router.get("/a/x{b}", named("x")), Error);
  router.get("/a", named("x"));
  EXPECT_THROW(router.get("/a", named("y")), Error);
}

TEST(ErrorMapping, CodesAndStatuses) {
  EXPECT_EQ(httpStatusFor(ErrorCode::kBadInput), 400);
  EXPECT_EQ(httpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(httpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(httpStatusFor(ErrorCode::kTimeout), 504);  // upstream; 408 is the own deadline
  EXPECT_EQ(httpStatusFor(ErrorCode::kForbidden), 403);
  const auto response = Response::fromError(Error(ErrorCode::kNotFound, "pod default/x not found"));
  EXPECT_EQ(response.status, 404);
  ASSERT_TRUE(response.error);
  EXPECT_EQ(response.error->code, "RESOURCE_NOT_FOUND");
  EXPECT_EQ(response.error->message, "pod default/x not found");
}

}  // namespace
}  // namespace keelson::server
