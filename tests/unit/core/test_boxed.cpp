// Boxed<T>: std::optional's behaviour with the value on the heap; copies are deep.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/boxed.h"

namespace keelson::core {
namespace {

TEST(Boxed, EmptyIsOnePointerAndBehavesLikeNullopt) {
  EXPECT_EQ(sizeof(Boxed<std::vector<std::string>>), sizeof(void*));
  Boxed<std::string> empty;
  EXPECT_FALSE(empty);
  EXPECT_FALSE(empty.has_value());
  empty = std::string("set");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "set");
  empty = std::nullopt;
  EXPECT_FALSE(empty.has_value());
}

TEST(Boxed, CopiesAreDeepAndIndependent) {
  Boxed<std::vector<int>> a(std::vector<int>{1, 2});
  Boxed<std::vector<int>> b = a;
  b->push_back(3);
  EXPECT_EQ(a->size(), 2U);
  EXPECT_EQ(b->size(), 3U);
  a = b;
  EXPECT_EQ(*a, (std::vector<int>{1, 2, 3}));
  EXPECT_NE(&*a, &*b);
  const Boxed<std::vector<int>> none;
  a = none;
  EXPECT_FALSE(a);
}

TEST(Boxed, EmplaceResetAndMove) {
  Boxed<std::string> text;
  EXPECT_EQ(text.emplace(3, 'x'), "xxx");
  Boxed<std::string> moved = std::move(text);
  EXPECT_EQ(*moved, "xxx");
  EXPECT_FALSE(text);  // NOLINT(bugprone-use-after-move): a moved-from Boxed is empty
  moved.reset();
  EXPECT_FALSE(moved);
}

}  // namespace
}  // namespace keelson::core
