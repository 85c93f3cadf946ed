#pragma once
// keelson's HTTP/1.1 server: routing with path parameters, TLS, delegated authentication and
// authorisation, request id, per-request deadline with cooperative cancellation, exception
// recovery, separate lanes for health and expensive routes, connection limits per source, JSON
// access log, Prometheus metrics, graceful shutdown. Boost.Beast stays inside server.cpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "server/auth.h"
#include "server/metrics.h"

namespace spdlog {
class logger;
}
namespace boost::asio::ssl {
class context;
}

namespace keelson::server {

template <bool kTls>
class Session;
template <bool kTls>
class WsSession;

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
  /// On ServerOptions::clock's steady time; once it passes the client gets 408, cancellation
  /// is requested and the handler's result is discarded.
  core::SteadyTime deadline;
  /// Stop is requested when the deadline passes (the client already has its 408) or the
  /// connection closes: a handler checks it in loops and before any write (throwIfCancelled).
  std::stop_token cancellation;
  std::string remote_address;  ///< The peer's IP address, e.g. "10.0.0.7" or "::1".
  /// The caller, once authenticated; nullopt on open routes and with authentication off.
  std::optional<UserInfo> user;

  /// The path parameter `name`; throws Error(kInternal) when the route has no such parameter.
  const std::string& param(std::string_view name) const;
  /// The first query parameter `name`, if present.
  std::optional<std::string> query(std::string_view name) const;
  /// The first header `name` (case-insensitive), if present.
  std::optional<std::string> header(std::string_view name) const;
  /// True once the request is cancelled (deadline passed or connection closed).
  bool cancelled() const noexcept { return cancellation.stop_requested(); }
  /// Throws Error(kTimeout) "request cancelled" when cancelled(); the server discards the
  /// result, so nothing reaches the client after its 408.
  void throwIfCancelled() const;
};

/// The error part of the spec's error envelope.
struct ErrorBody {
  std::string code;     ///< BAD_REQUEST, RESOURCE_NOT_FOUND, UNAUTHORIZED, ... (errorCodeForStatus)
  std::string message;  ///< Short, human-readable.
  std::string details;  ///< Optional; omitted from the JSON when empty.
};

/// What a handler returns. With `data`, `data_text` or `error` set the server writes the spec's
/// envelope ({"data"|"error": ..., "metadata": {"requestId", "timestamp"}}); otherwise `body` as
/// is.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Extra headers.
  std::optional<nlohmann::json> data;
  /// `data` already serialised as one JSON value, for a document written piece by piece so that
  /// its whole tree never exists at once (a large cluster's pod list). Put in the envelope as is.
  std::optional<std::string> data_text;
  std::optional<ErrorBody> error;

  /// A success envelope around `data`.
  static Response ok(nlohmann::json data, int status = 200);
  /// A success envelope around `json_text`, which must be one serialised JSON value.
  static Response okJsonText(std::string json_text, int status = 200);
  /// A raw body with its content type.
  static Response text(std::string body, std::string content_type, int status = 200);
  /// An error envelope.
  static Response failure(int status, std::string code, std::string message,
                          std::string details = {});
  /// The error envelope for a keelson::Error, with httpStatusFor's status and
  /// errorCodeForStatus's code; 429 and 503 carry "Retry-After: 1". The message is the error's
  /// what().
  static Response fromError(const Error& error);
};

/// The HTTP status for an ErrorCode, the one error-to-HTTP mapping: kBadInput 400, kUnauthorized
/// 401, kForbidden 403, kNotFound 404, kConflict 409, kGone 410, kTooManyRequests 429,
/// kInternal 500, kUnavailable 503, kTimeout 504 (an upstream timeout; 408 is only the server's
/// own request deadline).
int httpStatusFor(ErrorCode code) noexcept;
/// The envelope code for an HTTP status: 400 BAD_REQUEST, 401 UNAUTHORIZED, 403 FORBIDDEN, 404
/// RESOURCE_NOT_FOUND, 405 METHOD_NOT_ALLOWED, 408 REQUEST_TIMEOUT, 409 CONFLICT, 410 GONE, 413
/// PAYLOAD_TOO_LARGE, 429 TOO_MANY_REQUESTS, 503 SERVICE_UNAVAILABLE, 504 GATEWAY_TIMEOUT,
/// anything else INTERNAL_ERROR.
std::string_view errorCodeForStatus(int status) noexcept;

/// A request handler. Runs on a worker thread, or an I/O thread for Lane::kInline and
/// Lane::kQuick routes; may throw (keelson::Error maps to its status, anything else to 500
/// INTERNAL_ERROR). Must be thread-safe.
using Handler = std::function<Response(const Request&)>;

