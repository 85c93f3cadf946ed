#include "server/server.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <stop_token>
#include <thread>
#include <type_traits>

#include "core/log.h"
#include "core/memory.h"
#include "server/tls.h"

namespace keelson::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kUnmatchedRoute = "unmatched";
constexpr std::size_t kMaxRequestIdLength = 128;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr auto kRejectLogInterval = std::chrono::seconds(10);

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' becomes a space only in query strings. A bad escape stays as written.
std::string percentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hexValue(text[i + 1]);
      const int lo = hexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool isParameter(std::string_view segment) noexcept {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// A request id from a client is echoed in a header and in JSON: accept visible ASCII only.
bool isAcceptableRequestId(std::string_view id) noexcept {
  return !id.empty() && id.size() <= kMaxRequestIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Bounds the method label's values.
std::string methodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",   "HEAD",    "POST",  "PUT",    "DELETE",
                                                "PATCH", "OPTIONS", "TRACE", "CONNECT"};
  for (const auto known : kKnown) {
    if (method == known) return std::string(method);
  }
  return "OTHER";
}

// Writes the envelope of a data or error response into its body (moving the data, not copying
// it); a raw or already written body is left as it is. Runs where the response is made: on a
// worker for handlers, so a large document is never serialised on an I/O thread.
void writeEnvelope(Response& response, const std::string& request_id,
                   const MetadataSource& metadata) {
  if (!response.data && !response.data_text && !response.error) return;
  nlohmann::json doc = nlohmann::json::object();
  if (response.data) {
    doc["data"] = std::move(*response.data);
  } else if (response.error) {
    nlohmann::json error = {{"code", response.error->code}, {"message", response.error->message}};
    if (!response.error->details.empty()) error["details"] = response.error->details;
    doc["error"] = std::move(error);
  }
  doc["metadata"] = {{"requestId", request_id}, {"timestamp", utcTimestamp()}};
  if (metadata) {
    try {
      doc["metadata"].update(metadata());
    } catch (const std::exception& e) {
      core::logEvent(spdlog::level::warn, "request: response metadata failed",
                     {{"request_id", request_id}, {"error", e.what()}});
    }
  }
  response.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (response.data_text) {
    // Spliced in as "data", first like the dump's own (sorted) keys would put it.
    const std::string metadata_text = std::move(response.body);
    response.body.reserve(response.data_text->size() + metadata_text.size() + 10);
    response.body = R"({"data":)";
    response.body += *response.data_text;
    response.body += ',';
    response.body.append(metadata_text, 1);  // `"metadata":{...}}` without the leading brace
  }
  response.data.reset();
  response.data_text.reset();
  response.error.reset();
}

// Runs a handler inside the recovery boundary.
Response invokeHandler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const Error& e) {
    if (httpStatusFor(e.code()) >= 500 && !request.cancelled()) {
      core::logEvent(spdlog::level::warn, "request: failed",
                     {{"method", request.method},
                      {"path", request.path},
                      {"request_id", request.request_id},
                      {"error", e.what()}});
    }
    return Response::fromError(e);
  } catch (const std::exception& e) {
    core::logEvent(spdlog::level::err, "request: handler failed",
                   {{"method", request.method},
                    {"path", request.path},
                    {"request_id", request.request_id},
                    {"error", e.what()}});
    return Response::failure(500, "INTERNAL_ERROR", "internal server error");
  } catch (...) {
    core::logEvent(
        spdlog::level::err, "request: handler failed with a non-standard exception",
        {{"method", request.method}, {"path", request.path}, {"request_id", request.request_id}});
    return Response::failure(500, "INTERNAL_ERROR", "internal server error");
  }
}

}  // namespace

// --- Request / Response -------------------------------------------------------------------------

const std::string& Request::param(std::string_view name) const {
  const auto it = path_params.find(name);
  if (it == path_params.end()) {
    throw Error(ErrorCode::kInternal,
                "route " + route + " has no path parameter \"" + std::string(name) + "\"");
  }
  return it->second;
}

std::optional<std::string> Request::query(std::string_view name) const {
  const auto it = query_params.find(name);
  if (it == query_params.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

void Request::throwIfCancelled() const {
  if (cancelled()) throw Error(ErrorCode::kTimeout, "request " + request_id + " cancelled");
}

Response Response::ok(nlohmann::json data, int status) {
  Response response;
  response.status = status;
  response.data = std::move(data);
  return response;
}

Response Response::okJsonText(std::string json_text, int status) {
  Response response;
  response.status = status;
  response.data_text = std::move(json_text);
  return response;
}

Response Response::text(std::string body, std::string content_type, int status) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}

Response Response::failure(int status, std::string code, std::string message, std::string details) {
  Response response;
  response.status = status;
  response.error = ErrorBody{std::move(code), std::move(message), std::move(details)};
  return response;
}

namespace {
// A failure envelope whose code follows the status; 429 and 503 say when to retry.
Response statusFailure(int status, std::string message, std::string details = {}) {
  Response response = Response::failure(status, std::string(errorCodeForStatus(status)),
                                        std::move(message), std::move(details));
  if (status == 429 || status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}
}  // namespace

Response Response::fromError(const Error& error) {
  return statusFailure(httpStatusFor(error.code()), error.what());
}

int httpStatusFor(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kBadInput:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kGone:
      return 410;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view errorCodeForStatus(int status) noexcept {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "RESOURCE_NOT_FOUND";
    case 405:
      return "METHOD_NOT_ALLOWED";
    case 408:
      return "REQUEST_TIMEOUT";
    case 409:
      return "CONFLICT";
    case 410:
      return "GONE";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 429:
      return "TOO_MANY_REQUESTS";
    case 503:
      return "SERVICE_UNAVAILABLE";
    case 504:
      return "GATEWAY_TIMEOUT";
    default:
      return "INTERNAL_ERROR";
  }
}

namespace {

// The answer for a request past its deadline.
Response deadlineResponse(std::chrono::milliseconds deadline) {
  return statusFailure(408, "request exceeded its deadline",
                       "no response within " + std::to_string(deadline.count()) + " ms");
}

// A generator per thread, seeded once from OpenSSL's CSPRNG (std::random_device if that fails):
// request ids must be unique, not secret, and RAND_bytes per request cost a few microseconds.
std::mt19937_64 seededGenerator() {
  std::array<std::uint32_t, 8> seed{};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), sizeof seed) != 1) {
    std::random_device device;
    for (auto& word : seed) word = device();
  }
  std::seed_seq sequence(seed.begin(), seed.end());
  return std::mt19937_64(sequence);
}

}  // namespace

