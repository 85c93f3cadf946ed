#pragma once

// The one place a command builds its Kubernetes client, and its cluster cache, from its flags
// (--kubeconfig, --context, --request-timeout or the mode's timeout variable, in-cluster
// configuration). Every command (capture, describe, diagnose, monitor, serve) goes through it,
// so they resolve the configuration and retry the same way.

#include <chrono>
#include <memory>

#include "kube/client.h"
#include "kube/cluster_cache.h"
#include "kube/cluster_config.h"
#include "kube/curl_transport.h"

namespace keelson::app {

/// How a client retries, by what waits for it.
enum class ClientProfile {
  /// A person waits (capture, describe): at most 3 attempts within 5 s, so that a command fails
  /// fast when the API server is down instead of backing off for long.
  kInteractive,
  /// A long-running mode (serve, monitor, diagnose's cache): the transport's default retries.
  kService,
  /// monitor's per-node proxy requests (kubelet stats): one attempt of at most 3 s; a node that
  /// fails is skipped for a while instead of holding the tick up.
  kNodeProxy,
};

/// The transport options of `profile` with `request_timeout` (the timeout of one request;
/// kNodeProxy caps it at 3 s). Pure.
kube::TransportOptions transportOptions(ClientProfile profile,
                                        std::chrono::milliseconds request_timeout);

/// A loaded cluster configuration and a client for it.
///
/// Thread-safety: client() is thread-safe (kube::Client is); the object is immutable after
/// construction.
class ClusterAccess {
 public:
  /// Loads the configuration (kube::loadConfig: throws Error(kBadInput) for an unusable
  /// kubeconfig or context, Error(kNotFound) when there is none) and builds a client with
  /// `profile` (throws Error(kBadInput) for a server URL it cannot use). Nothing is requested
  /// from the API server yet.
  ClusterAccess(const kube::ConfigOptions& options, ClientProfile profile,
                std::chrono::milliseconds request_timeout);

  /// The configuration loaded (server URL, source, the context's namespace).
  const kube::ClusterConfig& config() const noexcept { return config_; }
  /// The client. Lives as long as this object.
  const kube::Client& client() const noexcept { return *client_; }
  /// Another client to the same server with another profile (monitor's node proxy client).
  std::unique_ptr<kube::Client> makeClient(ClientProfile profile,
                                           std::chrono::milliseconds request_timeout) const;
  /// A cluster cache reading through client() (not started). The cache must not outlive this
  /// object.
  std::unique_ptr<kube::ClusterCache> makeCache(kube::ClusterCacheOptions options = {}) const;

 private:
  kube::ClusterConfig config_;
  std::unique_ptr<kube::Client> client_;
};

}  // namespace keelson::app
