// collectHost on a captured fixture tree, with a fake clock; the test swaps in the second
// capture while collectHost waits on it, and an injected statvfs. Every expected number is derived
// by hand from tests/data/host/node-vm/{t0,t1} (see test_collectors.cpp for the per-section
// arithmetic).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>

#include "host/host_json.h"
#include "host/host_snapshot.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using namespace std::chrono_literals;
using testing::collectAdvancing;
using testing::dataPath;
using testing::FakeClock;
using testing::TempDir;

// A copy of node-vm/t0 that becomes node-vm/t1 (for the files that change) on the first sleep.
class FixtureHost {
 public:
  FixtureHost() : clock_(std::make_shared<FakeClock>()) {
    std::filesystem::copy(dataPath("node-vm/t0"), dir_.path(),
                          std::filesystem::copy_options::recursive);
  }
  HostFs fs() const { return HostFs(dir_.path().string()); }
  const std::filesystem::path& root() const { return dir_.path(); }
  const std::shared_ptr<FakeClock>& clock() const { return clock_; }

  // collectHost (or `collector`'s collect) with `options` (from options()); the tree becomes t1
  // while it waits between its samples, unless `keep_t0`.
  HostSnapshot collect(const HostOptions& options, bool keep_t0 = false,
                       HostCollector* collector = nullptr) const {
    return collectAdvancing(
        fs(), options, *clock_,
        [this, keep_t0] {
          if (!keep_t0) becomeT1();
        },
        collector);
  }
  void becomeT1() const {
    std::filesystem::copy(dataPath("node-vm/t1"), dir_.path(),
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing);
  }
  HostSnapshot collect() const { return collect(options()); }

  // Options with the fake clock, a 1.25 s interval, fixed ticks and page size, and a statvfs
  // that reports 1000 blocks of 4 KiB, 250 free, 200 available, 100 inodes with 40 free.
  HostOptions options() const {
    HostOptions options;
    options.interval = 1250ms;
    options.clock = clock_;
    options.processes.clock_ticks_per_second = 100;
    options.processes.page_size_bytes = 4096;
    options.statvfs_prober =
        std::make_shared<StatvfsProber>([](const std::string&, struct statvfs& out) {
          out = {};
          out.f_frsize = 4096;
          out.f_blocks = 1000;
          out.f_bfree = 250;
          out.f_bavail = 200;
          out.f_files = 100;
          out.f_ffree = 40;
          return 0;
        });
    return options;
  }

 private:
  TempDir dir_;
  std::shared_ptr<FakeClock> clock_;
};

// A FIFO or a device where a /proc file should be fails its own section, promptly; the other
// sections are collected as usual.
TEST(CollectHostTest, AFifoOrDeviceInProcDegradesOnlyItsSection) {
  FixtureHost host;
  namespace fs = std::filesystem;
  fs::remove(host.root() / "proc/meminfo");
  ASSERT_EQ(::mkfifo((host.root() / "proc/meminfo").c_str(), 0600), 0);
  fs::remove(host.root() / "proc/diskstats");
  fs::create_symlink("/dev/zero", host.root() / "proc/diskstats");
  fs::remove(host.root() / "proc/1/cmdline");
  ASSERT_EQ(::mkfifo((host.root() / "proc/1/cmdline").c_str(), 0600), 0);

  // Keep t0: copying t1 over a FIFO would block.
  const auto snapshot = host.collect(host.options(), /*keep_t0=*/true);
  ASSERT_FALSE(snapshot.memory.ok());
  EXPECT_EQ(snapshot.memory.error_code, ErrorCode::kUnavailable);
  EXPECT_NE(snapshot.memory.error.find("proc/meminfo: not a regular file (FIFO)"),
            std::string::npos)
      << snapshot.memory.error;
  ASSERT_FALSE(snapshot.disks.ok());
  EXPECT_NE(snapshot.disks.error.find("proc/diskstats: not a regular file (character device)"),
            std::string::npos)
      << snapshot.disks.error;
  EXPECT_TRUE(snapshot.cpu.ok()) << snapshot.cpu.error;
  EXPECT_TRUE(snapshot.system.ok()) << snapshot.system.error;
  EXPECT_TRUE(snapshot.network.ok()) << snapshot.network.error;
  EXPECT_TRUE(snapshot.filesystems.ok()) << snapshot.filesystems.error;
  // The process whose cmdline is a FIFO is still listed, without a command line.
  ASSERT_TRUE(snapshot.processes.ok()) << snapshot.processes.error;
  const auto& top = snapshot.processes.value->top_rss;
  const auto init = std::find_if(top.begin(), top.end(), [](const auto& p) { return p.pid == 1; });
  ASSERT_NE(init, top.end());
  EXPECT_EQ(init->cmdline, "");
  EXPECT_EQ(init->command, "process_api");
}

