#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::host {

/// One processor block of /proc/cpuinfo (blocks are separated by blank lines).
struct CpuInfoProcessor {
  int processor = -1;  ///< "processor": the logical CPU number.
  /// The model: "model name" (x86), else "Processor" (32-bit ARM), "cpu model" (MIPS) or "cpu"
  /// (POWER); a model printed outside the blocks (old 32-bit ARM) applies to all. Empty when
  /// the architecture prints none (arm64).
  std::string model_name;
  std::optional<int> physical_id;  ///< "physical id": the socket (x86 only).
  std::optional<int> core_id;      ///< "core id": the core within the socket (x86 only).
};

/// Parses /proc/cpuinfo (see proc(5)). Pure. Blocks without a valid "processor" number are
/// skipped; keys a block lacks stay empty/nullopt. Never throws except std::bad_alloc.
std::vector<CpuInfoProcessor> parseCpuinfo(std::string_view text);

/// Parses a kernel CPU list such as /sys/devices/system/cpu/online: "0-3,8-11", "0-1,3", "0"
/// (see cpuset(7) "List format"; a "0-7:2/4" stride suffix is also accepted). Returns the CPU
/// numbers ascending without duplicates. Malformed pieces are skipped; numbers above
/// kMaxCpuNumber are ignored so hostile input cannot allocate without bound. Pure; never throws
/// except std::bad_alloc.
std::vector<int> parseCpuList(std::string_view text);

/// The highest CPU number parseCpuList accepts (Linux's largest NR_CPUS is 8192).
inline constexpr int kMaxCpuNumber = 8191;

}  // namespace keelson::host
