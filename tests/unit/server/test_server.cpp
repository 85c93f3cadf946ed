#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "core/error.h"
#include "server/server.h"

namespace keelson::server {
namespace {

using namespace std::chrono_literals;
using keelson::testing::Client;
using keelson::testing::Clock;
using keelson::testing::expectErrorEnvelope;
using keelson::testing::HttpResult;
using keelson::testing::RawConnection;

// A started server on 127.0.0.1:0 with the test routes.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_shared<Registry>();
    log_sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    log_sink_->set_pattern("%v");
    logger_ = std::make_shared<spdlog::logger>("access-test", log_sink_);
  }
  void TearDown() override {
    if (server_) server_->stop(2s);
  }

  void start(ServerOptions options = {}) {
    Router router;
    router.get("/api/v1/pods/{ns}/{pod}/describe", [](const Request& request) {
      return Response::ok({{"ns", request.param("ns")},
                           {"pod", request.param("pod")},
                           {"verbose", request.query("verbose").value_or("")},
                           {"name", request.query("name").value_or("")},
                           {"header", request.header("x-test").value_or("")},
                           {"route", request.route}});
    });
    router.get("/ok", [](const Request&) { return Response::ok({{"fine", true}}); });
    router.get("/slow", [this](const Request&) {
      slow_started_ = true;
      std::this_thread::sleep_for(slow_for_);
      return Response::ok({{"slow", true}});
    });
    router.get("/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); });
    router.get("/throw/{code}", [](const Request& request) -> Response {
      const auto& code = request.param("code");
      if (code == "bad") throw Error(ErrorCode::kBadInput, "bad thing");
      if (code == "missing") throw Error(ErrorCode::kNotFound, "pod default/x not found");
      if (code == "unavailable") throw Error(ErrorCode::kUnavailable, "metrics API not served");
      throw Error(ErrorCode::kForbidden, "forbidden");
    });
    addHealthRoutes(router, [this] {
      return ready_ ? std::vector<std::string>{}
                    : std::vector<std::string>{"caches not synced", "API server unreachable"};
    });
    addMetricsRoute(router, registry_);
    options.address = "127.0.0.1";
    options.port = 0;
    options.registry = registry_;
    options.access_logger = logger_;
    server_ = std::make_unique<Server>(std::move(options), std::move(router));
    server_->start();
    ASSERT_NE(server_->port(), 0);
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  // Access-log lines parsed as JSON, waiting until one with `request_id` shows up.
  nlohmann::json accessLine(const std::string& request_id) {
    const auto until = Clock::now() + 2s;
    while (Clock::now() < until) {
      for (const auto& line : log_sink_->last_formatted()) {
        auto doc = nlohmann::json::parse(line, nullptr, false);
        if (!doc.is_discarded() && doc.value("request_id", "") == request_id) return doc;
      }
      std::this_thread::sleep_for(5ms);
    }
    return nullptr;
  }

  std::shared_ptr<Registry> registry_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_sink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<Server> server_;
  std::atomic<bool> slow_started_{false};
  std::atomic<bool> ready_{false};
  std::chrono::milliseconds slow_for_{1000};
};

TEST_F(ServerTest, RoutesPathQueryAndHeaders) {
  start();
  Client client;
  const auto result = client.request(
      "GET", url("/api/v1/pods/kube-system/my%2Dpod/describe?verbose=true&name=a+b%21"),
      {"X-Test: hello"});
  ASSERT_EQ(result.code, CURLE_OK);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.headers.at("content-type"), "application/json");
  const auto doc = result.json();
  EXPECT_EQ(doc["data"]["ns"], "kube-system");
  EXPECT_EQ(doc["data"]["pod"], "my-pod");
  EXPECT_EQ(doc["data"]["verbose"], "true");
  EXPECT_EQ(doc["data"]["name"], "a b!");
  EXPECT_EQ(doc["data"]["header"], "hello");
  EXPECT_EQ(doc["data"]["route"], "/api/v1/pods/{ns}/{pod}/describe");
  EXPECT_TRUE(std::regex_match(doc["metadata"]["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  start();
  Client client;
  const auto first = client.request("GET", url("/ok"));
  const auto second = client.request("GET", url("/ok"));
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(first.new_connects, 1);
  EXPECT_EQ(second.new_connects, 0);  // no new connection for the second request
  EXPECT_EQ(first.local_port, second.local_port);
}

TEST_F(ServerTest, RequestIdIsEchoedOrGenerated) {
  start();
  Client client;
  const auto given = client.request("GET", url("/ok"), {"X-Request-ID: trace-abc-123"});
  EXPECT_EQ(given.headers.at("x-request-id"), "trace-abc-123");
  EXPECT_EQ(given.json()["metadata"]["requestId"], "trace-abc-123");

  const auto generated = client.request("GET", url("/ok"));
  const auto id = generated.headers.at("x-request-id");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
  EXPECT_EQ(generated.json()["metadata"]["requestId"], id);
  const auto other = client.request("GET", url("/ok"));
  EXPECT_NE(other.headers.at("x-request-id"), id);

  // An id that is not visible ASCII is replaced.
  const auto bad = client.request("GET", url("/ok"), {"X-Request-ID: has space"});
  EXPECT_TRUE(std::regex_match(bad.headers.at("x-request-id"), std::regex("[0-9a-f]{32}")));
}

TEST_F(ServerTest, DeadlineAnswers408AndWritesNothingAfterIt) {
  start();  // default deadline: 500 ms; /slow sleeps 1 s
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  const auto begin = Clock::now();
  connection.send("GET /slow HTTP/1.1\r\nHost: test\r\nX-Request-ID: slow-1\r\n\r\n");
  const std::string response = connection.readResponse(3s);
  const auto elapsed = Clock::now() - begin;
  ASSERT_FALSE(response.empty());
  EXPECT_EQ(response.rfind("HTTP/1.1 408", 0), 0U) << response;
  EXPECT_GE(elapsed, 450ms);
  EXPECT_LT(elapsed, 950ms);
  const auto body = nlohmann::json::parse(response.substr(response.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["error"]["code"], "REQUEST_TIMEOUT");
  EXPECT_EQ(body["metadata"]["requestId"], "slow-1");

  // The handler finishes at ~1 s: its result must not reach the connection.
  EXPECT_EQ(connection.drain(1200ms), "");

  // The connection still serves the next request.
  connection.send("GET /ok HTTP/1.1\r\nHost: test\r\n\r\n");
  const std::string next = connection.readResponse(3s);
  EXPECT_EQ(next.rfind("HTTP/1.1 200", 0), 0U) << next;
  EXPECT_NE(next.find("\"fine\":true"), std::string::npos) << next;
  EXPECT_EQ(connection.drain(100ms), "");
}

TEST_F(ServerTest, DeadlineIsConfigurable) {
  ServerOptions options;
  options.request_deadline = 2000ms;
  slow_for_ = 100ms;
  start(options);
  Client client;
  const auto result = client.request("GET", url("/slow"));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.json()["data"]["slow"], true);
}

TEST_F(ServerTest, RecoversFromThrowingHandlers) {
  start();
  Client client;
  const auto thrown = client.request("GET", url("/throw"));
  expectErrorEnvelope(thrown, 500, "INTERNAL_ERROR");
  EXPECT_EQ(thrown.body.find("boom"), std::string::npos);  // no internals leak
  expectErrorEnvelope(client.request("GET", url("/throw/bad")), 400, "BAD_REQUEST");
  expectErrorEnvelope(client.request("GET", url("/throw/missing")), 404, "RESOURCE_NOT_FOUND");
  expectErrorEnvelope(client.request("GET", url("/throw/unavailable")), 503, "SERVICE_UNAVAILABLE");
  expectErrorEnvelope(client.request("GET", url("/throw/forbidden")), 500, "INTERNAL_ERROR");
  EXPECT_EQ(client.request("GET", url("/throw/missing")).json()["error"]["message"],
            "pod default/x not found");
  // Still serving, on the same connection and on a new one.
  EXPECT_EQ(client.request("GET", url("/ok")).status, 200);
  Client fresh;
  EXPECT_EQ(fresh.request("GET", url("/ok")).status, 200);
}

TEST_F(ServerTest, UnknownRouteAndWrongMethodUseTheErrorEnvelope) {
  start();
  Client client;
  expectErrorEnvelope(client.request("GET", url("/api/v1/nothing")), 404, "RESOURCE_NOT_FOUND");
  const auto wrong = client.request("POST", url("/ok"));
  expectErrorEnvelope(wrong, 405, "BAD_REQUEST");
  EXPECT_EQ(wrong.headers.at("allow"), "GET");
  // A malformed request gets 400 and the connection closes.
  RawConnection raw(server_->port());
  raw.send("NOT A REQUEST\r\n\r\n");
  const auto response = raw.readResponse(2s);
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << response;
  EXPECT_NE(response.find("BAD_REQUEST"), std::string::npos);
}

TEST_F(ServerTest, WritesOneJsonAccessLogLinePerRequest) {
  start();
  Client client;
  client.request("GET", url("/api/v1/pods/ns1/p1/describe"), {"X-Request-ID: log-1"});
  const auto line = accessLine("log-1");
  ASSERT_TRUE(line.is_object());
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["path"], "/api/v1/pods/ns1/p1/describe");
  EXPECT_EQ(line["status"], 200);
  EXPECT_TRUE(line["duration_ms"].is_number());
  EXPECT_GE(line["duration_ms"].get<double>(), 0.0);

  client.request("GET", url("/missing"), {"X-Request-ID: log-2"});
  EXPECT_EQ(accessLine("log-2")["status"], 404);
  int count = 0;
  for (const auto& text : log_sink_->last_formatted()) {
    if (text.find("\"log-1\"") != std::string::npos) ++count;
  }
  EXPECT_EQ(count, 1);
}

TEST_F(ServerTest, HealthAndReadiness) {
  start();
  Client client;
  const auto health = client.request("GET", url("/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["data"]["status"], "ok");
  const auto not_ready = client.request("GET", url("/readyz"));
  expectErrorEnvelope(not_ready, 503, "SERVICE_UNAVAILABLE");
  EXPECT_EQ(not_ready.json()["error"]["details"], "caches not synced; API server unreachable");
  ready_ = true;
  const auto ready = client.request("GET", url("/readyz"));
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json()["data"]["status"], "ready");
}

TEST_F(ServerTest, BusyServerAnswers503) {
  ServerOptions options;
  options.max_pending_requests = 1;
  options.request_deadline = 3000ms;
  slow_for_ = 600ms;
  start(options);
  std::thread slow([this] {
    Client client;
    EXPECT_EQ(client.request("GET", url("/slow")).status, 200);
  });
  while (!slow_started_) std::this_thread::sleep_for(2ms);
  Client client;
  expectErrorEnvelope(client.request("GET", url("/ok")), 503, "SERVICE_UNAVAILABLE");
  slow.join();
  EXPECT_EQ(client.request("GET", url("/ok")).status, 200);
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightAndRefusesNew) {
  ServerOptions options;
  options.request_deadline = 5000ms;
  slow_for_ = 800ms;
  start(options);
  const auto port = server_->port();
  HttpResult slow_result;
  std::atomic<bool> slow_done{false};
  std::thread slow([&] {
    Client client;
    slow_result = client.request("GET", url("/slow"));
    slow_done = true;
  });
  while (!slow_started_) std::this_thread::sleep_for(2ms);

  std::thread stopper([this] { server_->stop(5s); });
  // New connections are refused while the slow request is still being served.
  bool refused = false;
  const auto until = Clock::now() + 2s;
  while (!refused && Clock::now() < until) {
    RawConnection probe(port);
    refused = !probe.connected();
    if (!refused) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(refused);
  EXPECT_FALSE(slow_done.load());
  Client late;
  EXPECT_EQ(late.request("GET", "http://127.0.0.1:" + std::to_string(port) + "/ok").code,
            CURLE_COULDNT_CONNECT);

  slow.join();
  stopper.join();
  EXPECT_EQ(slow_result.code, CURLE_OK);
  EXPECT_EQ(slow_result.status, 200);
  EXPECT_EQ(slow_result.headers.at("connection"), "close");
  EXPECT_EQ(slow_result.json()["data"]["slow"], true);
}

TEST_F(ServerTest, MetricsPassPromtool) {
  start();
  registry_->callbackGauge("keelson_cache_objects", "Objects in the informer cache.", {"resource"},
                           [] {
                             return std::vector<GaugeSample>{{{"pods"}, 12}, {{"no\"des"}, 3}};
                           });
  Client client;
  client.request("GET", url("/ok"));
  client.request("GET", url("/ok"));
  client.request("GET", url("/api/v1/pods/a/b/describe"));
  client.request("GET", url("/nothing"));
  client.request("GET", url("/throw"));
  const auto scrape = client.request("GET", url("/metrics"));
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = scrape.body;
  EXPECT_NE(text.find("keelson_http_requests_total{route=\"/ok\",method=\"GET\",code=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("keelson_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find("keelson_http_requests_total{route=\"/throw\",method=\"GET\",code=\"500\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("keelson_http_request_duration_seconds_count{route=\"/api/v1/pods/{ns}/{pod}/"
                      "describe\",method=\"GET\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("keelson_http_requests_in_flight 1\n"), std::string::npos);  // the scrape

  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  const auto path = std::filesystem::temp_directory_path() /
                    ("keelson-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << text;
  const std::string command = "/usr/bin/promtool check metrics < " + path.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_EQ(status, 0) << output << "\n" << text;
  EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace keelson::server
