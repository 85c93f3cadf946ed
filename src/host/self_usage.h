#pragma once
// This process's own resource use, for the agent's heartbeat and the standard process_*
// Prometheus series.

#include <cstdint>

namespace keelson::host {

/// CPU time and resident memory of this process.
struct SelfUsage {
  double cpu_seconds = 0;       ///< User + system CPU time so far (getrusage(RUSAGE_SELF)).
  std::uint64_t rss_bytes = 0;  ///< Resident set size now (/proc/self/statm "resident" pages).
};

/// Reads them. A figure that cannot be read stays 0. Never throws; thread-safe.
SelfUsage selfUsage() noexcept;

}  // namespace keelson::host
