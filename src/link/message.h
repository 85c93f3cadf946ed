#pragma once
// The signed messages of the backend link (docs/protocol.md): an action or a config change the
// backend sends, as
//
//   {"payload": "<JSON text>", "signature": "v1=<64 lowercase hex digits>"}
//
// where the hex is HMAC-SHA256 under the shared SECRET_KEY over the bytes "v1:" followed by the
// payload text exactly as sent (never re-serialised: a verifier MACs the received text). The
// payload text is
//
//   {"id": UUID, "kind": "action" | "config", "clusterId", "agentId" (optional),
//    "issuedAt", "expiresAt" (RFC 3339), "nonce" (>= 32 hex digits: 128 random bits),
//    "action": {"verb", "target": {"kind", "namespace", "name"}, "params": {...}}   (kind action)
//    "config": {...}}                                                              (kind config)

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kube/objects.h"

namespace keelson::link {

/// The object an action is about. `kind` is the Kubernetes kind ("Node", "Pod", "Deployment",
/// "StatefulSet", "ReplicaSet", "DaemonSet"); `namespace_name` is "" for nodes.
struct Target {
  std::string kind;
  std::string namespace_name;
  std::string name;
};

/// What an action payload asks for: one of the actuator's verbs (cordon, uncordon, drain, evict,
/// scale, restart, restart-pod, label, set-resources) on `target`, with `params` named as the
/// CLI's flags in camelCase (link/dispatch.h).
struct Action {
  std::string verb;
  Target target;
  nlohmann::json params = nlohmann::json::object();
};

/// A decoded payload.
struct Payload {
  std::string id;                       ///< A UUID; the action's id in results.
  std::string kind;                     ///< "action" or "config".
  std::string cluster_id;               ///< The cluster it is for.
  std::optional<std::string> agent_id;  ///< The agent it is for; nullopt: any of the cluster's.
  kube::Time issued_at;
  kube::Time expires_at;
  std::string nonce;                                 ///< Lowercase hex, >= 32 digits.
  std::optional<Action> action;                      ///< With kind "action".
  nlohmann::json config = nlohmann::json::object();  ///< With kind "config".
};

/// A message as received: the payload text and its signature, both exactly as sent.
struct SignedMessage {
  std::string payload;
  std::string signature;
};

/// "v1=" and the lowercase hex HMAC-SHA256 under `secret` of "v1:" + `payload`. Throws
/// Error(kInternal) when OpenSSL fails.
std::string signPayload(std::string_view secret, std::string_view payload);

/// Whether `signature` is signPayload(secret, payload), compared in constant time.
bool signatureMatches(std::string_view secret, std::string_view payload,
                      std::string_view signature);

/// The message {"payload": payload.dump(), "signature": ...} for `payload` (a JSON object).
nlohmann::json signMessage(std::string_view secret, const nlohmann::json& payload);

/// Reads "payload" and "signature" (both strings) from a received object (extra members, such
/// as a WebSocket frame's "type", are ignored). Throws Error(kBadInput) naming what is missing.
SignedMessage readSignedMessage(const nlohmann::json& message);

/// Decodes payload text. Throws Error(kBadInput) naming the field and what was expected: not
/// JSON, a missing or mistyped field, an id that is not a UUID, a kind other than action/config,
/// a timestamp that is not RFC 3339, a nonce that is not >= 32 lowercase hex digits, an action
/// without verb or target, a target without kind or name.
Payload decodePayload(std::string_view text);

/// The payload as a JSON object (the inverse of decodePayload; timestamps RFC 3339 UTC).
nlohmann::json encodePayload(const Payload& payload);

}  // namespace keelson::link
