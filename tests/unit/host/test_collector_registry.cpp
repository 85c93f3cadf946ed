#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"
#include "host/collectors.h"

namespace keelson::host {
namespace {

// The registry is indexed by Collector (the flags keep one slot per id).
TEST(CollectorRegistry, NamesAreUniqueAndInDeclarationOrder) {
  std::set<std::string> names;
  std::size_t index = 0;
  for (const auto& info : collectorRegistry()) {
    EXPECT_TRUE(names.insert(std::string(info.name)).second) << info.name;
    EXPECT_EQ(static_cast<std::size_t>(info.id), index++) << info.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"cpu", "memory", "filesystems", "disks", "network",
                                          "connections", "processes", "connectivity", "gluster"}));
}

TEST(CollectorRegistry, AllButGlusterAreOnByDefault) {
  const EnabledCollectors enabled;
  for (const auto& info : collectorRegistry()) {
    EXPECT_EQ(enabled.enabled(info.id), info.enabled_by_default) << info.name;
    EXPECT_EQ(info.enabled_by_default, info.id != Collector::kGluster) << info.name;
  }
}

TEST(ParseBoolEnv, AcceptsTrueFalseOneZero) {
  EXPECT_EQ(parseBoolEnv("X", "true"), true);
  EXPECT_EQ(parseBoolEnv("X", "1"), true);
  EXPECT_EQ(parseBoolEnv("X", "false"), false);
  EXPECT_EQ(parseBoolEnv("X", "0"), false);
  EXPECT_EQ(parseBoolEnv("X", nullptr), std::nullopt);
  EXPECT_EQ(parseBoolEnv("X", ""), std::nullopt);
}

TEST(ParseBoolEnv, AnythingElseNamesTheVariable) {
  try {
    (void)parseBoolEnv("GLUSTER_MONITORING_ENABLED", "yes");
    FAIL() << "expected Error(kBadInput)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_EQ(std::string(e.what()),
              "GLUSTER_MONITORING_ENABLED=\"yes\": expected true, false, 1 or 0");
  }
}

}  // namespace
}  // namespace keelson::host
