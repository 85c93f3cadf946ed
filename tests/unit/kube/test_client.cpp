// Client over a fake Transport (kube/client.h): errors, pagination, watch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "kube/api_error.h"
#include "kube/client.h"

namespace keelson::kube {
namespace {

using ::testing::HasSubstr;

// Records requests; answers request() from a queue and stream() by delivering a body in chunks.
class FakeTransport final : public Transport {
 public:
  struct StreamReply {
    int status = 200;
    std::string body;
    std::size_t chunk_size = 0;  // 0: the whole body in one chunk
    bool stopped = false;        // pretend the stop token ended the stream after the body
  };

  HttpResponse request(const HttpRequest& request) override {
    requests.push_back(request);
    if (replies.empty()) throw std::logic_error("FakeTransport: unexpected " + request.path);
    HttpResponse response = std::move(replies.front());
    replies.pop_front();
    return response;
  }

  StreamResult stream(const HttpRequest& request, const ChunkHandler& on_chunk) override {
    requests.push_back(request);
    StreamResult result;
    result.response.status = stream_reply.status;
    result.stopped = stream_reply.stopped;
    if (stream_reply.status != 200) {
      result.response.body = stream_reply.body;
      return result;
    }
    const std::string_view body(stream_reply.body);
    const std::size_t size = stream_reply.chunk_size == 0 ? body.size() : stream_reply.chunk_size;
    for (std::size_t pos = 0; pos < body.size(); pos += size) on_chunk(body.substr(pos, size));
    return result;
  }

  const std::string& server() const noexcept override { return server_; }

  void reply(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    replies.push_back(std::move(response));
  }

  std::vector<HttpRequest> requests;
  std::deque<HttpResponse> replies;
  StreamReply stream_reply;

 private:
  std::string server_ = "https://fake:6443";
};

std::string namespaceList(const std::vector<std::string>& names, const std::string& continue_token,
                          const std::string& resource_version) {
  nlohmann::json list = {{"kind", "NamespaceList"},
                         {"apiVersion", "v1"},
                         {"metadata", {{"resourceVersion", resource_version}}},
                         {"items", nlohmann::json::array()}};
  if (!continue_token.empty()) {
    list["metadata"]["continue"] = continue_token;
    list["metadata"]["remainingItemCount"] = 3;
  }
  for (const auto& name : names) {
    list["items"].push_back({{"metadata", {{"name", name}, {"resourceVersion", "1"}}}});
  }
  return list.dump();
}

std::string status(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
                        {"message", message}, {"reason", reason},   {"code", code}}
      .dump();
}

class ClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  Client client_{transport_};
};

TEST_F(ClientTest, GetReturnsBodyAndMapsErrors) {
  transport_->reply(200, R"({"gitVersion":"v1.36.3"})");
  EXPECT_EQ(client_.get("/version"), R"({"gitVersion":"v1.36.3"})");
  EXPECT_EQ(transport_->requests.back().method, "GET");
  EXPECT_EQ(transport_->requests.back().path, "/version");

  transport_->reply(
      403, status(403, "Forbidden", "pods is forbidden: User \"x\" cannot list resource \"pods\""));
  try {
    client_.get("/api/v1/pods");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kForbidden);
    EXPECT_EQ(e.httpStatus(), 403);
    EXPECT_STREQ(e.what(),
                 "GET /api/v1/pods: 403 Forbidden: pods is forbidden: User \"x\" cannot list "
                 "resource \"pods\"");
  }
}

TEST_F(ClientTest, SendSetsMethodBodyAndContentType) {
  transport_->reply(201, R"({"kind":"ConfigMap"})");
  client_.send("POST", "/api/v1/namespaces/a/configmaps", R"({"x":1})");
  const HttpRequest& request = transport_->requests.back();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, R"({"x":1})");
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].name, "Content-Type");
  EXPECT_EQ(request.headers[0].value, "application/json");

  transport_->reply(409, status(409, "AlreadyExists", "configmaps \"c\" already exists"));
  try {
    client_.send("POST", "/api/v1/namespaces/a/configmaps", "{}");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_EQ(e.reason(), "AlreadyExists");
  }
}

TEST_F(ClientTest, SendCarriesItsOwnRetryRuleOrNone) {
  transport_->reply(201, "{}");
  client_.send("POST", "/api/v1/namespaces/a/pods/web/eviction", "{}");
  EXPECT_FALSE(transport_->requests.back().retry.has_value());  // the transport's rule
  SendOptions options;
  options.content_type = "application/merge-patch+json";
  options.retry = net::RetryPolicy::none();
  options.retry->max_attempts = 1;
  transport_->reply(200, "{}");
  client_.send("PATCH", "/api/v1/nodes/n1", R"({"spec":{"unschedulable":true}})", options);
  const HttpRequest& request = transport_->requests.back();
  ASSERT_TRUE(request.retry.has_value());
  EXPECT_EQ(request.retry->max_attempts, 1);
  EXPECT_FALSE(request.retry->retry_connect_failures);
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].value, "application/merge-patch+json");
  EXPECT_EQ(request.timeout, std::chrono::milliseconds(0));  // the transport's default
}

