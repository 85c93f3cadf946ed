#include "host/self_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace keelson::host {

SelfUsage selfUsage() noexcept {
  SelfUsage out;
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    out.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                      static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  try {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0;
    std::uint64_t resident = 0;
    if (statm >> size >> resident) {
      out.rss_bytes = resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): a figure that cannot be read stays 0
  }
  return out;
}

}  // namespace keelson::host
