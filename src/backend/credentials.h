#pragma once

// Who may call the reference backend: agents with the shared API key, operators with their own
// token. Both are bearer tokens (`Authorization: Bearer ...`), checked in constant time; each
// route says which audience it serves, and a caller of the other audience gets 403.

#include <memory>
#include <string>
#include <vector>

#include "server/auth.h"
#include "server/server.h"

namespace keelson::backend {

/// The group of a caller holding an API key (an agent).
inline constexpr const char* kAgentGroup = "keelson:agents";
/// The group of a caller holding an operator token.
inline constexpr const char* kOperatorGroup = "keelson:operators";

/// The accepted bearer tokens. Neither list may be empty, no token may be empty, and no token
/// may be in both lists (checkKeys).
struct BackendKeys {
  std::vector<std::string> api_keys;         ///< API_KEY: the agents' key(s).
  std::vector<std::string> operator_tokens;  ///< OPERATOR_TOKEN: the operators' token(s).
};

/// Throws Error(kBadInput) when a list is empty, a token is empty, or a token is both an API
/// key and an operator token (an agent could then act as an operator). Never names a token.
void checkKeys(const BackendKeys& keys);

/// Which callers a route serves.
enum class Audience {
  kAgent,     ///< The agent-facing protocol (docs/protocol.md).
  kOperator,  ///< The operator API (creating actions, status).
};

/// An Authenticator for `keys`: no bearer token gives nullopt (the server answers 401); a token
/// equal (net::constantTimeEquals, every key compared) to an API key is the user "agent" in
/// kAgentGroup, to an operator token the user "operator" in kOperatorGroup; any other token
/// throws Error(kUnauthorized). Tokens are neither logged nor kept beyond `keys`. Thread-safe.
std::shared_ptr<server::Authenticator> makeKeyAuthenticator(BackendKeys keys);

/// An Authorizer that allows a request when the user's group is the route's audience (as
/// accessFor encodes it), and denies everything else. Thread-safe.
std::shared_ptr<server::Authorizer> makeAudienceAuthorizer();

/// The RouteOptions of a route serving `audience` (Lane::kStandard): its access check names the
/// audience as a resource of the API group "backend.keelson.dev".
server::RouteOptions accessFor(Audience audience);

}  // namespace keelson::backend
