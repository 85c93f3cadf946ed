#include "net/websocket_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <variant>

#include "core/error.h"

namespace keelson::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

using PlainStream = websocket::stream<beast::tcp_stream>;
using TlsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query
};

// Splits a ws:// or wss:// URL with libcurl's URL parser.
Url parseUrl(const std::string& text) {
  const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
  if (!url ||
      curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    throw Error(ErrorCode::kBadInput, fmt::format("WebSocket URL \"{}\" does not parse", text));
  }
  const auto part = [&](CURLUPart which) {
    char* value = nullptr;
    if (curl_url_get(url.get(), which, &value, 0) != CURLUE_OK || value == nullptr)
      return std::string();
    std::string out(value);
    curl_free(value);
    return out;
  };
  Url out;
  const std::string scheme = part(CURLUPART_SCHEME);
  if (scheme != "ws" && scheme != "wss") {
    throw Error(ErrorCode::kBadInput,
                fmt::format("WebSocket URL \"{}\": expected ws:// or wss://", text));
  }
  out.tls = scheme == "wss";
  out.host = part(CURLUPART_HOST);
  if (out.host.size() > 2 && out.host.front() == '[') {
    out.host = out.host.substr(1, out.host.size() - 2);  // an IPv6 literal
  }
  out.port = part(CURLUPART_PORT);
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  out.target = part(CURLUPART_PATH);
  if (out.target.empty()) out.target = "/";
  if (const std::string query = part(CURLUPART_QUERY); !query.empty()) out.target += "?" + query;
  return out;
}

}  // namespace

struct WebSocketClient::Impl {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::variant<std::monostate, PlainStream, TlsStream> stream;
  beast::flat_buffer buffer;
  std::string where;  // the URL, for messages

  beast::tcp_stream& tcp() {
    if (auto* s = std::get_if<TlsStream>(&stream)) return beast::get_lowest_layer(*s);
    return beast::get_lowest_layer(std::get<PlainStream>(stream));
  }

  // Runs the io_context until `done`, `stop` or `deadline`. On stop or deadline the socket is
  // closed so that the pending operation ends (with an error), and the reason is returned.
  std::optional<std::string> runUntil(const bool& done, const std::stop_token& stop,
                                      std::optional<SteadyTime> deadline) {
    io.restart();
    while (!done) {
      io.run_one_for(std::chrono::milliseconds(200));
      if (done) break;
      const bool late = deadline && std::chrono::steady_clock::now() > *deadline;
      if (stop.stop_requested() || late) {
        beast::error_code ec;
        tcp().socket().close(ec);
        // The aborted operation's handler (not io.run(): the ping timer would hold it).
        io.restart();
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done && std::chrono::steady_clock::now() < until) {
          io.run_one_for(std::chrono::milliseconds(50));
          if (io.stopped()) io.restart();
        }
        return late ? "timed out" : "cancelled";
      }
      if (io.stopped()) io.restart();
    }
    return std::nullopt;
  }

  [[noreturn]] void fail(ErrorCode code, const std::string& what) const {
    throw Error(code, fmt::format("WebSocket {}: {}", where, what));
  }

  template <class Stream>
  void connect(Stream& ws, const Url& url, const WebSocketOptions& options,
               const std::stop_token& stop) {
    const SteadyTime deadline = std::chrono::steady_clock::now() + options.connect_timeout;
    beast::error_code ec;
    bool done = false;
    tcp::resolver resolver(io);
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(url.host, url.port, [&](beast::error_code e, auto results) {
      ec = e;
      endpoints = std::move(results);
      done = true;
    });
    const auto wait = [&](const char* step) {
      if (auto why = runUntil(done, stop, deadline)) {
        fail(*why == "timed out" ? ErrorCode::kTimeout : ErrorCode::kUnavailable,
             fmt::format("{} {}", step, *why));
      }
      if (ec) fail(ErrorCode::kUnavailable, fmt::format("{}: {}", step, ec.message()));
      done = false;
    };
    wait("resolve");
    auto& lowest = beast::get_lowest_layer(ws);
    lowest.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    wait("connect");
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      auto& ssl = ws.next_layer();
      // SNI; SSL_set_tlsext_host_name is a macro with a C cast around this call.
      if (SSL_ctrl(ssl.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(url.host.c_str())) != 1) {  // NOLINT: OpenSSL's C API
        fail(ErrorCode::kBadInput, "cannot set the TLS server name");
      }
      ssl.set_verify_callback(asio::ssl::host_name_verification(url.host));
      ssl.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) {
        ec = e;
        done = true;
      });
      wait("TLS handshake");
    }
    ws.set_option(websocket::stream_base::decorator([&options](websocket::request_type& req) {
      for (const HttpHeader& h : options.headers) req.set(h.name, h.value);
    }));
    websocket::response_type response;
    ws.async_handshake(response, url.host + ":" + url.port, url.target, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    if (auto why = runUntil(done, stop, deadline)) {
      fail(*why == "timed out" ? ErrorCode::kTimeout : ErrorCode::kUnavailable, "upgrade " + *why);
    }
    if (ec == websocket::error::upgrade_declined) {
      fail(errorCodeForHttpStatus(static_cast<int>(response.result_int())),
           fmt::format("the server answered the upgrade with {} {}", response.result_int(),
                       response.body().substr(0, 200)));
    }
    if (ec) fail(ErrorCode::kUnavailable, "upgrade: " + ec.message());
    lowest.expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout = 2 * options.ping_interval;  // a ping after ping_interval of silence
    timeout.keep_alive_pings = true;
    ws.set_option(timeout);
    ws.read_message_max(1 << 20);
  }
};

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocketClient::~WebSocketClient() { close(); }

