// The verbs' command-line vocabulary: KIND/NAME with kubectl's short names, label arguments,
// resource lists, --dry-run (act/target.h, act/label.h, act/set_resources.h, act/action.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "act/action.h"
#include "act/label.h"
#include "act/set_resources.h"
#include "act/target.h"
#include "common/expect_error.h"

namespace keelson::act {
namespace {

using ::testing::HasSubstr;

// The expression throws Error(kBadInput) whose message contains `text`.
#define EXPECT_BAD_INPUT(expression, text)                                 \
  do {                                                                     \
    const Error error = testing::expectError([&] { (void)(expression); }); \
    EXPECT_EQ(error.code(), ErrorCode::kBadInput) << error.what();         \
    EXPECT_THAT(error.what(), HasSubstr(text));                            \
  } while (false)

TEST(ObjectRef, AcceptsKubectlsSpellings) {
  for (const char* text : {"deployment/web", "deploy/web", "deployments/web",
                           "deployments.apps/web", "Deployment/web"}) {
    const ObjectRef ref = parseObjectRef(text, KindSet::kAny, "shop");
    EXPECT_EQ(ref.display(), "deployment.apps/web") << text;
    EXPECT_EQ(ref.path(), "/apis/apps/v1/namespaces/shop/deployments/web") << text;
  }
  const ObjectRef node = parseObjectRef("no/n1", KindSet::kAny, "shop");
  EXPECT_EQ(node.namespace_name, "");
  EXPECT_EQ(node.path(), "/api/v1/nodes/n1");
  EXPECT_EQ(parseObjectRef("sts/db", KindSet::kScalable, "x").display(), "statefulset.apps/db");
  EXPECT_EQ(parseObjectRef("po/p", KindSet::kAny, "x").path(), "/api/v1/namespaces/x/pods/p");
}

TEST(ObjectRef, RefusesWhatTheVerbDoesNotTake) {
  EXPECT_BAD_INPUT(parseObjectRef("web", KindSet::kAny, "x"), "expected KIND/NAME");
  EXPECT_BAD_INPUT(parseObjectRef("service/web", KindSet::kAny, "x"), "unknown kind");
  EXPECT_BAD_INPUT(parseObjectRef("ds/agent", KindSet::kScalable, "x"),
                   "deployment, statefulset, replicaset");
  EXPECT_BAD_INPUT(parseObjectRef("rs/x", KindSet::kRestartable, "x"), "does not take");
  EXPECT_BAD_INPUT(parseObjectRef("deploy/Web_1", KindSet::kAny, "x"), "not a valid object name");
}

TEST(LabelArgs, SetsAndRemoves) {
  const LabelChanges changes = parseLabelArgs({"tier=web", "example.com/team=a-b.c", "old-", "e="});
  EXPECT_EQ(changes.set.at("tier"), "web");
  EXPECT_EQ(changes.set.at("example.com/team"), "a-b.c");
  EXPECT_EQ(changes.set.at("e"), "");
  EXPECT_EQ(changes.remove, std::vector<std::string>{"old"});
}

TEST(LabelArgs, RefusesInvalidSpecs) {
  EXPECT_BAD_INPUT(parseLabelArgs({"tier"}), "expected KEY=VALUE or KEY-");
  EXPECT_BAD_INPUT(parseLabelArgs({"-tier=web"}), "the key");
  EXPECT_BAD_INPUT(parseLabelArgs({"tier=-web"}), "the value");
  EXPECT_BAD_INPUT(parseLabelArgs({"tier=" + std::string(64, 'a')}), "the value");
  EXPECT_BAD_INPUT(parseLabelArgs({"a=b", "a-"}), "both modify and remove");
  EXPECT_BAD_INPUT(parseLabelArgs({}), "at least one label update");
}

TEST(ResourceValues, ParsesQuantities) {
  const ResourceValues values = parseResourceValues("--limits", "cpu=500m,memory=512Mi");
  EXPECT_EQ(values.at("cpu"), "500m");
  EXPECT_EQ(values.at("memory"), "512Mi");
  EXPECT_BAD_INPUT(parseResourceValues("--limits", "cpu"), "--limits: \"cpu\"");
  EXPECT_BAD_INPUT(parseResourceValues("--requests", "cpu=lots"), "--requests");
  EXPECT_BAD_INPUT(parseResourceValues("--requests", "cpu=1,"), "--requests");
}

TEST(DryRun, KubectlsModes) {
  EXPECT_EQ(parseDryRun("server"), DryRun::kServer);
  EXPECT_EQ(dryRunSuffix(parseDryRun("client")), " (dry run)");
  EXPECT_EQ(dryRunSuffix(DryRun::kServer), " (server dry run)");
  EXPECT_BAD_INPUT(parseDryRun("true"), "none, client, server");
}

}  // namespace
}  // namespace keelson::act
