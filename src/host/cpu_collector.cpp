#include "host/cpu_collector.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "core/error.h"
#include "host/proc/cpuinfo.h"
#include "host/proc/parse_util.h"

namespace keelson::host {
namespace {

std::optional<std::int64_t> readSysfsInt(const HostFs& fs, const std::string& path) {
  try {
    const auto text = fs.readFileIfExists(path, 4096);
    if (!text) return std::nullopt;
    return detail::parseI64(detail::trim(*text));
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::uint64_t delta(std::uint64_t before, std::uint64_t after) noexcept {
  return after > before ? after - before : 0;
}

}  // namespace

CpuTopology readCpuTopology(const HostFs& fs) {
  CpuTopology topology;
  std::vector<CpuInfoProcessor> cpuinfo;
  if (const auto text = fs.readFileIfExists("/proc/cpuinfo")) cpuinfo = parseCpuinfo(*text);

  if (const auto online = fs.readFileIfExists("/sys/devices/system/cpu/online", 65536)) {
    topology.online_cpus = parseCpuList(*online);
  }
  if (topology.online_cpus.empty()) {
    for (const auto& processor : cpuinfo) topology.online_cpus.push_back(processor.processor);
  }
  if (topology.online_cpus.empty()) {
    for (const auto& cpu : sampleCpu(fs).per_cpu) topology.online_cpus.push_back(cpu.cpu);
  }
  std::sort(topology.online_cpus.begin(), topology.online_cpus.end());
  topology.online_cpus.erase(std::unique(topology.online_cpus.begin(), topology.online_cpus.end()),
                             topology.online_cpus.end());

  std::map<int, const CpuInfoProcessor*> by_processor;
  for (const auto& processor : cpuinfo) by_processor.emplace(processor.processor, &processor);

  // Ranks of the sources used: the topology's source is the least reliable one used by any CPU.
  int worst_source = 0;  // 0 sysfs, 1 cpuinfo, 2 assumed
  std::set<std::int64_t> packages;
  std::set<std::pair<std::int64_t, std::int64_t>> cores;
  for (const int cpu : topology.online_cpus) {
    const auto base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    auto package = readSysfsInt(fs, base + "physical_package_id");
    auto core = readSysfsInt(fs, base + "core_id");
    int source = 0;
    const auto it = by_processor.find(cpu);
    const CpuInfoProcessor* info = it == by_processor.end() ? nullptr : it->second;
    if (!package || !core) {
      source = 1;
      if (info != nullptr && info->physical_id && info->core_id) {
        package = *info->physical_id;
        core = *info->core_id;
      } else {
        source = 2;
        package = 0;
        core = cpu;
      }
    }
    worst_source = std::max(worst_source, source);
    packages.insert(*package);
    cores.emplace(*package, *core);
    if (topology.model_name.empty() && info != nullptr) topology.model_name = info->model_name;
  }
  if (topology.model_name.empty()) {
    for (const auto& processor : cpuinfo) {
      if (!processor.model_name.empty()) {
        topology.model_name = processor.model_name;
        break;
      }
    }
  }
  topology.sockets = static_cast<std::uint32_t>(packages.size());
  topology.cores = static_cast<std::uint32_t>(cores.size());
  topology.threads = static_cast<std::uint32_t>(topology.online_cpus.size());
  constexpr std::array<const char*, 3> kSources = {"sysfs", "cpuinfo", "assumed"};
  topology.source = kSources[static_cast<std::size_t>(worst_source)];
  return topology;
}

ProcStat sampleCpu(const HostFs& fs) {
  auto stat = parseStat(fs.readFile("/proc/stat"));
  if (!stat.total) {
    throw Error(ErrorCode::kBadInput,
                "host file " + fs.path("/proc/stat") + ": no aggregate \"cpu\" line");
  }
  return stat;
}

std::optional<CpuUsage> computeCpuUsage(const CpuTimes& before, const CpuTimes& after) noexcept {
  const auto user = delta(before.user, after.user);
  const auto nice = delta(before.nice, after.nice);
  const auto system = delta(before.system, after.system);
  const auto idle = delta(before.idle, after.idle);
  const auto iowait = delta(before.iowait, after.iowait);
  const auto irq = delta(before.irq, after.irq);
  const auto softirq = delta(before.softirq, after.softirq);
  const auto steal = delta(before.steal, after.steal);
  const auto guest = static_cast<double>(delta(before.guest, after.guest)) +
                     static_cast<double>(delta(before.guest_nice, after.guest_nice));
  // Summed as doubles: 64-bit counters cannot wrap the total (only hostile input comes close).
  auto as_double = [](std::uint64_t ticks) { return static_cast<double>(ticks); };
  const double busy = as_double(user) + as_double(nice) + as_double(system) + as_double(irq) +
                      as_double(softirq) + as_double(steal);
  const double total = busy + as_double(idle) + as_double(iowait);
  if (total == 0) return std::nullopt;
  const double scale = 100.0 / total;
  auto percent = [scale](double ticks) { return ticks * scale; };
  CpuUsage usage;
  usage.usage_percent = percent(busy);
  usage.user_percent = percent(as_double(user));
  usage.nice_percent = percent(as_double(nice));
  usage.system_percent = percent(as_double(system));
  usage.idle_percent = percent(as_double(idle));
  usage.iowait_percent = percent(as_double(iowait));
  usage.irq_percent = percent(as_double(irq));
  usage.softirq_percent = percent(as_double(softirq));
  usage.steal_percent = percent(as_double(steal));
  usage.guest_percent = std::min(100.0, percent(guest));
  return usage;
}

CpuStats computeCpuStats(const ProcStat& before, const ProcStat& after, double elapsed_seconds) {
  CpuStats stats;
  if (before.total && after.total) stats.total = computeCpuUsage(*before.total, *after.total);
  std::map<int, const CpuTimes*> earlier;
  for (const auto& cpu : before.per_cpu) earlier.emplace(cpu.cpu, &cpu.times);
  for (const auto& cpu : after.per_cpu) {
    const auto it = earlier.find(cpu.cpu);
    if (it == earlier.end()) continue;
    if (const auto usage = computeCpuUsage(*it->second, cpu.times)) {
      stats.per_core.push_back(CoreUsage{cpu.cpu, *usage});
    }
  }
  std::sort(stats.per_core.begin(), stats.per_core.end(),
            [](const CoreUsage& a, const CoreUsage& b) { return a.cpu < b.cpu; });
  stats.per_core.erase(
      std::unique(stats.per_core.begin(), stats.per_core.end(),
                  [](const CoreUsage& a, const CoreUsage& b) { return a.cpu == b.cpu; }),
      stats.per_core.end());
  if (elapsed_seconds > 0 && before.context_switches && after.context_switches) {
    stats.context_switches_per_second =
        static_cast<double>(delta(*before.context_switches, *after.context_switches)) /
        elapsed_seconds;
  }
  stats.procs_running = after.procs_running;
  stats.procs_blocked = after.procs_blocked;
  return stats;
}

}  // namespace keelson::host