TEST(CollectHostTest, FixtureTreeGivesExactNumbers) {
  FixtureHost host;
  const auto started = host.clock()->steadyNow();
  const auto snapshot = host.collect();

  // The fake clock does not move while reading, so it waits exactly the interval.
  EXPECT_EQ(host.clock()->steadyNow() - started, 1250ms);
  EXPECT_DOUBLE_EQ(snapshot.interval_seconds, 1.25);
  EXPECT_EQ(snapshot.timestamp, std::chrono::system_clock::time_point(1'800'000'000s + 1250ms));
  EXPECT_EQ(snapshot.host_root, host.root().string());

  ASSERT_TRUE(snapshot.system.ok()) << snapshot.system.error;
  const auto& system = *snapshot.system.value;
  EXPECT_EQ(system.hostname, "vm");
  EXPECT_EQ(system.hostname_source, "etc/hostname");  // Fixture root: not our UTS namespace.
  EXPECT_EQ(system.kernel_release, "6.18.44-fc-v669");
  EXPECT_EQ(system.kernel_version, "#1 SMP PREEMPT_DYNAMIC @0");
  EXPECT_EQ(system.os.get("PRETTY_NAME"), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_DOUBLE_EQ(system.uptime_seconds, 1098.59);
  EXPECT_EQ(system.boot_time_unix_seconds, 1795218012);

  ASSERT_TRUE(snapshot.cpu.ok()) << snapshot.cpu.error;
  const auto& cpu = *snapshot.cpu.value;
  EXPECT_DOUBLE_EQ(cpu.total->usage_percent, 100.0);
  EXPECT_DOUBLE_EQ(cpu.total->user_percent, 379.0 * 100 / 420);
  EXPECT_DOUBLE_EQ(cpu.total->system_percent, 41.0 * 100 / 420);
  EXPECT_EQ(cpu.per_core.size(), 2u);
  EXPECT_DOUBLE_EQ(*cpu.context_switches_per_second, 3948 / 1.25);
  EXPECT_EQ(cpu.topology.threads, 2u);
  EXPECT_EQ(cpu.topology.cores, 2u);
  EXPECT_EQ(cpu.topology.sockets, 1u);
  ASSERT_TRUE(cpu.load.has_value());
  EXPECT_DOUBLE_EQ(cpu.load->load1, 5.66);

  ASSERT_TRUE(snapshot.memory.ok()) << snapshot.memory.error;
  EXPECT_EQ(snapshot.memory.value->total_bytes, 24684084ull * 1024);
  EXPECT_EQ(snapshot.memory.value->used_bytes, 1334264ull * 1024);

  ASSERT_TRUE(snapshot.filesystems.ok()) << snapshot.filesystems.error;
  const auto& filesystems = *snapshot.filesystems.value;
  ASSERT_EQ(filesystems.size(), 3u);
  EXPECT_EQ(filesystems[0].mount_point, "/");
  EXPECT_EQ(filesystems[0].usage->total_bytes, 4096000u);
  EXPECT_EQ(filesystems[0].usage->used_bytes, 750u * 4096);
  EXPECT_EQ(filesystems[0].usage->available_bytes, 200u * 4096);
  EXPECT_DOUBLE_EQ(*filesystems[0].usage->usage_percent, 750.0 * 100 / 950);
  EXPECT_EQ(filesystems[0].usage->inodes_used, 60u);

  ASSERT_TRUE(snapshot.disks.ok()) << snapshot.disks.error;
  const auto& disks = *snapshot.disks.value;
  ASSERT_EQ(disks.size(), 2u);
  EXPECT_EQ(disks[0].counters.name, "vda");
  EXPECT_DOUBLE_EQ(*disks[0].write_bytes_per_second, 8192.0 * 512 / 1.25);
  EXPECT_EQ(disks[1].counters.name, "zram0");

  ASSERT_TRUE(snapshot.network.ok()) << snapshot.network.error;
  const auto& network = *snapshot.network.value;
  ASSERT_EQ(network.size(), 4u);
  EXPECT_DOUBLE_EQ(*network[0].rx_bytes_per_second, 16040 / 1.25);

  ASSERT_TRUE(snapshot.connections.ok()) << snapshot.connections.error;
  EXPECT_EQ(snapshot.connections.value->tcp->by_state[10], 1u);

  ASSERT_TRUE(snapshot.processes.ok()) << snapshot.processes.error;
  const auto& processes = *snapshot.processes.value;
  EXPECT_EQ(processes.total, 4u);
  EXPECT_EQ(processes.threads, 16u);
  EXPECT_EQ(processes.top_cpu[0].pid, 27849);
  EXPECT_DOUBLE_EQ(*processes.top_cpu[0].cpu_percent, 104.0 / 1.25);
  EXPECT_EQ(processes.top_rss[0].pid, 1);
}

TEST(CollectHostTest, OneFailedSectionDoesNotAffectTheOthers) {
  FixtureHost host;
  std::filesystem::remove(host.root() / "proc/meminfo");
  std::filesystem::remove(host.root() / "proc/diskstats");
  std::filesystem::remove_all(host.root() / "proc/1/net");
  const auto snapshot = host.collect();

  EXPECT_FALSE(snapshot.memory.ok());
  EXPECT_EQ(snapshot.memory.error_code, ErrorCode::kNotFound);
  EXPECT_NE(snapshot.memory.error.find((host.root() / "proc/meminfo").string()), std::string::npos)
      << snapshot.memory.error;
  EXPECT_FALSE(snapshot.disks.ok());
  EXPECT_EQ(snapshot.disks.error_code, ErrorCode::kNotFound);
  EXPECT_FALSE(snapshot.network.ok());
  EXPECT_FALSE(snapshot.connections.ok());
  // The host's routing tables are in proc/1/net too (and the tree has no proc/net to fall back on).
  EXPECT_FALSE(snapshot.connectivity.ok());
  EXPECT_EQ(snapshot.connectivity.error_code, ErrorCode::kNotFound);
  EXPECT_TRUE(snapshot.system.ok());
  EXPECT_TRUE(snapshot.cpu.ok());
  EXPECT_TRUE(snapshot.filesystems.ok());
  EXPECT_TRUE(snapshot.processes.ok());

  const auto json = toJson(snapshot);
  EXPECT_TRUE(json["memory"].is_null());
  EXPECT_TRUE(json["swap"].is_null());
  EXPECT_EQ(json["errors"]["memory"]["code"], "NotFound");
  EXPECT_EQ(json["errors"]["disks"]["code"], "NotFound");
  EXPECT_EQ(json["errors"].size(), 5u);
  EXPECT_FALSE(json["cpu"].is_null());
}

// A disabled collector is not run at all: its files may be missing without an error.
TEST(CollectHostTest, ADisabledCollectorIsNotRunAndReadsDisabled) {
  FixtureHost host;
  std::filesystem::remove(host.root() / "proc/meminfo");
  std::filesystem::remove(host.root() / "proc/diskstats");
  HostOptions options = host.options();
  options.collectors.set(Collector::kMemory, false);
  options.collectors.set(Collector::kDisks, false);
  options.collectors.set(Collector::kProcesses, false);
  const auto snapshot = host.collect(options, /*keep_t0=*/true);

  EXPECT_TRUE(snapshot.memory.disabled);
  EXPECT_FALSE(snapshot.memory.ok());
  EXPECT_TRUE(snapshot.memory.error.empty());
  EXPECT_TRUE(snapshot.disks.disabled);
  EXPECT_TRUE(snapshot.processes.disabled);
  EXPECT_TRUE(snapshot.cpu.ok());
  EXPECT_TRUE(snapshot.network.ok());

  const auto json = toJson(snapshot);
  const nlohmann::json disabled = {{"state", "disabled"}};
  EXPECT_EQ(json["memory"], disabled);
  EXPECT_EQ(json["swap"], disabled);
  EXPECT_EQ(json["disks"], disabled);
  EXPECT_EQ(json["processes"], disabled);
  EXPECT_TRUE(json["errors"].empty()) << json["errors"].dump();
}

TEST(CollectHostTest, FirstSampleFailureFailsOnlyThatSection) {
  FixtureHost host;
  std::filesystem::remove(host.root() / "proc/stat");
  const auto snapshot = host.collect();
  // /proc/stat is gone at the first sample; the second sample has it again (t1), but a rate
  // needs both.
  EXPECT_FALSE(snapshot.cpu.ok());
  EXPECT_EQ(snapshot.cpu.error_code, ErrorCode::kNotFound);
  EXPECT_FALSE(snapshot.system.ok());  // btime comes from /proc/stat too.
  EXPECT_TRUE(snapshot.memory.ok());
  EXPECT_TRUE(snapshot.processes.ok());
}

TEST(CollectHostTest, HungMountIsStaleAndTheSnapshotCompletes) {
  FixtureHost host;
  auto options = host.options();
  // statvfs of "/" blocks until the test ends; the other mounts answer.
  struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
  };
  auto gate = std::make_shared<Gate>();
  const std::string hung_path = host.root().string() + "/";
  options.statvfs_prober = std::make_shared<StatvfsProber>(
      [gate, hung_path](const std::string& path, struct statvfs& out) {
        if (path == hung_path) {
          std::unique_lock lock(gate->mutex);
          gate->cv.wait(lock, [&] { return gate->open; });
        }
        out = {};
        out.f_frsize = 4096;
        out.f_blocks = 10;
        return 0;
      });
  options.filesystems.statvfs_deadline = 50ms;
  const auto snapshot = host.collect(options);
  {
    std::lock_guard lock(gate->mutex);
    gate->open = true;
  }
  gate->cv.notify_all();

  ASSERT_TRUE(snapshot.filesystems.ok());
  const auto& filesystems = *snapshot.filesystems.value;
  ASSERT_EQ(filesystems.size(), 3u);
  EXPECT_TRUE(filesystems[0].stale);
  EXPECT_FALSE(filesystems[0].usage.has_value());
  EXPECT_NE(filesystems[0].error.find("did not return within 50 ms"), std::string::npos);
  EXPECT_FALSE(filesystems[1].stale);
  EXPECT_EQ(filesystems[1].usage->total_bytes, 40960u);
  const auto json = toJson(snapshot);
  EXPECT_EQ(json["filesystems"][0]["stale"], true);
  EXPECT_TRUE(json["filesystems"][0]["total_bytes"].is_null());
}

TEST(CollectHostTest, ZeroIntervalHasNoRates) {
  FixtureHost host;
  auto options = host.options();
  options.interval = 0ms;
  const auto started = host.clock()->steadyNow();
  const auto snapshot = host.collect(options);
  EXPECT_EQ(host.clock()->steadyNow(), started);  // no wait between the samples
  ASSERT_TRUE(snapshot.cpu.ok());
  EXPECT_FALSE(snapshot.cpu.value->total.has_value());  // Same /proc/stat twice: no ticks.
  EXPECT_FALSE(snapshot.network.value->at(0).rx_bytes_per_second.has_value());
  EXPECT_TRUE(snapshot.processes.value->top_cpu.empty());
  EXPECT_EQ(snapshot.processes.value->top_rss.size(), 4u);
}

// A HostCollector's later snapshot takes its rates from the previous snapshot's last samples:
// it does not wait, and over the time between the two it gives exactly the rates collectHost
// gives for t0 -> t1 over the same time (FixtureTreeGivesExactNumbers).
TEST(HostCollectorTest, LaterSnapshotsStartFromThePreviousSamplesWithoutWaiting) {
  FixtureHost host;
  HostCollector collector;
  const auto first = host.collect(host.options(), /*keep_t0=*/true, &collector);
  ASSERT_TRUE(first.cpu.ok()) << first.cpu.error;
  EXPECT_DOUBLE_EQ(first.interval_seconds, 1.25);

  host.becomeT1();
  host.clock()->advance(1250ms);
  const auto started = host.clock()->steadyNow();
  auto collecting =
      std::async(std::launch::async, [&] { return collector.collect(host.fs(), host.options()); });
  if (collecting.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "the second snapshot waited for the clock";
    host.clock()->advance(1250ms);
  }
  const auto snapshot = collecting.get();
  EXPECT_EQ(host.clock()->steadyNow(), started);
  EXPECT_DOUBLE_EQ(snapshot.interval_seconds, 1.25);
  ASSERT_TRUE(snapshot.cpu.ok()) << snapshot.cpu.error;
  EXPECT_DOUBLE_EQ(snapshot.cpu.value->total->user_percent, 379.0 * 100 / 420);
  EXPECT_DOUBLE_EQ(*snapshot.cpu.value->context_switches_per_second, 3948 / 1.25);
  ASSERT_TRUE(snapshot.disks.ok()) << snapshot.disks.error;
  EXPECT_DOUBLE_EQ(*snapshot.disks.value->at(0).write_bytes_per_second, 8192.0 * 512 / 1.25);
  ASSERT_TRUE(snapshot.network.ok()) << snapshot.network.error;
  EXPECT_DOUBLE_EQ(*snapshot.network.value->at(0).rx_bytes_per_second, 16040 / 1.25);
  ASSERT_TRUE(snapshot.processes.ok()) << snapshot.processes.error;
  EXPECT_EQ(snapshot.processes.value->top_cpu[0].pid, 27849);
  EXPECT_DOUBLE_EQ(*snapshot.processes.value->top_cpu[0].cpu_percent, 104.0 / 1.25);
}

// Samples that cannot serve as a start are taken again, `interval` apart: after a failed
// two-sample section, and for another set of collectors.
TEST(HostCollectorTest, UnusablePreviousSamplesAreTakenAgain) {
  FixtureHost host;
  HostCollector collector;
  const auto diskstats = host.root() / "proc/diskstats";
  std::filesystem::rename(diskstats, host.root() / "diskstats.away");
  const auto failed = host.collect(host.options(), /*keep_t0=*/true, &collector);
  EXPECT_FALSE(failed.disks.ok());
  std::filesystem::rename(host.root() / "diskstats.away", diskstats);

  // collectAdvancing expects (and ends) a wait between two samples: the t0 -> t1 numbers.
  const auto again = host.collect(host.options(), /*keep_t0=*/false, &collector);
  ASSERT_TRUE(again.disks.ok()) << again.disks.error;
  EXPECT_DOUBLE_EQ(again.interval_seconds, 1.25);
  EXPECT_DOUBLE_EQ(*again.disks.value->at(0).write_bytes_per_second, 8192.0 * 512 / 1.25);

  auto without_disks = host.options();
  without_disks.collectors.set(Collector::kDisks, false);
  const auto changed = host.collect(without_disks, /*keep_t0=*/true, &collector);
  EXPECT_TRUE(changed.disks.disabled);
  EXPECT_DOUBLE_EQ(changed.interval_seconds, 1.25);  // Waited: two fresh samples.
}

// A HostCollector reads the CPU topology again only when the online CPUs change: a core id that
// changes under unchanged online CPUs is not seen; a CPU going offline is.
TEST(HostCollectorTest, TopologyIsReadAgainWhenTheOnlineCpusChange) {
  FixtureHost host;
  HostCollector collector;
  auto options = host.options();
  options.interval = 0ms;
  const auto cpu = host.root() / "sys/devices/system/cpu";
  const auto first = collector.collect(host.fs(), options);
  ASSERT_TRUE(first.cpu.ok()) << first.cpu.error;
  EXPECT_EQ(first.cpu.value->topology.cores, 2u);

  testing::writeFile(cpu / "cpu1/topology/core_id", "0\n");  // As if cpu1 were cpu0's sibling.
  const auto same_online = collector.collect(host.fs(), options);
  ASSERT_TRUE(same_online.cpu.ok()) << same_online.cpu.error;
  EXPECT_EQ(same_online.cpu.value->topology.cores, 2u);
  EXPECT_EQ(collectHost(host.fs(), options).cpu.value->topology.cores, 1u);  // Not cached.

  testing::writeFile(cpu / "online", "0\n");
  const auto offline = collector.collect(host.fs(), options);
  ASSERT_TRUE(offline.cpu.ok()) << offline.cpu.error;
  EXPECT_EQ(offline.cpu.value->topology.threads, 1u);
  EXPECT_EQ(offline.cpu.value->topology.online_cpus, std::vector<int>{0});
}

}  // namespace
}  // namespace keelson::host
