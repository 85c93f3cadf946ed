#include <gtest/gtest.h>

#include <memory>

#include "core/memory.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace keelson::core {
namespace {

#ifdef __GLIBC__
// glibc's own count of mapped blocks (mallinfo2().hblks) is the source of truth.
std::size_t mappedBlocks() { return mallinfo2().hblks; }

TEST(Memory, AllocationsAboveTheThresholdAreMappedEvenAfterALargeFree) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer's allocator replaces glibc's: nothing of glibc's to observe";
#endif
  mapLargeAllocations(256 * 1024);
  const std::size_t before = mappedBlocks();
  {
    // A large free would raise glibc's dynamic threshold; the fixed one stays.
    const auto big = std::make_unique<char[]>(8 << 20);
    big[0] = 1;
  }
  auto block = std::make_unique<char[]>(1 << 20);
  block[0] = 1;
  EXPECT_EQ(mappedBlocks(), before + 1);
  block.reset();
  EXPECT_EQ(mappedBlocks(), before);
}
#endif

}  // namespace
}  // namespace keelson::core
