#pragma once

// The process's allocator settings for a long-running server: memory a large request used goes
// back to the kernel, so RSS follows the requests in flight rather than the worst moment so far.
// glibc only; elsewhere both functions do nothing.

#include <cstddef>

namespace keelson::core {

/// Allocations of at least `bytes` get their own mapping (glibc M_MMAP_THRESHOLD), returned to
/// the kernel as soon as they are freed. A fixed threshold also stops glibc from raising it
/// after each large free, which would put the next large response body in an arena that keeps
/// it. Call once at startup, before threads start. Never throws.
void mapLargeAllocations(std::size_t bytes) noexcept;

/// The threshold the long-running commands (serve, monitor) pass to mapLargeAllocations: a
/// large cluster's response bodies, pages and documents are megabytes, far above it.
inline constexpr std::size_t kLargeAllocationBytes = std::size_t{256} * 1024;

/// Returns the free memory of every malloc arena to the kernel (glibc malloc_trim). Costs a
/// walk over the heap (a few milliseconds for hundreds of MiB): call it after an expensive
/// piece of work, not per small request. Thread-safe. Never throws.
void releaseFreedMemory() noexcept;

}  // namespace keelson::core