std::string generateRequestId() {
  thread_local std::mt19937_64 generator = seededGenerator();
  const std::uint64_t high = generator();
  return fmt::format("{:016x}{:016x}", high, generator());
}

std::string utcTimestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer, n);
}

// --- Router -------------------------------------------------------------------------------------

void Router::add(std::string method, std::string_view pattern, Handler handler,
                 RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw Error(ErrorCode::kBadInput,
                "route \"" + std::string(pattern) + "\": expected an absolute path");
  }
  Route route;
  route.method = std::move(method);
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
  route.options = std::move(options);
  for (const auto segment : splitPath(pattern)) {
    const bool has_brace = segment.find_first_of("{}") != std::string_view::npos;
    if (has_brace && !isParameter(segment)) {
      throw Error(ErrorCode::kBadInput, "route \"" + std::string(pattern) + "\": segment \"" +
                                            std::string(segment) +
                                            "\" is neither a literal nor {name}");
    }
    route.segments.emplace_back(segment);
  }
  for (const auto& existing : routes_) {
    if (existing.method == route.method && existing.pattern == route.pattern) {
      throw Error(ErrorCode::kBadInput,
                  "route " + route.method + " " + route.pattern + " is already registered");
    }
  }
  routes_.push_back(std::move(route));
}

void Router::get(std::string_view pattern, Handler handler, RouteOptions options) {
  add("GET", pattern, std::move(handler), std::move(options));
}

void Router::websocket(std::string_view pattern, std::shared_ptr<const WebSocketHandler> handler,
                       RouteOptions options) {
  add(
      "GET", pattern,
      [](const Request&) {
        Response response =
            Response::failure(426, "UPGRADE_REQUIRED", "this endpoint speaks WebSocket only");
        response.headers.emplace_back("Upgrade", "websocket");
        return response;
      },
      std::move(options));
  routes_.back().websocket = std::move(handler);
}

std::vector<Router::RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const auto& route : routes_) {
    out.push_back({route.method, route.pattern, route.options.lane, route.options.open});
  }
  return out;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  if (path.empty() || path.front() != '/') return result;
  const auto segments = splitPath(path);
  // Best match: most literal segments (so "/a/b" beats "/a/{x}").
  int best_literals = -1;
  int best_path_literals = -1;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    int literals = 0;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const auto& want = route.segments[i];
      if (isParameter(want)) {
        if (segments[i].empty()) {
          matched = false;
        } else {
          params[want.substr(1, want.size() - 2)] = percentDecode(segments[i], false);
        }
      } else if (want == percentDecode(segments[i], false)) {
        ++literals;
      } else {
        matched = false;
      }
    }
    if (!matched) continue;
    if (route.method == method) {
      if (literals > best_literals) {
        best_literals = literals;
        result.handler = &route.handler;
        result.options = &route.options;
        result.websocket = route.websocket;
        result.route = route.pattern;
        result.params = std::move(params);
      }
    } else {
      if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method) ==
          result.allowed_methods.end()) {
        result.allowed_methods.push_back(route.method);
      }
      if (best_literals < 0 && literals > best_path_literals) {
        best_path_literals = literals;
        result.route = route.pattern;
      }
    }
  }
  if (result.handler != nullptr) result.allowed_methods.clear();
  return result;
}

// --- Server internals ---------------------------------------------------------------------------

// A connection, whatever its stream: what accept and shutdown need.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void start() = 0;
  // Shutdown began: an idle connection closes now, a busy one after its response. On the strand.
  virtual void onShutdown() = 0;
  virtual void close() = 0;  // On the strand.
  virtual asio::any_io_executor executor() = 0;

  // True while a keep-alive connection waits for its next request: the first to go when the
  // server is full.
  std::atomic<bool> idle{false};
};

// Runs each action when the server's clock reaches its time, unless cancelled first: one thread
// waits for the earliest. Request deadlines go through it rather than an Asio timer, so that they
// follow the injected clock (a FakeClock in tests). A request answered in time cancels its
// deadline, and the thread is woken only by an add() that brings the earliest time forward: a
// request costs it no wake-up. Thread-safe; the destructor stops and joins the thread, and drops
// the actions not yet due.
class DeadlineWatch {
 public:
  /// An added action, for cancel().
  using Key = std::pair<core::SteadyTime, std::uint64_t>;

  explicit DeadlineWatch(std::shared_ptr<const core::Clock> clock)
      : clock_(std::move(clock)), thread_([this](std::stop_token stop) { run(stop); }) {}

  Key add(core::SteadyTime at, std::function<void()> action) {
    bool earliest = false;
    Key key;
    {
      const std::lock_guard lock(mutex_);
      key = {at, next_id_++};
      earliest = due_.empty() || key < due_.begin()->first;
      due_.emplace(key, std::move(action));
      if (earliest) ++changes_;
    }
    if (earliest) cv_.notify_all();
    return key;
  }

  /// Drops the action `key` unless it has run or is running.
  void cancel(const Key& key) {
    const std::lock_guard lock(mutex_);
    due_.erase(key);
  }

