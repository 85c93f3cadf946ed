#include "host/host_snapshot.h"

#include <exception>
#include <utility>

#include "host/proc/loadavg.h"

namespace keelson::host {
namespace {

using core::SteadyTime;

// A sample and when it was taken.
template <typename T>
struct Timed {
  T sample;
  SteadyTime taken_at;
};

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

// The second half of a two-sample section: fails with the first sample's error if it failed.
template <typename T, typename S, typename Fn>
Section<T> secondSample(const Section<Timed<S>>& first, Fn&& collect) {
  if (!first.ok()) {
    Section<T> section;
    section.error = first.error;
    section.error_code = first.error_code;
    section.disabled = first.disabled;
    return section;
  }
  return guarded<T>([&] { return collect(*first.value); });
}

}  // namespace

HostSnapshot collectHost(const HostFs& fs, const HostOptions& options) {
  const auto& clock = options.clock;
  const auto prober = options.statvfs_prober ? options.statvfs_prober : StatvfsProber::shared();
  const auto process_reader =
      options.process_reader ? options.process_reader : ProcessTableReader::shared();
  HostSnapshot snapshot;
  snapshot.host_root = fs.root();

  auto timed = [&](auto sample) {
    return Timed<decltype(sample)>{std::move(sample), clock->steadyNow()};
  };
  const SteadyTime first_at = clock->steadyNow();
  const auto& on = options.collectors;
  const auto cpu1 =
      ifEnabled<Timed<ProcStat>>(on, Collector::kCpu, [&] { return timed(sampleCpu(fs)); });
  const auto disks1 = ifEnabled<Timed<std::vector<DiskStat>>>(
      on, Collector::kDisks, [&] { return timed(sampleDisks(fs, options.disks)); });
  const auto network1 = ifEnabled<Timed<std::vector<NetDevStat>>>(
      on, Collector::kNetwork, [&] { return timed(sampleNetwork(fs, options.network)); });
  const auto processes1 = ifEnabled<Timed<ProcessSample>>(
      on, Collector::kProcesses, [&] { return timed(process_reader->sample(fs)); });

  // Single-sample sections use the interval instead of adding to it.
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
  const auto topology =
      ifEnabled<CpuTopology>(on, Collector::kCpu, [&] { return readCpuTopology(fs); });

  const auto spent = clock->steadyNow() - first_at;
  if (spent < options.interval) clock->sleepFor(options.interval - spent);
  const SteadyTime second_at = clock->steadyNow();
  snapshot.interval_seconds = secondsBetween(first_at, second_at);

  snapshot.cpu = secondSample<CpuStats>(cpu1, [&](const Timed<ProcStat>& first) {
    const auto second = timed(sampleCpu(fs));
    auto stats = computeCpuStats(first.sample, second.sample,
                                 secondsBetween(first.taken_at, second.taken_at));
    if (!topology.ok()) throw Error(*topology.error_code, topology.error);
    stats.topology = *topology.value;
    try {
      stats.load = parseLoadavg(fs.readFile("/proc/loadavg", 4096));
    } catch (const Error&) {
      // Load is optional within the CPU section (nullopt).
    }
    return stats;
  });
  snapshot.disks =
      secondSample<std::vector<DiskIo>>(disks1, [&](const Timed<std::vector<DiskStat>>& first) {
        const auto second = timed(sampleDisks(fs, options.disks));
        return computeDiskIo(first.sample, second.sample,
                             secondsBetween(first.taken_at, second.taken_at));
      });
  snapshot.network = secondSample<std::vector<InterfaceIo>>(
      network1, [&](const Timed<std::vector<NetDevStat>>& first) {
        const auto second = timed(sampleNetwork(fs, options.network));
        return computeNetworkIo(first.sample, second.sample,
                                secondsBetween(first.taken_at, second.taken_at));
      });
  snapshot.processes =
      secondSample<ProcessStats>(processes1, [&](const Timed<ProcessSample>& first) {
        const auto second = timed(process_reader->sample(fs));
        return computeProcesses(fs, first.sample, second.sample,
                                secondsBetween(first.taken_at, second.taken_at), options.processes);
      });
  snapshot.timestamp = clock->wallNow();
  return snapshot;
}

}  // namespace keelson::host
