// Shared: identical interned values share one block, copies share and copy on write, values
// that are equal but written differently stay apart, and the pool stays consistent when threads
// intern and release the same values.
#include <gtest/gtest.h>

#include <boost/container/flat_map.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/quantity.h"
#include "core/shared.h"

namespace keelson::core {
namespace {

using Texts = std::vector<InternedString>;
using Resources = boost::container::flat_map<InternedString, Quantity, std::less<>>;

Texts texts(std::initializer_list<const char*> items) {
  Texts out;
  for (const char* item : items) out.emplace_back(item);
  return out;
}

TEST(Shared, IsOnePointerAndTheEmptyValueHoldsNoBlock) {
  EXPECT_EQ(sizeof(Shared<Texts>), sizeof(void*));
  const std::size_t before = Shared<Texts>::poolSize();
  const Shared<Texts> empty = Shared<Texts>::intern(Texts());
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_EQ(empty.begin(), empty.end());
  EXPECT_EQ(Shared<Texts>::poolSize(), before);
}

TEST(Shared, IdenticalInternedValuesShareOneBlockFreedWithItsLastHolder) {
  const std::size_t before = Shared<Texts>::poolSize();
  {
    const auto a = Shared<Texts>::intern(texts({"app", "web (shared test)"}));
    const auto b = Shared<Texts>::intern(texts({"app", "web (shared test)"}));
    const auto c = Shared<Texts>::intern(texts({"web (shared test)", "app"}));  // other order
    EXPECT_EQ(&a.get(), &b.get());
    EXPECT_NE(&a.get(), &c.get());
    EXPECT_EQ(Shared<Texts>::poolSize(), before + 2);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(a[1], "web (shared test)");
  }
  EXPECT_EQ(Shared<Texts>::poolSize(), before);
}

TEST(Shared, EqualQuantitiesWrittenDifferentlyAreNotMerged) {
  const auto gi = Shared<Resources>::intern(Resources{{"memory", Quantity::parse("1Gi")}});
  const auto mi = Shared<Resources>::intern(Resources{{"memory", Quantity::parse("1073741824")}});
  EXPECT_EQ(gi, mi);  // the same amount
  EXPECT_NE(&gi.get(), &mi.get());
  EXPECT_EQ(gi.at("memory").format(), "1Gi");
  EXPECT_EQ(mi.at("memory").format(), "1073741824");
}

TEST(Shared, WritesCopyTheValueWhenItIsShared) {
  const auto pooled = Shared<Resources>::intern(Resources{{"cpu", Quantity::parse("100m")}});
  Shared<Resources> copy = pooled;
  EXPECT_EQ(&copy.get(), &pooled.get());
  copy["memory"] = Quantity::parse("64Mi");
  EXPECT_EQ(pooled.size(), 1U);  // the pooled value never changes
  EXPECT_FALSE(pooled.contains("memory"));
  ASSERT_EQ(copy.size(), 2U);
  EXPECT_EQ(copy.at("memory").format(), "64Mi");

  // A private value with one holder changes in place; with two, the writer copies it.
  const Resources* before = &copy.get();
  copy.erase("cpu");
  EXPECT_EQ(&copy.get(), before);
  const Shared<Resources> second = copy;
  copy.clear();
  EXPECT_TRUE(copy.empty());
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second.find("memory")->second.format(), "64Mi");
}

TEST(Shared, ConstructsFromTheContainerAndReadsAsOne) {
  Shared<Texts> list = texts({"a"});
  list.push_back(InternedString("b"));
  list.emplace_back("c");
  const Texts& view = list;  // the implicit conversion functions taking a C rely on
  EXPECT_EQ(view, texts({"a", "b", "c"}));
  std::string joined;
  for (const InternedString& text : list) joined += text.view();
  EXPECT_EQ(joined, "abc");
  EXPECT_EQ(list.front(), "a");
  EXPECT_EQ(list.back(), "c");
  Shared<Texts> moved = std::move(list);
  EXPECT_EQ(moved.size(), 3U);
  EXPECT_TRUE(list.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

// nlohmann::json would write a Shared map as an array of [key, value] pairs; it refuses it.
static_assert(!std::is_constructible_v<nlohmann::json, const Shared<Resources>&>);
static_assert(std::is_constructible_v<nlohmann::json, const Texts&>);

TEST(Shared, IdentityHashFollowsIdentity) {
  EXPECT_EQ(identityHash(texts({"x", "y"})), identityHash(texts({"x", "y"})));
  EXPECT_NE(identityHash(texts({"x", "y"})), identityHash(texts({"y", "x"})));
  EXPECT_TRUE(identical(std::optional<int64_t>(), std::optional<int64_t>()));
  EXPECT_FALSE(identical(std::optional<int64_t>(0), std::optional<int64_t>()));
  EXPECT_NE(identityHash(std::optional<int64_t>(0)), identityHash(std::optional<int64_t>()));
}

TEST(Shared, PoolStaysConsistentUnderConcurrentInternAndRelease) {
  const std::size_t before = Shared<Texts>::poolSize();
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string tag = "value " + std::to_string(i % 7);
        const auto a = Shared<Texts>::intern(Texts{InternedString(tag), InternedString("x")});
        Shared<Texts> b = a;
        b.push_back(InternedString("y"));  // copies: a is pooled, and other threads hold it
        ASSERT_EQ(a.size(), 2U) << "thread " << t;
        ASSERT_EQ(b.size(), 3U) << "thread " << t;
        ASSERT_EQ(a[0], tag) << "thread " << t;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(Shared<Texts>::poolSize(), before);
}

}  // namespace
}  // namespace keelson::core
