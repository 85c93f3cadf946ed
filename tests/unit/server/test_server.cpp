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
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "common/http_client.h"
#include "common/prerequisite.h"
#include "core/error.h"
#include "server/server.h"

namespace keelson::server {
namespace {

using namespace std::chrono_literals;
using keelson::testing::Client;
using keelson::testing::Clock;
using keelson::testing::expectErrorEnvelope;
using keelson::testing::FakeClock;
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
    release();
    if (server_) server_->stop(2s);
  }

  // Lets the /slow and /expensive handlers that are waiting (and any later ones) return.
  void release() {
    {
      std::lock_guard lock(gate_mutex_);
      released_ = true;
    }
    gate_.notify_all();
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
      awaitRelease();
      slow_finished_ = true;
      return Response::ok({{"slow", true}});
    });
    router.get("/spin", [this](const Request& request) {
      // Until cancelled, as a long analysis loop would be.
      spin_started_ = true;
      std::mutex mutex;
      std::condition_variable_any cancelled;
      std::unique_lock lock(mutex);
      cancelled.wait(lock, request.cancellation, [] { return false; });
      spin_stopped_ = true;
      request.throwIfCancelled();
      return Response::ok({{"spun", true}});
    });
    router.get("/expensive",
               [this](const Request&) {
                 expensive_started_ = true;
                 awaitRelease();
                 return Response::ok({{"expensive", true}});
               },
               {.lane = Lane::kExpensive, .open = false, .access = {}});
    router.get(
        "/text",
        [](const Request&) { return Response::okJsonText(R"({"items":[1,2],"name":"x\u00e9"})"); },
        {.lane = Lane::kExpensive, .open = true, .access = {}});
    // The caller, behind `get pods` in namespace {ns}: on the workers, and on the quick lane.
    const auto user = [](const Request& request) {
      return Response::ok({{"user", request.user ? request.user->username : std::string()}});
    };
    const AccessRule pods_in_ns = [](const Request& request) {
      return std::vector<AccessAttributes>{ResourceAttributes{.verb = "get",
                                                              .group = "",
                                                              .version = "v1",
                                                              .resource = "pods",
                                                              .subresource = "",
                                                              .namespace_name = request.param("ns"),
                                                              .name = ""}};
    };
    router.get("/secret/{ns}", user,
               {.lane = Lane::kStandard, .open = false, .access = pods_in_ns});
    router.get("/quick/{ns}", user, {.lane = Lane::kQuick, .open = false, .access = pods_in_ns});
    router.add("POST", "/echo", [](const Request& request) {
      return Response::ok({{"bytes", request.body.size()}});
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
    options.clock = clock_;
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

  void awaitRelease() {
    std::unique_lock lock(gate_mutex_);
    gate_.wait(lock, [this] { return released_; });
  }

  // Waits (in real time, bounded) until `flag` is set by a handler.
  static bool awaitFlag(const std::atomic<bool>& flag) {
    const auto until = Clock::now() + 5s;
    while (!flag && Clock::now() < until) std::this_thread::sleep_for(2ms);
    return flag;
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<Registry> registry_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_sink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<Server> server_;
  std::atomic<bool> slow_started_{false};
  std::atomic<bool> slow_finished_{false};
  std::atomic<bool> spin_started_{false};
  std::atomic<bool> spin_stopped_{false};
  std::atomic<bool> expensive_started_{false};
  std::atomic<bool> ready_{false};
  std::mutex gate_mutex_;  // guards released_
  std::condition_variable gate_;
  bool released_ = false;
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

// Each thread has its own generator: seeded apart, they never give the same ids.
TEST(RequestId, IdsDifferAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kIds = 1000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kIds; ++i) ids[t].push_back(generateRequestId());
    });
  }
  for (auto& thread : threads) thread.join();
  const std::regex hex("[0-9a-f]{32}");
  std::set<std::string> distinct;
  for (const auto& of_thread : ids) {
    for (const auto& id : of_thread) {
      EXPECT_TRUE(std::regex_match(id, hex)) << id;
      distinct.insert(id);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kIds));
}

