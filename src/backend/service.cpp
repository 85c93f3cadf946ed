#include "backend/service.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "backend/action_request.h"
#include "backend/documents.h"
#include "backend/json_fields.h"
#include "core/error.h"
#include "core/uuid.h"

namespace keelson::backend {
namespace {

using nlohmann::json;

// An agent's id: a UUID by default (the agent makes one), or a name given by AGENT_ID that is
// safe in a URL path.
bool isAgentId(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         id.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string_view::npos;
}

constexpr std::array<std::string_view, 4> kResultStatuses = {"succeeded", "failed", "rejected",
                                                             "dry-run"};

[[noreturn]] void notFound(std::string message) {
  throw Error(ErrorCode::kNotFound, std::move(message));
}

}  // namespace

Backend::Backend(Storage& storage, BackendSettings settings)
    : storage_(storage),
      settings_(std::move(settings)),
      config_text_(settings_.agent_config.dump()),
      signal_(settings_.clock) {
  if (!settings_.clock) settings_.clock = core::systemClock();
}

AgentRecord Backend::registeredAgent(const std::string& agent_id) {
  std::optional<AgentRecord> agent = storage_.agent(agent_id);
  if (!agent || agent->deregistered) {
    notFound(fmt::format("agent \"{}\" is not registered", agent_id));
  }
  return std::move(*agent);
}

json Backend::registerAgent(const json& body) {
  constexpr std::string_view kWhat = "register body";
  AgentRecord agent;
  agent.cluster_id = requiredString(body, "clusterId", kWhat);
  agent.agent_id = optionalString(body, "agentId", kWhat).value_or("");
  if (agent.agent_id.empty()) {
    agent.agent_id = core::randomUuid();
  } else if (!isAgentId(agent.agent_id)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("register body.agentId \"{}\" is not an agent id (1 to 128 letters, "
                            "digits, '.', '_' or '-')",
                            agent.agent_id));
  }
  agent.version = optionalString(body, "version", kWhat).value_or("");
  agent.hostname = optionalString(body, "hostname", kWhat).value_or("");
  agent.kubernetes_version = optionalString(body, "kubernetesVersion", kWhat).value_or("");
  if (const auto it = body.find("capabilities"); it != body.end() && !it->is_null()) {
    if (!it->is_array() ||
        !std::all_of(it->begin(), it->end(), [](const json& v) { return v.is_string(); })) {
      throw Error(ErrorCode::kBadInput, "register body.capabilities is not an array of strings");
    }
    agent.capabilities = *it;
  }
  agent.config_sent = config_text_;
  storage_.registerAgent(agent);
  return {{"agentId", agent.agent_id},
          {"heartbeatIntervalSeconds", settings_.heartbeat_interval.count()},
          {"config", settings_.agent_config}};
}

json Backend::heartbeat(const std::string& agent_id, const json& body) {
  const AgentRecord agent = registeredAgent(agent_id);
  storage_.recordHeartbeat(agent_id, body);
  if (agent.config_sent == config_text_) return json::object();
  storage_.setConfigSent(agent_id, config_text_);
  return {{"config", settings_.agent_config}};
}

BatchOutcome Backend::receiveBatch(const std::string& agent_id, const json& body) {
  constexpr std::string_view kWhat = "metrics body";
  registeredAgent(agent_id);
  const std::string batch_id = requiredString(body, "batchId", kWhat);
  if (!core::isUuid(batch_id)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("metrics body.batchId is not a UUID: \"{}\"", batch_id));
  }
  const std::optional<std::int64_t> sequence = optionalInteger(body, "sequence", kWhat);
  if (!sequence || *sequence < 0) {
    throw Error(ErrorCode::kBadInput, "metrics body.sequence is not an integer >= 0");
  }
  const auto items = body.find("items");
  if (items == body.end() || !items->is_array()) {
    throw Error(ErrorCode::kBadInput, "metrics body.items is not an array");
  }
  return storage_.addBatch(agent_id, batch_id, *sequence, *items);
}

