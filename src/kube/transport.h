#pragma once

#include <string>

#include "net/http.h"

namespace keelson::kube {

// The Transport's vocabulary is net's: these names let kube code and its test fakes say
// HttpRequest, HttpResponse, ... as before.
using net::ChunkHandler;
using net::HttpHeader;
using net::HttpRequest;
using net::HttpResponse;
using net::StreamResult;

/// HTTP access to one Kubernetes API server. Implementations are thread-safe: one instance is
/// shared by every thread of the process. Production uses CurlTransport; tests use fakes.
class Transport {
 public:
  virtual ~Transport() = default;

  /// Sends `request` and returns the response, whatever its status (the caller maps non-2xx
  /// onto ApiError). Retries throttling, server errors and connection failures as documented on
  /// RetryPolicy. Throws Error(kUnavailable) when the server cannot be reached (refused, DNS,
  /// TLS) or the request was cancelled, Error(kTimeout) when it timed out; the message names the
  /// server URL and the cause.
  virtual HttpResponse request(const HttpRequest& request) = 0;

  /// Sends `request` and passes the body to `on_chunk` as it arrives when the status is 2xx
  /// (otherwise the body is collected into the result). Retries like request() until the first
  /// body byte has been delivered, never after. Returns when the server ends the response or
  /// request.stop is requested. Throws like request(), and rethrows what `on_chunk` throws.
  virtual StreamResult stream(const HttpRequest& request, const ChunkHandler& on_chunk) = 0;

  /// The API server's base URL, e.g. "https://127.0.0.1:6443" (for messages).
  virtual const std::string& server() const noexcept = 0;
};

}  // namespace keelson::kube