TEST_F(ServerTest, DeadlineAnswers408AndWritesNothingAfterIt) {
  start();  // default deadline: 500 ms; /slow runs until released
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  connection.send("GET /slow HTTP/1.1\r\nHost: test\r\nX-Request-ID: slow-1\r\n\r\n");
  ASSERT_TRUE(awaitFlag(slow_started_));
  clock_->advance(499ms);
  EXPECT_EQ(connection.drain(100ms), "");  // not before the deadline
  clock_->advance(1ms);
  const std::string response = connection.readResponse(3s);
  ASSERT_FALSE(response.empty());
  EXPECT_EQ(response.rfind("HTTP/1.1 408", 0), 0U) << response;
  const auto body = nlohmann::json::parse(response.substr(response.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["error"]["code"], "REQUEST_TIMEOUT");
  EXPECT_EQ(body["error"]["details"], "no response within 500 ms");
  EXPECT_EQ(body["metadata"]["requestId"], "slow-1");
  EXPECT_EQ(accessLine("slow-1")["duration_ms"], 500.0);

  // The handler finishes after its deadline: its result must not reach the connection.
  release();
  ASSERT_TRUE(awaitFlag(slow_finished_));
  EXPECT_EQ(connection.drain(200ms), "");

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
  start(options);
  std::thread finisher([this] {
    ASSERT_TRUE(awaitFlag(slow_started_));
    clock_->advance(1999ms);  // past the default deadline, not this one
    release();
  });
  Client client;
  const auto result = client.request("GET", url("/slow"), {"X-Request-ID: slow-2"});
  finisher.join();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.json()["data"]["slow"], true);
  EXPECT_EQ(accessLine("slow-2")["duration_ms"], 1999.0);
}

