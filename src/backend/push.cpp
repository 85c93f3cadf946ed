#include "backend/push.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace keelson::backend {
namespace {

using nlohmann::json;

}  // namespace

PushChannel::PushChannel(Backend& backend, server::Registry& registry)
    : backend_(backend),
      pushed_(registry.counter("keelson_backend_actions_pushed_total",
                               "Signed actions sent over WebSocket connections.", {})),
      acks_(registry.counter("keelson_backend_websocket_acks_total",
                             "Acknowledgements agents sent over WebSocket connections.", {})),
      pusher_([this](const std::stop_token& stop) { pushLoop(stop); }) {}

PushChannel::~PushChannel() { stop(); }

std::shared_ptr<const server::WebSocketHandler> PushChannel::handler() {
  auto handler = std::make_shared<server::WebSocketHandler>();
  handler->on_message = [this](const std::shared_ptr<server::WebSocket>& socket,
                               const std::string& text) { onMessage(socket, text); };
  handler->on_close = [this](const std::shared_ptr<server::WebSocket>& socket) { onClose(socket); };
  return handler;
}

void PushChannel::stop() {
  pusher_.request_stop();
  if (pusher_.joinable()) pusher_.join();
  std::map<std::shared_ptr<server::WebSocket>, std::string> agents;
  {
    const std::lock_guard lock(mutex_);
    agents.swap(agents_);
  }
  for (const auto& [socket, id] : agents) socket->close();
}

void PushChannel::onMessage(const std::shared_ptr<server::WebSocket>& socket,
                            const std::string& text) {
  json message;
  try {
    message = json::parse(text);
  } catch (const json::parse_error&) {
    socket->close();  // not the protocol
    return;
  }
  const std::string type = message.is_object() ? message.value("type", "") : "";
  if (type == "ack") {
    acks_.inc();
    return;
  }
  if (type != "hello" || !message.contains("agentId") || !message["agentId"].is_string()) {
    socket->close();
    return;
  }
  const std::string agent_id = message["agentId"];
  if (!push(agent_id, *socket)) {
    socket->close();  // not registered: the agent registers over HTTPS first
    return;
  }
  const std::lock_guard lock(mutex_);
  agents_[socket] = agent_id;
}

void PushChannel::onClose(const std::shared_ptr<server::WebSocket>& socket) {
  const std::lock_guard lock(mutex_);
  agents_.erase(socket);
}

bool PushChannel::push(const std::string& agent_id, server::WebSocket& socket) {
  std::vector<json> messages;
  try {
    messages = backend_.pendingMessages(agent_id);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    core::logEvent(spdlog::level::warn, "backend: cannot push actions",
                   {{"agent_id", agent_id}, {"error", e.what()}});
    return true;
  }
  for (json& m : messages) {
    m["type"] = "action";
    socket.send(m.dump());
    pushed_.inc();
  }
  return true;
}

void PushChannel::pushLoop(const std::stop_token& stop) {
  std::uint64_t seen = backend_.actionGeneration();
  while (!stop.stop_requested()) {
    if (!backend_.waitForActions(seen, core::SteadyTime::max(), stop)) break;  // stop, shutdown
    seen = backend_.actionGeneration();
    std::map<std::shared_ptr<server::WebSocket>, std::string> agents;
    {
      const std::lock_guard lock(mutex_);
      agents = agents_;
    }
    for (const auto& [socket, id] : agents) {
      if (!push(id, *socket)) socket->close();
    }
  }
}

}  // namespace keelson::backend
