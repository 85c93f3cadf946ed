#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "kube/cluster_config.h"
#include "kube/transport.h"
#include "net/http.h"
#include "net/http_client.h"

namespace keelson::kube {

/// Settings of a CurlTransport that do not come from the cluster configuration: the HTTP
/// client's limits (net::HttpClientOptions) and the retry budget.
struct TransportOptions : net::HttpClientOptions {
  /// Attempts and backoff of every request that brings no HttpRequest::retry of its own; which
  /// outcomes are retried is apiRetryPolicy's rule.
  net::RetryLimits retry;
};

/// The API server's retry rule for `method` within `limits`: 429 for any method (the server
/// did not act), 5xx for idempotent methods and for POST and PATCH only when the server sent
/// Retry-After (net::isRetryableStatus), connection failures before anything was sent (refused,
/// DNS) for any method, other transfer failures for GET and HEAD only. Retry-After is honoured.
/// Pure.
net::RetryPolicy apiRetryPolicy(const net::RetryLimits& limits, std::string_view method);

/// The production Transport: a net::HttpClient bound to the cluster's server (TLS verification
/// always on, CA from memory, tls-server-name) unless the configuration explicitly sets
/// insecure_skip_tls_verify. Credentials come from a CredentialSource with every request: the
/// bearer token as `Authorization`, the client certificate and key as the client's TLS
/// identity. A 401 triggers one refresh-and-retry when the source produces new credentials.
/// Adds `Accept: application/json` unless the request names an Accept. The bearer token is
/// never logged.
///
/// Thread-safety: fully thread-safe (see net::HttpClient); the client is replaced, under a
/// mutex, only when the credentials bring a different client certificate.
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
  std::shared_ptr<net::HttpClient> clientFor(const Credentials& credentials);
  StreamResult run(const HttpRequest& request, const ChunkHandler* on_chunk);

  net::Endpoint endpoint_;  // the cluster's server and CA; the client identity per client
  std::string server_;      // endpoint_.base_url as normalised, for messages
  std::shared_ptr<CredentialSource> credentials_;
  TransportOptions options_;

  std::mutex client_mutex_;
  std::shared_ptr<net::HttpClient> client_;  // guarded by client_mutex_
};

}  // namespace keelson::kube
