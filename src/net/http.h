#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::net {

/// One HTTP header. Names keep the case they were sent with; lookups ignore case.
struct HttpHeader {
  std::string name;   ///< Header name, e.g. "Content-Type".
  std::string value;  ///< Header value without surrounding whitespace.
};

/// One request to the API server. The transport adds the server URL, authentication (bearer
/// token or client certificate), `Accept: application/json` and the User-Agent.
struct HttpRequest {
  std::string method = "GET";       ///< GET, POST, PUT, PATCH, DELETE, HEAD.
  std::string path;                 ///< Path and query, starting with '/', already URL-encoded.
  std::string body;                 ///< Request body; sent only when non-empty.
  std::vector<HttpHeader> headers;  ///< Extra headers (Content-Type, ...); override the defaults.
  std::chrono::milliseconds timeout{0};  ///< Total time of one attempt; 0: the transport default
                                         ///< for request(), no limit for stream().
  std::chrono::seconds idle_timeout{0};  ///< stream() only: abort when no byte arrived for this
                                         ///< long; 0: the transport default.
  std::stop_token stop;  ///< Cancels the transfer and any backoff wait (checked about once a
                         ///< second while a transfer is idle).
};

/// The server's answer to one request (after retries).
struct HttpResponse {
  int status = 0;                   ///< HTTP status code, e.g. 200.
  std::string body;                 ///< Body bytes (for stream(): only when status is not 2xx).
  std::vector<HttpHeader> headers;  ///< Response headers of the final attempt.

  /// The value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

/// How a streaming request ended.
struct StreamResult {
  HttpResponse response;  ///< Status and headers; the body only when the status is not 2xx.
  bool stopped = false;   ///< True when HttpRequest::stop ended the stream.
};

/// Receives body bytes of a streaming response as they arrive. The view is valid only during
/// the call. May throw: the stream is aborted and the exception propagates out of stream().
using ChunkHandler = std::function<void(std::string_view chunk)>;

/// When and how often a transport retries. A request is retried on 429 (any method), on 5xx
/// (idempotent methods; POST and PATCH only when the server sent Retry-After), on connection
/// failures before anything was sent (refused, DNS; any method) and on other transfer failures
/// (GET and HEAD only). TLS verification failures are never retried.
struct RetryPolicy {
  int max_attempts = 5;                            ///< Attempts in total, including the first.
  std::chrono::milliseconds initial_backoff{250};  ///< Wait before the 2nd attempt (no jitter).
  std::chrono::milliseconds max_backoff{8000};     ///< Cap on one wait, Retry-After included.
  std::chrono::milliseconds max_total{30000};      ///< No retry starts after this much time.
  double jitter = 0.5;  ///< A wait is drawn from [(1 - jitter) * d, d], d the capped backoff.
};

/// Parses a Retry-After header value in its delta-seconds form ("3"). Returns nullopt for the
/// HTTP-date form, negative or malformed values. Pure; thread-safe.
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value) noexcept;

/// The wait before retry number `retry` (1 = the wait before the 2nd attempt):
/// d = min(max_backoff, initial_backoff * 2^(retry-1)), scaled by (1 - jitter * unit_random);
/// `unit_random` is in [0, 1). Pure; thread-safe.
std::chrono::milliseconds backoffDelay(const RetryPolicy& policy, int retry,
                                       double unit_random) noexcept;

/// True when `method` may be repeated without changing the result (GET, HEAD, PUT, DELETE,
/// OPTIONS). Pure.
bool isIdempotent(std::string_view method) noexcept;

/// True when a response with this status should be retried under RetryPolicy's rules. Pure.
bool isRetryableStatus(int status, std::string_view method, bool has_retry_after) noexcept;

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are),
/// using curl_easy_escape. Thread-safe.
std::string urlEncode(std::string_view value);

}  // namespace keelson::net