std::unique_ptr<WebSocketClient> WebSocketClient::connect(const WebSocketOptions& options,
                                                          std::stop_token stop) {
  const Url url = parseUrl(options.url);
  auto impl = std::make_unique<Impl>();
  impl->where = options.url;
  if (url.tls) {
    impl->tls.set_verify_mode(asio::ssl::verify_peer);
    try {
      if (options.ca_file.empty()) {
        impl->tls.set_default_verify_paths();
      } else {
        impl->tls.load_verify_file(options.ca_file);
      }
      if (!options.client_cert_file.empty()) {
        impl->tls.use_certificate_chain_file(options.client_cert_file);
        impl->tls.use_private_key_file(options.client_key_file, asio::ssl::context::pem);
      }
    } catch (const boost::system::system_error& e) {
      impl->fail(ErrorCode::kBadInput, fmt::format("TLS files: {}", e.what()));
    }
    auto& ws = impl->stream.emplace<TlsStream>(impl->io, impl->tls);
    impl->connect(ws, url, options, stop);
  } else {
    auto& ws = impl->stream.emplace<PlainStream>(impl->io);
    impl->connect(ws, url, options, stop);
  }
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
}

void WebSocketClient::send(const std::string& text) {
  bool done = false;
  beast::error_code ec;
  std::visit(
      [&](auto& ws) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(ws)>, std::monostate>) {
          ws.text(true);
          ws.async_write(asio::buffer(text), [&](beast::error_code e, std::size_t) {
            ec = e;
            done = true;
          });
        }
      },
      impl_->stream);
  if (auto why =
          impl_->runUntil(done, {}, std::chrono::steady_clock::now() + std::chrono::seconds(30))) {
    impl_->fail(ErrorCode::kUnavailable, "send " + *why);
  }
  if (ec) impl_->fail(ErrorCode::kUnavailable, "send: " + ec.message());
}

std::optional<std::string> WebSocketClient::read(const std::stop_token& stop) {
  bool done = false;
  beast::error_code ec;
  bool text = true;
  impl_->buffer.clear();
  std::visit(
      [&](auto& ws) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(ws)>, std::monostate>) {
          ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) {
            ec = e;
            text = ws.got_text();
            done = true;
          });
        }
      },
      impl_->stream);
  if (impl_->runUntil(done, stop, std::nullopt) || ec || !text) return std::nullopt;
  return beast::buffers_to_string(impl_->buffer.data());
}

void WebSocketClient::close() noexcept {
  if (!impl_ || std::holds_alternative<std::monostate>(impl_->stream)) return;
  try {
    bool done = false;
    std::visit(
        [&](auto& ws) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(ws)>, std::monostate>) {
            if (!ws.is_open()) {
              done = true;
              return;
            }
            ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
          }
        },
        impl_->stream);
    (void)impl_->runUntil(done, {}, std::chrono::steady_clock::now() + std::chrono::seconds(2));
    beast::error_code ec;
    impl_->tcp().socket().close(ec);
  } catch (...) {  // NOLINT(bugprone-empty-catch): closing is best effort
  }
  impl_->stream.emplace<std::monostate>();
}

}  // namespace keelson::net
