#pragma once
// keelson's HTTP/1.1 server: routing with path parameters, request id, per-request deadline,
// exception recovery, JSON access log, Prometheus metrics, graceful shutdown. Boost.Beast stays
// inside server.cpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "server/metrics.h"

namespace spdlog {
class logger;
}

namespace keelson::server {

class Session;

/// One HTTP request as a handler sees it. Immutable once the handler runs.
struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< The request target as sent: path and query.
  std::string path;    ///< The target's path, not decoded.
  std::string route;   ///< The matched route pattern, e.g. "/api/v1/pods/{ns}/{pod}/describe".
  std::map<std::string, std::string, std::less<>> path_params;        ///< Decoded, by pattern name.
  std::multimap<std::string, std::string, std::less<>> query_params;  ///< Decoded.
  std::vector<std::pair<std::string, std::string>> headers;           ///< As received.
  std::string body;
  std::string request_id;  ///< X-Request-ID as received (when valid) or generated.
  std::chrono::steady_clock::time_point deadline;  ///< After it, the result is discarded.

  /// The path parameter `name`; throws Error(kInternal) when the route has no such parameter.
  const std::string& param(std::string_view name) const;
  /// The first query parameter `name`, if present.
  std::optional<std::string> query(std::string_view name) const;
  /// The first header `name` (case-insensitive), if present.
  std::optional<std::string> header(std::string_view name) const;
  /// True once the deadline has passed: a slow handler may stop early.
  bool expired() const noexcept { return std::chrono::steady_clock::now() >= deadline; }
};

/// The error part of the spec's error envelope.
struct ErrorBody {
  std::string code;     ///< BAD_REQUEST, RESOURCE_NOT_FOUND, REQUEST_TIMEOUT, ...
  std::string message;  ///< Short, human-readable.
  std::string details;  ///< Optional; omitted from the JSON when empty.
};

/// What a handler returns. With `data` or `error` set the server writes the spec's envelope
/// ({"data"|"error": ..., "metadata": {"requestId", "timestamp"}}); otherwise `body` as is.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Extra headers.
  std::optional<nlohmann::json> data;
  std::optional<ErrorBody> error;

  /// A success envelope around `data`.
  static Response ok(nlohmann::json data, int status = 200);
  /// A raw body with its content type.
  static Response text(std::string body, std::string content_type, int status = 200);
  /// An error envelope.
  static Response failure(int status, std::string code, std::string message,
                          std::string details = {});
  /// The error envelope for a keelson::Error: kBadInput→400 BAD_REQUEST, kNotFound→404
  /// RESOURCE_NOT_FOUND, kUnavailable→503 SERVICE_UNAVAILABLE, kTimeout→408 REQUEST_TIMEOUT,
  /// others→500 INTERNAL_ERROR. The message is the error's what().
  static Response fromError(const Error& error);
};

/// The HTTP status for an ErrorCode (see Response::fromError).
int httpStatusFor(ErrorCode code) noexcept;
/// The envelope code for an HTTP status: 400 BAD_REQUEST, 404 RESOURCE_NOT_FOUND, 408
/// REQUEST_TIMEOUT, 503 SERVICE_UNAVAILABLE, everything else INTERNAL_ERROR.
std::string_view errorCodeForStatus(int status) noexcept;

/// A request handler. Runs on a worker thread; may throw (keelson::Error maps to its status,
/// anything else to 500 INTERNAL_ERROR). Must be thread-safe.
using Handler = std::function<Response(const Request&)>;

/// Method + path pattern → handler. Patterns are absolute paths whose segments are literals or
/// "{name}" parameters matching one non-empty segment. Not thread-safe while routes are added;
/// immutable (and so safe to share) once handed to a Server.
class Router {
 public:
  /// Adds a route. Throws Error(kBadInput) on a malformed pattern or a duplicate method+pattern.
  void add(std::string method, std::string_view pattern, Handler handler);
  /// add("GET", ...).
  void get(std::string_view pattern, Handler handler);

