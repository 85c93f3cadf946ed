#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/cluster_config.h"
#include "kube/transport.h"

namespace keelson::kube {

namespace detail {
struct CurlHandle;   // a pooled curl easy handle (curl_transport.cpp)
struct CurlAttempt;  // the outcome of one transfer (curl_transport.cpp)
}  // namespace detail

/// Settings of a CurlTransport that do not come from the cluster configuration.
struct TransportOptions {
  std::chrono::milliseconds connect_timeout{10000};  ///< TCP + TLS handshake limit.
  std::chrono::milliseconds request_timeout{60000};  ///< Total time of one request() attempt.
  std::chrono::seconds stream_idle_timeout{330};     ///< stream(): abort after this long without a
                                                  ///< byte (watch timeouts are 300 s by default).
  net::RetryPolicy retry;            ///< Retry rules for both request() and stream().
  std::string user_agent;            ///< Empty: "keelson/<version>".
  std::size_t max_idle_handles = 8;  ///< Idle curl handles (each keeps its connections) kept.
};

/// Performs one process-wide curl_global_init (idempotent, thread-safe). CurlTransport calls it;
/// call it early in main() when other threads may use libcurl themselves.
void ensureCurlGlobalInit();

/// The production Transport: libcurl with TLS verification always on (CA from memory,
/// client certificate and key from memory, PEM) unless the configuration explicitly sets
/// insecure_skip_tls_verify. Credentials come from a CredentialSource: a 401 triggers one
/// refresh-and-retry when the source produces new credentials. The bearer token is never
/// logged.
///
/// Thread-safety: fully thread-safe. Each transfer borrows a curl easy handle from a pool (so
/// concurrent requests never share a handle) and returns it afterwards; a returned handle keeps
/// its open connections, so sequential requests reuse TCP+TLS connections.
class CurlTransport final : public Transport {
 public:
  /// Builds a transport for `config`. Throws Error(kBadInput) when the server URL is not an
  /// http(s) URL, and what makeCredentialSource throws.
  explicit CurlTransport(const ClusterConfig& config, TransportOptions options = {});
  /// Same, with an explicit credential source (tests, custom auth).
  CurlTransport(const ClusterConfig& config, std::shared_ptr<CredentialSource> credentials,
                TransportOptions options = {});
  ~CurlTransport() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse request(const HttpRequest& request) override;
  StreamResult stream(const HttpRequest& request, const ChunkHandler& on_chunk) override;
  const std::string& server() const noexcept override { return server_; }

 private:
  std::unique_ptr<detail::CurlHandle> acquireHandle();
  void releaseHandle(std::unique_ptr<detail::CurlHandle> handle) noexcept;
  detail::CurlAttempt perform(detail::CurlHandle& handle, const HttpRequest& request,
                              const Credentials& credentials, const ChunkHandler* on_chunk);
  StreamResult run(const HttpRequest& request, const ChunkHandler* on_chunk);

  std::string server_;      // as configured, for messages
  std::string url_base_;    // server_ with the host replaced by tls_server_name, if any
  std::string connect_to_;  // CURLOPT_CONNECT_TO entry when tls_server_name is used
  std::string ca_pem_;
  bool insecure_ = false;
  std::shared_ptr<CredentialSource> credentials_;
  TransportOptions options_;

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<detail::CurlHandle>> idle_handles_;  // guarded by pool_mutex_
};

}  // namespace keelson::kube