TEST_F(ServerTest, EachRequestOnAConnectionHasItsOwnDeadline) {
  start();  // default deadline: 500 ms
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  connection.send("GET /ok HTTP/1.1\r\nHost: test\r\n\r\n");
  const std::string first = connection.readResponse(3s);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0U) << first;  // answered in time, at t=0

  clock_->advance(300ms);
  connection.send("GET /slow HTTP/1.1\r\nHost: test\r\n\r\n");  // due at t=800
  ASSERT_TRUE(awaitFlag(slow_started_));
  clock_->advance(250ms);  // past the first request's deadline
  EXPECT_EQ(connection.drain(100ms), "") << "the first request's deadline ended the second";
  clock_->advance(249ms);
  EXPECT_EQ(connection.drain(100ms), "");
  clock_->advance(1ms);
  const std::string second = connection.readResponse(3s);
  EXPECT_EQ(second.rfind("HTTP/1.1 408", 0), 0U) << second;
  release();
  ASSERT_TRUE(awaitFlag(slow_finished_));
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
  expectErrorEnvelope(client.request("GET", url("/throw/forbidden")), 403, "FORBIDDEN");
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
  expectErrorEnvelope(wrong, 405, "METHOD_NOT_ALLOWED");
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
  start(options);
  std::thread slow([this] {
    Client client;
    EXPECT_EQ(client.request("GET", url("/slow")).status, 200);
  });
  ASSERT_TRUE(awaitFlag(slow_started_));
  Client client;
  expectErrorEnvelope(client.request("GET", url("/ok")), 503, "SERVICE_UNAVAILABLE");
  release();
  slow.join();
  EXPECT_EQ(client.request("GET", url("/ok")).status, 200);
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightAndRefusesNew) {
  start();
  const auto port = server_->port();
  HttpResult slow_result;
  std::atomic<bool> slow_done{false};
  std::thread slow([&] {
    Client client;
    slow_result = client.request("GET", url("/slow"));
    slow_done = true;
  });
  ASSERT_TRUE(awaitFlag(slow_started_));

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

  release();
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

  if (!std::filesystem::exists("/usr/bin/promtool"))
    KEELSON_MISSING_PREREQUISITE("promtool not installed");
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

TEST_F(ServerTest, TheDeadlineCancelsTheHandler) {
  start();  // 500 ms deadline; /spin runs until cancelled
  std::thread deadline([this] {
    ASSERT_TRUE(awaitFlag(spin_started_));
    clock_->advance(500ms);
  });
  Client client;
  expectErrorEnvelope(client.request("GET", url("/spin")), 408, "REQUEST_TIMEOUT");
  deadline.join();
  EXPECT_TRUE(awaitFlag(spin_stopped_)) << "the handler was not cancelled at its deadline";
}

TEST_F(ServerTest, HealthAndQuickRoutesAnswerWhileEveryWorkerIsBusy) {
  ServerOptions options;
  options.worker_threads = 1;
  start(options);
  std::atomic<bool> slow_done{false};
  std::thread slow([&] {
    Client client;
    EXPECT_EQ(client.request("GET", url("/slow")).status, 200);
    slow_done = true;
  });
  ASSERT_TRUE(awaitFlag(slow_started_));
  Client client;
  EXPECT_EQ(client.request("GET", url("/healthz")).status, 200);
  EXPECT_EQ(client.request("GET", url("/readyz")).status, 503);  // answered, not queued
  EXPECT_FALSE(slow_done.load()) << "/healthz waited for the busy worker";
  // Lane::kQuick without an authenticator: answered on the I/O thread too, in the envelope.
  const auto quick = client.request("GET", url("/quick/a"), {"X-Request-ID: quick-1"});
  EXPECT_EQ(quick.status, 200) << quick.body;
  EXPECT_EQ(quick.json()["metadata"]["requestId"], "quick-1");
  EXPECT_FALSE(slow_done.load()) << "the quick route waited for the busy worker";
  release();
  slow.join();
}

TEST_F(ServerTest, ExpensiveRoutesRunAFewAtATime) {
  ServerOptions options;
  options.max_expensive_requests = 1;
  start(options);
  std::thread first([&] {
    Client client;
    EXPECT_EQ(client.request("GET", url("/expensive")).status, 200);
  });
  ASSERT_TRUE(awaitFlag(expensive_started_));
  Client client;
  const auto refused = client.request("GET", url("/expensive"));
  expectErrorEnvelope(refused, 429, "TOO_MANY_REQUESTS");
  EXPECT_EQ(refused.headers.at("retry-after"), "1");
  EXPECT_EQ(client.request("GET", url("/ok")).status, 200);  // other routes are not limited
  release();
  first.join();
  EXPECT_EQ(client.request("GET", url("/expensive")).status, 200);
}

TEST_F(ServerTest, Http11RequestsNeedAHostHeader) {
  start();
  RawConnection without_host(server_->port());
  without_host.send("GET /ok HTTP/1.1\r\n\r\n");
  const auto response = without_host.readResponse(2s);
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << response;
  EXPECT_NE(response.find("Host"), std::string::npos) << response;
  RawConnection http10(server_->port());
  http10.send("GET /ok HTTP/1.0\r\n\r\n");
  const auto old = http10.readResponse(2s);
  EXPECT_EQ(old.rfind("HTTP/1.0 200", 0), 0U) << old;
}

TEST_F(ServerTest, SlowHeadersAndIdleConnectionsAreClosed) {
  ServerOptions options;
  options.header_timeout = 300ms;
  options.idle_timeout = 300ms;
  start(options);
  RawConnection slowloris(server_->port());
  slowloris.send("GET /ok HTTP/1.1\r\nHost: test\r\n");  // never finishes its headers
  EXPECT_TRUE(slowloris.closedByPeer(3s));
  RawConnection idle(server_->port());
  idle.send("GET /ok HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(idle.readResponse(2s).rfind("HTTP/1.1 200", 0), 0U);
  EXPECT_TRUE(idle.closedByPeer(3s));  // kept alive, then idle too long
  Client client;
  EXPECT_EQ(client.request("GET", url("/ok")).status, 200);
}

TEST_F(ServerTest, ConnectionsPerSourceAreLimited) {
  ServerOptions options;
  options.max_connections_per_source = 3;
  start(options);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port(), "127.0.0.2"));
    ASSERT_TRUE(held.back()->connected());
  }
  RawConnection fourth(server_->port(), "127.0.0.2");
  EXPECT_TRUE(fourth.closedByPeer(3s));
  // Another source is not locked out.
  Client client;
  EXPECT_EQ(client.request("GET", url("/ok")).status, 200);
  // A freed slot is usable again.
  held.pop_back();
  std::this_thread::sleep_for(200ms);
  RawConnection again(server_->port(), "127.0.0.2");
  again.send("GET /ok HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(again.readResponse(2s).rfind("HTTP/1.1 200", 0), 0U);
  const auto metrics = client.request("GET", url("/metrics")).body;
  EXPECT_NE(metrics.find("keelson_http_connections_rejected_total{reason=\"source_limit\"} 1"),
            std::string::npos)
      << metrics;
}

