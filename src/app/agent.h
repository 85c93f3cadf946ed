#pragma once
// `keelson agent`: the in-cluster end of the backend link (docs/protocol.md). Supervised
// components (app/supervisor.h), each restarted with backoff when it fails:
//   session    registers (again after a 404), then heartbeats every interval the backend gave,
//              carrying component health, the agent's own CPU, memory and disk use, and the
//              outbox's size and drops;
//   collector  every COLLECTION_INTERVAL: pods (with metrics.k8s.io usage), nodes and new
//              Warning events, in batches of BATCH_SIZE items, into the outbox on disk;
//   sender     drains the outbox in sequence order (a batch is deleted only once the backend
//              acknowledged it) and reports stored action results until acknowledged;
//   websocket  (with BACKEND_WS_URL) receives signed actions pushed by the backend, acks them;
//   commands   long-polls the backend for signed actions while the WebSocket is down (or not
//              configured), waiting up to ACTION_POLL_INTERVAL each time;
//   actuator   verifies and runs them one at a time (link/action_handler.h).
// /healthz, /readyz (every component running and registered) and /metrics on its own port.
// On stop: no new actions, the running one finishes, the outbox is flushed for up to
// drain_timeout, the agent deregisters.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>

#include "kube/cluster_config.h"
#include "link/backend_client.h"
#include "link/verify.h"

namespace keelson::app {

/// Configuration of `keelson agent` (cmd_agent.cpp: flags and the seed's variables).
struct AgentOptions {
  link::BackendEndpoint backend;  ///< BACKEND_URL, API_KEY, TLS files.
  std::string backend_ws_url;     ///< BACKEND_WS_URL; "" long-polls only.
  std::string secret_key;         ///< SECRET_KEY (HMAC of signed messages).
  std::string cluster_id;         ///< CLUSTER_ID.
  std::string agent_id;           ///< AGENT_ID; "" = the one kept in the state store.
  std::chrono::seconds collection_interval{60};   ///< COLLECTION_INTERVAL.
  std::chrono::seconds action_poll_interval{10};  ///< ACTION_POLL_INTERVAL: the long poll's wait.
  std::size_t batch_size = 100;                   ///< BATCH_SIZE: items per metric batch.
  std::filesystem::path state_dir;                ///< agent.db (state) and audit.db live here.
  std::uint64_t buffer_max_bytes = 64ULL << 20;   ///< --buffer-max-bytes: the outbox's bound.
  link::AgentPolicy policy;                       ///< --allow-actions, --deny-namespaces.
  kube::ConfigOptions kube;
  std::chrono::milliseconds api_timeout{10000};      ///< Per Kubernetes API request.
  std::chrono::milliseconds backend_timeout{15000};  ///< Per backend request (plus the poll).
  std::string address = "0.0.0.0";                   ///< --address of /healthz, /readyz, /metrics.
  std::uint16_t port = 8082;                         ///< --port; 0 picks a free one (logged).
  std::chrono::milliseconds drain_timeout{10000};    ///< --drain-timeout on shutdown.
};

/// Runs the agent until `stop` is requested, then shuts down as the file comment says. Returns
/// the process exit code (0 after a graceful shutdown). Throws Error(kBadInput) for unusable
/// configuration (kubeconfig, backend URL, TLS files) and Error(kUnavailable) when the state
/// store, the audit log or the health port cannot be opened.
int runAgent(const AgentOptions& options, const std::stop_token& stop);

}  // namespace keelson::app