 private:
  void run(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
      const auto next = due_.empty() ? core::SteadyTime::max() : due_.begin()->first.first;
      if (next <= clock_->steadyNow()) {
        auto action = std::move(due_.begin()->second);
        due_.erase(due_.begin());
        lock.unlock();
        action();
        lock.lock();
        continue;
      }
      // Until the earliest deadline, or until an add() that brings an earlier one.
      const std::uint64_t seen = changes_;
      clock_->waitUntil(lock, cv_, stop, next, [&] { return changes_ != seen; });
    }
  }

  const std::shared_ptr<const core::Clock> clock_;
  std::mutex mutex_;  // guards due_, next_id_ and changes_
  std::condition_variable_any cv_;
  std::map<Key, std::function<void()>> due_;
  std::uint64_t next_id_ = 0;
  std::uint64_t changes_ = 0;
  std::jthread thread_;  // last: started once the members above exist, joined before they go
};

struct Server::Impl {
  Impl(ServerOptions opts, Router r)
      : options(std::move(opts)),
        router(std::move(r)),
        registry(options.registry ? options.registry : std::make_shared<Registry>()),
        requests_total(registry->counter("keelson_http_requests_total",
                                         "HTTP requests answered, by route pattern, method and "
                                         "status code.",
                                         {"route", "method", "code"})),
        request_duration(registry->histogram(
            "keelson_http_request_duration_seconds",
            "Time from reading an HTTP request to writing its response, by route pattern and "
            "method.",
            {"route", "method"})),
        in_flight(
            registry->gauge("keelson_http_requests_in_flight", "HTTP requests being served now.")),
        connections_rejected(registry->counter(
            "keelson_http_connections_rejected_total",
            "Connections closed by the limits: at accept (connection_limit, source_limit), or "
            "idle keep-alive ones closed to make room (idle_evicted).",
            {"reason"})) {
    in_flight.set({}, 0);
    if (options.authenticator && !options.authorizer) {
      throw Error(ErrorCode::kBadInput, "http: an authenticator needs an authorizer");
    }
  }

  void requestStarted() {
    in_flight.inc();
    const std::lock_guard lock(mutex);
    ++active_requests;
  }
  void requestFinished() {
    in_flight.dec();
    {
      const std::lock_guard lock(mutex);
      --active_requests;
    }
    cv.notify_all();
  }
  // A connection's slot now belongs to `session` (a WebSocket session after an upgrade).
  void replaceSession(std::uint64_t id, const std::shared_ptr<Connection>& session) {
    const std::lock_guard lock(mutex);
    sessions[id] = session;
  }
  void sessionClosed(std::uint64_t id, const std::string& source) {
    {
      const std::lock_guard lock(mutex);
      sessions.erase(id);
      if (const auto it = per_source.find(source); it != per_source.end() && --it->second == 0) {
        per_source.erase(it);
      }
      --connections;
    }
    cv.notify_all();
  }
  std::vector<std::shared_ptr<Connection>> liveSessions();
  void doAccept();
  void accept(tcp::socket socket);
  std::optional<std::string_view> admit(const std::string& source, std::uint64_t& id);
  void rejected(std::string_view reason);
  void start();
  void stop(std::chrono::milliseconds drain);
  Response serve(Request& request, const Handler& handler, const RouteOptions& route,
                 const Credentials& credentials);
  Response finish(const Request& request, Response response) const;
  // An access check's outcome: allowed (neither set), refused (the answer to send), or, for a
  // check that must not block, undecided (a review is due).
  struct AccessCheck {
    std::optional<Response> refusal;
    bool undecided = false;
  };
  AccessCheck checkAccess(Request& request, const RouteOptions& route, Credentials credentials,
                          bool at_once);
  std::optional<Response> serveAtOnce(Request& request, const Handler& handler,
                                      const RouteOptions& route, const Credentials& credentials);

  spdlog::logger* accessLogger() const {
    return options.access_logger ? options.access_logger.get() : spdlog::default_logger_raw();
  }
  // Whether access-log lines are written (the logger's level is info or finer).
  bool accessLogged() const { return accessLogger()->should_log(spdlog::level::info); }
  void accessLog(const std::string& line) { accessLogger()->info("{}", line); }

  ServerOptions options;
  Router router;
  std::shared_ptr<Registry> registry;
  CounterFamily& requests_total;
  HistogramFamily& request_duration;
  GaugeFamily& in_flight;
  CounterFamily& connections_rejected;

  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;
  std::atomic<std::size_t> pending_jobs{0};
  std::atomic<std::size_t> expensive_jobs{0};
  std::uint16_t bound_port = 0;

  // guards active_requests, sessions, next_session_id, connections, per_source
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t active_requests = 0;
  std::map<std::uint64_t, std::weak_ptr<Connection>> sessions;
  std::uint64_t next_session_id = 0;
  std::size_t connections = 0;
  std::map<std::string, std::size_t, std::less<>> per_source;

  std::mutex reject_mutex;  // guards the two below
  core::SteadyTime reject_logged{};
  std::map<std::string, std::uint64_t, std::less<>> rejects_unlogged;

  std::unique_ptr<asio::thread_pool> workers;
  std::unique_ptr<DeadlineWatch> deadlines;  // between start() and the end of stop()
  std::vector<std::thread> io_threads;
  // Declared last: destroyed first, so that sessions still queued in it find the members above.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
};

