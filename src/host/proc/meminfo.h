#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::host {

/// One line of /proc/meminfo, e.g. "MemTotal:       24684084 kB" or "HugePages_Total:  0".
struct MemInfoField {
  std::string name;  ///< The kernel's name, e.g. "MemTotal", "Active(anon)".
  std::uint64_t value =
      0;                  ///< In bytes when `is_bytes` (the kernel's kB times 1024), else a count.
  bool is_bytes = false;  ///< True for fields printed with the "kB" unit.
};

/// Every field of /proc/meminfo, in file order.
struct MemInfo {
  std::vector<MemInfoField> fields;  ///< All valid lines, in file order.

  /// The value of field `name` (bytes for kB fields, else a count); nullopt if absent.
  std::optional<std::uint64_t> get(std::string_view name) const noexcept;
};

/// Parses /proc/meminfo (see proc(5)). Pure. Every "Name: <number> [kB]" line becomes a field;
/// kB values are converted to bytes (x1024). Lines that are malformed, carry an unknown unit, or
/// overflow 64 bits in bytes are skipped. A duplicated name (never seen from a real kernel) is
/// kept twice and get() returns the first. Never throws except std::bad_alloc.
MemInfo parseMeminfo(std::string_view text);

}  // namespace keelson::host
