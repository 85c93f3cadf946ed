#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keelson::host {

/// The fields keelson uses from /proc/<pid>/stat (see proc(5); field numbers in brackets).
struct PidStat {
  std::int64_t pid = 0;                ///< (1) Process ID.
  std::string comm;                    ///< (2) Command name without the parentheses (may contain
                                       ///< spaces and parentheses itself, e.g. "(sd-pam)").
  char state = '?';                    ///< (3) R, S, D, Z, T, t, X, I, P, W, K, ...
  std::int64_t ppid = 0;               ///< (4) Parent PID.
  std::uint64_t utime_ticks = 0;       ///< (14) User-mode CPU time, clock ticks (_SC_CLK_TCK).
  std::uint64_t stime_ticks = 0;       ///< (15) Kernel-mode CPU time, clock ticks.
  std::int64_t num_threads = 0;        ///< (20) Threads in the process.
  std::uint64_t start_time_ticks = 0;  ///< (22) Start time after boot, clock ticks.
  std::uint64_t vsize_bytes = 0;       ///< (23) Virtual memory size, bytes.
  std::int64_t rss_pages = 0;          ///< (24) Resident set size, pages (_SC_PAGESIZE bytes each).
};

/// Parses /proc/<pid>/stat. Pure. The command name runs from the first '(' to the LAST ')', so
/// names containing ") " parse correctly. Throws Error(kBadInput) naming the problem if there
/// are no parentheses, the PID is not a number, or fewer than the 24 fields up to rss are
/// present or numeric.
PidStat parsePidStat(std::string_view text);

/// The fields keelson uses from /proc/<pid>/status (see proc(5)).
struct PidStatus {
  std::string name;                            ///< "Name:" (escaped by the kernel: "\n", "\\").
  char state = '?';                            ///< First letter of "State:".
  std::optional<std::uint32_t> uid_real;       ///< First "Uid:" column (real UID).
  std::optional<std::uint32_t> uid_effective;  ///< Second "Uid:" column (effective UID).
  std::optional<std::uint64_t> threads;        ///< "Threads:".
  std::optional<std::uint64_t> vm_rss_bytes;   ///< "VmRSS:" in bytes (absent for kernel threads).
};

/// Parses /proc/<pid>/status. Pure. Unknown, malformed or missing lines leave their fields
/// empty. Never throws except std::bad_alloc.
PidStatus parsePidStatus(std::string_view text);

/// Turns the raw bytes of /proc/<pid>/cmdline (arguments separated and ended by NUL) into one
/// line: arguments joined by single spaces, control characters replaced by '?', cut to at most
/// `max_bytes` bytes. Empty for kernel threads and zombies. Pure.
std::string formatCmdline(std::string_view raw, std::size_t max_bytes);

}  // namespace keelson::host
