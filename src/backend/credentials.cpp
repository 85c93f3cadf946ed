#include "backend/credentials.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/error.h"
#include "net/crypto.h"

namespace keelson::backend {
namespace {

constexpr const char* kApiGroup = "backend.keelson.dev";

const char* resourceFor(Audience audience) {
  return audience == Audience::kAgent ? "agent-api" : "operator-api";
}

// Whether `token` equals one of `keys`; every key is compared, so the time taken does not
// depend on which one matched.
bool matchesAny(const std::vector<std::string>& keys, const std::string& token) {
  bool found = false;
  for (const std::string& key : keys) found = net::constantTimeEquals(key, token) || found;
  return found;
}

class KeyAuthenticator final : public server::Authenticator {
 public:
  explicit KeyAuthenticator(BackendKeys keys) : keys_(std::move(keys)) {}

  std::optional<server::UserInfo> authenticate(const server::Credentials& credentials) override {
    if (!credentials.bearer_token) return std::nullopt;
    const std::string& token = *credentials.bearer_token;
    if (!token.empty() && matchesAny(keys_.api_keys, token)) {
      return server::UserInfo{.username = "agent", .uid = {}, .groups = {kAgentGroup}, .extra = {}};
    }
    if (!token.empty() && matchesAny(keys_.operator_tokens, token)) {
      return server::UserInfo{
          .username = "operator", .uid = {}, .groups = {kOperatorGroup}, .extra = {}};
    }
    throw Error(ErrorCode::kUnauthorized, "unknown bearer token");
  }

 private:
  const BackendKeys keys_;
};

class AudienceAuthorizer final : public server::Authorizer {
 public:
  server::Decision authorize(const server::UserInfo& user,
                             const server::AccessAttributes& attributes) override {
    const auto* resource = std::get_if<server::ResourceAttributes>(&attributes);
    if (resource == nullptr || resource->group != kApiGroup) {
      return {.allowed = false, .reason = "not a backend route"};
    }
    const char* group =
        resource->resource == resourceFor(Audience::kAgent) ? kAgentGroup : kOperatorGroup;
    const bool member =
        std::find(user.groups.begin(), user.groups.end(), group) != user.groups.end();
    if (member) return {.allowed = true, .reason = {}};
    return {.allowed = false, .reason = std::string("only ") + group + " may call this route"};
  }
};

}  // namespace

void checkKeys(const BackendKeys& keys) {
  if (keys.api_keys.empty()) throw Error(ErrorCode::kBadInput, "no API key is configured");
  if (keys.operator_tokens.empty()) {
    throw Error(ErrorCode::kBadInput, "no operator token is configured");
  }
  const auto empty = [](const std::string& key) { return key.empty(); };
  if (std::any_of(keys.api_keys.begin(), keys.api_keys.end(), empty) ||
      std::any_of(keys.operator_tokens.begin(), keys.operator_tokens.end(), empty)) {
    throw Error(ErrorCode::kBadInput, "an API key or operator token is empty");
  }
  for (const std::string& token : keys.operator_tokens) {
    if (matchesAny(keys.api_keys, token)) {
      throw Error(ErrorCode::kBadInput,
                  "the operator token must differ from the API key (agents hold the API key)");
    }
  }
}

std::shared_ptr<server::Authenticator> makeKeyAuthenticator(BackendKeys keys) {
  return std::make_shared<KeyAuthenticator>(std::move(keys));
}

std::shared_ptr<server::Authorizer> makeAudienceAuthorizer() {
  return std::make_shared<AudienceAuthorizer>();
}

server::RouteOptions accessFor(Audience audience) {
  server::RouteOptions options;
  options.access = [audience](const server::Request& request) {
    std::string verb = request.method;
    std::transform(verb.begin(), verb.end(), verb.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::vector<server::AccessAttributes>{
        server::ResourceAttributes{.verb = verb,
                                   .group = kApiGroup,
                                   .version = "v1",
                                   .resource = resourceFor(audience),
                                   .subresource = {},
                                   .namespace_name = {},
                                   .name = {}}};
  };
  return options;
}

}  // namespace keelson::backend
