// Every route of `keelson serve` answers every error code with its HTTP status and the spec's
// error envelope, and a wrong method with 405 and Allow.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "core/error.h"
#include "kube/client.h"
#include "kube/cluster_cache.h"
#include "server/server.h"
#include "unit/api/serve_router.h"

namespace keelson::api {
namespace {

using keelson::testing::Client;
using keelson::testing::expectErrorEnvelope;

struct Expected {
  ErrorCode code;
  long status;
  const char* envelope;
  bool retry_after;
};

constexpr Expected kTable[] = {
    {ErrorCode::kBadInput, 400, "BAD_REQUEST", false},
    {ErrorCode::kUnauthorized, 401, "UNAUTHORIZED", false},
    {ErrorCode::kForbidden, 403, "FORBIDDEN", false},
    {ErrorCode::kNotFound, 404, "RESOURCE_NOT_FOUND", false},
    {ErrorCode::kConflict, 409, "CONFLICT", false},
    {ErrorCode::kGone, 410, "GONE", false},
    {ErrorCode::kTooManyRequests, 429, "TOO_MANY_REQUESTS", true},
    {ErrorCode::kInternal, 500, "INTERNAL_ERROR", false},
    {ErrorCode::kUnavailable, 503, "SERVICE_UNAVAILABLE", true},
    {ErrorCode::kTimeout, 504, "GATEWAY_TIMEOUT", false},
};

// The routes `keelson serve` registers (runServe adds the same ones).
// "/api/v1/pods/{ns}/{pod}/describe" → "/api/v1/pods/x/x/describe".
std::string concretePath(const std::string& pattern) {
  std::string path;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      path += 'x';
      i = pattern.find('}', i);
    } else {
      path += pattern[i];
    }
  }
  return path;
}

// The same patterns, lanes and methods, with a handler that throws the code named in X-Throw.
server::Router throwingTwin(const server::Router& routes) {
  server::Router router;
  for (const auto& route : routes.routes()) {
    router.add(route.method, route.pattern,
               [](const server::Request& request) -> server::Response {
                 const auto wanted = request.header("X-Throw").value_or("");
                 for (const auto& row : kTable) {
                   if (wanted == errorCodeName(row.code))
                     throw Error(row.code, "thrown: " + wanted);
                 }
                 return server::Response::ok({{"thrown", false}});
               },
               {.lane = route.lane, .open = true, .access = {}});
  }
  return router;
}

TEST(ServeErrors, EveryRouteMapsEveryErrorCode) {
  kube::ClusterConfig config;
  config.server = "https://127.0.0.1:1";  // never contacted: the cache is not started
  const kube::Client client(config);
  const kube::ClusterCache cache(client);
  const server::Router routes = testing::serveRouter(cache);
  ASSERT_GE(routes.routes().size(), 10U);

  server::ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  server::Server server(options, throwingTwin(routes));
  server.start();
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  Client http;
  for (const auto& route : routes.routes()) {
    const std::string path = concretePath(route.pattern);
    for (const auto& row : kTable) {
      SCOPED_TRACE(route.pattern + " " + std::string(errorCodeName(row.code)));
      const auto result = http.request(route.method, base + path,
                                       {"X-Throw: " + std::string(errorCodeName(row.code))});
      expectErrorEnvelope(result, row.status, row.envelope);
      EXPECT_EQ(result.json()["error"]["message"],
                "thrown: " + std::string(errorCodeName(row.code)));
      EXPECT_EQ(result.headers.count("retry-after"), row.retry_after ? 1U : 0U);
    }
    const auto wrong = http.request("DELETE", base + path);
    expectErrorEnvelope(wrong, 405, "METHOD_NOT_ALLOWED");
    EXPECT_EQ(wrong.headers.at("allow"), route.method);
  }
  server.stop(std::chrono::seconds(1));
}

}  // namespace
}  // namespace keelson::api
