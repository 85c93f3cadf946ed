#include "host/host_snapshot.h"

#include <exception>
#include <mutex>
#include <optional>
#include <utility>

#include "host/proc/loadavg.h"

namespace keelson::host {

using core::SteadyTime;

namespace detail {

// A sample and when it was taken. (Not in the anonymous namespace: HostSamples, which the
// header declares, holds them.)
template <typename T>
struct Timed {
  T sample;
  SteadyTime taken_at;
};

}  // namespace detail

namespace {

using detail::Timed;

double secondsBetween(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double>(to - from).count();
}

// Runs one section's collection, turning any exception into the section's error.
template <typename T, typename Fn>
Section<T> guarded(Fn&& collect) {
  Section<T> section;
  try {
    section.value.emplace(collect());
  } catch (const Error& error) {
    section.error = error.what();
    section.error_code = error.code();
  } catch (const std::exception& error) {
    section.error = std::string("unexpected failure: ") + error.what();
    section.error_code = ErrorCode::kInternal;
  }
  return section;
}

// guarded(collect) when `collector` is enabled, else a disabled section (collect is not run).
template <typename T, typename Fn>
Section<T> ifEnabled(const EnabledCollectors& enabled, Collector collector, Fn&& collect) {
  if (enabled.enabled(collector)) return guarded<T>(std::forward<Fn>(collect));
  Section<T> section;
  section.disabled = true;
  return section;
}

// A section computed from two samples: the first failure among them (or their being
// disabled), else compute(first, second) guarded.
template <typename T, typename S, typename Fn>
Section<T> fromSamples(const Section<Timed<S>>& first, const Section<Timed<S>>& second,
                       Fn&& compute) {
  if (!first.ok() || !second.ok()) {
    const auto& failed = first.ok() ? second : first;
    Section<T> section;
    section.error = failed.error;
    section.error_code = failed.error_code;
    section.disabled = failed.disabled;
    return section;
  }
  return guarded<T>([&] { return compute(*first.value, *second.value); });
}

}  // namespace

// One sample of every two-sample section, and what it was taken from.
struct HostSamples {
  Section<Timed<ProcStat>> cpu;
  Section<Timed<std::vector<DiskStat>>> disks;
  Section<Timed<std::vector<NetDevStat>>> network;
  Section<Timed<ProcessSample>> processes;
  std::string host_root;
  SteadyTime taken_at;

