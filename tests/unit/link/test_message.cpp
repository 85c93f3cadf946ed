// Signed messages: the signature is HMAC-SHA256 over "v1:" + the payload text as sent; payloads
// decode with every field checked.
#include <gtest/gtest.h>

#include <string>

#include "common/expect_error.h"
#include "core/error.h"
#include "link/message.h"

namespace keelson::link {
namespace {

using keelson::testing::expectError;
using nlohmann::json;

json actionPayload() {
  return {{"id", "6f1c2a56-0a0e-4c5e-9d0b-3f4a1e2b7c11"},
          {"kind", "action"},
          {"clusterId", "prod-eu"},
          {"agentId", "agent-1"},
          {"issuedAt", "2026-12-04T10:00:00Z"},
          {"expiresAt", "2026-12-04T10:05:00.500Z"},
          {"nonce", "00112233445566778899aabbccddeeff"},
          {"action",
           {{"verb", "scale"},
            {"target", {{"kind", "Deployment"}, {"namespace", "shop"}, {"name", "web"}}},
            {"params", {{"replicas", 3}}}}}};
}

TEST(SignPayload, MatchesPythonsHmac) {
  // python3 -c 'import hmac,hashlib; print(hmac.new(b"s3cret", b"v1:" + P.encode(),
  //             hashlib.sha256).hexdigest())' with P the text below.
  const std::string payload = R"({"id":"6f1c2a56-0a0e-4c5e-9d0b-3f4a1e2b7c11","kind":"action"})";
  EXPECT_EQ(signPayload("s3cret", payload),
            "v1=2e95669f6e26c879d6032b7bc20c4b1d41e34a9281af15d2a98b6d64dc5ddacb");
}

TEST(SignatureMatches, OnlyTheExactTextKeyAndVersion) {
  const std::string payload = actionPayload().dump();
  const std::string signature = signPayload("s3cret", payload);
  EXPECT_TRUE(signatureMatches("s3cret", payload, signature));
  EXPECT_FALSE(signatureMatches("s3cret2", payload, signature));
  EXPECT_FALSE(signatureMatches("s3cret", payload + " ", signature)) << "the text, not the JSON";
  EXPECT_FALSE(signatureMatches("s3cret", actionPayload().dump(2), signature));
  std::string upper = signature;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(signatureMatches("s3cret", payload, upper));
  EXPECT_FALSE(signatureMatches("s3cret", payload, "v2=" + signature.substr(3)));
  EXPECT_FALSE(signatureMatches("s3cret", payload, ""));
}

TEST(SignMessage, CarriesThePayloadTextItSigned) {
  const json message = signMessage("k", actionPayload());
  const SignedMessage read = readSignedMessage(message);
  EXPECT_EQ(read.payload, actionPayload().dump());
  EXPECT_TRUE(signatureMatches("k", read.payload, read.signature));
  json frame = message;
  frame["type"] = "action";
  EXPECT_EQ(readSignedMessage(frame).payload, read.payload) << "extra members are ignored";
}

TEST(ReadSignedMessage, NamesWhatIsMissing) {
  EXPECT_NE(std::string(expectError([] {
                          readSignedMessage(json{{"payload", "{}"}});
                        }).what())
                .find("\"signature\""),
            std::string::npos);
  EXPECT_EQ(expectError([] {
              readSignedMessage(json{{"payload", 1}, {"signature", "x"}});
            }).code(),
            ErrorCode::kBadInput);
  EXPECT_EQ(expectError([] { readSignedMessage(json::array()); }).code(), ErrorCode::kBadInput);
}

TEST(DecodePayload, ReadsEveryField) {
  const Payload p = decodePayload(actionPayload().dump());
  EXPECT_EQ(p.id, "6f1c2a56-0a0e-4c5e-9d0b-3f4a1e2b7c11");
  EXPECT_EQ(p.kind, "action");
  EXPECT_EQ(p.cluster_id, "prod-eu");
  EXPECT_EQ(p.agent_id, "agent-1");
  EXPECT_EQ(kube::formatTime(p.issued_at), "2026-12-04T10:00:00Z");
  EXPECT_EQ(kube::formatTimeMillis(p.expires_at), "2026-12-04T10:05:00.500Z");
  ASSERT_TRUE(p.action.has_value());
  EXPECT_EQ(p.action->verb, "scale");
  EXPECT_EQ(p.action->target.kind, "Deployment");
  EXPECT_EQ(p.action->target.namespace_name, "shop");
  EXPECT_EQ(p.action->target.name, "web");
  EXPECT_EQ(p.action->params, (json{{"replicas", 3}}));
  // And back, with timestamps in milliseconds.
  json expected = actionPayload();
  expected["issuedAt"] = "2026-12-04T10:00:00.000Z";
  EXPECT_EQ(encodePayload(p), expected);
}

TEST(DecodePayload, ConfigAndOptionalAgent) {
  json config = actionPayload();
  config.erase("action");
  config.erase("agentId");
  config["kind"] = "config";
  config["config"] = {{"collectionIntervalSeconds", 30}};
  const Payload p = decodePayload(config.dump());
  EXPECT_FALSE(p.agent_id.has_value());
  EXPECT_FALSE(p.action.has_value());
  EXPECT_EQ(p.config["collectionIntervalSeconds"], 30);
}

TEST(DecodePayload, RejectsEachBadFieldByName) {
  const auto error = [](const std::function<void(json&)>& change) {
    json p = actionPayload();
    change(p);
    const Error e = expectError([&] { decodePayload(p.dump()); });
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    return std::string(e.what());
  };
  EXPECT_NE(error([](json& p) { p.erase("id"); }).find("\"id\""), std::string::npos);
  EXPECT_NE(error([](json& p) { p["id"] = "42"; }).find("not a UUID"), std::string::npos);
  EXPECT_NE(error([](json& p) { p["kind"] = "shell"; }).find("\"shell\""), std::string::npos);
  EXPECT_NE(error([](json& p) { p.erase("clusterId"); }).find("clusterId"), std::string::npos);
  EXPECT_NE(error([](json& p) { p["issuedAt"] = "yesterday"; }).find("issuedAt"),
            std::string::npos);
  EXPECT_NE(error([](json& p) { p["expiresAt"] = 5; }).find("expiresAt"), std::string::npos);
  EXPECT_NE(error([](json& p) { p["nonce"] = "abc"; }).find("nonce"), std::string::npos);
  EXPECT_NE(error([](json& p) { p["nonce"] = std::string(32, 'G'); }).find("nonce"),
            std::string::npos);
  EXPECT_NE(error([](json& p) { p.erase("action"); }).find("action"), std::string::npos);
  EXPECT_NE(error([](json& p) { p["action"].erase("target"); }).find("target"), std::string::npos);
  EXPECT_NE(error([](json& p) { p["action"]["target"].erase("name"); }).find("name"),
            std::string::npos);
  EXPECT_NE(error([](json& p) { p["action"]["params"] = "x"; }).find("params"), std::string::npos);
  EXPECT_EQ(expectError([] { decodePayload("not json"); }).code(), ErrorCode::kBadInput);
  EXPECT_EQ(expectError([] { decodePayload("[]"); }).code(), ErrorCode::kBadInput);
}

}  // namespace
}  // namespace keelson::link