TEST_F(ClientTest, SendCarriesItsOwnTimeout) {
  SendOptions options;
  options.timeout = std::chrono::milliseconds(1500);
  transport_->reply(200, "{}");
  client_.send("PUT", "/apis/coordination.k8s.io/v1/namespaces/a/leases/l", "{}", options);
  EXPECT_EQ(transport_->requests.back().timeout, std::chrono::milliseconds(1500));
}

TEST_F(ClientTest, ListPagesFollowsContinueUntilEmpty) {
  transport_->reply(200, namespaceList({"a", "b"}, "tok+1/=", "500"));
  transport_->reply(200, namespaceList({"c", "d"}, "tok2", "500"));
  transport_->reply(200, namespaceList({"e"}, "", "500"));
  ListOptions options;
  options.limit = 2;
  options.label_selector = "team=a,env!=prod";
  options.resource_version = "400";
  std::vector<std::string> names;
  int pages = 0;
  const std::string rv =
      client_.listPages("/api/v1/namespaces", options, [&](std::string_view page) {
        ++pages;
        const auto list = nlohmann::json::parse(page);
        for (const auto& item : list["items"]) names.push_back(item["metadata"]["name"]);
      });
  EXPECT_EQ(rv, "500");
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  ASSERT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(
      transport_->requests[0].path,
      "/api/v1/namespaces?limit=2&labelSelector=team%3Da%2Cenv%21%3Dprod&resourceVersion=400");
  // Later pages carry the (encoded) continue token and no resourceVersion.
  EXPECT_EQ(
      transport_->requests[1].path,
      "/api/v1/namespaces?limit=2&labelSelector=team%3Da%2Cenv%21%3Dprod&continue=tok%2B1%2F%3D");
  EXPECT_EQ(transport_->requests[2].path,
            "/api/v1/namespaces?limit=2&labelSelector=team%3Da%2Cenv%21%3Dprod&continue=tok2");
}

TEST_F(ClientTest, ListPagesWithoutLimitAndWithExistingQuery) {
  transport_->reply(200, namespaceList({"a"}, "", "7"));
  ListOptions options;
  options.limit = 0;
  options.field_selector = "metadata.name=a";
  EXPECT_EQ(client_.listPages("/api/v1/pods?pretty=false", options, [](std::string_view) {}), "7");
  EXPECT_EQ(transport_->requests[0].path,
            "/api/v1/pods?pretty=false&fieldSelector=metadata.name%3Da");
}

TEST_F(ClientTest, ExpiredContinueTokenRestartsTheListOnce) {
  transport_->reply(200, namespaceList({"a", "b"}, "tok1", "500"));
  transport_->reply(410, status(410, "Expired", "The provided continue parameter is too old"));
  transport_->reply(200, namespaceList({"a", "b"}, "tok9", "900"));
  transport_->reply(200, namespaceList({"c"}, "", "900"));
  ListOptions options;
  options.limit = 2;
  options.resource_version = "0";
  std::vector<std::string> names;
  int restarts = 0;
  options.on_restart = [&] {
    ++restarts;
    names.clear();
  };
  const std::string rv =
      client_.listPages("/api/v1/namespaces", options, [&](std::string_view page) {
        const auto list = nlohmann::json::parse(page);
        for (const auto& item : list["items"]) names.push_back(item["metadata"]["name"]);
      });
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(rv, "900");
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  // The restart is a fresh first page: resourceVersion again, no continue.
  EXPECT_EQ(transport_->requests[2].path, "/api/v1/namespaces?limit=2&resourceVersion=0");
}

TEST_F(ClientTest, SecondExpiryAndFirstPageGoneThrowGone) {
  transport_->reply(200, namespaceList({"a"}, "t1", "5"));
  transport_->reply(410, status(410, "Expired", "too old"));
  transport_->reply(200, namespaceList({"a"}, "t2", "6"));
  transport_->reply(410, status(410, "Expired", "too old again"));
  ListOptions options;
  options.limit = 1;
  try {
    client_.listPages("/api/v1/namespaces", options, [](std::string_view) {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kGone);
    EXPECT_THAT(e.what(), HasSubstr("too old again"));
  }

  transport_->reply(410, status(410, "Expired", "too old resource version: 3 (9)"));
  options.resource_version = "3";
  EXPECT_THROW(client_.listPages("/api/v1/namespaces", options, [](std::string_view) {}), ApiError);
  EXPECT_EQ(transport_->requests.size(), 5u);  // no restart for a first-page 410
}

TEST_F(ClientTest, ListPageThatIsNotAListIsAnError) {
  transport_->reply(200, "<html>proxy login</html>");
  try {
    client_.listPages("/api/v1/pods", {}, [](std::string_view) { FAIL(); });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_THAT(e.what(), HasSubstr("GET /api/v1/pods?limit=500: response is not a JSON list"));
  }
}

const char* const kWatchStream =
    R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"11"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"12"},"data":{"k":"line\nbreak"}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"20"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"21"}}})"
    "\n";

