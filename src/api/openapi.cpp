#include "api/openapi.h"

#include <string>

namespace keelson::api {

void addOpenApiRoute(server::Router& router) {
  router.get("/openapi.json", [](const server::Request&) {
    return server::Response::text(std::string(openApiDocument()), "application/json");
  });
}

}  // namespace keelson::api