  /// The outcome of matching a request.
  struct Match {
    const Handler* handler = nullptr;  ///< Null when nothing matched.
    std::string route;                 ///< The matched pattern (also for a wrong method).
    std::map<std::string, std::string, std::less<>> params;
    std::vector<std::string> allowed_methods;  ///< Non-empty: the path matched, the method not.
  };
  /// Matches `path` (not decoded; parameters are percent-decoded). Literal segments win over
  /// parameters when two patterns match.
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" for a parameter
    Handler handler;
  };
  std::vector<Route> routes_;
};

/// Server settings. Timeouts map to the spec's READ_TIMEOUT and WRITE_TIMEOUT.
struct ServerOptions {
  std::string address = "0.0.0.0";                  ///< Listen address (IPv4 or IPv6 literal).
  std::uint16_t port = 8080;                        ///< 0 picks a free port (see Server::port()).
  unsigned io_threads = 2;                          ///< Threads running the network event loop.
  unsigned worker_threads = 4;                      ///< Threads running handlers.
  std::size_t max_connections = 512;                ///< Further connections are closed at once.
  std::size_t max_pending_requests = 64;            ///< Handlers queued or running; more get 503.
  std::chrono::milliseconds request_deadline{500};  ///< 408 REQUEST_TIMEOUT after it.
  std::chrono::milliseconds read_timeout{10000};    ///< Reading one request (and idle keep-alive).
  std::chrono::milliseconds write_timeout{10000};   ///< Writing one response.
  std::size_t max_body_bytes = 1 << 20;             ///< Larger bodies get 400.
  /// The registry for the server's own series; null: the server makes its own.
  std::shared_ptr<Registry> registry;
  /// Where access-log lines go; null: spdlog's default logger at the time of the request.
  std::shared_ptr<spdlog::logger> access_logger;
};

/// An HTTP/1.1 server with keep-alive. Network I/O runs on `io_threads` threads (one strand per
/// connection); handlers run on a pool of `worker_threads`; at most `max_pending_requests`
/// handlers are queued or running. Each request gets a deadline: when it passes first, the
/// connection answers 408 and the handler's late result is discarded. Series:
/// keelson_http_requests_total{route,method,code}, keelson_http_request_duration_seconds{route,
/// method}, keelson_http_requests_in_flight. start() and stop() are for one controlling thread.
class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();  ///< stop() with no drain time if still running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, listens and starts the threads. Throws Error(kUnavailable) when the address cannot
  /// be bound, Error(kBadInput) on a bad address.
  void start();
  /// Graceful shutdown: stops accepting (new connections are refused), closes idle keep-alive
  /// connections, lets in-flight requests finish and be written (with "Connection: close") for
  /// up to `drain`, then closes everything and joins the I/O threads and the handler pool (a
  /// handler still running is waited for). Idempotent. Call it from the controlling thread,
  /// never from a handler.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5));
  /// The bound port (after start()).
  std::uint16_t port() const noexcept;
  /// The registry holding the server's series.
  Registry& registry() noexcept;

 private:
  friend class Session;  // a connection, in server.cpp
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// The readiness callback: reasons the process is not ready; empty means ready. Thread-safe.
using ReadinessCheck = std::function<std::vector<std::string>()>;

/// Adds GET /healthz (always 200 {"data":{"status":"ok"}} while the process serves) and
/// GET /readyz (200 {"data":{"status":"ready"}}, or 503 SERVICE_UNAVAILABLE "not ready" with
/// the callback's reasons joined by "; " in error.details). A throwing callback counts as not
/// ready, with its message as the reason.
void addHealthRoutes(Router& router, ReadinessCheck readiness);
/// Adds GET /metrics serving `registry` in the text format 0.0.4.
void addMetricsRoute(Router& router, std::shared_ptr<const Registry> registry);

/// A random 128-bit request id as 32 lowercase hex digits.
std::string generateRequestId();
/// The current UTC time as RFC 3339 with seconds: "2023-06-21T10:30:00Z".
std::string utcTimestamp();

}  // namespace keelson::server
