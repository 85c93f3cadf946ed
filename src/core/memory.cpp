#include "core/memory.h"

#include <climits>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace keelson::core {

void mapLargeAllocations(std::size_t bytes) noexcept {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, bytes > INT_MAX ? INT_MAX : static_cast<int>(bytes));
#else
  (void)bytes;
#endif
}

void releaseFreedMemory() noexcept {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace keelson::core