TEST_F(ServerTest, AFullServerClosesAnIdleKeepAliveConnection) {
  ServerOptions options;
  options.max_connections = 2;
  start(options);
  RawConnection idle(server_->port());
  idle.send("GET /ok HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_EQ(idle.readResponse(2s).rfind("HTTP/1.1 200", 0), 0U);
  RawConnection busy(server_->port());  // still sending its first request
  busy.send("GET /ok HTTP/1.1\r\n");
  std::this_thread::sleep_for(100ms);
  RawConnection newcomer(server_->port());
  newcomer.send("GET /ok HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(newcomer.readResponse(2s).rfind("HTTP/1.1 200", 0), 0U);
  EXPECT_TRUE(idle.closedByPeer(2s));
  busy.send("Host: test\r\n\r\n");
  EXPECT_EQ(busy.readResponse(2s).rfind("HTTP/1.1 200", 0), 0U);  // not the one evicted
}

TEST_F(ServerTest, OversizedBodiesGet413) {
  ServerOptions options;
  options.max_body_bytes = 16;
  start(options);
  RawConnection connection(server_->port());
  connection.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 64\r\n\r\n" +
                  std::string(64, 'x'));
  const auto response = connection.readResponse(2s);
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0U) << response;
  EXPECT_NE(response.find("PAYLOAD_TOO_LARGE"), std::string::npos) << response;
}

TEST_F(ServerTest, MetadataSourceFieldsAreInEveryEnvelope) {
  ServerOptions options;
  options.metadata = [] { return nlohmann::json{{"cacheAge", 1.5}}; };
  start(options);
  Client client;
  EXPECT_EQ(client.request("GET", url("/ok")).json()["metadata"]["cacheAge"], 1.5);
  EXPECT_EQ(client.request("GET", url("/throw/bad")).json()["metadata"]["cacheAge"], 1.5);
}

TEST_F(ServerTest, SerialisedDataIsTheEnvelopesData) {
  ServerOptions options;
  options.metadata = [] { return nlohmann::json{{"cacheAge", 2}}; };
  start(options);
  Client client;
  const auto result = client.request("GET", url("/text"), {"X-Request-ID: text-1"});
  ASSERT_EQ(result.status, 200) << result.body;
  const auto doc = result.json();
  EXPECT_EQ(doc["data"], nlohmann::json::parse(R"({"items":[1,2],"name":"x\u00e9"})"));
  EXPECT_EQ(doc["metadata"]["requestId"], "text-1");
  EXPECT_EQ(doc["metadata"]["cacheAge"], 2);
  EXPECT_EQ(doc.size(), 2U);
  // The same bytes as the envelope of an equal tree would have.
  EXPECT_EQ(result.body.rfind(R"({"data":{"items":[1,2],"name":"x\u00e9"},"metadata":{)", 0), 0U)
      << result.body;
}

