// Params of signed actions: every verb's params are read as the CLI's flags, and anything else
// is refused before the actuator is called.
#include <gtest/gtest.h>

#include <string>

#include "common/expect_error.h"
#include "core/error.h"
#include "link/dispatch.h"

namespace keelson::link {
namespace {

using keelson::testing::expectError;
using nlohmann::json;

Action action(const std::string& verb, const std::string& kind, const std::string& ns,
              const std::string& name, const json& params = json::object()) {
  return {verb, {kind, ns, name}, params};
}

std::string refusal(const Action& a) {
  const Error e = expectError([&] { validateAction(a); });
  EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  return e.what();
}

TEST(ValidateAction, AcceptsEachVerbWithItsParams) {
  validateAction(action("cordon", "Node", "", "n1"));
  validateAction(action("uncordon", "Node", "", "n1", {{"dryRun", "server"}}));
  validateAction(action("drain", "Node", "", "n1",
                        {{"ignoreDaemonSets", true},
                         {"deleteEmptyDirData", true},
                         {"force", false},
                         {"gracePeriod", 30},
                         {"timeout", "5m"},
                         {"podSelector", "app=web"},
                         {"disableEviction", false},
                         {"skipWaitForDeleteTimeout", 10},
                         {"chunkSize", 100}}));
  validateAction(action("evict", "Pod", "shop", "web-1", {{"gracePeriod", 0}}));
  validateAction(action("scale", "Deployment", "shop", "web",
                        {{"replicas", 3}, {"currentReplicas", 2}, {"resourceVersion", "12"}}));
  validateAction(action("scale", "StatefulSet", "shop", "db", {{"replicas", 0}}));
  validateAction(action("restart", "DaemonSet", "kube-system", "agent"));
  validateAction(action("restart-pod", "Pod", "shop", "web-1", {{"force", true}}));
  validateAction(action("label", "Node", "", "n1", {{"labels", {"zone=a", "old-"}}}));
  validateAction(action("set-resources", "Deployment", "shop", "web",
                        {{"container", "app"}, {"limits", "cpu=500m,memory=512Mi"}}));
}

TEST(ValidateAction, RefusesWrongTargets) {
  EXPECT_NE(refusal(action("cordon", "Pod", "shop", "web-1")).find("expected Node"),
            std::string::npos);
  EXPECT_NE(refusal(action("evict", "Node", "", "n1")).find("expected Pod"), std::string::npos);
  EXPECT_NE(
      refusal(action("scale", "DaemonSet", "shop", "agent", {{"replicas", 1}})).find("DaemonSet"),
      std::string::npos);
  EXPECT_EQ(refusal(action("restart", "Deployment", "", "web")),
            "action restart: the target deployment.apps/web has no namespace");
  EXPECT_NE(refusal(action("restart", "Deployment", "", "web")).find("has no namespace"),
            std::string::npos);
  EXPECT_NE(refusal(action("cordon", "Node", "", "Not_A_Name")).find("Not_A_Name"),
            std::string::npos);
  EXPECT_NE(refusal(action("exec", "Node", "", "n1")).find("unknown verb"), std::string::npos);
}

TEST(ValidateAction, RefusesUnknownAndMistypedParams) {
  EXPECT_NE(refusal(action("cordon", "Node", "", "n1", {{"command", "sh"}}))
                .find("unknown param \"command\""),
            std::string::npos);
  EXPECT_NE(refusal(action("scale", "Deployment", "shop", "web")).find("replicas is required"),
            std::string::npos);
  EXPECT_NE(refusal(action("scale", "Deployment", "shop", "web", {{"replicas", -1}}))
                .find("replicas is not an integer >= 0"),
            std::string::npos);
  EXPECT_NE(
      refusal(action("scale", "Deployment", "shop", "web", {{"replicas", "3"}})).find("replicas"),
      std::string::npos);
  EXPECT_NE(refusal(action("drain", "Node", "", "n1", {{"force", "yes"}})).find("not a boolean"),
            std::string::npos);
  EXPECT_NE(refusal(action("drain", "Node", "", "n1", {{"timeout", "soon"}})).find("timeout"),
            std::string::npos);
  EXPECT_NE(refusal(action("label", "Node", "", "n1", {{"labels", {"bad key=v"}}})).find("labels"),
            std::string::npos);
  EXPECT_NE(refusal(action("set-resources", "Deployment", "shop", "web")).find("required"),
            std::string::npos);
  EXPECT_NE(refusal(action("set-resources", "Deployment", "shop", "web", {{"limits", "cpu=lots"}}))
                .find("cpu=lots"),
            std::string::npos);
  EXPECT_NE(refusal(action("cordon", "Node", "", "n1", {{"dryRun", "maybe"}})).find("maybe"),
            std::string::npos);
}

TEST(WriteOptions, DryRunAndFieldManager) {
  EXPECT_EQ(writeOptions(action("cordon", "Node", "", "n1")).dry_run, act::DryRun::kNone);
  EXPECT_EQ(writeOptions(action("cordon", "Node", "", "n1", {{"dryRun", "server"}})).dry_run,
            act::DryRun::kServer);
  EXPECT_EQ(writeOptions(action("cordon", "Node", "", "n1")).field_manager, "keelson-agent");
}

}  // namespace
}  // namespace keelson::link
