#pragma once
// Whether a signed message from the backend may run (docs/protocol.md, "Verification"). Pure:
// the replay check (nonce and id never seen before) needs the state store and is the caller's,
// after this one.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "link/message.h"

namespace keelson::link {

/// The agent's identity and the shared secret.
struct VerifyOptions {
  std::string secret;                        ///< SECRET_KEY (HMAC key).
  std::string cluster_id;                    ///< CLUSTER_ID.
  std::string agent_id;                      ///< The agent's id (AGENT_ID or the stored one).
  std::chrono::seconds max_clock_skew{300};  ///< How far issuedAt may be from the agent's clock.
};

/// The agent's local policy (--allow-actions, --deny-namespaces). The backend cannot widen it:
/// a config message never changes it.
struct AgentPolicy {
  /// Verbs that may run. Default: the reversible, non-disruptive ones.
  std::set<std::string> allowed_verbs = {"cordon", "uncordon", "scale", "restart", "label"};
  /// Namespaces no action may target.
  std::set<std::string> denied_namespaces;
};

/// Every verb a signed action may name: cordon, uncordon, drain, evict, scale, restart (rollout
/// restart), restart-pod, label, set-resources.
const std::set<std::string>& knownVerbs();

/// Parses --allow-actions: comma-separated verbs, or "*" for all of them. Throws
/// Error(kBadInput) naming an unknown verb and listing the known ones.
std::set<std::string> parseAllowedVerbs(std::string_view text);

/// The outcome of verifyMessage.
struct Verification {
  /// The decoded payload when it decodes (also when rejected, so the rejection can be reported
  /// under its id, and for config messages).
  std::optional<Payload> payload;
  std::string rejection;  ///< Why it must not run; "" when it may.
  /// The signature verified and the message is addressed to this agent (its cluster, and its
  /// id or none): its payload id can be trusted, even when a later check rejected it.
  bool authentic = false;
  bool accepted() const noexcept { return rejection.empty(); }
};

/// Checks `message` at `now`, in this order, stopping at the first that fails: the signature
/// verifies (constant-time compare); the payload decodes; clusterId is ours; agentId is absent
/// or ours; issuedAt is within max_clock_skew of `now`; expiresAt is after `now`; an action's
/// verb is known and in policy.allowed_verbs, and its target namespace is not denied. Thread-safe.
Verification verifyMessage(const SignedMessage& message, const VerifyOptions& options,
                           const AgentPolicy& policy, kube::Time now);

}  // namespace keelson::link