struct SeenEvent {
  WatchEventType type;
  std::string object_json;
  std::string resource_version;
};

TEST_F(ClientTest, WatchDeliversEventsInOrderWhateverTheChunking) {
  const std::string stream(kWatchStream);
  for (std::size_t chunk = 1; chunk <= stream.size(); chunk += 7) {
    transport_->stream_reply = {200, stream, chunk, false};
    std::vector<SeenEvent> seen;
    const WatchResult result =
        client_.watch("/api/v1/namespaces/n/configmaps", {}, [&](const WatchEvent& event) {
          seen.push_back(
              {event.type, std::string(event.object_json), std::string(event.resource_version)});
        });
    ASSERT_EQ(seen.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(seen[0].type, WatchEventType::kAdded);
    EXPECT_EQ(seen[1].type, WatchEventType::kModified);
    EXPECT_EQ(seen[2].type, WatchEventType::kBookmark);
    EXPECT_EQ(seen[3].type, WatchEventType::kDeleted);
    EXPECT_EQ(
        seen[1].object_json,
        R"({"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"12"},"data":{"k":"line\nbreak"}})");
    EXPECT_EQ(seen[2].resource_version, "20");
    EXPECT_EQ(result.resource_version, "21");
    EXPECT_FALSE(result.stopped);
  }
}

TEST_F(ClientTest, WatchQueryAndIdleTimeout) {
  transport_->stream_reply = {200, "", 0, true};
  WatchOptions options;
  options.resource_version = "77";
  options.timeout_seconds = 60;
  options.label_selector = "app=web";
  const WatchResult result =
      client_.watch("/api/v1/pods", options, [](const WatchEvent&) { FAIL(); });
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.resource_version, "77");  // nothing newer arrived
  const HttpRequest& request = transport_->requests.back();
  EXPECT_EQ(request.path,
            "/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=77&"
            "timeoutSeconds=60&labelSelector=app%3Dweb");
  EXPECT_EQ(request.idle_timeout, std::chrono::seconds(90));
}

TEST_F(ClientTest, WatchErrorEvent410IsGone) {
  transport_->stream_reply = {
      200,
      std::string(R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}})") +
          "\n" +
          R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}})j" +
          "\n" +
          R"({"type":"ADDED","object":{"metadata":{"name":"never","resourceVersion":"9"}}})" + "\n",
      5, false};
  std::vector<std::string> rvs;
  try {
    client_.watch("/api/v1/pods", {},
                  [&](const WatchEvent& e) { rvs.emplace_back(e.resource_version); });
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kGone);
    EXPECT_EQ(e.httpStatus(), 410);
    EXPECT_EQ(e.reason(), "Expired");
    EXPECT_THAT(e.what(), HasSubstr("too old resource version: 1 (5)"));
  }
  EXPECT_EQ(rvs, std::vector<std::string>{"3"});  // nothing after the ERROR event
}

TEST_F(ClientTest, WatchHttp410IsGoneAndOtherErrorsMap) {
  transport_->stream_reply = {410, status(410, "Gone", "too old"), 0, false};
  try {
    client_.watch("/api/v1/pods", {}, [](const WatchEvent&) {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kGone);
  }
  transport_->stream_reply = {
      200,
      R"({"type":"ERROR","object":{"kind":"Status","message":"Too large resource version","reason":"Timeout","code":504}})",
      0, false};
  try {
    client_.watch("/api/v1/pods", {}, [](const WatchEvent&) {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);  // the last line had no '\n': still parsed
  }
}

TEST_F(ClientTest, WatchHandlerExceptionPropagates) {
  transport_->stream_reply = {200, kWatchStream, 3, false};
  int calls = 0;
  EXPECT_THROW(client_.watch("/api/v1/pods", {},
                             [&](const WatchEvent&) {
                               if (++calls == 2) throw std::runtime_error("handler failed");
                             }),
               std::runtime_error);
  EXPECT_EQ(calls, 2);
}

TEST_F(ClientTest, GarbageInTheStreamIsAnError) {
  transport_->stream_reply = {200, "this is not json\n", 0, false};
  try {
    client_.watch("/api/v1/pods", {}, [](const WatchEvent&) {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_THAT(e.what(), HasSubstr("WATCH /api/v1/pods?watch=true"));
  }
}

}  // namespace
}  // namespace keelson::kube