namespace {

// "Authorization: Bearer <token>": the token, if that is the scheme.
std::optional<std::string> bearerToken(const Request& request) {
  const auto header = request.header("Authorization");
  if (!header) return std::nullopt;
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() <= kScheme.size() ||
      !equalsIgnoreCase(std::string_view(*header).substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  std::string token = header->substr(kScheme.size());
  token.erase(0, token.find_first_not_of(' '));
  token.erase(token.find_last_not_of(' ') + 1);
  if (token.empty()) return std::nullopt;
  return token;
}

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = lower(c);
  return out;
}

// The default access rule: the request path as a non-resource URL.
std::vector<AccessAttributes> pathAccess(const Request& request) {
  return {NonResourceAttributes{lowerCase(request.method), request.path}};
}

// kubectl's wording of a denial: `User "u" cannot list resource "pods" in API group "" in the
// namespace "a"`.
std::string denialMessage(const UserInfo& user, const AccessAttributes& attributes) {
  if (const auto* path = std::get_if<NonResourceAttributes>(&attributes)) {
    return fmt::format("User \"{}\" cannot {} path \"{}\"", user.username, path->verb, path->path);
  }
  const auto& resource = std::get<ResourceAttributes>(attributes);
  std::string what = resource.resource;
  if (!resource.subresource.empty()) what += "/" + resource.subresource;
  std::string message = fmt::format("User \"{}\" cannot {} resource \"{}\" in API group \"{}\"",
                                    user.username, resource.verb, what, resource.group);
  if (!resource.namespace_name.empty()) {
    message += fmt::format(" in the namespace \"{}\"", resource.namespace_name);
  } else {
    message += " at the cluster scope";
  }
  return message;
}

}  // namespace

// Authenticates the caller and authorises each of the route's checks; with `at_once`, only from
// the verdicts the authenticator and authorizer already hold (undecided when one is missing).
Server::Impl::AccessCheck Server::Impl::checkAccess(Request& request, const RouteOptions& route,
                                                    Credentials credentials, bool at_once) {
  try {
    credentials.bearer_token = bearerToken(request);
    std::optional<UserInfo> user;
    if (!at_once) {
      user = options.authenticator->authenticate(credentials);
    } else if (auto known = options.authenticator->authenticateAtOnce(credentials)) {
      user = std::move(*known);
    } else {
      return {.refusal = std::nullopt, .undecided = true};
    }
    if (!user) {
      auto response = statusFailure(401, "Unauthorized",
                                    "this route needs a bearer token or a client certificate");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return {.refusal = std::move(response)};
    }
    request.user = std::move(user);
    const auto checks = route.access ? route.access(request) : pathAccess(request);
    for (const auto& attributes : checks) {
      const std::optional<Decision> decision =
          at_once ? options.authorizer->authorizeAtOnce(*request.user, attributes)
                  : options.authorizer->authorize(*request.user, attributes);
      if (!decision) return {.refusal = std::nullopt, .undecided = true};
      if (!decision->allowed) {
        return {.refusal = statusFailure(
                    403, "Forbidden",
                    denialMessage(*request.user, attributes) +
                        (decision->reason.empty() ? std::string() : ": " + decision->reason))};
      }
    }
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kUnauthorized) {
      // Like the API server: the caller learns nothing about why its credentials failed.
      core::logEvent(spdlog::level::debug, "request: unauthorized",
                     {{"method", request.method},
                      {"path", request.path},
                      {"request_id", request.request_id},
                      {"error", e.what()}});
      return {.refusal = statusFailure(401, "Unauthorized", "invalid or expired credentials")};
    }
    core::logEvent(spdlog::level::warn, "request: access check failed",
                   {{"method", request.method},
                    {"path", request.path},
                    {"request_id", request.request_id},
                    {"error", e.what()}});
    return {.refusal = Response::fromError(
                Error(e.code() == ErrorCode::kTimeout ? ErrorCode::kUnavailable : e.code(),
                      std::string("access check failed: ") + e.what()))};
  }
  return {};
}

// A Lane::kQuick request on the I/O thread: the handler's answer (or the access check's refusal)
// when the access is decided without blocking, else nullopt (the worker pool serves it).
std::optional<Response> Server::Impl::serveAtOnce(Request& request, const Handler& handler,
                                                  const RouteOptions& route,
                                                  const Credentials& credentials) {
  if (!route.open && options.authenticator) {
    AccessCheck check = checkAccess(request, route, credentials, true);
    if (check.undecided) return std::nullopt;
    if (check.refusal) return std::move(check.refusal);
  }
  return invokeHandler(handler, request);
}

// Runs on a worker: access checks, the expensive lane's limit, then the handler.
Response Server::Impl::serve(Request& request, const Handler& handler, const RouteOptions& route,
                             const Credentials& credentials) {
  if (request.cancelled()) return deadlineResponse(options.request_deadline);
  if (!route.open && options.authenticator) {
    if (auto check = checkAccess(request, route, credentials, false); check.refusal) {
      return std::move(*check.refusal);
    }
  }
  if (route.lane != Lane::kExpensive) return finish(request, invokeHandler(handler, request));
  if (expensive_jobs.fetch_add(1) >= options.max_expensive_requests) {
    expensive_jobs.fetch_sub(1);
    return statusFailure(
        429, "too many expensive requests",
        fmt::format("at most {} requests on expensive routes run at once; retry later",
                    options.max_expensive_requests));
  }
  Response response = finish(request, invokeHandler(handler, request));
  writeEnvelope(response, request.request_id, options.metadata);
  expensive_jobs.fetch_sub(1);
  // glibc would keep what the handler freed in this worker's arena, so every worker that ever
  // ran an expensive request would hold its own peak.
  core::releaseFreedMemory();
  return response;
}

// A handler that stopped because its request was cancelled answers like the deadline did (the
// connection may have closed instead, or the deadline's 408 may not be written yet).
Response Server::Impl::finish(const Request& request, Response response) const {
  return request.cancelled() ? deadlineResponse(options.request_deadline) : std::move(response);
}

