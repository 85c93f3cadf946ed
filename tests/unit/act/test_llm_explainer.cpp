// The optional LLM explanations (act/llm_explainer.h) against a local OpenAI-compatible server
// (fake_openai_server.py) that itself checks what it is sent: the model, the bearer header, no
// key or Authorization in the body. The test then reads back what the server recorded: the
// prompt carries the finding's evidence and no credential-looking detail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "act/llm_explainer.h"
#include "act/planner.h"
#include "common/child_process.h"
#include "common/expect_error.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/error.h"
#include "net/http_client.h"

namespace keelson::act {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "sk-test-0123456789abcdef";
constexpr const char* kModel = "test-model-1";

class LlmExplainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new keelson::testing::ChildProcess(
        {"python3", keelson::testing::sourceDir() + "/tests/unit/act/fake_openai_server.py",
         "--api-key", kKey, "--model", kModel});
    const std::string line = server_->readLine(std::chrono::seconds(30));
    if (line.rfind("PORT ", 0) == 0) url_ = "http://127.0.0.1:" + line.substr(5);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (url_.empty()) KEELSON_MISSING_PREREQUISITE("fake_openai_server.py did not start");
  }

  static LlmOptions options(const std::string& mode) {
    LlmOptions o;
    o.base_url = url_ + mode + "/v1";
    o.api_key = kKey;
    o.model = kModel;
    o.timeout = std::chrono::seconds(2);
    return o;
  }

  // What the server recorded, oldest first.
  static json recorded() {
    net::Endpoint endpoint;
    endpoint.base_url = url_;
    net::HttpClient client(endpoint);
    net::HttpRequest request;
    request.path = "/requests";
    return json::parse(client.request(request).body);
  }

  static analysis::Finding oomFinding() {
    analysis::Finding f;
    f.id = "oom_risk/pod/shop/web-1";
    f.kind = "oom_risk";
    f.severity = "critical";
    f.subject = {"pod", "shop", "web-1"};
    f.evidence.series = "memory_usage_bytes";
    f.evidence.recent_values = {900e6, 950e6, 1000e6};
    f.evidence.expected_range = std::pair{0.0, 1073741824.0};
    f.evidence.details = {{"limit_bytes", "1073741824"},
                          {"usage_bytes", "1000000000"},
                          {"api_token", "should-never-leave"},
                          {"note", "seen with password=hunter2 in the logs"}};
    f.explanation = "Pod shop/web-1 uses 93% of its memory limit.";
    return f;
  }

  static inline keelson::testing::ChildProcess* server_ = nullptr;
  static inline std::string url_;
};

TEST_F(LlmExplainerTest, SendsTheEvidenceAndLabelsTheAnswer) {
  const analysis::Finding finding = oomFinding();
  Proposal proposal;
  proposal.action.kind = ActionKind::kSetResources;
  proposal.action.target = parseObjectRef("deploy/web", KindSet::kAny, "shop");
  proposal.action.resources.container = "app";
  proposal.action.resources.limits = {{"memory", "1280Mi"}};
  proposal.reason = "raise the limit";

  const LlmExplainer explainer(options("/ok"));
  const std::string answer = explainer.explain(finding, proposal);
  EXPECT_EQ(answer,
            "Looks like Finding oom_risk/pod/shop/web-1: oom_risk (critical) about pod "
            "shop/web-1")
      << "the server's answer, trimmed";
  EXPECT_EQ(llmLabel(explainer.model()), "LLM explanation (model test-model-1, may be wrong):");

  const json requests = recorded();
  ASSERT_FALSE(requests.empty());
  const json& last = requests.back();
  EXPECT_EQ(last["path"], "/ok/v1/chat/completions");
  EXPECT_EQ(last["headers"]["content-type"], "application/json");
  EXPECT_EQ(last["body"]["model"], kModel);
  const std::string prompt = last["body"]["messages"][1]["content"];
  EXPECT_EQ(last["body"]["messages"][1]["role"], "user");
  for (const char* evidence :
       {"memory_usage_bytes", "limit_bytes: 1073741824", "usage_bytes: 1000000000",
        "uses 93% of its memory limit",
        "set resources deployment.apps/web -n shop -c app --limits memory=1280Mi"}) {
    EXPECT_THAT(prompt, HasSubstr(evidence));
  }
  EXPECT_THAT(prompt, Not(HasSubstr("should-never-leave"))) << "a credential-named detail";
  EXPECT_THAT(prompt, Not(HasSubstr("hunter2"))) << "redacted";
  EXPECT_THAT(prompt, HasSubstr("password=<redacted>"));
}

TEST_F(LlmExplainerTest, ErrorsAndTimeoutsThrowForTheCallerToLog) {
  const Proposal proposal;
  Error e = keelson::testing::expectError(
      [&] { LlmExplainer(options("/error")).explain(oomFinding(), proposal); });
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  EXPECT_THAT(e.what(), HasSubstr("HTTP 500: the model is overloaded"));
  e = keelson::testing::expectError(
      [&] { LlmExplainer(options("/garbage")).explain(oomFinding(), proposal); });
  EXPECT_EQ(e.code(), ErrorCode::kInternal);
  e = keelson::testing::expectError(
      [&] { LlmExplainer(options("/slow")).explain(oomFinding(), proposal); });
  EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  // A wrong key is the server's 400 (it checks the bearer header).
  LlmOptions wrong = options("/ok");
  wrong.api_key = "sk-wrong";
  e = keelson::testing::expectError([&] { LlmExplainer(wrong).explain(oomFinding(), proposal); });
  EXPECT_THAT(e.what(), HasSubstr("HTTP 400: no bearer header with the API key"));
}

TEST(LlmBaseUrl, PlainHttpOnlyToLoopback) {
  for (const char* ok : {"https://api.openai.com/v1", "http://localhost:8080/v1",
                         "http://127.0.0.1:1234", "http://[::1]:9/v1", "https://10.0.0.1/v1"}) {
    EXPECT_NO_THROW(checkLlmBaseUrl(ok)) << ok;
  }
  for (const char* bad :
       {"http://api.example.com/v1", "http://10.0.0.1:8080/v1", "http://localhost.evil.com/v1",
        "http://127.0.0.1.nip.io/v1", "http://user@example.com@127.0.0.1/", "ftp://localhost/",
        "api.openai.com"}) {
    const Error e = keelson::testing::expectError([&] { checkLlmBaseUrl(bad); });
    EXPECT_EQ(e.code(), ErrorCode::kBadInput) << bad;
  }
  LlmOptions no_key;
  no_key.base_url = "http://127.0.0.1:1";
  EXPECT_THROW(LlmExplainer{no_key}, Error);
}

}  // namespace
}  // namespace keelson::act
