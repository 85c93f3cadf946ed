#pragma once

#include <cstdint>
#include <string_view>

namespace keelson::host {

/// The contents of /proc/loadavg: "0.44 0.17 0.07 3/99 6163".
struct LoadAvg {
  double load1 = 0;   ///< Load average over 1 minute (runnable + uninterruptible tasks).
  double load5 = 0;   ///< Over 5 minutes.
  double load15 = 0;  ///< Over 15 minutes.
  std::uint64_t runnable_entities = 0;    ///< Currently runnable kernel scheduling entities.
  std::uint64_t scheduling_entities = 0;  ///< Kernel scheduling entities that exist.
  std::uint64_t last_pid = 0;             ///< The most recently created PID.
};

/// Parses /proc/loadavg (see proc(5)). Pure. Throws Error(kBadInput) naming what is wrong when
/// the first three fields are not numbers; the runnable/total and last-pid fields are optional
/// (0 when absent or malformed).
LoadAvg parseLoadavg(std::string_view text);

}  // namespace keelson::host