// One connection. Every member is used on the connection's strand only; the handler runs on the
// worker pool with a copy of the request and posts its result back to the strand, where a
// generation number and `responded_` decide whether it is still wanted.
template <bool kTls>
class Session final : public Connection, public std::enable_shared_from_this<Session<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(Server::Impl& impl, std::uint64_t id, std::string source, tcp::socket socket,
          std::shared_ptr<asio::ssl::context> tls)
      : impl_(impl),
        id_(id),
        source_(std::move(source)),
        tls_(std::move(tls)),
        stream_(makeStream(std::move(socket), tls_.get())) {}

  ~Session() override {
    if (busy_) impl_.requestFinished();
    if (!upgraded_) impl_.sessionClosed(id_, source_);  // else the WebSocket session has the slot
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->tcp().expires_after(self->impl_.options.header_timeout);
        self->stream_.async_handshake(asio::ssl::stream_base::server,
                                      beast::bind_front_handler(&Session::onHandshake, self));
      } else {
        self->waitForRequest(true);
      }
    });
  }

  void onShutdown() override {
    if (!busy_) close();
  }

  void close() override {
    cancel_.request_stop();
    if (closed_ || upgraded_) return;
    closed_ = true;
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().close();
  }

  asio::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  static Stream makeStream(tcp::socket socket, asio::ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void onHandshake(beast::error_code ec) {
    if (ec) {
      core::logEvent(spdlog::level::debug, "http: TLS handshake failed",
                     {{"remote_addr", source_}, {"error", ec.message()}});
      close();
      return;
    }
    if constexpr (kTls) client_certificate_ = clientCertificateUser(stream_.native_handle());
    waitForRequest(true);
  }

  // A new connection (or bytes already buffered) goes straight to the header timeout; an idle
  // keep-alive connection first waits up to idle_timeout for the next request's first bytes.
  void waitForRequest(bool first) {
    if (closed_ || impl_.stopping.load()) {
      close();
      return;
    }
    parser_.emplace();
    parser_->body_limit(impl_.options.max_body_bytes);
    parser_->header_limit(kMaxHeaderBytes);
    if (first || buffer_.size() > 0) {
      readHeader();
      return;
    }
    tcp().expires_after(impl_.options.idle_timeout);
    idle = true;
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](
                                                       beast::error_code ec, std::size_t bytes) {
      self->idle = false;
      if (ec) return self->onReadError(ec);
      self->buffer_.commit(bytes);
      self->readHeader();
    });
  }

  void readHeader() {
    tcp().expires_after(impl_.options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::onHeader, this->shared_from_this()));
  }

  void onHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return onReadError(ec);
    if (parser_->is_done()) return onRequest();
    tcp().expires_after(impl_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code body_ec, std::size_t) {
                       if (body_ec) return self->onReadError(body_ec);
                       self->onRequest();
                     });
  }

  void onReadError(beast::error_code ec) {
    if (closed_) return;
    if (ec.category() != http::make_error_code(http::error::bad_target).category() ||
        ec == http::error::end_of_stream || ec == http::error::partial_message) {
      close();  // end of stream, timeout, reset, TLS failure: nothing to answer
      return;
    }
    // A malformed or oversized request: answer in the envelope, then close.
    beginBookkeeping();
    keep_alive_ = false;
    method_ = "-";
    path_ = "-";
    route_ = std::string(kUnmatchedRoute);
    request_id_ = generateRequestId();
    if (ec == http::error::body_limit) {
      respond(statusFailure(413, "request body too large",
                            fmt::format("at most {} bytes", impl_.options.max_body_bytes)));
    } else {
      respond(statusFailure(400, "malformed HTTP request", ec.message()));
    }
  }

  void onRequest() {
    tcp().expires_never();
    beginBookkeeping();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    const bool wants_upgrade = websocket::is_upgrade(req);
    version_ = req.version();
    auto request = makeRequest(req);
    method_ = request->method;
    path_ = request->path;
    request_id_ = request->request_id;

    // RFC 9112 section 3.2: an HTTP/1.1 request without a Host header is answered 400.
    if (req.version() >= 11 && req.find(http::field::host) == req.end()) {
      route_ = std::string(kUnmatchedRoute);
      keep_alive_ = false;
      respond(statusFailure(400, "missing Host header", "HTTP/1.1 requests need a Host header"));
      return;
    }
    auto match = impl_.router.match(request->method, request->path);
    if (match.handler == nullptr) return respondUnmatched(match);
    route_ = match.route;
    request->route = match.route;
    request->path_params = std::move(match.params);
    const RouteOptions& route = *match.options;
    const Handler* handler = match.handler;
    if (match.websocket && wants_upgrade) {
      upgrade_request_ = std::move(req);
      websocket_ = match.websocket;
      handler = &upgradeAccepted();  // after authentication and authorisation: the upgrade
    }

    if (route.lane == Lane::kInline && (route.open || !impl_.options.authenticator)) {
      onHandlerDone(generation_, invokeHandler(*handler, *request), {}, request);
      return;
    }
    if (route.lane == Lane::kQuick) {
      auto response =
          impl_.serveAtOnce(*request, *handler, route, {std::nullopt, client_certificate_});
      if (response) {
        writeEnvelope(*response, request->request_id, impl_.options.metadata);
        std::string user = request->user ? request->user->username : std::string();
        onHandlerDone(generation_, std::move(*response), std::move(user), request);
        return;
      }
    }
    if (impl_.pending_jobs.fetch_add(1) >= impl_.options.max_pending_requests) {
      impl_.pending_jobs.fetch_sub(1);
      respond(statusFailure(503, "server busy", "too many requests in progress; retry later"));
      return;
    }
    const std::uint64_t generation = generation_;
    auto self = this->shared_from_this();
    asio::post(*impl_.workers, [self, generation, request, handler, &route,
                                credentials = Credentials{std::nullopt, client_certificate_}]() {
      Response response = self->impl_.serve(*request, *handler, route, credentials);
      writeEnvelope(response, request->request_id, self->impl_.options.metadata);
      self->impl_.pending_jobs.fetch_sub(1);
      std::string user = request->user ? request->user->username : std::string();
      asio::post(self->executor(), [self, generation, response = std::move(response),
                                    user = std::move(user), request]() mutable {
        self->onHandlerDone(generation, std::move(response), std::move(user), request);
      });
    });
    deadline_ = impl_.deadlines->add(request->deadline, [weak = this->weak_from_this(),
                                                         generation] {
      if (auto session = weak.lock()) {
        asio::post(session->executor(), [session, generation] { session->onDeadline(generation); });
      }
    });
  }

  std::shared_ptr<Request> makeRequest(const http::request<http::string_body>& req) {
    auto request = std::make_shared<Request>();
    request->method = std::string(req.method_string());
    request->target = std::string(req.target());
    const auto query_pos = request->target.find('?');
    request->path = request->target.substr(0, query_pos);
    if (query_pos != std::string::npos) {
      const std::string_view query = std::string_view(request->target).substr(query_pos + 1);
      std::size_t start = 0;
      while (start <= query.size()) {
        const std::size_t end = std::min(query.find('&', start), query.size());
        const auto pair = query.substr(start, end - start);
        if (!pair.empty()) {
          const auto eq = pair.find('=');
          request->query_params.emplace(percentDecode(pair.substr(0, eq), true),
                                        eq == std::string_view::npos
                                            ? std::string()
                                            : percentDecode(pair.substr(eq + 1), true));
        }
        start = end + 1;
      }
    }
    for (const auto& field : req) {
      request->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request->body = req.body();
    const auto given_id = request->header("X-Request-ID");
    request->request_id =
        given_id && isAcceptableRequestId(*given_id) ? *given_id : generateRequestId();
    request->deadline = start_ + impl_.options.request_deadline;
    request->cancellation = cancel_.get_token();
    request->remote_address = source_;
    return request;
  }

  void respondUnmatched(const Router::Match& match) {
    if (match.allowed_methods.empty()) {
      route_ = std::string(kUnmatchedRoute);
      respond(
          statusFailure(404, "no route for " + path_, "no route matches " + method_ + " " + path_));
      return;
    }
    route_ = match.route;
    std::string allowed;
    for (const auto& m : match.allowed_methods) allowed += (allowed.empty() ? "" : ", ") + m;
    auto response = statusFailure(405, "method not allowed",
                                  method_ + " " + path_ + " (allowed: " + allowed + ")");
    response.headers.emplace_back("Allow", allowed);
    respond(std::move(response));
  }

  void beginBookkeeping() {
    busy_ = true;
    responded_ = false;
    ++generation_;
    start_ = impl_.options.clock->steadyNow();
    cancel_ = std::stop_source();
    user_.clear();
    impl_.requestStarted();
  }

  void onHandlerDone(std::uint64_t generation, Response response, std::string user,
                     const std::shared_ptr<Request>& request) {
    if (closed_ || generation != generation_ || responded_) {
      core::logEvent(spdlog::level::debug,
                     "request: handler finished after its deadline; result discarded",
                     {{"request_id", request_id_}});
      return;
    }
    user_ = std::move(user);
    if (upgrade_request_ && response.status == 101) return upgrade(request);
    upgrade_request_.reset();
    respond(std::move(response));
  }

  // The answer of a WebSocket route's upgrade once authentication and authorisation passed.
  static const Handler& upgradeAccepted() {
    static const Handler accepted = [](const Request&) {
      Response response;
      response.status = 101;
      return response;
    };
    return accepted;
  }

  // Hands the connection (its slot in the server's count too) to a WebSocket session.
  void upgrade(const std::shared_ptr<Request>& request);

  void onDeadline(std::uint64_t generation) {
    if (closed_ || generation != generation_ || responded_) return;
    cancel_.request_stop();
    respond(deadlineResponse(impl_.options.request_deadline));
  }

  void respond(Response response) {
    responded_ = true;
    if (deadline_) {
      impl_.deadlines->cancel(*deadline_);
      deadline_.reset();
    }
    status_ = response.status;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_ == 0 ? 11 : version_);
    res->set(http::field::server, "keelson");
    res->set(http::field::content_type, response.content_type);
    res->set("X-Request-ID", request_id_);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    writeEnvelope(response, request_id_, impl_.options.metadata);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive_ && !impl_.stopping.load());
    res->prepare_payload();
    response_ = res;
    tcp().expires_after(impl_.options.write_timeout);
    http::async_write(stream_, *res,
                      beast::bind_front_handler(&Session::onWrite, this->shared_from_this()));
  }

  void onWrite(beast::error_code ec, std::size_t /*bytes*/) {
    const bool keep_alive = response_ && response_->keep_alive();
    response_.reset();
    finishRequest();
    if (ec || !keep_alive) {
      close();
      return;
    }
    waitForRequest(false);
  }

  // Metrics and the access-log line, once per request.
  void finishRequest() {
    const double seconds =
        std::chrono::duration<double>(impl_.options.clock->steadyNow() - start_).count();
    const std::string method = methodLabel(method_);
    impl_.requests_total.inc({route_, method, std::to_string(status_)});
    impl_.request_duration.observe({route_, method}, seconds);
    busy_ = false;
    if (impl_.accessLogged()) accessLog(seconds);
    impl_.requestFinished();
  }

  // The access-log line of the request just answered.
  void accessLog(double seconds) {
    nlohmann::json line = {
        {"msg", "http request"},     {"method", method_},     {"path", path_},
        {"route", route_},           {"status", status_},     {"duration_ms", seconds * 1000.0},
        {"request_id", request_id_}, {"remote_addr", source_}};
    if (!user_.empty()) line["user"] = user_;
    impl_.accessLog(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  Server::Impl& impl_;
  std::uint64_t id_;
  std::string source_;
  std::shared_ptr<asio::ssl::context> tls_;  // kept alive for the stream
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::optional<UserInfo> client_certificate_;
  std::stop_source cancel_;
  std::optional<http::request<http::string_body>> upgrade_request_;
  std::shared_ptr<const WebSocketHandler> websocket_;
  bool upgraded_ = false;

  std::uint64_t generation_ = 0;
  std::optional<DeadlineWatch::Key> deadline_;  // the request's, until it is answered
  bool busy_ = false;
  bool responded_ = false;
  bool closed_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  core::SteadyTime start_;
  int status_ = 0;
  std::string method_;
  std::string path_;
  std::string route_;
  std::string request_id_;
  std::string user_;
};

// A connection after its upgrade: WebSocket frames over the same stream, until either side
// closes it, a ping goes unanswered, or the server stops. Owns the connection's slot in the
// server's count from the upgrade on.
template <bool kTls>
class WsSession final : public Connection,
                        public WebSocket,
                        public std::enable_shared_from_this<WsSession<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  WsSession(Server::Impl& impl, std::uint64_t id, std::string source,
            std::shared_ptr<asio::ssl::context> tls, Stream&& stream,
            http::request<http::string_body> upgrade,
            std::shared_ptr<const WebSocketHandler> handler, std::shared_ptr<Request> request)
      : impl_(impl),
        id_(id),
        source_(std::move(source)),
        tls_(std::move(tls)),
        ws_(std::move(stream)),
        upgrade_(std::move(upgrade)),
        handler_(std::move(handler)),
        request_(std::move(request)) {}

  ~WsSession() override { release(); }
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  void start() override {
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(30);
    timeout.idle_timeout = std::chrono::seconds(60);  // a ping after 30 s of silence
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(kMaxMessageBytes);
    ws_.async_accept(upgrade_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish();
      self->open_ = true;
      if (self->handler_->on_open) self->handler_->on_open(self, *self->request_);
      self->read();
    });
  }

  void send(std::string text) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), text = std::move(text)] {
      if (!self->open_ || self->closing_) return;
      self->queue_.push_back(std::move(text));
      if (self->queue_.size() == 1) self->write();
    });
  }

  // WebSocket::close (any thread) and Connection::close (the server stopping): the close
  // handshake, then the socket.
  void close() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->closeGracefully(); });
  }

  void onShutdown() override { closeGracefully(); }

  asio::any_io_executor executor() override { return ws_.get_executor(); }

 private:
  static constexpr std::size_t kMaxMessageBytes = 1 << 20;

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(ws_); }

  // Connection::close: at once, without a handshake (the server is going away). On the strand.
  void closeNow() {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
  }

  void closeGracefully() {
    if (closing_) return;
    closing_ = true;
    if (!open_) return closeNow();
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](beast::error_code) { self->closeNow(); });
  }

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->ws_.got_text()) {
        if (!ec) self->closeGracefully();  // binary frames are not spoken here
        return self->finish();
      }
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->handler_->on_message) self->handler_->on_message(self, text);
      self->read();
    });
  }

  void write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->queue_.pop_front();
                      if (ec) {
                        self->queue_.clear();
                        return self->closeNow();
                      }
                      if (!self->queue_.empty()) self->write();
                    });
  }

  // The connection is over: the handler hears it once, the server's count drops at once (the
  // handler may keep this object a little longer).
  void finish() {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    if (handler_->on_close) handler_->on_close(this->shared_from_this());
    release();
  }

  void release() {
    if (released_) return;
    released_ = true;
    impl_.sessionClosed(id_, source_);
  }

  Server::Impl& impl_;
  std::uint64_t id_;
  std::string source_;
  std::shared_ptr<asio::ssl::context> tls_;  // kept alive for the stream
  websocket::stream<Stream> ws_;
  http::request<http::string_body> upgrade_;
  std::shared_ptr<const WebSocketHandler> handler_;
  std::shared_ptr<Request> request_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool open_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool released_ = false;
};

