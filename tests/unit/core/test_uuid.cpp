// Random UUIDs: the text form, the version and variant bits, no repeats across threads.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/uuid.h"

namespace keelson::core {
namespace {

TEST(RandomUuid, IsAVersion4UuidInLowercaseText) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = randomUuid();
    ASSERT_TRUE(isUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;                                          // version 4
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // RFC variant
    EXPECT_EQ(id.find_first_of("ABCDEF"), std::string::npos) << id;
  }
}

TEST(RandomUuid, NoRepeatsAcrossThreads) {
  std::mutex mutex;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        const std::string id = randomUuid();
        const std::lock_guard lock(mutex);
        seen.insert(id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(seen.size(), 2000U);
}

TEST(IsUuid, AcceptsTheTextFormOnly) {
  EXPECT_TRUE(isUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(isUuid("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(isUuid(""));
  EXPECT_FALSE(isUuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(isUuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_FALSE(isUuid("123e4567-e89b-12d3-a456-4266141740000"));
  EXPECT_FALSE(isUuid("123e4567-e89b-12d3-a456_426614174000"));
}

}  // namespace
}  // namespace keelson::core
