#pragma once
// What the agent does with one signed message from the backend (docs/protocol.md,
// "Verification"): verify it, check it against replay (the state store's seen ids and nonces),
// then run an action through the actuator (audited as Requester{"backend", id}) or hand a
// config over. The result document is what the agent reports:
//
//   {"status": "succeeded" | "failed" | "rejected" | "dry-run", "reason",
//    "startedAt", "finishedAt" (RFC 3339), "details": the actuator's ActionResult or null}

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "core/clock.h"
#include "kube/client.h"
#include "link/verify.h"
#include "store/agent_state.h"
#include "store/audit_log.h"

namespace keelson::link {

/// The outcome of one message.
struct Handled {
  std::string id;  ///< The payload's id ("" when the message did not even decode).
  /// The result to report for `id`; nullopt for an accepted config message, and for a message
  /// delivered again while its first delivery is still queued or running (that one reports).
  std::optional<nlohmann::json> result;
  /// True when `result` is in the state store (saveResult) and must be reported until
  /// acknowledged; false for a rejection of a message whose id is not trusted (bad signature,
  /// undecodable, for another cluster or agent): it is reported once and not stored, so a forged
  /// message cannot pre-empt the result of a real action with the same id.
  bool stored = false;
  std::optional<nlohmann::json> config;  ///< An accepted config message's "config".
};

/// Handles signed messages. Thread-safe when its collaborators are (they are); one message at a
/// time is the agent's choice (its actuator thread).
class ActionHandler {
 public:
  /// All references must outlive the handler.
  ActionHandler(store::AgentState& state, store::AuditLog& audit, const kube::Client& client,
                VerifyOptions verify, AgentPolicy policy,
                std::shared_ptr<const core::Clock> clock = core::systemClock());

  /// Verifies `message` ({"payload", "signature"}) and, when it passes every check and was not
  /// seen before, runs its action (or returns its config). A message whose id already has a
  /// result gets that result again, not a second run. A rejected action is recorded in the
  /// audit log (outcome "refused", the reason as its error) and runs nothing. `stop` interrupts
  /// a long action (drain, evict) only; the agent passes a token it stops only when its drain
  /// time is up. Throws Error(kUnavailable) when the state store or audit log cannot be
  /// written (the message then counts as not handled: it will come again).
  Handled handle(const nlohmann::json& message, std::stop_token stop = {});

 private:
  nlohmann::json reject(const Payload* payload, const std::string& reason);

  store::AgentState& state_;
  store::AuditLog& audit_;
  const kube::Client& client_;
  VerifyOptions verify_;
  AgentPolicy policy_;
  std::shared_ptr<const core::Clock> clock_;
};

/// The result document for a message that did not run: status "rejected" and `reason`.
nlohmann::json rejectedResult(const std::string& reason, kube::Time at);

}  // namespace keelson::link