template <bool kTls>
void Session<kTls>::upgrade(const std::shared_ptr<Request>& request) {
  responded_ = true;
  status_ = 101;
  finishRequest();
  upgraded_ = true;
  auto session =
      std::make_shared<WsSession<kTls>>(impl_, id_, source_, tls_, std::move(stream_),
                                        std::move(*upgrade_request_), websocket_, request);
  upgrade_request_.reset();
  impl_.replaceSession(id_, session);
  session->start();
}

std::vector<std::shared_ptr<Connection>> Server::Impl::liveSessions() {
  std::vector<std::shared_ptr<Connection>> live;
  const std::lock_guard lock(mutex);
  for (const auto& [id, weak] : sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

// Takes a connection slot for `source` and a session id, or says which limit refused it. When
// the server is full, an idle keep-alive connection is closed to make room.
std::optional<std::string_view> Server::Impl::admit(const std::string& source, std::uint64_t& id) {
  // Sessions locked here are released after the lock: a session's last owner runs its destructor,
  // which takes the lock.
  std::vector<std::shared_ptr<Connection>> looked_at;
  const std::lock_guard lock(mutex);
  const auto from_source = per_source.find(source);
  if (from_source != per_source.end() &&
      from_source->second >= options.max_connections_per_source) {
    return "source_limit";
  }
  if (connections >= options.max_connections) {
    Connection* victim = nullptr;
    for (const auto& [session_id, weak] : sessions) {
      auto session = weak.lock();
      if (!session) continue;
      looked_at.push_back(session);
      bool expected = true;
      if (session->idle.compare_exchange_strong(expected, false)) {
        victim = session.get();
        break;
      }
    }
    if (victim == nullptr) return "connection_limit";
    asio::post(victim->executor(), [victim = looked_at.back()] { victim->close(); });
    connections_rejected.inc({"idle_evicted"});
  }
  ++per_source[source];
  ++connections;
  id = next_session_id++;
  return std::nullopt;
}

// Counts a refused connection; logs the counts at most once per kRejectLogInterval, so a flood
// of connections costs one log line, not one per connection.
void Server::Impl::rejected(std::string_view reason) {
  connections_rejected.inc({std::string(reason)});
  std::string summary;
  {
    const std::lock_guard lock(reject_mutex);
    ++rejects_unlogged[std::string(reason)];
    const auto now = options.clock->steadyNow();
    if (now - reject_logged < kRejectLogInterval) return;
    reject_logged = now;
    for (const auto& [why, count] : rejects_unlogged) {
      summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", count, why);
    }
    rejects_unlogged.clear();
  }
  core::logEvent(spdlog::level::warn, "http: closed connections at accept",
                 {{"rejected", summary},
                  {"max_connections", options.max_connections},
                  {"max_connections_per_source", options.max_connections_per_source}});
}

void Server::Impl::accept(tcp::socket socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  auto address = peer.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  std::string source = address.to_string();
  std::uint64_t id = 0;
  if (const auto refused = admit(source, id)) {
    socket.close(ec);
    rejected(*refused);
    return;
  }
  std::shared_ptr<Connection> session;
  try {
    if (options.tls) {
      session =
          std::make_shared<Session<true>>(*this, id, source, std::move(socket), options.tls());
    } else {
      session = std::make_shared<Session<false>>(*this, id, source, std::move(socket), nullptr);
    }
  } catch (const std::exception& e) {
    // No session owns the slot: release it here.
    core::logEvent(spdlog::level::err, "http: cannot serve a connection",
                   {{"remote_addr", source}, {"error", e.what()}});
    socket.close(ec);
    sessionClosed(id, source);
    return;
  }
  {
    const std::lock_guard lock(mutex);
    sessions.emplace(id, session);
  }
  session->start();
}

void Server::Impl::doAccept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) accept(std::move(socket));
    doAccept();
  });
}

