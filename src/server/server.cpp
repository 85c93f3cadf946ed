#include "server/server.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <ctime>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace keelson::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kUnmatchedRoute = "unmatched";
constexpr std::size_t kMaxRequestIdLength = 128;

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

std::string serializeBody(const Response& response, const std::string& request_id) {
  if (!response.data && !response.error) return response.body;
  nlohmann::json doc = nlohmann::json::object();
  if (response.data) {
    doc["data"] = *response.data;
  } else {
    nlohmann::json error = {{"code", response.error->code}, {"message", response.error->message}};
    if (!response.error->details.empty()) error["details"] = response.error->details;
    doc["error"] = std::move(error);
  }
  doc["metadata"] = {{"requestId", request_id}, {"timestamp", utcTimestamp()}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Runs a handler inside the recovery boundary.
Response invokeHandler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const Error& e) {
    if (httpStatusFor(e.code()) >= 500) {
      spdlog::warn("request {} {} (id {}): {}", request.method, request.path, request.request_id,
                   e.what());
    }
    return Response::fromError(e);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} (id {}): handler failed: {}", request.method, request.path,
                  request.request_id, e.what());
    return Response::failure(500, "INTERNAL_ERROR", "internal server error");
  } catch (...) {
    spdlog::error("request {} {} (id {}): handler failed with a non-standard exception",
                  request.method, request.path, request.request_id);
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

Response Response::ok(nlohmann::json data, int status) {
  Response response;
  response.status = status;
  response.data = std::move(data);
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

Response Response::fromError(const Error& error) {
  const int status = httpStatusFor(error.code());
  return failure(status, std::string(errorCodeForStatus(status)), error.what());
}

int httpStatusFor(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kBadInput:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 408;
    default:
      return 500;
  }
}

std::string_view errorCodeForStatus(int status) noexcept {
  switch (status) {
    case 400:
    case 405:
    case 413:
      return "BAD_REQUEST";
    case 404:
      return "RESOURCE_NOT_FOUND";
    case 408:
      return "REQUEST_TIMEOUT";
    case 503:
      return "SERVICE_UNAVAILABLE";
    default:
      return "INTERNAL_ERROR";
  }
}

std::string generateRequestId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    thread_local std::mt19937_64 fallback{std::random_device{}()};
    for (auto& byte : bytes) byte = static_cast<unsigned char>(fallback());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (const unsigned char byte : bytes) {
    id += kHex[byte >> 4];
    id += kHex[byte & 0xf];
  }
  return id;
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

void Router::add(std::string method, std::string_view pattern, Handler handler) {
  if (pattern.empty() || pattern.front() != '/') {
    throw Error(ErrorCode::kBadInput,
                "route \"" + std::string(pattern) + "\": expected an absolute path");
  }
  Route route;
  route.method = std::move(method);
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
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

void Router::get(std::string_view pattern, Handler handler) {
  add("GET", pattern, std::move(handler));
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

class Session;

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
            registry->gauge("keelson_http_requests_in_flight", "HTTP requests being served now.")) {
    in_flight.set({}, 0);
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
  void sessionClosed(std::uint64_t id) {
    {
      const std::lock_guard lock(mutex);
      sessions.erase(id);
    }
    connections.fetch_sub(1);
    cv.notify_all();
  }
  std::vector<std::shared_ptr<Session>> liveSessions();
  void doAccept();
  void start();
  void stop(std::chrono::milliseconds drain);

  void accessLog(const std::string& line) {
    auto logger = options.access_logger ? options.access_logger : spdlog::default_logger();
    logger->info("{}", line);
  }

  ServerOptions options;
  Router router;
  std::shared_ptr<Registry> registry;
  CounterFamily& requests_total;
  HistogramFamily& request_duration;
  GaugeFamily& in_flight;

  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> pending_jobs{0};
  std::uint16_t bound_port = 0;

  std::mutex mutex;  // guards active_requests, sessions, next_session_id
  std::condition_variable cv;
  std::size_t active_requests = 0;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session_id = 0;

  std::unique_ptr<asio::thread_pool> workers;
  std::vector<std::thread> io_threads;
  // Declared last: destroyed first, so that sessions still queued in it find the members above.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
};

// One connection. Every member is used on the connection's strand only; the handler runs on the
// worker pool with a copy of the request and posts its result back to the strand, where a
// generation number and `responded_` decide whether it is still wanted.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& impl, std::uint64_t id, tcp::socket socket)
      : impl_(impl), id_(id), stream_(std::move(socket)), deadline_timer_(stream_.get_executor()) {}

  ~Session() {
    if (busy_) impl_.requestFinished();
    impl_.sessionClosed(id_);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::doRead, shared_from_this()));
  }

  // Shutdown began: an idle connection closes now, a busy one after its response.
  void onShutdown() {
    if (!busy_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    deadline_timer_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  auto executor() { return stream_.get_executor(); }

 private:
  void doRead() {
    if (closed_ || impl_.stopping.load()) {
      close();
      return;
    }
    parser_.emplace();
    parser_->body_limit(impl_.options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(impl_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t /*bytes*/) {
    if (closed_) return;
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      close();
      return;
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        // A malformed request: answer 400 in the envelope, then close.
        beginBookkeeping();
        keep_alive_ = false;
        method_ = "-";
        path_ = "-";
        route_ = std::string(kUnmatchedRoute);
        request_id_ = generateRequestId();
        respond(Response::failure(400, "BAD_REQUEST", "malformed HTTP request", ec.message()));
      } else {
        close();
      }
      return;
    }
    stream_.expires_never();
    beginBookkeeping();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    version_ = req.version();

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
    request->body = std::move(req.body());
    const auto given_id = request->header("X-Request-ID");
    request->request_id =
        given_id && isAcceptableRequestId(*given_id) ? *given_id : generateRequestId();
    request->deadline = start_ + impl_.options.request_deadline;

    method_ = request->method;
    path_ = request->path;
    request_id_ = request->request_id;

    auto match = impl_.router.match(request->method, request->path);
    if (match.handler == nullptr) {
      if (match.allowed_methods.empty()) {
        route_ = std::string(kUnmatchedRoute);
        respond(Response::failure(404, "RESOURCE_NOT_FOUND", "no route for " + path_,
                                  "no route matches " + method_ + " " + path_));
      } else {
        route_ = match.route;
        std::string allowed;
        for (const auto& m : match.allowed_methods) allowed += (allowed.empty() ? "" : ", ") + m;
        auto response = Response::failure(405, "BAD_REQUEST", "method not allowed",
                                          method_ + " " + path_ + " (allowed: " + allowed + ")");
        response.headers.emplace_back("Allow", allowed);
        respond(std::move(response));
      }
      return;
    }
    route_ = match.route;
    request->route = match.route;
    request->path_params = std::move(match.params);

    if (impl_.pending_jobs.fetch_add(1) >= impl_.options.max_pending_requests) {
      impl_.pending_jobs.fetch_sub(1);
      respond(Response::failure(503, "SERVICE_UNAVAILABLE", "server busy",
                                "too many requests in progress; retry later"));
      return;
    }
    const std::uint64_t generation = generation_;
    auto self = shared_from_this();
    asio::post(*impl_.workers, [self, generation, request, handler = match.handler]() {
      Response response = invokeHandler(*handler, *request);
      self->impl_.pending_jobs.fetch_sub(1);
      asio::post(self->executor(), [self, generation, response = std::move(response)]() mutable {
        self->onHandlerDone(generation, std::move(response));
      });
    });
    deadline_timer_.expires_at(request->deadline);
    deadline_timer_.async_wait([self, generation](beast::error_code timer_ec) {
      if (!timer_ec) self->onDeadline(generation);
    });
  }

  void beginBookkeeping() {
    busy_ = true;
    responded_ = false;
    ++generation_;
    start_ = Clock::now();
    impl_.requestStarted();
  }

  void onHandlerDone(std::uint64_t generation, Response response) {
    if (closed_ || generation != generation_ || responded_) {
      spdlog::debug("request {}: handler finished after its deadline; result discarded",
                    request_id_);
      return;
    }
    deadline_timer_.cancel();
    respond(std::move(response));
  }

  void onDeadline(std::uint64_t generation) {
    if (closed_ || generation != generation_ || responded_) return;
    respond(Response::failure(
        408, "REQUEST_TIMEOUT", "request exceeded its deadline",
        "no response within " + std::to_string(impl_.options.request_deadline.count()) + " ms"));
  }

  void respond(Response response) {
    responded_ = true;
    status_ = response.status;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_ == 0 ? 11 : version_);
    res->set(http::field::server, "keelson");
    res->set(http::field::content_type, response.content_type);
    res->set("X-Request-ID", request_id_);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->body() = serializeBody(response, request_id_);
    res->keep_alive(keep_alive_ && !impl_.stopping.load());
    res->prepare_payload();
    response_ = res;
    stream_.expires_after(impl_.options.write_timeout);
    http::async_write(stream_, *res,
                      beast::bind_front_handler(&Session::onWrite, shared_from_this()));
  }

  void onWrite(beast::error_code ec, std::size_t /*bytes*/) {
    const bool keep_alive = response_ && response_->keep_alive();
    response_.reset();
    finishRequest();
    if (ec || !keep_alive) {
      close();
      return;
    }
    doRead();
  }

  // Metrics and the access-log line, once per request.
  void finishRequest() {
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const std::string method = methodLabel(method_);
    impl_.requests_total.inc({route_, method, std::to_string(status_)});
    impl_.request_duration.observe({route_, method}, seconds);
    const nlohmann::json line = {
        {"msg", "http request"},    {"method", method_}, {"path", path_},
        {"route", route_},          {"status", status_}, {"duration_ms", seconds * 1000.0},
        {"request_id", request_id_}};
    impl_.accessLog(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    busy_ = false;
    impl_.requestFinished();
  }

  Server::Impl& impl_;
  std::uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer deadline_timer_;
  std::shared_ptr<http::response<http::string_body>> response_;

  std::uint64_t generation_ = 0;
  bool busy_ = false;
  bool responded_ = false;
  bool closed_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  Clock::time_point start_;
  int status_ = 0;
  std::string method_;
  std::string path_;
  std::string route_;
  std::string request_id_;
};

std::vector<std::shared_ptr<Session>> Server::Impl::liveSessions() {
  std::vector<std::shared_ptr<Session>> live;
  const std::lock_guard lock(mutex);
  for (const auto& [id, weak] : sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

void Server::Impl::doAccept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      if (connections.load() >= options.max_connections) {
        spdlog::warn("http: connection limit {} reached; closing a new connection",
                     options.max_connections);
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        connections.fetch_add(1);
        std::uint64_t id = 0;
        {
          const std::lock_guard lock(mutex);
          id = next_session_id++;
        }
        auto session = std::make_shared<Session>(*this, id, std::move(socket));
        {
          const std::lock_guard lock(mutex);
          sessions.emplace(id, session);
        }
        session->start();
      }
    }
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
      spdlog::warn("http: {} request(s) still in flight after {} ms; closing", active_requests,
                   drain.count());
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
  router.get("/healthz", [](const Request&) { return Response::ok({{"status", "ok"}}); });
  router.get("/readyz", [readiness = std::move(readiness)](const Request&) {
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
  });
}

void addMetricsRoute(Router& router, std::shared_ptr<const Registry> registry) {
  router.get("/metrics", [registry = std::move(registry)](const Request&) {
    return Response::text(registry->serialize(), std::string(kPrometheusContentType));
  });
}

}  // namespace keelson::server
