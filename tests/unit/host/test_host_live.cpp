// The collectors on the machine running the tests, checked against independent sources:
// system calls (sysinfo, sysconf, statvfs, uname, gethostname, time) rather than the /proc
// files the collectors read.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <thread>

#include "host/cpu_collector.h"
#include "host/disk_collector.h"
#include "host/filesystem_collector.h"
#include "host/host_json.h"
#include "host/host_snapshot.h"
#include "host/memory_collector.h"
#include "host/network_collector.h"
#include "host/process_collector.h"
#include "host/system_collector.h"

namespace keelson::host {
namespace {

using namespace std::chrono_literals;

const HostFs& liveFs() {
  static const HostFs fs = HostFs::open("/");
  return fs;
}

TEST(LiveHostTest, MemTotalMatchesSysinfo) {
  struct sysinfo info {};
  ASSERT_EQ(::sysinfo(&info), 0);
  const auto memory = collectMemory(liveFs());
  EXPECT_EQ(memory.total_bytes, static_cast<std::uint64_t>(info.totalram) * info.mem_unit);
  EXPECT_EQ(memory.swap_total_bytes, static_cast<std::uint64_t>(info.totalswap) * info.mem_unit);
  EXPECT_LE(memory.available_bytes, memory.total_bytes);
  EXPECT_GE(memory.usage_percent, 0.0);
  EXPECT_LE(memory.usage_percent, 100.0);
}

TEST(LiveHostTest, OnlineCpusMatchSysconf) {
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  const auto topology = readCpuTopology(liveFs());
  EXPECT_EQ(topology.threads, static_cast<std::uint32_t>(online));
  EXPECT_EQ(topology.online_cpus.size(), static_cast<std::size_t>(online));
  EXPECT_GE(topology.cores, topology.sockets);
  EXPECT_LE(topology.cores, topology.threads);
  EXPECT_GE(topology.sockets, 1u);
  // Every online CPU has a line in /proc/stat.
  EXPECT_EQ(sampleCpu(liveFs()).per_cpu.size(), static_cast<std::size_t>(online));
}

TEST(LiveHostTest, RootFilesystemSizeMatchesStatvfs) {
  struct statvfs direct {};
  ASSERT_EQ(::statvfs("/", &direct), 0);
  StatvfsProber prober;
  const auto filesystems = collectFilesystems(liveFs(), {}, prober);
  const auto root = std::find_if(filesystems.begin(), filesystems.end(),
                                 [](const Filesystem& fs) { return fs.mount_point == "/"; });
  ASSERT_NE(root, filesystems.end()) << "no \"/\" among " << filesystems.size() << " mounts";
  ASSERT_TRUE(root->usage.has_value()) << root->error;
  EXPECT_EQ(root->usage->total_bytes,
            static_cast<std::uint64_t>(direct.f_blocks) * direct.f_frsize);
  EXPECT_EQ(root->usage->inodes_total, static_cast<std::uint64_t>(direct.f_files));
  for (const auto& fs : filesystems) {
    EXPECT_NE(fs.fs_type, "proc");
    EXPECT_NE(fs.fs_type, "sysfs");
    EXPECT_FALSE(fs.stale) << fs.mount_point;
  }
}

TEST(LiveHostTest, InterfaceCountersDoNotDecrease) {
  const auto before = sampleNetwork(liveFs(), {});
  ASSERT_FALSE(before.empty());
  // Some loopback traffic between the samples.
  const int sock = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const char payload[100] = {};
  for (int i = 0; i < 5; ++i) {
    ::sendto(sock, payload, sizeof payload, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  ::close(sock);
  const auto after = sampleNetwork(liveFs(), {});
  for (const auto& old : before) {
    const auto it = std::find_if(after.begin(), after.end(), [&](const NetDevStat& now) {
      return now.interface == old.interface;
    });
    if (it == after.end()) continue;  // Interface removed meanwhile.
    EXPECT_GE(it->rx_bytes, old.rx_bytes) << old.interface;
    EXPECT_GE(it->tx_bytes, old.tx_bytes) << old.interface;
    EXPECT_GE(it->rx_packets, old.rx_packets) << old.interface;
    if (old.interface == "lo") {
      EXPECT_GE(it->tx_bytes, old.tx_bytes + 5 * sizeof payload);
    }
  }
  const auto disks1 = sampleDisks(liveFs(), {});
  const auto disks2 = sampleDisks(liveFs(), {});
  ASSERT_EQ(disks1.size(), disks2.size());
  for (std::size_t i = 0; i < disks1.size(); ++i) {
    EXPECT_GE(disks2[i].sectors_written, disks1[i].sectors_written) << disks1[i].name;
  }
}

TEST(LiveHostTest, BootTimeIsNowMinusUptime) {
  const auto system = collectSystem(liveFs());
  ASSERT_TRUE(system.boot_time_unix_seconds.has_value());
  const double now = static_cast<double>(std::time(nullptr));
  // btime is whole seconds; allow for that and the time between the reads.
  EXPECT_NEAR(static_cast<double>(*system.boot_time_unix_seconds) + system.uptime_seconds, now,
              3.0);
  utsname names{};
  ASSERT_EQ(::uname(&names), 0);
  EXPECT_EQ(system.kernel_release, names.release);
  char hostname[256] = {};
  ASSERT_EQ(::gethostname(hostname, sizeof hostname - 1), 0);
  EXPECT_EQ(system.hostname, hostname);
  EXPECT_EQ(system.hostname_source, "kernel");
}

TEST(LiveHostTest, ProcessesIncludePidOneAndOurselves) {
  const auto sample = sampleProcesses(liveFs());
  const auto find = [&](std::int64_t pid) {
    return std::find_if(sample.processes.begin(), sample.processes.end(),
                        [pid](const PidStat& p) { return p.pid == pid; });
  };
  EXPECT_NE(find(1), sample.processes.end());
  const auto self = find(::getpid());
  ASSERT_NE(self, sample.processes.end());
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_GE(self->num_threads, 1);
}

TEST(LiveHostTest, BusyThreadShowsInTopCpu) {
  std::atomic<bool> stop{false};
  std::thread burner([&] {
    volatile std::uint64_t x = 0;
    while (!stop.load(std::memory_order_relaxed)) x = x + 1;
  });
  HostOptions options;
  options.interval = 300ms;
  options.processes.top_n = 100000;  // Everything: the machine may be busy with other work.
  const auto snapshot = collectHost(liveFs(), options);
  stop = true;
  burner.join();

  ASSERT_TRUE(snapshot.processes.ok()) << snapshot.processes.error;
  const auto& top = snapshot.processes.value->top_cpu;
  const auto self = std::find_if(top.begin(), top.end(),
                                 [](const ProcessInfo& p) { return p.pid == ::getpid(); });
  ASSERT_NE(self, top.end());
  ASSERT_TRUE(self->cpu_percent.has_value());
  EXPECT_GT(*self->cpu_percent, 0.0);
  EXPECT_EQ(self->uid, ::getuid());
  EXPECT_GE(self->threads, 2);
  EXPECT_FALSE(self->cmdline.empty());

  // Every section works on a real host, and the JSON is well-formed.
  for (const auto* error : {&snapshot.system.error, &snapshot.cpu.error, &snapshot.memory.error,
                            &snapshot.filesystems.error, &snapshot.disks.error,
                            &snapshot.network.error, &snapshot.connections.error}) {
    EXPECT_EQ(*error, "");
  }
  ASSERT_TRUE(snapshot.cpu.ok());
  ASSERT_TRUE(snapshot.cpu.value->total.has_value());
  EXPECT_GT(snapshot.cpu.value->total->usage_percent, 0.0);
  EXPECT_LE(snapshot.cpu.value->total->usage_percent, 100.0);
  EXPECT_GE(snapshot.interval_seconds, 0.3);
  const auto json = toJson(snapshot);
  EXPECT_TRUE(json["errors"].empty()) << json["errors"].dump();
  EXPECT_FALSE(json.dump().empty());
}

TEST(LiveHostTest, ListeningSocketIsCounted) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  const auto with = collectConnections(liveFs());
  ::close(listener);
  ASSERT_TRUE(with.tcp.has_value());
  EXPECT_GE(with.tcp->by_state[static_cast<int>(TcpState::kListen)], 1u);
}

}  // namespace
}  // namespace keelson::host