// Tokens: "good" is alice (group "devs"); "broken" is refused; "down" means the reviewer is away.
class FakeAuthenticator : public Authenticator {
 public:
  std::optional<UserInfo> authenticate(const Credentials& credentials) override {
    if (!credentials.bearer_token) return std::nullopt;
    if (*credentials.bearer_token == "good") return UserInfo{"alice", "u-1", {"devs"}, {}};
    if (*credentials.bearer_token == "down") throw Error(ErrorCode::kUnavailable, "no reviewer");
    throw Error(ErrorCode::kUnauthorized, "token rejected");
  }
};

// Allows non-resource paths and resources in namespace "a"; records what it was asked.
class FakeAuthorizer : public Authorizer {
 public:
  Decision authorize(const UserInfo& user, const AccessAttributes& attributes) override {
    const std::lock_guard lock(mutex);
    asked.push_back(attributes);
    users.push_back(user.username);
    if (std::holds_alternative<NonResourceAttributes>(attributes)) return {true, ""};
    return {std::get<ResourceAttributes>(attributes).namespace_name == "a", "no RBAC rule"};
  }
  std::mutex mutex;
  std::vector<AccessAttributes> asked;
  std::vector<std::string> users;
};

TEST_F(ServerTest, DelegatedAccessChecksEveryRouteButHealth) {
  auto authorizer = std::make_shared<FakeAuthorizer>();
  ServerOptions options;
  options.authenticator = std::make_shared<FakeAuthenticator>();
  options.authorizer = authorizer;
  start(options);
  Client client;
  EXPECT_EQ(client.request("GET", url("/healthz")).status, 200);
  EXPECT_EQ(client.request("GET", url("/readyz")).status, 503);  // open: not 401
  const auto anonymous = client.request("GET", url("/ok"));
  expectErrorEnvelope(anonymous, 401, "UNAUTHORIZED");
  EXPECT_EQ(anonymous.headers.at("www-authenticate"), "Bearer");
  expectErrorEnvelope(client.request("GET", url("/ok"), {"Authorization: Bearer broken"}), 401,
                      "UNAUTHORIZED");
  expectErrorEnvelope(client.request("GET", url("/metrics"), {"Authorization: Basic Zm9vOmJhcg=="}),
                      401, "UNAUTHORIZED");
  expectErrorEnvelope(client.request("GET", url("/ok"), {"Authorization: Bearer down"}), 503,
                      "SERVICE_UNAVAILABLE");
  EXPECT_TRUE(authorizer->asked.empty()) << "authorised a caller that was not authenticated";

  EXPECT_EQ(client.request("GET", url("/ok"), {"Authorization: Bearer good"}).status, 200);
  const auto allowed = client.request("GET", url("/secret/a"),
                                      {"Authorization: bearer good", "X-Request-ID: auth-1"});
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.json()["data"]["user"], "alice");
  EXPECT_EQ(accessLine("auth-1")["user"], "alice");
  const auto denied = client.request("GET", url("/secret/b"), {"Authorization: Bearer good"});
  expectErrorEnvelope(denied, 403, "FORBIDDEN");
  EXPECT_NE(denied.json()["error"]["details"].get<std::string>().find(
                "User \"alice\" cannot get resource \"pods\" in API group \"\" in the namespace "
                "\"b\""),
            std::string::npos)
      << denied.body;

  const std::lock_guard lock(authorizer->mutex);
  ASSERT_EQ(authorizer->asked.size(), 3U);
  const auto* path = std::get_if<NonResourceAttributes>(&authorizer->asked[0]);
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(path->verb, "get");
  EXPECT_EQ(path->path, "/ok");
  const auto& pods = std::get<ResourceAttributes>(authorizer->asked[2]);
  EXPECT_EQ(pods.resource, "pods");
  EXPECT_EQ(pods.namespace_name, "b");
  EXPECT_EQ(authorizer->users, (std::vector<std::string>{"alice", "alice", "alice"}));
}

