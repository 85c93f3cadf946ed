#pragma once
// The one HTTP client: libcurl, TLS verified, connection reuse, per-request retry policy. The
// Kubernetes transport (kube/curl_transport.h), the Prometheus source and the backend link all
// sit on it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/http.h"

namespace keelson::net {

namespace detail {
struct CurlHandle;   // a pooled curl easy handle (http_client.cpp)
struct CurlAttempt;  // the outcome of one transfer (http_client.cpp)
}  // namespace detail

/// The server an HttpClient talks to and how its identity is checked. TLS verification is on
/// unless insecure_skip_tls_verify says otherwise.
struct Endpoint {
  /// Base URL, "https://host:port" or "http://host:port", optionally with a path prefix;
  /// request paths are appended. A trailing '/' is dropped.
  std::string base_url;
  /// Verify the server's certificate against this name instead of the URL's host (the URL's
  /// address is still where the connection goes). Empty: the URL's host.
  std::string tls_server_name;
  /// Trust only this CA bundle (PEM, in memory). Empty: ca_file, else the system store.
  std::string ca_pem;
  /// Trust only the CA bundle in this file (PEM), when ca_pem is empty. Empty: the system store.
  std::string ca_file;
  std::string client_cert_pem;  ///< TLS client certificate (PEM); empty: none.
  std::string client_key_pem;   ///< Its private key (PEM); empty: none.
  /// Accept any server certificate. Only when a user asked for it explicitly.
  bool insecure_skip_tls_verify = false;
};

/// Limits and identity of an HttpClient that hold for every request.
struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10000};  ///< TCP + TLS handshake limit.
  std::chrono::milliseconds request_timeout{60000};  ///< Total time of one request() attempt.
  std::chrono::seconds stream_idle_timeout{330};     ///< stream(): abort after this long without a
                                                  ///< byte (watch timeouts are 300 s by default).
  std::string user_agent;            ///< Empty: "keelson/<version>".
  std::size_t max_idle_handles = 8;  ///< Idle curl handles (each keeps its connections) kept.
};

/// Performs one process-wide curl_global_init (idempotent, thread-safe). HttpClient calls it;
/// call it early in main() when other threads may use libcurl themselves. Throws
/// Error(kInternal) when libcurl cannot initialise.
void ensureCurlGlobalInit();

/// Adds "https://" to a URL without a scheme (kubectl's convention for server addresses).
/// Pure.
std::string withDefaultScheme(std::string url);

/// HTTP(S) to one server over libcurl. Headers other than User-Agent come from the caller with
/// each request (a bearer token, Accept, Content-Type), and so does the retry rule
/// (HttpRequest::retry): the client adds no authentication of its own beyond the TLS client
/// certificate of its Endpoint.
///
/// Errors: a request that got an answer returns it whatever its status. Throws
/// Error(kUnavailable) when the server cannot be reached (refused, DNS, TLS verification) or
/// the request was cancelled, Error(kTimeout) when an attempt timed out, Error(kBadInput) when
/// the client's own TLS material is unusable; the message is
/// "<base_url>: <libcurl's words> (<METHOD> <path>)", e.g.
/// "https://127.0.0.1:6443: SSL certificate problem: self-signed certificate (GET /version)".
///
/// Thread-safety: fully thread-safe. Each transfer borrows a curl easy handle from a pool (so
/// concurrent requests never share a handle) and returns it afterwards; a returned handle keeps
/// its open connections, so sequential requests reuse TCP+TLS connections.
class HttpClient {
 public:
  /// A client for `endpoint`. Throws Error(kBadInput) when the base URL is not an http(s) URL
  /// or tls_server_name is not a host name.
  explicit HttpClient(Endpoint endpoint, HttpClientOptions options = {});
  ~HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends `request` under its retry policy and returns the last answer, whatever its status.
  /// Throws as described on the class; the waits between attempts end early on request.stop.
  HttpResponse request(const HttpRequest& request);

  /// Sends `request` and passes the body to `on_chunk` as it arrives when the status is 2xx
  /// (otherwise the body is collected into the result). Retries like request() until the first
  /// body byte has been delivered, never after. Returns when the server ends the response or
  /// request.stop is requested (then StreamResult::stopped). Throws like request(), and
  /// rethrows what `on_chunk` throws.
  StreamResult stream(const HttpRequest& request, const ChunkHandler& on_chunk);

  /// The base URL, normalised (no trailing '/'), for messages.
  const std::string& baseUrl() const noexcept { return endpoint_.base_url; }

 private:
  std::unique_ptr<detail::CurlHandle> acquireHandle();
  void releaseHandle(std::unique_ptr<detail::CurlHandle> handle) noexcept;
  detail::CurlAttempt perform(detail::CurlHandle& handle, const HttpRequest& request,
                              const ChunkHandler* on_chunk);
  StreamResult run(const HttpRequest& request, const ChunkHandler* on_chunk);

  Endpoint endpoint_;       // base_url normalised
  std::string url_base_;    // base_url with the host replaced by tls_server_name, if any
  std::string connect_to_;  // CURLOPT_CONNECT_TO entry when tls_server_name is used
  HttpClientOptions options_;

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<detail::CurlHandle>> idle_handles_;  // guarded by pool_mutex_
};

}  // namespace keelson::net
