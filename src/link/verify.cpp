#include "link/verify.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/duration.h"
#include "core/error.h"

namespace keelson::link {
namespace {

// Why the action of `payload` is outside `policy`; "" when it is inside.
std::string policyRejection(const Action& action, const AgentPolicy& policy) {
  if (!knownVerbs().contains(action.verb)) {
    return fmt::format("unknown verb \"{}\" (known: {})", action.verb,
                       fmt::join(knownVerbs(), ", "));
  }
  if (!policy.allowed_verbs.contains(action.verb)) {
    return fmt::format(
        "the verb \"{}\" is not allowed by this agent's policy (--allow-actions: {})", action.verb,
        fmt::join(policy.allowed_verbs, ","));
  }
  if (!action.target.namespace_name.empty() &&
      policy.denied_namespaces.contains(action.target.namespace_name)) {
    return fmt::format("the namespace \"{}\" is denied by this agent's policy (--deny-namespaces)",
                       action.target.namespace_name);
  }
  return "";
}

}  // namespace

const std::set<std::string>& knownVerbs() {
  static const std::set<std::string> verbs = {"cordon",      "uncordon", "drain",
                                              "evict",       "scale",    "restart",
                                              "restart-pod", "label",    "set-resources"};
  return verbs;
}

std::set<std::string> parseAllowedVerbs(std::string_view text) {
  if (text == "*") return knownVerbs();
  std::set<std::string> verbs;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string verb(text.substr(start, comma - start));
    start = comma + 1;
    if (verb.empty()) continue;
    if (!knownVerbs().contains(verb)) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("--allow-actions: unknown verb \"{}\" (expected a comma-separated "
                              "list of {}, or *)",
                              verb, fmt::join(knownVerbs(), ", ")));
    }
    verbs.insert(verb);
  }
  return verbs;
}

Verification verifyMessage(const SignedMessage& message, const VerifyOptions& options,
                           const AgentPolicy& policy, kube::Time now) {
  Verification out;
  std::string decode_error;
  try {
    out.payload = decodePayload(message.payload);
  } catch (const Error& e) {
    decode_error = e.what();
  }
  const auto reject = [&out](std::string reason) {
    out.rejection = std::move(reason);
    return out;
  };
  if (!signatureMatches(options.secret, message.payload, message.signature)) {
    return reject("the signature does not verify");
  }
  if (!out.payload) return reject(decode_error);
  const Payload& p = *out.payload;
  if (p.cluster_id != options.cluster_id) {
    return reject(fmt::format(R"(the message is for cluster "{}", this agent is in "{}")",
                              p.cluster_id, options.cluster_id));
  }
  if (p.agent_id && *p.agent_id != options.agent_id) {
    return reject(fmt::format(R"(the message is for agent "{}", this agent is "{}")", *p.agent_id,
                              options.agent_id));
  }
  out.authentic = true;
  const auto skew = p.issued_at > now ? p.issued_at - now : now - p.issued_at;
  if (skew > options.max_clock_skew) {
    return reject(
        fmt::format("issuedAt {} is {} from this agent's clock ({}), more than the {} allowed",
                    kube::formatTimeMillis(p.issued_at), core::formatDuration(skew),
                    kube::formatTimeMillis(now), core::formatDuration(options.max_clock_skew)));
  }
  if (p.expires_at <= now) {
    return reject(fmt::format("the message expired at {} (now {})",
                              kube::formatTimeMillis(p.expires_at), kube::formatTimeMillis(now)));
  }
  if (p.action) {
    if (std::string why = policyRejection(*p.action, policy); !why.empty()) return reject(why);
  }
  return out;
}

}  // namespace keelson::link