/// Where a route's handler runs.
enum class Lane {
  kInline,     ///< On the connection's I/O thread, at once: cheap, non-blocking handlers only
               ///< (/healthz, /readyz), so they answer while every worker is busy.
  kStandard,   ///< On the worker pool (ServerOptions::worker_threads, max_pending_requests).
  kExpensive,  ///< On the worker pool, at most ServerOptions::max_expensive_requests at once;
               ///< more get 429 TOO_MANY_REQUESTS with Retry-After.
  kQuick,      ///< Cheap, non-blocking handlers over in-memory state (the cluster cache's pod
               ///< documents): on the connection's I/O thread when the caller's access is
               ///< decided without blocking (an open route, no authenticator, or verdicts the
               ///< Authenticator and Authorizer hold: authenticateAtOnce, authorizeAtOnce),
               ///< which saves two thread hand-offs; otherwise like kStandard.
};

/// What a request on a route reveals, as the attributes of the authorisation checks it needs
/// (all must allow). Runs after path parameters are decoded.
using AccessRule = std::function<std::vector<AccessAttributes>(const Request&)>;

/// How a route is served and who may call it.
/// One accepted WebSocket connection (RouteOptions::websocket). Text messages only.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  /// Queues `text` as one text message; messages go out in the order queued. Dropped once the
  /// connection is closing. Thread-safe; never blocks.
  virtual void send(std::string text) = 0;
  /// Starts the close handshake (status 1000). Thread-safe; idempotent.
  virtual void close() = 0;
};

/// What a WebSocket route does with its connections. The callbacks run on the connection's I/O
/// thread, one at a time per connection: they must not block (hand slow work to another
/// thread). Keep a connection (to send to it later) only until on_close: the server waits for
/// the connections it knows to end when it stops.
struct WebSocketHandler {
  /// The upgrade passed authentication and authorisation (the request's `user` is set).
  std::function<void(const std::shared_ptr<WebSocket>& socket, const Request& request)> on_open;
  /// One text message (binary ones close the connection).
  std::function<void(const std::shared_ptr<WebSocket>& socket, const std::string& text)> on_message;
  /// The connection ended: closed by either side, an error, a missed ping, or the server stopping.
  std::function<void(const std::shared_ptr<WebSocket>& socket)> on_close;
};

struct RouteOptions {
  Lane lane = Lane::kStandard;
  /// Open routes (health, readiness) skip authentication and authorisation.
  bool open = false;
  /// Empty: one non-resource check on the request path with the lower-case method as verb.
  AccessRule access;
};

/// Method + path pattern → handler. Patterns are absolute paths whose segments are literals or
/// "{name}" parameters matching one non-empty segment. Not thread-safe while routes are added;
/// immutable (and so safe to share) once handed to a Server.
class Router {
 public:
  /// Adds a route. Throws Error(kBadInput) on a malformed pattern or a duplicate method+pattern.
  void add(std::string method, std::string_view pattern, Handler handler,
           RouteOptions options = {});
  /// add("GET", ...).
  void get(std::string_view pattern, Handler handler, RouteOptions options = {});
  /// A WebSocket endpoint on GET `pattern`: a request with "Upgrade: websocket" becomes a
  /// WebSocket connection served by `handler` once authenticated and authorised as `options`
  /// say; a GET without the upgrade gets 426 Upgrade Required. The server pings a connection
  /// silent for 30 s and drops it when 30 s more pass without an answer; a message may be at
  /// most 1 MiB. Throws as add().
  void websocket(std::string_view pattern, std::shared_ptr<const WebSocketHandler> handler,
                 RouteOptions options = {});

  /// The outcome of matching a request.
  struct Match {
    const Handler* handler = nullptr;       ///< Null when nothing matched.
    const RouteOptions* options = nullptr;  ///< The route's options, with handler.
    /// A WebSocket route's handler (Router::websocket); null for plain routes.
    std::shared_ptr<const WebSocketHandler> websocket;
    std::string route;  ///< The matched pattern (also for a wrong method).
    std::map<std::string, std::string, std::less<>> params;
    std::vector<std::string> allowed_methods;  ///< Non-empty: the path matched, the method not.
  };
  /// Matches `path` (not decoded; parameters are percent-decoded). Literal segments win over
  /// parameters when two patterns match.
  Match match(std::string_view method, std::string_view path) const;

  /// One registered route, as listed by routes().
  struct RouteInfo {
    std::string method;
    std::string pattern;
    Lane lane;
    bool open;
  };
  /// Every route, in registration order.
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" for a parameter
    Handler handler;
    RouteOptions options;
    std::shared_ptr<const WebSocketHandler> websocket;
  };
  std::vector<Route> routes_;
};

/// The TLS context for each new connection (server/tls.h keeps one from files, reloaded when
/// they change, or self-signed). Must be thread-safe.
using TlsContextSource = std::function<std::shared_ptr<boost::asio::ssl::context>()>;

/// Extra fields for every envelope's "metadata" (e.g. the cache's age). Must be thread-safe and
/// cheap: it runs once per response.
using MetadataSource = std::function<nlohmann::json()>;