void Server::Impl::start() {
  if (started) return;
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    throw Error(ErrorCode::kBadInput,
                "listen address \"" + options.address + "\": expected an IPv4 or IPv6 address");
  }
  const tcp::endpoint endpoint(address, options.port);
  const auto fail = [&](std::string_view what) {
    throw Error(ErrorCode::kUnavailable, "http: " + std::string(what) + " " + options.address +
                                             ":" + std::to_string(options.port) + ": " +
                                             ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail("set SO_REUSEADDR on");
  acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
  bound_port = acceptor.local_endpoint().port();

  started = true;
  workers = std::make_unique<asio::thread_pool>(std::max(1U, options.worker_threads));
  deadlines = std::make_unique<DeadlineWatch>(options.clock);
  work.emplace(asio::make_work_guard(ioc));
  doAccept();
  const unsigned n = std::max(1U, options.io_threads);
  for (unsigned i = 0; i < n; ++i) io_threads.emplace_back([this] { ioc.run(); });
}

void Server::Impl::stop(std::chrono::milliseconds drain) {
  if (!started || stopped) return;
  stopped = true;
  stopping.store(true);

  // 1. Stop accepting: once the listening socket is closed, new connections are refused.
  std::promise<void> acceptor_closed;
  asio::post(acceptor.get_executor(), [this, &acceptor_closed] {
    beast::error_code ec;
    acceptor.close(ec);
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait();

  // 2. Idle connections close now; busy ones after writing their response.
  for (const auto& session : liveSessions()) {
    asio::post(session->executor(), [session] { session->onShutdown(); });
  }

  // 3. In-flight requests finish within the bound.
  {
    std::unique_lock lock(mutex);
    if (!cv.wait_for(lock, drain, [this] { return active_requests == 0; })) {
      core::logEvent(spdlog::level::warn, "http: requests still in flight after the drain; closing",
                     {{"requests", active_requests}, {"drain_ms", drain.count()}});
    }
  }

  // 4. Close what is left, give the closes a moment to run, stop the loop and the workers.
  for (const auto& session : liveSessions()) {
    asio::post(session->executor(), [session] { session->close(); });
  }
  work.reset();
  {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::milliseconds(200), [this] { return sessions.empty(); });
  }
  ioc.stop();
  for (auto& thread : io_threads) thread.join();
  io_threads.clear();
  workers->join();
  deadlines.reset();
}

// --- Server -------------------------------------------------------------------------------------

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(router))) {}