Delivery Backend::pollActions(const std::string& agent_id, std::chrono::seconds wait,
                              std::stop_token stop) {
  const AgentRecord agent = registeredAgent(agent_id);
  const core::Clock& clock = *settings_.clock;
  const auto deadline = core::Clock::saturatingAdd(
      clock.steadyNow(), std::clamp(wait, std::chrono::seconds(0), settings_.max_poll_wait));
  Delivery delivery{.body = {{"actions", json::array()}}, .count = 0};
  for (;;) {
    // The generation is read before the look: an action stored after it wakes the wait.
    const std::uint64_t seen = signal_.generation();
    for (json& message : messagesFor(agent)) {
      delivery.body["actions"].push_back(std::move(message));
      ++delivery.count;
    }
    if (delivery.count > 0 || stop.stop_requested() || clock.steadyNow() >= deadline ||
        !signal_.waitPast(seen, deadline, stop)) {
      return delivery;
    }
  }
}

std::vector<json> Backend::pendingMessages(const std::string& agent_id) {
  return messagesFor(registeredAgent(agent_id));
}

std::vector<json> Backend::messagesFor(const AgentRecord& agent) {
  std::vector<json> out;
  for (const ActionRecord& action : storage_.deliverActions(agent.cluster_id, agent.agent_id)) {
    out.push_back(json::parse(action.message));
  }
  return out;
}

bool Backend::receiveResult(const std::string& agent_id, const std::string& action_id,
                            const json& body) {
  constexpr std::string_view kWhat = "result body";
  const AgentRecord agent = registeredAgent(agent_id);
  const std::optional<ActionRecord> action = storage_.action(action_id);
  if (!action || action->cluster_id != agent.cluster_id) {
    notFound(fmt::format("action \"{}\" not found in cluster \"{}\"", action_id, agent.cluster_id));
  }
  ActionResultRecord result;
  result.status = requiredString(body, "status", kWhat);
  if (std::find(kResultStatuses.begin(), kResultStatuses.end(), result.status) ==
      kResultStatuses.end()) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("result body.status is \"{}\", expected succeeded, failed, rejected "
                            "or dry-run",
                            result.status));
  }
  result.reason = optionalString(body, "reason", kWhat).value_or("");
  result.started_at = optionalString(body, "startedAt", kWhat).value_or("");
  result.finished_at = optionalString(body, "finishedAt", kWhat).value_or("");
  if (const auto details = body.find("details"); details != body.end() && !details->is_null()) {
    result.details = *details;
  }
  return storage_.addResult(action_id, result);
}

void Backend::deregister(const std::string& agent_id) {
  if (!storage_.deregisterAgent(agent_id)) {
    notFound(fmt::format("agent \"{}\" is not registered", agent_id));
  }
}

json Backend::createAction(const std::string& cluster_id, const json& body) {
  const ActionRequest request = parseActionRequest(cluster_id, body);
  const ActionRecord record =
      signAction(request, settings_.secret_key, settings_.clock->wallNow(), settings_.action_ttl);
  storage_.addAction(record);
  signal_.notify();
  return actionDocument(record);
}

json Backend::action(const std::string& id) {
  const std::optional<ActionRecord> record = storage_.action(id);
  if (!record) notFound(fmt::format("action \"{}\" not found", id));
  return actionDocument(*record);
}

json Backend::status() {
  return statusDocument(storage_.agents(), storage_.recentActions(settings_.status_actions),
                        settings_.clock->wallNow(), settings_.heartbeat_interval);
}

json Backend::batches(const std::string& agent_id) {
  if (!storage_.agent(agent_id)) notFound(fmt::format("agent \"{}\" never registered", agent_id));
  return batchesDocument(agent_id, storage_.batches(agent_id));
}

json Backend::batch(const std::string& agent_id, const std::string& batch_id) {
  const auto items = storage_.batchItems(agent_id, batch_id);
  if (!items) notFound(fmt::format("agent \"{}\" has no batch \"{}\"", agent_id, batch_id));
  return {{"agentId", agent_id}, {"batchId", batch_id}, {"items", json::parse(*items)}};
}

void Backend::shutdown() { signal_.shutdown(); }

}  // namespace keelson::backend
