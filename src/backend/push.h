#pragma once
// The WebSocket channel of the reference backend (docs/protocol.md, "WebSocket"): an agent
// connects with its API key and says {"type": "hello", "agentId": ...}; its pending actions are
// sent at once as {"type": "action", "payload", "signature"}, and the pending ones of every
// connected agent again whenever an operator creates an action, until they have a result (the
// agent recognises a repeat by its id). {"type": "ack", "id"} answers are counted.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "backend/service.h"
#include "server/metrics.h"
#include "server/server.h"

namespace keelson::backend {

/// Connected agents and the thread that pushes to them. Thread-safe.
class PushChannel {
 public:
  /// `backend` and `registry` must outlive the channel. Starts the pushing thread.
  PushChannel(Backend& backend, server::Registry& registry);
  ~PushChannel();  ///< stop()
  PushChannel(const PushChannel&) = delete;
  PushChannel& operator=(const PushChannel&) = delete;

  /// The handler of the WebSocket route (server::Router::websocket).
  std::shared_ptr<const server::WebSocketHandler> handler();

  /// Stops pushing and closes every connection (before the server stops).
  void stop();

 private:
  void onMessage(const std::shared_ptr<server::WebSocket>& socket, const std::string& text);
  void onClose(const std::shared_ptr<server::WebSocket>& socket);
  // Sends the agent's pending actions; false when the agent is unknown.
  bool push(const std::string& agent_id, server::WebSocket& socket);
  void pushLoop(const std::stop_token& stop);

  Backend& backend_;
  server::CounterFamily& pushed_;
  server::CounterFamily& acks_;
  std::mutex mutex_;
  // Connections that said hello: socket -> agent id (the socket kept until it closes).
  std::map<std::shared_ptr<server::WebSocket>, std::string> agents_;
  std::jthread pusher_;
};

}  // namespace keelson::backend