  // Usable as the first samples of a snapshot of `fs` with `options`: the same host and
  // collectors, and no section failed (a failure is retried with two fresh samples).
  bool usableFor(const HostFs& fs, const HostOptions& options) const {
    const auto& on = options.collectors;
    const auto matches = [&](const auto& section, Collector collector) {
      return section.disabled != on.enabled(collector) && section.okOrDisabled();
    };
    return host_root == fs.root() && matches(cpu, Collector::kCpu) &&
           matches(disks, Collector::kDisks) && matches(network, Collector::kNetwork) &&
           matches(processes, Collector::kProcesses);
  }
};

namespace {

// readCpuTopology, or `cache`'s copy while /sys/devices/system/cpu/online reads the same on the
// same host (only hotplug changes it; the per-CPU files and /proc/cpuinfo it spares grow with
// the CPUs). Without the online file nothing is kept.
CpuTopology cachedTopology(const HostFs& fs, std::optional<detail::TopologyCache>& cache) {
  const auto online = fs.readFileIfExists("/sys/devices/system/cpu/online", 65536);
  if (online && cache && cache->host_root == fs.root() && cache->online == *online) {
    return cache->topology;
  }
  auto topology = readCpuTopology(fs);
  if (online) {
    cache = detail::TopologyCache{fs.root(), *online, topology};
  } else {
    cache.reset();
  }
  return topology;
}

HostSamples takeSamples(const HostFs& fs, const HostOptions& options,
                        ProcessTableReader& process_reader) {
  const auto& clock = options.clock;
  auto timed = [&](auto sample) {
    return Timed<decltype(sample)>{std::move(sample), clock->steadyNow()};
  };
  const auto& on = options.collectors;
  HostSamples samples;
  samples.host_root = fs.root();
  samples.taken_at = clock->steadyNow();
  samples.cpu =
      ifEnabled<Timed<ProcStat>>(on, Collector::kCpu, [&] { return timed(sampleCpu(fs)); });
  samples.disks = ifEnabled<Timed<std::vector<DiskStat>>>(
      on, Collector::kDisks, [&] { return timed(sampleDisks(fs, options.disks)); });
  samples.network = ifEnabled<Timed<std::vector<NetDevStat>>>(
      on, Collector::kNetwork, [&] { return timed(sampleNetwork(fs, options.network)); });
  samples.processes = ifEnabled<Timed<ProcessSample>>(
      on, Collector::kProcesses, [&] { return timed(process_reader.sample(fs)); });
  return samples;
}

// The two-sample sections of `snapshot`, from `first` to `second`; the CPU section takes the
// topology and /proc/loadavg too.
void computeRates(const HostFs& fs, const HostOptions& options, const HostSamples& first,
                  const HostSamples& second, const Section<CpuTopology>& topology,
                  HostSnapshot& snapshot) {
  snapshot.cpu = fromSamples<CpuStats>(
      first.cpu, second.cpu, [&](const Timed<ProcStat>& before, const Timed<ProcStat>& after) {
        auto stats = computeCpuStats(before.sample, after.sample,
                                     secondsBetween(before.taken_at, after.taken_at));
        if (!topology.ok()) throw Error(*topology.error_code, topology.error);
        stats.topology = *topology.value;
        try {
          stats.load = parseLoadavg(fs.readFile("/proc/loadavg", 4096));
        } catch (const Error&) {
          // Load is optional within the CPU section (nullopt).
        }
        return stats;
      });
  snapshot.disks = fromSamples<std::vector<DiskIo>>(
      first.disks, second.disks,
      [&](const Timed<std::vector<DiskStat>>& before, const Timed<std::vector<DiskStat>>& after) {
        return computeDiskIo(before.sample, after.sample,
                             secondsBetween(before.taken_at, after.taken_at));
      });
  snapshot.network = fromSamples<std::vector<InterfaceIo>>(
      first.network, second.network,
      [&](const Timed<std::vector<NetDevStat>>& before,
          const Timed<std::vector<NetDevStat>>& after) {
        return computeNetworkIo(before.sample, after.sample,
                                secondsBetween(before.taken_at, after.taken_at));
      });
  snapshot.processes = fromSamples<ProcessStats>(
      first.processes, second.processes,
      [&](const Timed<ProcessSample>& before, const Timed<ProcessSample>& after) {
        return computeProcesses(fs, before.sample, after.sample,
                                secondsBetween(before.taken_at, after.taken_at), options.processes);
      });
}

// A snapshot whose rates run from `first` (taken now when null, `options.interval` before the
// second samples) to samples taken at the end, which are returned in `last`. The topology is
// read through `topology_cache` when given.
HostSnapshot collectFrom(const HostFs& fs, const HostOptions& options, const HostSamples* first,
                         HostSamples& last, std::optional<detail::TopologyCache>* topology_cache) {
  const auto& clock = options.clock;
  const auto prober = options.statvfs_prober ? options.statvfs_prober : StatvfsProber::shared();
  const auto process_reader =
      options.process_reader ? options.process_reader : ProcessTableReader::shared();
  HostSnapshot snapshot;
  snapshot.host_root = fs.root();

  std::optional<HostSamples> taken;
  if (first == nullptr) first = &taken.emplace(takeSamples(fs, options, *process_reader));

  // Single-sample sections use the interval instead of adding to it.
  const auto& on = options.collectors;
  snapshot.system = guarded<SystemInfo>([&] { return collectSystem(fs); });
  snapshot.memory =
      ifEnabled<MemoryStats>(on, Collector::kMemory, [&] { return collectMemory(fs); });
  snapshot.filesystems = ifEnabled<std::vector<Filesystem>>(on, Collector::kFilesystems, [&] {
    return collectFilesystems(fs, options.filesystems, *prober);
  });
  snapshot.connections = ifEnabled<ConnectionStats>(on, Collector::kConnections,
                                                    [&] { return collectConnections(fs); });
  snapshot.connectivity = ifEnabled<Connectivity>(
      on, Collector::kConnectivity, [&] { return collectConnectivity(fs, options.connectivity); });
  const auto topology = ifEnabled<CpuTopology>(on, Collector::kCpu, [&] {
    return topology_cache != nullptr ? cachedTopology(fs, *topology_cache) : readCpuTopology(fs);
  });

  if (taken) {
    const auto spent = clock->steadyNow() - first->taken_at;
    if (spent < options.interval) clock->sleepFor(options.interval - spent);
  }
  last = takeSamples(fs, options, *process_reader);
  snapshot.interval_seconds = secondsBetween(first->taken_at, last.taken_at);
  computeRates(fs, options, *first, last, topology, snapshot);
  snapshot.timestamp = clock->wallNow();
  return snapshot;
}

}  // namespace

HostSnapshot collectHost(const HostFs& fs, const HostOptions& options) {
  HostSamples last;
  return collectFrom(fs, options, nullptr, last, nullptr);
}

HostCollector::HostCollector() = default;
HostCollector::~HostCollector() = default;

HostSnapshot HostCollector::collect(const HostFs& fs, const HostOptions& options) {
  const std::lock_guard lock(mutex_);
  const HostSamples* first =
      previous_ && previous_->usableFor(fs, options) ? previous_.get() : nullptr;
  auto last = std::make_unique<HostSamples>();
  auto snapshot = collectFrom(fs, options, first, *last, &topology_);
  previous_ = std::move(last);
  return snapshot;
}

}  // namespace keelson::host
