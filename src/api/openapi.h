#pragma once
// The OpenAPI 3 description of `keelson serve`'s API (docs/openapi.json, compiled into the
// binary) and the route that serves it.

#include <string_view>

#include "server/server.h"

namespace keelson::api {

/// docs/openapi.json as it was when keelson was built: an OpenAPI 3.0 document with one path
/// per route of keelson serve (addServeRoutes' routes). Does not throw.
std::string_view openApiDocument() noexcept;

/// Adds GET /openapi.json: openApiDocument(), as application/json (no envelope). The caller
/// needs `get` on the non-resource URL /openapi.json, as for /metrics.
void addOpenApiRoute(server::Router& router);

}  // namespace keelson::api
