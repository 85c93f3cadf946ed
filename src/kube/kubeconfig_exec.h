#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "kube/cluster_config.h"

namespace keelson::kube {

/// The `status` of an ExecCredential printed by a credential plugin.
struct ExecCredential {
  std::string token;            ///< status.token; may be empty when a certificate is given.
  std::string client_cert_pem;  ///< status.clientCertificateData (PEM).
  std::string client_key_pem;   ///< status.clientKeyData (PEM).
  std::optional<std::chrono::system_clock::time_point> expiration;  ///< None: never expires.
};

/// Parses a plugin's stdout: an ExecCredential whose apiVersion equals `api_version` (the one
/// the kubeconfig asked for). Pure; thread-safe. Throws Error(kBadInput) naming the problem:
/// not JSON, wrong kind or apiVersion, no token and no certificate, certificate without key,
/// malformed expirationTimestamp.
ExecCredential parseExecCredential(std::string_view json, std::string_view api_version);

/// The KUBERNETES_EXEC_INFO value handed to a plugin: an ExecCredential with spec.interactive
/// false and, when exec.provide_cluster_info, spec.cluster (server, tls-server-name,
/// insecure-skip-tls-verify, certificate-authority-data). Pure.
std::string execInfoJson(const ExecConfig& exec, const ClusterConfig& cluster);

/// Parses an RFC 3339 timestamp ("2024-05-01T10:00:00Z", "...T10:00:00.5+02:00"). Returns
/// nullopt when malformed. Pure.
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

/// Runs `exec` (argv, no shell; the agent's environment plus exec.env plus
/// KUBERNETES_EXEC_INFO=`exec_info`; stdin is /dev/null) and returns its stdout. Kills the
/// plugin after `timeout` (core::runProcess: SIGTERM, then SIGKILL). Throws Error(kUnavailable)
/// when it cannot be started (with the install hint) or exits non-zero (with the end of its
/// stderr), and Error(kTimeout) when it does not answer in time. Thread-safe.
std::string runExecPlugin(const ExecConfig& exec, const std::string& exec_info,
                          std::chrono::milliseconds timeout);

/// A CredentialSource backed by an exec plugin. The credential is cached until its
/// expirationTimestamp (or forever without one) and re-fetched after a 401. Client certificate
/// and key from the kubeconfig are used when the plugin returns none.
/// Thread-safe: a mutex serialises plugin runs, so concurrent requests run the plugin once.
class ExecCredentialSource final : public CredentialSource {
 public:
  /// `cluster` supplies the static certificate/key and, with provideClusterInfo, the cluster
  /// description given to the plugin. `clock`'s wall time is compared with the expiry.
  ExecCredentialSource(ClusterConfig cluster,
                       std::shared_ptr<const core::Clock> clock = core::systemClock(),
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

  Credentials current() override;
  bool refreshAfterUnauthorized(const Credentials& rejected) override;

 private:
  Credentials fetchLocked();  // runs the plugin; mutex_ held

  ClusterConfig cluster_;
  std::shared_ptr<const core::Clock> clock_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;                            // guarded by mutex_
  std::optional<std::chrono::system_clock::time_point> expiry_;  // guarded by mutex_
};

}  // namespace keelson::kube
