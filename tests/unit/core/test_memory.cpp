#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
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

// Exits 0 when a 1 MiB block is mapped (and unmapped when freed) after an 8 MiB free; else
// prints the counts and exits 1.
[[noreturn]] void checkLargeAllocationsAreMapped() {
  mapLargeAllocations(256 * 1024);
  const std::size_t before = mappedBlocks();
  {
    // A large free would raise glibc's dynamic threshold; the fixed one stays.
    const auto big = std::make_unique<char[]>(8 << 20);
    big[0] = 1;
  }
  auto block = std::make_unique<char[]>(1 << 20);
  block[0] = 1;
  const std::size_t with_block = mappedBlocks();
  block.reset();
  const std::size_t after = mappedBlocks();
  if (with_block == before + 1 && after == before) std::exit(0);
  std::fprintf(stderr, "mapped blocks: %zu before, %zu with the 1 MiB block, %zu after\n", before,
               with_block, after);
  std::exit(1);
}

// Measured in a fresh process: a "threadsafe" death test runs this binary again with only this
// test. In this process, free heap chunks that earlier tests left behind could serve the 1 MiB
// block without any mapping.
TEST(Memory, AllocationsAboveTheThresholdAreMappedEvenAfterALargeFree) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer's allocator replaces glibc's: nothing of glibc's to observe";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(checkLargeAllocationsAreMapped(), ::testing::ExitedWithCode(0), "");
}
#endif

}  // namespace
}  // namespace keelson::core
