// The audit document: JSON fields and types, the table (kubectl's layout, durations, "-" for
// what is absent, terminal-safe cells) and CSV, on hand-made entries.
#include <gtest/gtest.h>

#include "docs/audit_document.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

// 2024-01-15T10:30:00Z
constexpr std::int64_t kT0 = 1'705'314'600'000;

std::vector<AuditEntry> entries() {
  return {
      {.id = 1,
       .started_ms = kT0,
       .finished_ms = kT0 + 1'250,
       .requester_kind = "user",
       .requester_id = "alice",
       .verb = "cordon",
       .target = "node/kwok-1",
       .namespace_name = "",
       .dry_run = "none",
       .request_json = R"({"node":"kwok-1"})",
       .outcome = "succeeded",
       .status_codes_json = "[200,200]",
       .result_json = R"({"summary":"cordoned"})",
       .error = ""},
      {.id = 2,
       .started_ms = kT0 + 60'000,
       .finished_ms = kT0 + 60'000 + 125'500,
       .requester_kind = "backend",
       .requester_id = "act-7",
       .verb = "scale",
       .target = "deployment.apps/web",
       .namespace_name = "shop",
       .dry_run = "server",
       .request_json = R"({"replicas":3})",
       .outcome = "failed",
       .status_codes_json = "[403]",
       .result_json = "",
       .error = "forbidden: \"x\", y"},
      {.id = 3,
       .started_ms = kT0 + 120'000,
       .finished_ms = std::nullopt,
       .requester_kind = "remediation",
       .requester_id = "",
       .verb = "drain",
       .target = "node/evil\x1b]0;x\x07",
       .namespace_name = "",
       .dry_run = "client",
       .request_json = "",
       .outcome = "unknown",
       .status_codes_json = "",
       .result_json = "",
       .error = ""},
  };
}

TEST(AuditDocument, JsonFieldsAndTypes) {
  const json doc = auditDocument(entries());
  EXPECT_EQ(doc.at("kind"), "AuditLog");
  ASSERT_EQ(doc.at("items").size(), 3U);
  const json& first = doc["items"][0];
  EXPECT_EQ(first, json::parse(R"({"id": 1, "startedAt": "2024-01-15T10:30:00.000Z",
              "finishedAt": "2024-01-15T10:30:01.250Z",
              "requester": {"kind": "user", "id": "alice"}, "verb": "cordon",
              "target": "node/kwok-1", "namespace": "", "dryRun": "none",
              "request": {"node": "kwok-1"}, "outcome": "succeeded", "statusCodes": [200, 200],
              "result": {"summary": "cordoned"}, "error": null})"));
  EXPECT_EQ(doc["items"][1]["result"], nullptr);
  EXPECT_EQ(doc["items"][1]["error"], "forbidden: \"x\", y");
  const json& unknown = doc["items"][2];
  EXPECT_EQ(unknown["finishedAt"], nullptr);
  EXPECT_EQ(unknown["request"], json::object());
  EXPECT_EQ(unknown["statusCodes"], json::array());
  EXPECT_EQ(unknown["outcome"], "unknown");
  EXPECT_EQ(auditDocument({}), json::parse(R"({"kind": "AuditLog", "items": []})"));
}

TEST(AuditDocument, TextThatIsNotJsonIsShownAsAString) {
  AuditEntry odd = entries()[0];
  odd.request_json = "{broken";
  odd.result_json = "also broken";
  const json item = auditDocument({odd})["items"][0];
  EXPECT_EQ(item["request"], "{broken");
  EXPECT_EQ(item["result"], "also broken");
}

TEST(AuditDocument, TableInKubectlsStyle) {
  EXPECT_EQ(renderAuditTable(entries()),
            "STARTED               REQUESTER      VERB    TARGET                 NAMESPACE  "
            "DRY-RUN  OUTCOME    CODES    DURATION\n"
            "2024-01-15T10:30:00Z  user/alice     cordon  node/kwok-1            -          "
            "none     succeeded  200,200  1.25s\n"
            "2024-01-15T10:31:00Z  backend/act-7  scale   deployment.apps/web    shop       "
            "server   failed     403      2m5.5s\n"
            "2024-01-15T10:32:00Z  remediation    drain   node/evil\\x1b]0;x\\x07  -          "
            "client   unknown    -        -\n");
  EXPECT_EQ(renderAuditTable({}), "");
}

TEST(AuditDocument, CsvQuotesAsRfc4180) {
  const std::string csv = renderAuditCsv(entries());
  const std::string header =
      "id,started_at,finished_at,requester_kind,requester_id,verb,target,namespace,dry_run,"
      "outcome,status_codes,error,request,result\n";
  EXPECT_EQ(csv.substr(0, header.size()), header);
  EXPECT_EQ(csv.substr(header.size()),
            "1,2024-01-15T10:30:00.000Z,2024-01-15T10:30:01.250Z,user,alice,cordon,node/kwok-1,,"
            "none,succeeded,\"[200,200]\",,\"{\"\"node\"\":\"\"kwok-1\"\"}\","
            "\"{\"\"summary\"\":\"\"cordoned\"\"}\"\n"
            "2,2024-01-15T10:31:00.000Z,2024-01-15T10:33:05.500Z,backend,act-7,scale,"
            "deployment.apps/web,shop,server,failed,[403],\"forbidden: \"\"x\"\", y\","
            "\"{\"\"replicas\"\":3}\",\n"
            "3,2024-01-15T10:32:00.000Z,,remediation,,drain,node/evil\x1b]0;x\x07,,client,"
            "unknown,[],,{},\n");
  EXPECT_EQ(renderAuditCsv({}), header);
}

}  // namespace
}  // namespace keelson::docs
