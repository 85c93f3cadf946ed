#pragma once
// A WebSocket client (RFC 6455) on Boost.Beast: ws:// or wss:// (TLS verified against the
// system store or a CA file, the server's name checked, an optional client certificate),
// headers on the upgrade (Authorization), text messages, pings to keep a quiet connection alive
// and to notice a dead peer.

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "net/http.h"

namespace keelson::net {

/// Where to connect and how.
struct WebSocketOptions {
  std::string url;                  ///< "ws://host:port/path" or "wss://host:port/path".
  std::vector<HttpHeader> headers;  ///< Sent with the upgrade request (e.g. Authorization).
  std::string ca_file;              ///< Trust only this CA (PEM); "" the system store.
  std::string client_cert_file;     ///< Optional client certificate (PEM) for mTLS.
  std::string client_key_file;      ///< Its key (PEM).
  std::chrono::milliseconds connect_timeout{10000};  ///< TCP + TLS + upgrade.
  /// Silence after which a ping is sent; a connection silent for twice this long is dropped.
  std::chrono::milliseconds ping_interval{20000};
};

/// One WebSocket connection. Not thread-safe: one thread connects, sends and reads (a stop
/// request from any thread ends a blocking connect or read).
class WebSocketClient {
 public:
  /// Connects and upgrades. Throws Error(kBadInput) for a URL that is not ws:// or wss:// or
  /// unreadable TLS files; Error(kUnavailable) when the server cannot be reached or the TLS
  /// handshake fails (an untrusted certificate included); Error(kUnauthorized/kForbidden/...)
  /// when the server answers the upgrade with a non-101 status (the message has it);
  /// Error(kTimeout) after connect_timeout. `stop` cancels it (kUnavailable).
  static std::unique_ptr<WebSocketClient> connect(const WebSocketOptions& options,
                                                  std::stop_token stop = {});
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  /// Sends one text message. Throws Error(kUnavailable) when the connection is broken.
  void send(const std::string& text);

  /// The next text message; nullopt when the connection closed (by the server, an error, a
  /// missed ping, or `stop`). Blocks until one of those.
  std::optional<std::string> read(const std::stop_token& stop);

  /// Starts the close handshake and ends the connection. Never throws.
  void close() noexcept;

 private:
  struct Impl;
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keelson::net
