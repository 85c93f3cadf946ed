#pragma once
// The agent's side of the backend's HTTPS API (docs/protocol.md): register, heartbeat, metric
// batches, the action long poll, action results, deregister. Every request carries
// "Authorization: Bearer <API_KEY>"; TLS is verified (a private CA and a client certificate for
// mTLS are options). Nothing is retried here: the agent's components retry with their own
// backoff, honouring BackendError::retry_after.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/error.h"
#include "net/http_client.h"
#include "store/agent_state.h"

namespace keelson::link {

/// Where the backend is and how to prove who we are.
struct BackendEndpoint {
  std::string url;      ///< BACKEND_URL, e.g. "https://backend.example:8443".
  std::string api_key;  ///< API_KEY: the bearer token. Never logged.
  std::string ca_file;  ///< --backend-ca-file: trust only this CA (PEM); "" the system store.
  std::string client_cert_file;  ///< Optional client certificate (PEM) for mTLS.
  std::string client_key_file;   ///< Its key (PEM).
};

/// A non-2xx answer of the backend. code() follows the status (net::errorCodeForHttpStatus);
/// kNotFound (404) means an unknown agent: register again.
class BackendError : public Error {
 public:
  BackendError(int status, std::optional<std::chrono::seconds> retry_after,
               const std::string& message);
  int status() const noexcept { return status_; }
  /// The answer's Retry-After (delta-seconds), when it had one.
  std::optional<std::chrono::seconds> retryAfter() const noexcept { return retry_after_; }

 private:
  int status_;
  std::optional<std::chrono::seconds> retry_after_;
};

/// What the agent tells the backend when it registers.
struct RegisterRequest {
  std::string cluster_id;
  std::string agent_id;
  std::string version;                    ///< keelson's version.
  std::string hostname;                   ///< Where the agent runs (the pod's name in a cluster).
  std::string kubernetes_version;         ///< The API server's gitVersion ("" when unknown).
  std::vector<std::string> capabilities;  ///< The verbs the local policy allows.
};

/// The backend's answer to a registration.
struct Registration {
  std::string agent_id;                         ///< The id to use (normally ours).
  std::chrono::seconds heartbeat_interval{30};  ///< heartbeatIntervalSeconds (at least 1).
  nlohmann::json config = nlohmann::json::object();
};

/// The backend's HTTPS API. Thread-safe (net::HttpClient is).
class BackendClient {
 public:
  /// Throws Error(kBadInput) for an unusable URL or unreadable TLS files (naming them).
  BackendClient(const BackendEndpoint& endpoint, std::chrono::milliseconds request_timeout);

  /// POST /v1/agents/register. Throws BackendError, or Error(kUnavailable/kTimeout) when the
  /// backend cannot be reached, Error(kBadInput) for an answer that is not the documented shape.
  Registration registerAgent(const RegisterRequest& request, std::stop_token stop = {}) const;

  /// POST /v1/agents/{id}/heartbeat with `body`; returns the answer's "config" when it has one.
  std::optional<nlohmann::json> heartbeat(const std::string& agent_id, const nlohmann::json& body,
                                          std::stop_token stop = {}) const;

  /// POST /v1/agents/{id}/metrics with {batchId, sequence, items}.
  void sendBatch(const std::string& agent_id, const store::OutboxEntry& batch,
                 std::stop_token stop = {}) const;

  /// GET /v1/agents/{id}/actions?wait=SECONDS: the signed messages of "actions" (each an object
  /// with "payload" and "signature"), after at most `wait` plus the request timeout.
  std::vector<nlohmann::json> pollActions(const std::string& agent_id, std::chrono::seconds wait,
                                          std::stop_token stop = {}) const;

  /// POST /v1/agents/{id}/actions/{actionId}/result with `result`.
  void postResult(const std::string& agent_id, const std::string& action_id,
                  const nlohmann::json& result, std::stop_token stop = {}) const;

  /// DELETE /v1/agents/{id}.
  void deregister(const std::string& agent_id, std::stop_token stop = {}) const;

 private:
  nlohmann::json call(const std::string& method, const std::string& path,
                      const nlohmann::json* body, std::chrono::milliseconds timeout,
                      std::stop_token stop) const;

  std::unique_ptr<net::HttpClient> http_;
  std::string authorization_;
  std::chrono::milliseconds request_timeout_;
};

}  // namespace keelson::link
