// InternedString: one pool entry per distinct text, counted references, comparisons with every
// string type, and a pool that stays consistent under concurrent interning and release.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/interned_string.h"

namespace keelson::core {
namespace {

TEST(InternedString, IsOnePointerAndEmptyHoldsNoEntry) {
  EXPECT_EQ(sizeof(InternedString), sizeof(void*));
  const std::size_t before = InternedString::poolSize();
  const InternedString empty("");
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_STREQ(empty.c_str(), "");
  EXPECT_EQ(InternedString::poolSize(), before);
}

TEST(InternedString, OneEntryPerDistinctTextFreedWithItsLastHolder) {
  const std::size_t before = InternedString::poolSize();
  {
    const InternedString a("registry.example.com/team/app:1.0 (pool test)");
    const std::string same = "registry.example.com/team/app:1.0 (pool test)";
    const InternedString b(same);
    InternedString c = a;
    EXPECT_EQ(InternedString::poolSize(), before + 1);
    EXPECT_EQ(a.c_str(), b.c_str());  // the same characters, not a copy
    EXPECT_EQ(a, b);
    c = InternedString("another text (pool test)");
    EXPECT_EQ(InternedString::poolSize(), before + 2);
    EXPECT_NE(a, c);
  }
  EXPECT_EQ(InternedString::poolSize(), before);
}

TEST(InternedString, MovesAndSelfAssignmentKeepTheText) {
  InternedString a("moved text (pool test)");
  InternedString b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
  EXPECT_EQ(b, "moved text (pool test)");
  const InternedString& alias = b;
  b = alias;
  EXPECT_EQ(b.view(), "moved text (pool test)");
  InternedString c("other");
  c = std::move(b);
  EXPECT_EQ(c, "moved text (pool test)");
}

TEST(InternedString, ComparesWithEveryStringTypeByText) {
  const InternedString ready("Ready");
  EXPECT_TRUE(ready == "Ready");
  EXPECT_TRUE("Ready" == ready);
  EXPECT_TRUE(ready == std::string("Ready"));
  EXPECT_TRUE(ready == std::string_view("Ready"));
  EXPECT_TRUE(ready != "ready");
  EXPECT_LT(ready, "Ready0");
  EXPECT_GT(ready, std::string("Que"));
  EXPECT_LT(InternedString("Apple"), InternedString("Banana"));
  EXPECT_LT(InternedString(""), InternedString("a"));
  const std::map<std::string, int, std::less<>> by_name{{"Ready", 1}};
  EXPECT_EQ(by_name.find(ready)->second, 1);
}

TEST(InternedString, ConvertsFormatsAndSerialisesAsText) {
  const InternedString image("nginx:1.27");
  const std::string copy = image;
  const std::string_view view = image;
  EXPECT_EQ(copy, "nginx:1.27");
  EXPECT_EQ(view, "nginx:1.27");
  EXPECT_EQ(fmt::format("[{:>12}]", image), "[  nginx:1.27]");
  EXPECT_EQ(nlohmann::json(image).dump(), "\"nginx:1.27\"");
  EXPECT_EQ(image + ":latest", "nginx:1.27:latest");
  EXPECT_EQ("image " + image, "image nginx:1.27");
  EXPECT_EQ(std::hash<InternedString>()(image), std::hash<std::string_view>()("nginx:1.27"));
}

// Threads intern, copy and drop the same few texts at once; every holder sees its own text and
// the pool ends as it started (no entry freed while held, none leaked). Run under TSan in CI.
TEST(InternedString, ConcurrentInternAndReleaseKeepThePoolConsistent) {
  const std::size_t before = InternedString::poolSize();
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 20'000; ++i) {
        const std::string text = fmt::format("shared text {} (pool test)", i % 7);
        InternedString a(text);
        const InternedString b = a;
        ASSERT_EQ(b.view(), text) << "thread " << t;
        a = InternedString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(InternedString::poolSize(), before);
}

}  // namespace
}  // namespace keelson::core
