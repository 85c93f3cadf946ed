#pragma once

#include <string_view>

namespace keelson::host {

/// The contents of /proc/uptime: "491.26 909.76".
struct Uptime {
  double uptime_seconds = 0;  ///< Seconds since boot (including time suspended).
  double idle_seconds = 0;    ///< Idle time summed over all CPUs, seconds (0 if absent).
};

/// Parses /proc/uptime (see proc(5)). Pure. Throws Error(kBadInput) when the first field is not
/// a non-negative number; the idle field is optional.
Uptime parseUptime(std::string_view text);

}  // namespace keelson::host
