#include "link/action_handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "act/actuator.h"
#include "core/error.h"
#include "link/dispatch.h"

namespace keelson::link {
namespace {

using nlohmann::json;

std::int64_t epochMillis(kube::Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string statusOf(const act::ActionResult& result) {
  if (result.outcome != act::Outcome::kSucceeded) return "failed";
  return result.dry_run == act::DryRun::kNone ? "succeeded" : "dry-run";
}

// kubectl's "node/n1" for the audit log, from the Kubernetes kind.
std::string auditTarget(const Action& action) {
  std::string kind = action.target.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return kind + "/" + action.target.name;
}

}  // namespace

json rejectedResult(const std::string& reason, kube::Time at) {
  const std::string time = kube::formatTimeMillis(at);
  return {{"status", "rejected"},
          {"reason", reason},
          {"startedAt", time},
          {"finishedAt", time},
          {"details", nullptr}};
}

ActionHandler::ActionHandler(store::AgentState& state, store::AuditLog& audit,
                             const kube::Client& client, VerifyOptions verify, AgentPolicy policy,
                             std::shared_ptr<const core::Clock> clock)
    : state_(state),
      audit_(audit),
      client_(client),
      verify_(std::move(verify)),
      policy_(std::move(policy)),
      clock_(std::move(clock)) {}

json ActionHandler::reject(const Payload* payload, const std::string& reason) {
  if (payload != nullptr && payload->action) {
    const Action& action = *payload->action;
    act::Actuator actuator(client_, audit_, act::Requester{"backend", payload->id}, clock_);
    act::ActionSpec spec{
        action.verb, auditTarget(action), action.target.namespace_name, {}, action.params};
    actuator.run(spec, [&](act::ActionContext&) {
      act::ActionResult refused;
      refused.verb = action.verb;
      refused.target = spec.target;
      refused.namespace_name = spec.namespace_name;
      refused.outcome = act::Outcome::kRefused;
      refused.summary = "rejected";
      refused.error = "rejected: " + reason;
      return refused;
    });
  }
  return rejectedResult(reason, clock_->wallNow());
}

Handled ActionHandler::handle(const json& message, std::stop_token stop) {
  Handled out;
  SignedMessage signed_message;
  try {
    signed_message = readSignedMessage(message);
  } catch (const Error& e) {
    out.result = reject(nullptr, e.what());
    return out;
  }
  const kube::Time now = clock_->wallNow();
  const Verification v = verifyMessage(signed_message, verify_, policy_, now);
  if (v.payload) out.id = v.payload->id;
  // Only a message that is really ours may leave a stored result under its id.
  const bool trusted = v.authentic;
  if (trusted) {
    if (auto stored = state_.result(v.payload->id)) {
      out.result = json::parse(*stored);
      out.stored = true;
      return out;
    }
  }
  if (!v.accepted()) {
    out.result = reject(v.payload ? &*v.payload : nullptr, v.rejection);
    if (trusted) {
      state_.saveResult(out.id, out.result->dump());
      out.stored = true;
    }
    return out;
  }
  const Payload& p = *v.payload;
  const auto keep_until = p.expires_at + verify_.max_clock_skew + std::chrono::hours(1);
  switch (state_.remember(p.id, p.nonce, epochMillis(keep_until))) {
    case store::AgentState::Seen::kNew:
      break;
    case store::AgentState::Seen::kRedelivered:
      // Delivered again (a poll while it is queued or running): its result follows once.
      return out;
    case store::AgentState::Seen::kReplayed:
      out.result = reject(&p, "replayed: this nonce was seen before");
      return out;  // not stored: the id's real result (if any) stays
  }
  if (!p.action) {
    out.config = p.config;
    return out;
  }
  try {
    validateAction(*p.action);
  } catch (const Error& e) {
    out.result = reject(&p, e.what());
    state_.saveResult(p.id, out.result->dump());
    out.stored = true;
    return out;
  }
  const std::string started = kube::formatTimeMillis(now);
  act::Actuator actuator(client_, audit_, act::Requester{"backend", p.id}, clock_);
  const act::ActionResult r = runAction(actuator, *p.action, std::move(stop));
  json result = {{"status", statusOf(r)},
                 {"reason", r.error.empty() ? r.summary : r.error},
                 {"startedAt", started},
                 {"finishedAt", kube::formatTimeMillis(clock_->wallNow())},
                 {"details", act::toJson(r)}};
  state_.saveResult(p.id, result.dump());
  out.result = std::move(result);
  out.stored = true;
  return out;
}

}  // namespace keelson::link
