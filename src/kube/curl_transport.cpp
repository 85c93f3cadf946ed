#include "kube/curl_transport.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace keelson::kube {

net::RetryPolicy apiRetryPolicy(const net::RetryLimits& limits, std::string_view method) {
  net::RetryPolicy policy;
  static_cast<net::RetryLimits&>(policy) = limits;
  policy.retry_response = [method = std::string(method)](const HttpResponse& response) {
    const auto retry_after = response.header("Retry-After");
    return net::isRetryableStatus(response.status, method,
                                  retry_after && net::parseRetryAfter(*retry_after));
  };
  policy.retry_connect_failures = true;
  policy.retry_transfer_failures = method == "GET" || method == "HEAD";
  policy.honour_retry_after = true;
  return policy;
}

CurlTransport::CurlTransport(const ClusterConfig& config, TransportOptions options)
    : CurlTransport(config, makeCredentialSource(config), std::move(options)) {}

CurlTransport::CurlTransport(const ClusterConfig& config,
                             std::shared_ptr<CredentialSource> credentials,
                             TransportOptions options)
    : credentials_(std::move(credentials)), options_(std::move(options)) {
  endpoint_.base_url = net::withDefaultScheme(config.server);
  endpoint_.tls_server_name = config.tls_server_name;
  endpoint_.ca_pem = config.ca_pem;
  endpoint_.insecure_skip_tls_verify = config.insecure_skip_tls_verify;
  // A client without a TLS identity checks the URL now; clientFor() swaps in one with the
  // credentials' certificate when they have one.
  client_ = std::make_shared<net::HttpClient>(endpoint_, options_);
  server_ = client_->baseUrl();
  if (!credentials_) throw Error(ErrorCode::kInternal, "CurlTransport: no credential source");
}

CurlTransport::~CurlTransport() = default;

std::shared_ptr<net::HttpClient> CurlTransport::clientFor(const Credentials& credentials) {
  const std::lock_guard lock(client_mutex_);
  if (credentials.client_cert_pem != endpoint_.client_cert_pem ||
      credentials.client_key_pem != endpoint_.client_key_pem) {
    // A new identity (the first use of a configured certificate, or an exec plugin's rotation)
    // needs new connections: a new client and pool. Requests in flight keep the old one.
    endpoint_.client_cert_pem = credentials.client_cert_pem;
    endpoint_.client_key_pem = credentials.client_key_pem;
    client_ = std::make_shared<net::HttpClient>(endpoint_, options_);
  }
  return client_;
}

StreamResult CurlTransport::run(const HttpRequest& request, const ChunkHandler* on_chunk) {
  for (bool auth_refreshed = false;; auth_refreshed = true) {
    const Credentials credentials = credentials_->current();
    HttpRequest sent = request;
    if (!sent.retry) sent.retry = apiRetryPolicy(options_.retry, request.method);
    // Ours first, so that the caller's headers come last, as before the split.
    std::vector<HttpHeader> headers;
    if (!net::findHeader(request.headers, "Accept"))
      headers.push_back({"Accept", "application/json"});
    if (!credentials.bearer_token.empty()) {
      headers.push_back({"Authorization", "Bearer " + credentials.bearer_token});
    }
    sent.headers.insert(sent.headers.begin(), headers.begin(), headers.end());
    const auto client = clientFor(credentials);
    StreamResult result = on_chunk != nullptr ? client->stream(sent, *on_chunk)
                                              : StreamResult{client->request(sent), false};
    // Rotated token or expired plugin credential: one immediate retry with the new one. A 401
    // is not 2xx, so nothing reached the stream handler.
    if (result.stopped || result.response.status != 401 || auth_refreshed ||
        !credentials_->refreshAfterUnauthorized(credentials)) {
      return result;
    }
    core::logEvent(spdlog::level::debug, "kube: 401, retrying with refreshed credentials",
                   {{"method", request.method}, {"path", request.path}});
  }
}

HttpResponse CurlTransport::request(const HttpRequest& request) {
  return run(request, nullptr).response;
}

StreamResult CurlTransport::stream(const HttpRequest& request, const ChunkHandler& on_chunk) {
  return run(request, &on_chunk);
}

}  // namespace keelson::kube