/// Server settings. Timeouts map to the spec's READ_TIMEOUT and WRITE_TIMEOUT.
struct ServerOptions {
  std::string address = "0.0.0.0";              ///< Listen address (IPv4 or IPv6 literal).
  std::uint16_t port = 8080;                    ///< 0 picks a free port (see Server::port()).
  unsigned io_threads = 2;                      ///< Threads running the network event loop.
  unsigned worker_threads = 4;                  ///< Threads running handlers.
  std::size_t max_connections = 512;            ///< Further connections are closed at once.
  std::size_t max_connections_per_source = 64;  ///< Per peer IP address; more are closed at once.
  std::size_t max_pending_requests = 64;        ///< Handlers queued or running; more get 503.
  std::size_t max_expensive_requests = 2;  ///< Lane::kExpensive handlers at once; more get 429.
  std::chrono::milliseconds request_deadline{500};  ///< 408 REQUEST_TIMEOUT after it.
  /// From a connection's first byte of a request (or its accept, or TLS handshake start) to the
  /// end of the request headers; slower clients are disconnected (slowloris).
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds idle_timeout{60000};   ///< A keep-alive connection's wait for the
                                                   ///< next request.
  std::chrono::milliseconds read_timeout{10000};   ///< Reading one whole request (READ_TIMEOUT).
  std::chrono::milliseconds write_timeout{10000};  ///< Writing one response (WRITE_TIMEOUT).
  std::size_t max_body_bytes = 1 << 20;            ///< Larger bodies get 413.
  /// The clock of request deadlines, request durations and log throttling. The socket
  /// timeouts above stay on Asio's real timers: they guard against real peers.
  std::shared_ptr<const core::Clock> clock = core::systemClock();
  /// Null: plain HTTP. Set: HTTPS only.
  TlsContextSource tls;
  /// Null (with authorizer null): no authentication, every route open (--authentication=none).
  /// Set: every route not marked open needs credentials (401 UNAUTHORIZED without valid ones).
  std::shared_ptr<Authenticator> authenticator;
  /// Decides each route's AccessRule checks (403 FORBIDDEN when one is denied). Required when
  /// authenticator is set.
  std::shared_ptr<Authorizer> authorizer;
  MetadataSource metadata;  ///< Null: only requestId and timestamp.
  /// The registry for the server's own series; null: the server makes its own.
  std::shared_ptr<Registry> registry;
  /// Where access-log lines go; null: spdlog's default logger at the time of the request.
  std::shared_ptr<spdlog::logger> access_logger;
};

/// An HTTP/1.1 server with keep-alive, over TLS when ServerOptions::tls is set. Network I/O runs
/// on `io_threads` threads (one strand per connection); Lane::kInline handlers run there, and
/// Lane::kQuick ones when held verdicts decide the caller's access; the others on a pool of
/// `worker_threads` (at most `max_pending_requests` queued or running, of which at most
/// `max_expensive_requests` expensive). On the worker, before the handler, the caller is
/// authenticated and each of the route's access checks authorised. Each request gets
/// a deadline: when it passes first, the connection answers 408, the request's cancellation is
/// requested and the handler's late result is discarded. Connections above the global or
/// per-source limit are closed at accept (logged at most once per 10 s, with counts). Series:
/// keelson_http_requests_total{route,method,code}, keelson_http_request_duration_seconds{route,
/// method}, keelson_http_requests_in_flight, keelson_http_connections_rejected_total{reason}.
/// start() and stop() are for one controlling thread.
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
  template <bool kTls>
  friend class Session;  // a connection (plain or TLS), in server.cpp
  template <bool kTls>
  friend class WsSession;  // the same after a WebSocket upgrade
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// The readiness callback: reasons the process is not ready; empty means ready. Thread-safe.
using ReadinessCheck = std::function<std::vector<std::string>()>;

/// Adds GET /healthz (always 200 {"data":{"status":"ok"}} while the process serves) and
/// GET /readyz (200 {"data":{"status":"ready"}}, or 503 SERVICE_UNAVAILABLE "not ready" with
/// the callback's reasons joined by "; " in error.details), both open and Lane::kInline. A
/// throwing callback counts as not ready, with its message as the reason.
void addHealthRoutes(Router& router, ReadinessCheck readiness);
/// Adds GET /metrics serving `registry` in the text format 0.0.4.
void addMetricsRoute(Router& router, std::shared_ptr<const Registry> registry);

/// A random 128-bit request id as 32 lowercase hex digits: from a per-thread std::mt19937_64
/// seeded from OpenSSL's CSPRNG, so unique but predictable; never use it as a secret.
/// Thread-safe.
std::string generateRequestId();
/// The current UTC time as RFC 3339 with seconds: "2023-06-21T10:30:00Z".
std::string utcTimestamp();

}  // namespace keelson::server
