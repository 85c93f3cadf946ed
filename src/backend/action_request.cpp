#include "backend/action_request.h"

#include <fmt/format.h>

#include "backend/json_fields.h"
#include "core/error.h"
#include "core/uuid.h"
#include "link/dispatch.h"
#include "net/crypto.h"

namespace keelson::backend {
namespace {

constexpr std::string_view kWhat = "action request";

std::int64_t epochMs(core::WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

ActionRequest parseActionRequest(const std::string& cluster_id, const nlohmann::json& body) {
  ActionRequest request;
  request.cluster_id = cluster_id;
  request.agent_id = optionalString(body, "agentId", kWhat);
  if (request.agent_id && !core::isUuid(*request.agent_id)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("action request.agentId is not a UUID: \"{}\"", *request.agent_id));
  }
  request.action.verb = requiredString(body, "verb", kWhat);
  const auto target = body.find("target");
  if (target == body.end() || !target->is_object()) {
    throw Error(ErrorCode::kBadInput, "action request has no \"target\" object");
  }
  request.action.target = {
      .kind = requiredString(*target, "kind", "action request.target"),
      .namespace_name = optionalString(*target, "namespace", "action request.target").value_or(""),
      .name = requiredString(*target, "name", "action request.target")};
  if (const auto params = body.find("params"); params != body.end() && !params->is_null()) {
    if (!params->is_object()) {
      throw Error(ErrorCode::kBadInput, "action request.params is not an object");
    }
    request.action.params = *params;
  }
  if (const auto ttl = optionalInteger(body, "ttlSeconds", kWhat)) {
    if (*ttl < 1 || *ttl > kMaxActionTtl.count()) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("action request.ttlSeconds is {}, expected 1..{}", *ttl,
                              kMaxActionTtl.count()));
    }
    request.ttl = std::chrono::seconds(*ttl);
  }
  link::validateAction(request.action);
  return request;
}

ActionRecord signAction(const ActionRequest& request, std::string_view secret, core::WallTime now,
                        std::chrono::seconds default_ttl) {
  // The wire carries milliseconds: the stored times are the ones the agent will read.
  const auto issued = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
  const link::Payload payload{.id = core::randomUuid(),
                              .kind = "action",
                              .cluster_id = request.cluster_id,
                              .agent_id = request.agent_id,
                              .issued_at = issued,
                              .expires_at = issued + request.ttl.value_or(default_ttl),
                              .nonce = net::randomHex(16),
                              .action = request.action,
                              .config = nlohmann::json::object()};
  const nlohmann::json encoded = link::encodePayload(payload);
  ActionRecord record;
  record.id = payload.id;
  record.cluster_id = payload.cluster_id;
  record.agent_id = payload.agent_id;
  record.verb = request.action.verb;
  record.target = encoded["action"]["target"];
  record.params = request.action.params;
  record.message = link::signMessage(secret, encoded).dump();
  record.created_ms = epochMs(payload.issued_at);
  record.expires_ms = epochMs(payload.expires_at);
  record.state = ActionState::kQueued;
  return record;
}

}  // namespace keelson::backend
