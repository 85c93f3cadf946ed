#include "host/proc/stat.h"

#include <array>

#include "host/proc/parse_util.h"

namespace keelson::host {
namespace {

// Parses up to 10 counters after the "cpu"/"cpuN" label; nullopt if fewer than 4 are valid.
std::optional<CpuTimes> parseCpuTimes(detail::Tokenizer& tokens) {
  std::array<std::uint64_t, 10> values{};
  std::size_t count = 0;
  while (count < values.size()) {
    const auto token = tokens.next();
    if (!token) break;
    const auto value = detail::parseU64(*token);
    if (!value) return std::nullopt;
    values[count++] = *value;
  }
  if (count < 4) return std::nullopt;
  return CpuTimes{values[0], values[1], values[2], values[3], values[4],
                  values[5], values[6], values[7], values[8], values[9]};
}

}  // namespace

ProcStat parseStat(std::string_view text) {
  ProcStat stat;
  detail::forEachLine(text, [&](std::string_view line) {
    detail::Tokenizer tokens(line);
    const auto label = tokens.next();
    if (!label) return;
    if (label->starts_with("cpu")) {
      const auto suffix = label->substr(3);
      if (suffix.empty()) {
        if (!stat.total) stat.total = parseCpuTimes(tokens);
        return;
      }
      const auto cpu = detail::parseU64(suffix);
      if (!cpu || *cpu > 1'000'000) return;
      if (auto times = parseCpuTimes(tokens)) {
        stat.per_cpu.push_back(PerCpuTimes{static_cast<int>(*cpu), *times});
      }
      return;
    }
    const auto value_token = tokens.next();
    if (!value_token) return;
    if (*label == "btime") {
      stat.boot_time_unix_seconds = detail::parseI64(*value_token);
      return;
    }
    const auto value = detail::parseU64(*value_token);
    if (!value) return;
    if (*label == "ctxt") {
      stat.context_switches = value;
    } else if (*label == "processes") {
      stat.processes_forked = value;
    } else if (*label == "procs_running") {
      stat.procs_running = value;
    } else if (*label == "procs_blocked") {
      stat.procs_blocked = value;
    }
  });
  return stat;
}

}  // namespace keelson::host
