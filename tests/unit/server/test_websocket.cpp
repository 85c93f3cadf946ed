// WebSocket routes of the server, spoken to by net::WebSocketClient over real sockets:
// messages both ways, authentication of the upgrade, 426 without it, and the server's stop
// ending the connection.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "server/server.h"

namespace keelson::server {
namespace {

using namespace std::chrono_literals;

// Accepts the bearer token "good" as alice.
class TokenAuthenticator : public Authenticator {
 public:
  std::optional<UserInfo> authenticate(const Credentials& credentials) override {
    if (!credentials.bearer_token) return std::nullopt;
    if (*credentials.bearer_token == "good") return UserInfo{"alice", "u-1", {}, {}};
    throw Error(ErrorCode::kUnauthorized, "token rejected");
  }
};
class AllowAll : public Authorizer {
 public:
  Decision authorize(const UserInfo&, const AccessAttributes&) override { return {true, ""}; }
};

class WebSocketTest : public ::testing::Test {
 protected:
  void start(bool authenticate) {
    auto handler = std::make_shared<WebSocketHandler>();
    handler->on_open = [this](const std::shared_ptr<WebSocket>& socket, const Request& request) {
      socket->send("hello " + (request.user ? request.user->username : std::string("anonymous")));
      opened_ += 1;
    };
    handler->on_message = [](const std::shared_ptr<WebSocket>& socket, const std::string& text) {
      if (text == "bye") {
        socket->close();
        return;
      }
      socket->send("echo:" + text);
    };
    handler->on_close = [this](const std::shared_ptr<WebSocket>&) { closed_ += 1; };
    Router router;
    router.websocket("/ws", handler);
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    if (authenticate) {
      options.authenticator = std::make_shared<TokenAuthenticator>();
      options.authorizer = std::make_shared<AllowAll>();
    }
    server_ = std::make_unique<Server>(options, std::move(router));
    server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop(2s);
  }

  net::WebSocketOptions client(const std::string& token = {}) const {
    net::WebSocketOptions o;
    o.url = "ws://127.0.0.1:" + std::to_string(server_->port()) + "/ws";
    if (!token.empty()) o.headers.push_back({"Authorization", "Bearer " + token});
    return o;
  }

  std::unique_ptr<Server> server_;
  std::atomic<int> opened_{0};
  std::atomic<int> closed_{0};
};

TEST_F(WebSocketTest, MessagesGoBothWaysInOrder) {
  start(false);
  auto ws = net::WebSocketClient::connect(client());
  EXPECT_EQ(ws->read({}), "hello anonymous");
  for (int i = 0; i < 50; ++i) ws->send("m" + std::to_string(i));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(ws->read({}), "echo:m" + std::to_string(i));
  ws->send("bye");
  EXPECT_EQ(ws->read({}), std::nullopt) << "the server closed it";
  for (int i = 0; i < 100 && closed_ == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(opened_, 1);
  EXPECT_EQ(closed_, 1);
}

TEST_F(WebSocketTest, TheUpgradeIsAuthenticated) {
  start(true);
  try {
    net::WebSocketClient::connect(client());
    FAIL() << "connected without credentials";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnauthorized) << e.what();
    EXPECT_NE(std::string(e.what()).find("401"), std::string::npos) << e.what();
  }
  EXPECT_THROW(net::WebSocketClient::connect(client("bad")), Error);
  auto ws = net::WebSocketClient::connect(client("good"));
  EXPECT_EQ(ws->read({}), "hello alice");
  EXPECT_EQ(opened_, 1);
}

TEST_F(WebSocketTest, APlainGetIsToldToUpgrade) {
  start(false);
  net::Endpoint endpoint;
  endpoint.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
  net::HttpClient http(endpoint);
  net::HttpRequest request;
  request.path = "/ws";
  const net::HttpResponse response = http.request(request);
  EXPECT_EQ(response.status, 426);
  EXPECT_EQ(response.header("Upgrade"), "websocket");
}

TEST_F(WebSocketTest, StopEndsAReadAndTheServersStopEndsTheConnection) {
  start(false);
  auto ws = net::WebSocketClient::connect(client());
  EXPECT_EQ(ws->read({}), "hello anonymous");
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  EXPECT_EQ(ws->read(stop.get_token()), std::nullopt);
  stopper.join();

  auto other = net::WebSocketClient::connect(client());
  EXPECT_EQ(other->read({}), "hello anonymous");
  std::optional<std::string> after_stop = "not yet";
  std::thread reader([&] { after_stop = other->read({}); });
  server_->stop(2s);
  reader.join();
  EXPECT_EQ(after_stop, std::nullopt);
  server_.reset();
}

TEST(WebSocketClient, RefusesOtherSchemesAndUnreachableServers) {
  net::WebSocketOptions o;
  o.url = "http://127.0.0.1:1/ws";
  EXPECT_EQ(
      [&] {
        try {
          net::WebSocketClient::connect(o);
        } catch (const Error& e) {
          return e.code();
        }
        return ErrorCode::kInternal;
      }(),
      ErrorCode::kBadInput);
  o.url = "ws://127.0.0.1:1/ws";
  o.connect_timeout = 2s;
  EXPECT_THROW(net::WebSocketClient::connect(o), Error);
}

}  // namespace
}  // namespace keelson::server
