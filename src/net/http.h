#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace keelson::net {

/// One HTTP header. Names keep the case they were sent with; lookups ignore case.
struct HttpHeader {
  std::string name;   ///< Header name, e.g. "Content-Type".
  std::string value;  ///< Header value without surrounding whitespace.
};

/// The value of the first header in `headers` named `name` (case-insensitive), or nullopt.
/// The view points into `headers`. Pure.
std::optional<std::string_view> findHeader(const std::vector<HttpHeader>& headers,
                                           std::string_view name) noexcept;

/// The server's answer to one request (after retries).
struct HttpResponse {
  int status = 0;                   ///< HTTP status code, e.g. 200.
  std::string body;                 ///< Body bytes (for stream(): only when status is not 2xx).
  std::vector<HttpHeader> headers;  ///< Response headers of the final attempt.

  /// The value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

/// How often and for how long a request may be tried: the budget of a RetryPolicy.
struct RetryLimits {
  int max_attempts = 5;                            ///< Attempts in total, including the first.
  std::chrono::milliseconds initial_backoff{250};  ///< Wait before the 2nd attempt (no jitter).
  std::chrono::milliseconds max_backoff{8000};     ///< Cap on one wait, Retry-After included.
  std::chrono::milliseconds max_total{30000};      ///< No retry starts after this much time.
  double jitter = 0.5;  ///< A wait is drawn from [(1 - jitter) * d, d], d the capped backoff.
};

/// Decides whether an answer is worth another attempt; sees the status, the headers and (for a
/// non-2xx answer) the body. Called on the requesting thread.
using RetryableResponse = std::function<bool(const HttpResponse& response)>;

/// When a request is tried again, chosen per request (HttpRequest::retry): a write that must not
/// happen twice and an idempotent read need different rules. A default-constructed policy
/// retries nothing. The wait before retry n is backoffDelay(*this, n, random); when the answer
/// carries a usable Retry-After and honour_retry_after is set, that wait instead, and a
/// Retry-After longer than max_backoff ends retrying (the caller gets the answer). TLS
/// verification and configuration failures are never retried; a stream is never retried once a
/// body byte reached its handler.
struct RetryPolicy : RetryLimits {
  /// Answers (any status) that are retried; empty: none.
  RetryableResponse retry_response;
  /// Retry when the connection could not be made (refused, DNS): nothing reached the server,
  /// so this is safe for every method.
  bool retry_connect_failures = false;
  /// Retry when the transfer failed after the request may have been sent (timeout, reset,
  /// truncated answer): the server may have acted, so only for idempotent requests.
  bool retry_transfer_failures = false;
  /// Wait what the server's Retry-After (delta-seconds) asks instead of the backoff.
  bool honour_retry_after = true;

  /// One attempt, whatever happens: the rule for non-idempotent writes (POST, PATCH).
  static RetryPolicy none();
  /// The rule for idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS): up to
  /// RetryLimits::max_attempts attempts on 429, any 5xx, connection and transfer failures.
  static RetryPolicy idempotent();
  /// idempotent() when isIdempotent(method), none() otherwise: what a request without its own
  /// policy gets.
  static RetryPolicy forMethod(std::string_view method);
};

/// One HTTP request to the server an HttpClient is bound to. The client adds its base URL, the
/// User-Agent and its TLS settings; every other header (Authorization, Accept, Content-Type) is
/// the caller's.
struct HttpRequest {
  std::string method = "GET";       ///< GET, POST, PUT, PATCH, DELETE, HEAD.
  std::string path;                 ///< Path and query, starting with '/', already URL-encoded.
  std::string body;                 ///< Request body; sent only when non-empty.
  std::vector<HttpHeader> headers;  ///< Headers sent as given (Authorization, Content-Type, ...).
  std::chrono::milliseconds timeout{0};  ///< Total time of one attempt; 0: the client default
                                         ///< for request(), no limit for stream().
  std::chrono::seconds idle_timeout{0};  ///< stream() only: abort when no byte arrived for this
                                         ///< long; 0: the client default.
  std::stop_token stop;  ///< Cancels the transfer and any backoff wait (checked about once a
                         ///< second while a transfer is idle).
  /// This request's retry rule; nullopt: RetryPolicy::forMethod(method).
  std::optional<RetryPolicy> retry;
};

/// How a streaming request ended.
struct StreamResult {
  HttpResponse response;  ///< Status and headers; the body only when the status is not 2xx.
  bool stopped = false;   ///< True when HttpRequest::stop ended the stream.
};

/// Receives body bytes of a streaming response as they arrive. The view is valid only during
/// the call. May throw: the stream is aborted and the exception propagates out of stream().
using ChunkHandler = std::function<void(std::string_view chunk)>;

/// Parses a Retry-After header value in its delta-seconds form ("3"). Returns nullopt for the
/// HTTP-date form, negative or malformed values. Pure; thread-safe.
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value) noexcept;

/// The wait before retry number `retry` (1 = the wait before the 2nd attempt):
/// d = min(max_backoff, initial_backoff * 2^(retry-1)), scaled by (1 - jitter * unit_random);
/// `unit_random` is in [0, 1). Pure; thread-safe.
std::chrono::milliseconds backoffDelay(const RetryLimits& limits, int retry,
                                       double unit_random) noexcept;

/// True when `method` may be repeated without changing the result (GET, HEAD, PUT, DELETE,
/// OPTIONS). Pure.
bool isIdempotent(std::string_view method) noexcept;

/// The conventional status rule: 429 for any method (the server did not act), 5xx for
/// idempotent methods, and 5xx for POST and PATCH only when the server sent a Retry-After
/// (`has_retry_after`). Pure.
bool isRetryableStatus(int status, std::string_view method, bool has_retry_after) noexcept;

/// The ErrorCode of a non-2xx HTTP status, the one mapping every client uses: 400, 405, 406,
/// 413, 415, 422 kBadInput; 401 kUnauthorized; 403 kForbidden; 404 kNotFound; 409 kConflict;
/// 410 kGone; 429 kTooManyRequests; 500 kInternal; 504 kTimeout; other 5xx kUnavailable; other
/// 4xx kBadInput; anything else kInternal. Pure.
ErrorCode errorCodeForHttpStatus(int status) noexcept;

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are),
/// using curl_easy_escape. Thread-safe.
std::string urlEncode(std::string_view value);

}  // namespace keelson::net
