// Verification of signed messages: each check rejects on its own, with a reason, in order.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/expect_error.h"
#include "core/error.h"
#include "link/verify.h"

namespace keelson::link {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const kube::Time kNow = kube::parseTime("2026-12-04T10:00:00Z");

VerifyOptions options() { return {"s3cret", "prod-eu", "agent-1", 300s}; }

json payload(const std::string& verb = "cordon",
             const json& target = {{"kind", "Node"}, {"name", "n1"}}) {
  return {{"id", "6f1c2a56-0a0e-4c5e-9d0b-3f4a1e2b7c11"},
          {"kind", "action"},
          {"clusterId", "prod-eu"},
          {"issuedAt", "2026-12-04T10:00:00Z"},
          {"expiresAt", "2026-12-04T10:05:00Z"},
          {"nonce", "00112233445566778899aabbccddeeff"},
          {"action", {{"verb", verb}, {"target", target}}}};
}

Verification verify(const json& p, const std::string& secret = "s3cret",
                    const AgentPolicy& policy = {}, kube::Time now = kNow) {
  return verifyMessage(readSignedMessage(signMessage(secret, p)), options(), policy, now);
}

TEST(VerifyMessage, AcceptsAGoodMessage) {
  const Verification v = verify(payload());
  EXPECT_TRUE(v.accepted()) << v.rejection;
  ASSERT_TRUE(v.payload.has_value());
  EXPECT_EQ(v.payload->action->target.name, "n1");
}

TEST(VerifyMessage, AForgedSignatureIsRejectedButTheIdIsKnown) {
  const Verification v = verify(payload(), "not-the-secret");
  EXPECT_EQ(v.rejection, "the signature does not verify");
  EXPECT_FALSE(v.authentic);
  ASSERT_TRUE(v.payload.has_value()) << "so the rejection can be reported under its id";
  EXPECT_EQ(v.payload->id, "6f1c2a56-0a0e-4c5e-9d0b-3f4a1e2b7c11");
  // A payload changed after signing.
  SignedMessage m = readSignedMessage(signMessage("s3cret", payload()));
  m.payload.replace(m.payload.find("n1"), 2, "n2");
  EXPECT_EQ(verifyMessage(m, options(), {}, kNow).rejection, "the signature does not verify");
}

TEST(VerifyMessage, ASignedButUndecodablePayloadIsRejectedWithTheReason) {
  json p = payload();
  p["nonce"] = "short";
  const Verification v = verify(p);
  EXPECT_FALSE(v.accepted());
  EXPECT_NE(v.rejection.find("nonce"), std::string::npos) << v.rejection;
}

TEST(VerifyMessage, AnotherClusterOrAgentIsRejected) {
  json p = payload();
  p["clusterId"] = "prod-us";
  EXPECT_EQ(verify(p).rejection,
            "the message is for cluster \"prod-us\", this agent is in \"prod-eu\"");
  EXPECT_FALSE(verify(p).authentic);
  p = payload();
  p["agentId"] = "agent-2";
  EXPECT_EQ(verify(p).rejection, "the message is for agent \"agent-2\", this agent is \"agent-1\"");
  p["agentId"] = "agent-1";
  EXPECT_TRUE(verify(p).accepted());
}

TEST(VerifyMessage, IssuedAtMustBeWithinTheSkewEitherWay) {
  json p = payload();
  p["expiresAt"] = "2026-12-04T11:00:00Z";
  EXPECT_TRUE(verify(p, "s3cret", {}, kNow + 300s).accepted());
  EXPECT_TRUE(verify(p, "s3cret", {}, kNow - 300s).accepted());
  const Verification late = verify(p, "s3cret", {}, kNow + 301s);
  EXPECT_NE(late.rejection.find("issuedAt 2026-12-04T10:00:00.000Z is 5m1s from this agent's "
                                "clock"),
            std::string::npos)
      << late.rejection;
  EXPECT_FALSE(verify(p, "s3cret", {}, kNow - 301s).accepted()) << "from the future";
}

TEST(VerifyMessage, AnExpiredMessageIsRejected) {
  json p = payload();
  p["expiresAt"] = "2026-12-04T09:59:59Z";
  EXPECT_EQ(verify(p).rejection,
            "the message expired at 2026-12-04T09:59:59.000Z (now 2026-12-04T10:00:00.000Z)");
  EXPECT_TRUE(verify(p).authentic) << "signed for us, only too late";
  p["expiresAt"] = "2026-12-04T10:00:00Z";
  EXPECT_FALSE(verify(p).accepted()) << "expiresAt is exclusive";
}

TEST(VerifyMessage, ThePolicyDecidesVerbsAndNamespaces) {
  const Verification drain = verify(payload("drain"));
  EXPECT_NE(drain.rejection.find("the verb \"drain\" is not allowed by this agent's policy"),
            std::string::npos)
      << drain.rejection;
  AgentPolicy policy;
  policy.allowed_verbs = parseAllowedVerbs("drain,cordon");
  EXPECT_TRUE(verify(payload("drain"), "s3cret", policy).accepted());
  EXPECT_NE(verify(payload("rm -rf"), "s3cret", policy).rejection.find("unknown verb"),
            std::string::npos);
  policy.allowed_verbs = parseAllowedVerbs("*");
  policy.denied_namespaces = {"kube-system"};
  const json pod = {{"kind", "Pod"}, {"namespace", "kube-system"}, {"name", "etcd"}};
  EXPECT_EQ(verify(payload("evict", pod), "s3cret", policy).rejection,
            "the namespace \"kube-system\" is denied by this agent's policy (--deny-namespaces)");
}

TEST(VerifyMessage, ConfigMessagesAreCheckedTheSameWay) {
  json p = payload();
  p.erase("action");
  p["kind"] = "config";
  p["config"] = {{"collectionIntervalSeconds", 30}};
  EXPECT_TRUE(verify(p).accepted());
  EXPECT_FALSE(verify(p, "wrong").accepted());
}

TEST(ParseAllowedVerbs, KnownVerbsOnly) {
  EXPECT_EQ(parseAllowedVerbs("cordon,,scale"), (std::set<std::string>{"cordon", "scale"}));
  EXPECT_EQ(parseAllowedVerbs("*"), knownVerbs());
  EXPECT_EQ(parseAllowedVerbs(""), std::set<std::string>{});
  const Error e = keelson::testing::expectError([] { parseAllowedVerbs("cordon,exec"); });
  EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find("\"exec\""), std::string::npos);
  EXPECT_EQ(knownVerbs().size(), 9U);
}

}  // namespace
}  // namespace keelson::link