// FakeAuthenticator and FakeAuthorizer that answer at once what they have answered before.
class RememberingAuthenticator : public FakeAuthenticator {
 public:
  std::optional<UserInfo> authenticate(const Credentials& credentials) override {
    {
      const std::lock_guard lock(mutex_);
      if (credentials.bearer_token) seen_.insert(*credentials.bearer_token);
    }
    return FakeAuthenticator::authenticate(credentials);
  }
  std::optional<std::optional<UserInfo>> authenticateAtOnce(
      const Credentials& credentials) override {
    {
      const std::lock_guard lock(mutex_);
      if (credentials.bearer_token && !seen_.contains(*credentials.bearer_token)) {
        return std::nullopt;
      }
    }
    return FakeAuthenticator::authenticate(credentials);
  }

 private:
  std::mutex mutex_;
  std::set<std::string> seen_;  // guarded by mutex_
};

class RememberingAuthorizer : public FakeAuthorizer {
 public:
  std::optional<Decision> authorizeAtOnce(const UserInfo& user,
                                          const AccessAttributes& attributes) override {
    {
      const std::lock_guard lock(mutex);
      if (asked.empty()) return std::nullopt;  // nothing decided yet
    }
    return authorize(user, attributes);
  }
};

TEST_F(ServerTest, QuickRoutesWaitForAWorkerWhenAReviewIsDue) {
  ServerOptions options;
  options.worker_threads = 1;
  options.authenticator = std::make_shared<RememberingAuthenticator>();
  options.authorizer = std::make_shared<RememberingAuthorizer>();
  start(options);
  Client client;
  // First calls: no verdicts held, so a worker reviews them.
  EXPECT_EQ(
      client.request("GET", url("/quick/a"), {"Authorization: Bearer good"}).json()["data"]["user"],
      "alice");
  expectErrorEnvelope(client.request("GET", url("/quick/a"), {"Authorization: Bearer broken"}), 401,
                      "UNAUTHORIZED");

  std::thread slow([&] {
    Client busy;
    EXPECT_EQ(busy.request("GET", url("/slow"), {"Authorization: Bearer good"}).status, 200);
  });
  ASSERT_TRUE(awaitFlag(slow_started_));
  // Held verdicts answer on the I/O thread, while the only worker is busy.
  const auto known = client.request("GET", url("/quick/a"), {"Authorization: Bearer good"});
  EXPECT_EQ(known.status, 200) << known.body;
  EXPECT_EQ(known.json()["data"]["user"], "alice");
  expectErrorEnvelope(client.request("GET", url("/quick/b"), {"Authorization: Bearer good"}), 403,
                      "FORBIDDEN");
  expectErrorEnvelope(client.request("GET", url("/quick/a"), {"Authorization: Bearer broken"}), 401,
                      "UNAUTHORIZED");
  expectErrorEnvelope(client.request("GET", url("/quick/a")), 401, "UNAUTHORIZED");
  EXPECT_FALSE(slow_finished_.load()) << "a held verdict waited for the busy worker";

  // A token never reviewed waits for the worker.
  std::atomic<bool> unknown_done{false};
  std::thread unknown([&] {
    Client other;
    EXPECT_EQ(other.request("GET", url("/quick/a"), {"Authorization: Bearer down"}).status, 503);
    unknown_done = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(unknown_done.load()) << "a token without a verdict skipped the review";
  release();
  slow.join();
  unknown.join();
  EXPECT_TRUE(unknown_done.load());
}

}  // namespace
}  // namespace keelson::server
