// Benchmarks of keelson::host: one whole snapshot of this machine (interval 0, so the sleep is
// not measured), one reading of the counters node_exporter's matching collectors read, and each
// parser's throughput on captured samples (tests/data/host). bench/host_vs_node_exporter runs
// the first two beside node_exporter and prints the ratios.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "host/connectivity.h"
#include "host/host_json.h"
#include "host/host_snapshot.h"
#include "host/proc/cpuinfo.h"
#include "host/proc/diskstats.h"
#include "host/proc/loadavg.h"
#include "host/proc/meminfo.h"
#include "host/proc/mountinfo.h"
#include "host/proc/net_dev.h"
#include "host/proc/net_sockets.h"
#include "host/proc/os_release.h"
#include "host/proc/passwd.h"
#include "host/proc/pid.h"
#include "host/proc/stat.h"
#include "host/process_collector.h"
#include "host/sock_diag.h"

namespace {

using keelson::host::HostFs;
using keelson::host::HostOptions;

std::string readSample(const std::string& relative) {
  const auto path = std::filesystem::path(KEELSON_HOST_BENCH_DATA) / relative;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("bench_host: cannot read " + path.string());
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

// Snapshots of this machine, `collect(fs, options)` each, with interval 0 (the sleep between
// two samples is not measured). CPU time counts all threads (statvfs probes run on their own).
template <typename Collect>
void benchSnapshots(benchmark::State& state, Collect collect) {
  const auto fs = HostFs::open("/");
  HostOptions options;
  options.interval = std::chrono::milliseconds(0);
  std::size_t processes = 0;
  for (auto _ : state) {
    auto snapshot = collect(fs, options);
    if (snapshot.processes.ok()) processes = snapshot.processes.value->total;
    benchmark::DoNotOptimize(snapshot);
  }
  state.counters["processes"] = static_cast<double>(processes);
}

// One snapshot of this machine: two samples back to back, every section.
void BM_CollectHostSnapshot(benchmark::State& state) {
  benchSnapshots(state, [](const HostFs& fs, const HostOptions& options) {
    return keelson::host::collectHost(fs, options);
  });
}
BENCHMARK(BM_CollectHostSnapshot)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The same, plus JSON serialisation, as the agent reports it.
void BM_CollectHostSnapshotToJson(benchmark::State& state) {
  const auto fs = HostFs::open("/");
  HostOptions options;
  options.interval = std::chrono::milliseconds(0);
  for (auto _ : state) {
    auto text = keelson::host::toJson(keelson::host::collectHost(fs, options)).dump();
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_CollectHostSnapshotToJson)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// A long-running collector's snapshot (serve's host sampler, monitor's ticks): a HostCollector
// whose later snapshots start from the previous one's samples, so each reads the counters once.
void BM_CollectHostSnapshotRolling(benchmark::State& state) {
  keelson::host::HostCollector collector;
  benchSnapshots(state, [&collector](const HostFs& fs, const HostOptions& options) {
    return collector.collect(fs, options);
  });
}
BENCHMARK(BM_CollectHostSnapshotRolling)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// What node_exporter's collectors cpu, stat, meminfo, loadavg, filesystem, diskstats, netdev,
// tcpstat and processes read, read once: one sample of each counter, no rates, no top lists, no
// system information or CPU topology. The like-for-like peer of one node_exporter scrape
// (bench/host_vs_node_exporter); a snapshot takes two samples and completes the top lists.
void BM_CollectHostCountersOnce(benchmark::State& state) {
  const auto fs = HostFs::open("/");
  const HostOptions options;
  const auto prober = keelson::host::StatvfsProber::shared();
  const auto reader = keelson::host::ProcessTableReader::shared();  // As collectHost's.
  std::size_t processes = 0;
  for (auto _ : state) {
    auto cpu = keelson::host::sampleCpu(fs);
    auto load = keelson::host::parseLoadavg(fs.readFile("/proc/loadavg", 4096));
    auto memory = keelson::host::collectMemory(fs);
    auto filesystems = keelson::host::collectFilesystems(fs, options.filesystems, *prober);
    auto disks = keelson::host::sampleDisks(fs, options.disks);
    auto network = keelson::host::sampleNetwork(fs, options.network);
    auto connections = keelson::host::collectConnections(fs);
    auto sample = reader->sample(fs);
    processes = sample.processes.size();
    benchmark::DoNotOptimize(cpu);
    benchmark::DoNotOptimize(load);
    benchmark::DoNotOptimize(memory);
    benchmark::DoNotOptimize(filesystems);
    benchmark::DoNotOptimize(disks);
    benchmark::DoNotOptimize(network);
    benchmark::DoNotOptimize(connections);
    benchmark::DoNotOptimize(sample);
  }
  state.counters["processes"] = static_cast<double>(processes);
}
BENCHMARK(BM_CollectHostCountersOnce)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One sample of the process table (every /proc/PID/stat): a snapshot takes two.
void BM_SampleProcesses(benchmark::State& state) {
  const auto fs = HostFs::open("/");
  std::size_t processes = 0;
  for (auto _ : state) {
    auto sample = keelson::host::sampleProcesses(fs);
    processes = sample.processes.size();
    benchmark::DoNotOptimize(sample);
  }
  state.counters["processes"] = static_cast<double>(processes);
}
BENCHMARK(BM_SampleProcesses)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The same through a ProcessTableReader that keeps the stat files open, as collectHost does.
void BM_SampleProcessesKeptOpen(benchmark::State& state) {
  const auto fs = HostFs::open("/");
  keelson::host::ProcessTableReader reader;
  std::size_t processes = 0;
  for (auto _ : state) {
    auto sample = reader.sample(fs);
    processes = sample.processes.size();
    benchmark::DoNotOptimize(sample);
  }
  state.counters["processes"] = static_cast<double>(processes);
}
BENCHMARK(BM_SampleProcessesKeptOpen)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The connectivity section as every snapshot collects it without probes (no --probe-target, no
// API server): /sys/class/net per interface, the default routes, resolv.conf.
void BM_CollectConnectivity(benchmark::State& state) {
  const auto fs = HostFs::open("/");
  std::size_t interfaces = 0;
  for (auto _ : state) {
    auto section = keelson::host::collectConnectivity(fs, {});
    interfaces = section.interfaces.size();
    benchmark::DoNotOptimize(section);
  }
  state.counters["interfaces"] = static_cast<double>(interfaces);
}
BENCHMARK(BM_CollectConnectivity)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The network interfaces of the connectivity section: one rtnetlink dump (readNetworkInterfaces,
// when /proc/1/net is this process's namespace), against a file read per attribute and
// device (readNetworkInterfacesFromSysfs). Run in a network namespace with many devices to see
// how each scales: `ip netns exec NS unshare --pid --fork --mount-proc bench_host` (PID 1 must
// be in the namespace, or the first falls back to sysfs).
template <typename Read>
void benchInterfaces(benchmark::State& state, Read read) {
  const auto fs = HostFs::open("/");
  std::size_t interfaces = 0;
  for (auto _ : state) {
    auto list = read(fs);
    interfaces = list.size();
    benchmark::DoNotOptimize(list);
  }
  state.counters["interfaces"] = static_cast<double>(interfaces);
}
void BM_ReadNetworkInterfaces(benchmark::State& state) {
  benchInterfaces(state, [](const HostFs& fs) { return keelson::host::readNetworkInterfaces(fs); });
}
void BM_ReadNetworkInterfacesFromSysfs(benchmark::State& state) {
  benchInterfaces(
      state, [](const HostFs& fs) { return keelson::host::readNetworkInterfacesFromSysfs(fs); });
}
BENCHMARK(BM_ReadNetworkInterfaces)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReadNetworkInterfacesFromSysfs)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// One sock_diag dump counting the UDP sockets (collectConnections' UDP part): one dump a
// family, each walking the UDP hash once.
void BM_CountUdpSocketsByNetlink(benchmark::State& state) {
  for (auto _ : state) {
    auto counts = keelson::host::countUdpSocketsByNetlink();
    if (!counts) {
      state.SkipWithError("sock_diag netlink unavailable");
      break;
    }
    benchmark::DoNotOptimize(counts);
  }
}
BENCHMARK(BM_CountUdpSocketsByNetlink)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// One sock_diag dump counting the TCP sockets of both families (collectConnections' TCP part):
// the kernel walks its whole established hash for it, however few sockets there are, which
// puts a floor under the snapshot's CPU (and node_exporter's tcpstat pays it too).
void BM_CountTcpSocketsByNetlink(benchmark::State& state) {
  std::uint64_t sockets = 0;
  for (auto _ : state) {
    auto counts = keelson::host::countTcpSocketsByNetlink();
    if (!counts) {
      state.SkipWithError("sock_diag netlink unavailable");
      break;
    }
    sockets = counts->ipv4.total + counts->ipv6.total;
    benchmark::DoNotOptimize(counts);
  }
  state.counters["sockets"] = static_cast<double>(sockets);
}
BENCHMARK(BM_CountTcpSocketsByNetlink)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Parser throughput: `parse` over the bytes of one captured file.
template <typename Parse>
void benchParser(benchmark::State& state, const std::string& sample, Parse parse) {
  const auto text = readSample(sample);
  for (auto _ : state) {
    auto result = parse(text);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}

void BM_ParseStat(benchmark::State& state) {
  benchParser(state, "node-vm/t0/proc/stat", keelson::host::parseStat);
}
void BM_ParseMeminfo(benchmark::State& state) {
  benchParser(state, "node-vm/t0/proc/meminfo", keelson::host::parseMeminfo);
}
void BM_ParseCpuinfo(benchmark::State& state) {
  benchParser(state, "node-vm/t0/proc/cpuinfo", keelson::host::parseCpuinfo);
}
void BM_ParseMountinfoNode(benchmark::State& state) {
  benchParser(state, "odd/mountinfo-k8s-node", keelson::host::parseMountinfo);
}
void BM_ParseMountinfoLongLine(benchmark::State& state) {
  benchParser(state, "odd/mountinfo-long-line", keelson::host::parseMountinfo);
}
void BM_ParseDiskstats(benchmark::State& state) {
  benchParser(state, "node-vm/t0/proc/diskstats", keelson::host::parseDiskstats);
}
void BM_ParseNetDev(benchmark::State& state) {
  benchParser(state, "node-vm/t0/proc/1/net/dev", keelson::host::parseNetDev);
}
void BM_ParseNetTcp(benchmark::State& state) {
  benchParser(state, "misc/net-tcp-states", keelson::host::parseNetSockets);
}
void BM_ParsePidStat(benchmark::State& state) {
  benchParser(state, "node-vm/t0/proc/27850/stat", keelson::host::parsePidStat);
}
void BM_ParsePidStatus(benchmark::State& state) {
  benchParser(state, "node-vm/t0/proc/1/status", keelson::host::parsePidStatus);
}
void BM_ParseOsRelease(benchmark::State& state) {
  benchParser(state, "node-vm/t0/etc/os-release", keelson::host::parseOsRelease);
}
void BM_ParsePasswd(benchmark::State& state) {
  benchParser(state, "node-vm/t0/etc/passwd", keelson::host::parsePasswd);
}
BENCHMARK(BM_ParseStat);
BENCHMARK(BM_ParseMeminfo);
BENCHMARK(BM_ParseCpuinfo);
BENCHMARK(BM_ParseMountinfoNode);
BENCHMARK(BM_ParseMountinfoLongLine);
BENCHMARK(BM_ParseDiskstats);
BENCHMARK(BM_ParseNetDev);
BENCHMARK(BM_ParseNetTcp);
BENCHMARK(BM_ParsePidStat);
BENCHMARK(BM_ParsePidStatus);
BENCHMARK(BM_ParseOsRelease);
BENCHMARK(BM_ParsePasswd);

// /proc/net/tcp of a busy node: 100k sockets (about 15 MB) counted in one pass.
void BM_ParseNetTcpHundredThousandSockets(benchmark::State& state) {
  const auto sample = readSample("misc/net-tcp-states");
  const auto header_end = sample.find('\n') + 1;
  const auto first_line = sample.substr(header_end, sample.find('\n', header_end) - header_end + 1);
  std::string text = sample.substr(0, header_end);
  for (int i = 0; i < 100'000; ++i) text += first_line;
  for (auto _ : state) {
    auto counts = keelson::host::parseNetSockets(text);
    benchmark::DoNotOptimize(counts);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_ParseNetTcpHundredThousandSockets)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
