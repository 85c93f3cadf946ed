#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "kube/names.h"

namespace keelson::kube {
namespace {

TEST(ObjectNames, FollowKubernetesValidation) {
  EXPECT_TRUE(isDnsLabel("kube-system"));
  EXPECT_TRUE(isDnsLabel("a"));
  EXPECT_FALSE(isDnsLabel(""));
  EXPECT_FALSE(isDnsLabel("-a"));
  EXPECT_FALSE(isDnsLabel("a-"));
  EXPECT_FALSE(isDnsLabel("A"));
  EXPECT_FALSE(isDnsLabel("a.b"));
  EXPECT_FALSE(isDnsLabel("a/b"));
  EXPECT_FALSE(isDnsLabel(std::string(64, 'a')));
  EXPECT_TRUE(isDnsLabel(std::string(63, 'a')));
  EXPECT_TRUE(isDnsSubdomain("web-0"));
  EXPECT_TRUE(isDnsSubdomain("coredns-5d78c9869d-abcde"));
  EXPECT_TRUE(isDnsSubdomain("a.b.c"));
  EXPECT_FALSE(isDnsSubdomain("a..b"));
  EXPECT_FALSE(isDnsSubdomain(".a"));
  EXPECT_FALSE(isDnsSubdomain("a."));
  EXPECT_FALSE(isDnsSubdomain("%zz"));
  EXPECT_FALSE(isDnsSubdomain(std::string(254, 'a')));
  EXPECT_TRUE(isDnsSubdomain(std::string(253, 'a')));
}

TEST(ObjectNames, InvalidNamesAreBadInputNamingTheText) {
  EXPECT_NO_THROW(validatePodName("default", "web-0"));
  try {
    validatePodName("Default", "web-0");
    FAIL() << "an upper-case namespace was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("'Default'"), std::string::npos) << e.what();
  }
  try {
    validatePodName("default", "web_0");
    FAIL() << "a pod name with '_' was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("'web_0'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace keelson::kube