Server::~Server() { impl_->stop(std::chrono::milliseconds(0)); }

void Server::start() { impl_->start(); }

void Server::stop(std::chrono::milliseconds drain) { impl_->stop(drain); }

std::uint16_t Server::port() const noexcept { return impl_->bound_port; }

Registry& Server::registry() noexcept { return *impl_->registry; }

// --- Health and metrics routes ------------------------------------------------------------------

void addHealthRoutes(Router& router, ReadinessCheck readiness) {
  const RouteOptions health{.lane = Lane::kInline, .open = true, .access = {}};
  router.get(
      "/healthz",
      [](const Request&) {
        return Response::ok({{"status", "ok"}});
      },
      health);
  router.get(
      "/readyz",
      [readiness = std::move(readiness)](const Request&) {
        std::vector<std::string> reasons;
        try {
          if (readiness) reasons = readiness();
        } catch (const std::exception& e) {
          reasons.emplace_back(std::string("readiness check failed: ") + e.what());
        }
        if (reasons.empty()) return Response::ok({{"status", "ready"}});
        std::string details;
        for (const auto& reason : reasons) details += (details.empty() ? "" : "; ") + reason;
        return Response::failure(503, "SERVICE_UNAVAILABLE", "not ready", details);
      },
      health);
}

void addMetricsRoute(Router& router, std::shared_ptr<const Registry> registry) {
  router.get("/metrics", [registry = std::move(registry)](const Request&) {
    return Response::text(registry->serialize(), std::string(kPrometheusContentType));
  });
}

}  // namespace keelson::server
