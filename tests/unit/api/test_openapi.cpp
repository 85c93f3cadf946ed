// docs/openapi.json against the routes keelson serve registers: the same set of methods and
// paths, every path parameter declared, every $ref resolvable, and the document served on
// /openapi.json equal to the file in the repository.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "api/openapi.h"
#include "common/http_client.h"
#include "common/test_env.h"
#include "kube/client.h"
#include "kube/cluster_cache.h"
#include "unit/api/serve_router.h"

namespace keelson::api {
namespace {

using nlohmann::json;

json repositoryDocument() {
  std::ifstream in(keelson::testing::sourceDir() + "/docs/openapi.json");
  return json::parse(in);
}

std::set<std::string> documentedOperations(const json& doc) {
  std::set<std::string> out;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(upper + " " + path);
    }
  }
  return out;
}

kube::ClusterConfig unreachableCluster() {
  kube::ClusterConfig config;
  config.server = "https://127.0.0.1:1";  // never contacted: the cache is not started
  return config;
}

class OpenApi : public ::testing::Test {
 protected:
  const kube::ClusterConfig config_ = unreachableCluster();
  const kube::Client client_{config_};
  const kube::ClusterCache cache_{client_};
};

TEST_F(OpenApi, DocumentsExactlyTheRoutesServeRegisters) {
  std::set<std::string> registered;
  for (const auto& route : testing::serveRouter(cache_).routes()) {
    registered.insert(route.method + " " + route.pattern);
  }
  const json doc = json::parse(openApiDocument());
  EXPECT_EQ(documentedOperations(doc), registered);
  EXPECT_TRUE(doc["openapi"].get<std::string>().starts_with("3.0.")) << doc["openapi"];
}

TEST_F(OpenApi, EveryOperationDeclaresItsPathParametersAndAnswers) {
  const json doc = json::parse(openApiDocument());
  const std::regex param(R"(\{([a-zA-Z]+)\})");
  for (const auto& [path, item] : doc["paths"].items()) {
    std::set<std::string> in_path;
    for (std::sregex_iterator it(path.begin(), path.end(), param), end; it != end; ++it) {
      in_path.insert((*it)[1]);
    }
    for (const auto& [method, operation] : item.items()) {
      SCOPED_TRACE(method + " " + path);
      std::set<std::string> declared;
      for (const auto& p : operation["parameters"]) {
        if (p["in"] == "path") {
          declared.insert(p["name"].get<std::string>());
          EXPECT_EQ(p["required"], true);
        }
      }
      EXPECT_EQ(declared, in_path);
      EXPECT_FALSE(operation.value("summary", "").empty());
      EXPECT_TRUE(operation["responses"].contains("200"));
    }
  }
}

TEST_F(OpenApi, EveryReferenceResolves) {
  const json doc = json::parse(openApiDocument());
  int refs = 0;
  const std::function<void(const json&)> walk = [&](const json& node) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        const std::string ref = node["$ref"];
        ASSERT_TRUE(ref.starts_with("#/")) << ref;
        EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << ref;
        ++refs;
      }
      for (const auto& [key, value] : node.items()) walk(value);
    } else if (node.is_array()) {
      for (const auto& value : node) walk(value);
    }
  };
  walk(doc);
  EXPECT_GT(refs, 10);
}

TEST_F(OpenApi, ServedDocumentIsTheRepositorysFile) {
  server::ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  server::Router router;
  addOpenApiRoute(router);
  server::Server server(options, std::move(router));
  server.start();
  keelson::testing::Client http;
  const auto result =
      http.request("GET", "http://127.0.0.1:" + std::to_string(server.port()) + "/openapi.json");
  server.stop(std::chrono::seconds(1));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.headers.at("content-type"), "application/json");
  EXPECT_EQ(result.json(), repositoryDocument()) << "rebuild after editing docs/openapi.json";
}

}  // namespace
}  // namespace keelson::api
