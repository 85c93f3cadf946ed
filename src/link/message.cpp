#include "link/message.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/uuid.h"
#include "net/crypto.h"

namespace keelson::link {
namespace {

using nlohmann::json;

constexpr std::string_view kVersion = "v1";

[[noreturn]] void bad(const std::string& what) {
  throw Error(ErrorCode::kBadInput, "signed message: " + what);
}

// The string member `name` of `object` (`where` names the object in messages).
std::string stringField(const json& object, const char* name, const std::string& where,
                        bool required = true) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) bad(fmt::format("{} has no \"{}\"", where, name));
    return "";
  }
  if (!it->is_string()) bad(fmt::format("{}.{} is not a string", where, name));
  return it->get<std::string>();
}

kube::Time timeField(const json& object, const char* name) {
  const std::string text = stringField(object, name, "payload");
  try {
    return kube::parseTime(text);
  } catch (const Error&) {
    bad(fmt::format("payload.{} is not an RFC 3339 time: \"{}\"", name, text));
  }
}

bool isLowerHex(std::string_view text) {
  return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Action decodeAction(const json& object) {
  if (!object.is_object()) bad("payload.action is not an object");
  Action action;
  action.verb = stringField(object, "verb", "payload.action");
  const auto target = object.find("target");
  if (target == object.end() || !target->is_object()) {
    bad("payload.action has no \"target\" object");
  }
  action.target.kind = stringField(*target, "kind", "payload.action.target");
  action.target.name = stringField(*target, "name", "payload.action.target");
  action.target.namespace_name =
      stringField(*target, "namespace", "payload.action.target", /*required=*/false);
  if (const auto params = object.find("params"); params != object.end() && !params->is_null()) {
    if (!params->is_object()) bad("payload.action.params is not an object");
    action.params = *params;
  }
  return action;
}

}  // namespace

std::string signPayload(std::string_view secret, std::string_view payload) {
  std::string message(kVersion);
  message += ':';
  message += payload;
  return std::string(kVersion) + "=" + net::hmacSha256Hex(secret, message);
}

bool signatureMatches(std::string_view secret, std::string_view payload,
                      std::string_view signature) {
  return net::constantTimeEquals(signPayload(secret, payload), signature);
}

json signMessage(std::string_view secret, const json& payload) {
  std::string text = payload.dump();
  std::string signature = signPayload(secret, text);
  return {{"payload", std::move(text)}, {"signature", std::move(signature)}};
}

SignedMessage readSignedMessage(const json& message) {
  if (!message.is_object()) bad("the message is not a JSON object");
  return {stringField(message, "payload", "the message"),
          stringField(message, "signature", "the message")};
}

Payload decodePayload(std::string_view text) {
  json object;
  try {
    object = json::parse(text);
  } catch (const json::parse_error& e) {
    bad(fmt::format("the payload is not JSON: {}", e.what()));
  }
  if (!object.is_object()) bad("the payload is not a JSON object");
  Payload payload;
  payload.id = stringField(object, "id", "payload");
  if (!core::isUuid(payload.id)) bad(fmt::format("payload.id is not a UUID: \"{}\"", payload.id));
  payload.kind = stringField(object, "kind", "payload");
  payload.cluster_id = stringField(object, "clusterId", "payload");
  if (object.contains("agentId") && !object["agentId"].is_null()) {
    payload.agent_id = stringField(object, "agentId", "payload");
  }
  payload.issued_at = timeField(object, "issuedAt");
  payload.expires_at = timeField(object, "expiresAt");
  payload.nonce = stringField(object, "nonce", "payload");
  if (payload.nonce.size() < 32 || !isLowerHex(payload.nonce)) {
    bad("payload.nonce is not at least 32 lowercase hex digits (128 random bits)");
  }
  if (payload.kind == "action") {
    const auto action = object.find("action");
    if (action == object.end()) bad("an action payload has no \"action\"");
    payload.action = decodeAction(*action);
  } else if (payload.kind == "config") {
    const auto config = object.find("config");
    if (config == object.end() || !config->is_object()) {
      bad("a config payload has no \"config\" object");
    }
    payload.config = *config;
  } else {
    bad(fmt::format(R"(payload.kind is "{}", expected "action" or "config")", payload.kind));
  }
  return payload;
}

json encodePayload(const Payload& payload) {
  json out = {{"id", payload.id},
              {"kind", payload.kind},
              {"clusterId", payload.cluster_id},
              {"issuedAt", kube::formatTimeMillis(payload.issued_at)},
              {"expiresAt", kube::formatTimeMillis(payload.expires_at)},
              {"nonce", payload.nonce}};
  if (payload.agent_id) out["agentId"] = *payload.agent_id;
  if (payload.action) {
    const Action& a = *payload.action;
    json target = {{"kind", a.target.kind}, {"name", a.target.name}};
    if (!a.target.namespace_name.empty()) target["namespace"] = a.target.namespace_name;
    out["action"] = {{"verb", a.verb}, {"target", std::move(target)}, {"params", a.params}};
  } else {
    out["config"] = payload.config;
  }
  return out;
}

}  // namespace keelson::link
