#pragma once

// Turning an operator's request for an action into a signed action (docs/protocol.md, "Signed
// messages"): the backend chooses the id, the nonce and the times and signs the payload with
// SECRET_KEY.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "backend/storage.h"
#include "core/clock.h"
#include "link/message.h"

namespace keelson::backend {

/// What an operator asked for: POST /v1/clusters/{clusterId}/actions with
/// {verb, target: {kind, namespace?, name}, params?, agentId?, ttlSeconds?}.
struct ActionRequest {
  std::string cluster_id;
  std::optional<std::string> agent_id;  ///< nullopt: any agent of the cluster.
  link::Action action;
  std::optional<std::chrono::seconds> ttl;  ///< nullopt: the backend's default.
};

/// The longest ttlSeconds accepted: one day.
inline constexpr std::chrono::seconds kMaxActionTtl{86400};

/// Reads an operator's request body for `cluster_id`. Throws Error(kBadInput) naming the field:
/// a missing verb or target, a target without kind or name, params that are not an object, a
/// ttlSeconds outside 1..86400, an agentId that is not a UUID, and whatever link::validateAction
/// rejects (an unknown verb, a kind the verb does not take, a namespaced kind without a
/// namespace, an unknown or mistyped param). Pure.
ActionRequest parseActionRequest(const std::string& cluster_id, const nlohmann::json& body);

/// The action for `request`, signed with `secret`: a new UUID id, kind "action", issuedAt
/// `now`, expiresAt `now` + (request.ttl or `default_ttl`), a nonce of 128 random bits
/// (net::randomHex(16)); state queued. Throws Error(kInternal) when the random source or
/// OpenSSL fails. Thread-safe.
ActionRecord signAction(const ActionRequest& request, std::string_view secret, core::WallTime now,
                        std::chrono::seconds default_ttl);

}  // namespace keelson::backend
