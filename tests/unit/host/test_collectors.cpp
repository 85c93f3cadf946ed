// The collectors' pure computations and fixture-tree reads (CPU, memory, filesystems, disks,
// network, processes). Expected numbers are derived by hand from the fixture files; the
// arithmetic is in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "host/cpu_collector.h"
#include "host/disk_collector.h"
#include "host/filesystem_collector.h"
#include "host/memory_collector.h"
#include "host/network_collector.h"
#include "host/proc/diskstats.h"
#include "host/proc/mountinfo.h"
#include "host/proc/net_dev.h"
#include "host/proc/stat.h"
#include "host/process_collector.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::dataPath;
using testing::readData;
using testing::TempDir;
using testing::writeFile;

HostFs fixture(std::string_view tree) { return HostFs(dataPath(tree).string()); }

// ---- CPU ----

TEST(CpuUsageTest, SplitsEveryField) {
  const CpuTimes before{100, 100, 100, 100, 100, 100, 100, 100, 10, 10};
  const CpuTimes after{110, 120, 130, 140, 150, 160, 170, 180, 15, 15};
  // Deltas 10 20 30 40 50 60 70 80 (guest 5 + guest_nice 5): total 360, busy 10+20+30+60+70+80.
  const auto usage = computeCpuUsage(before, after);
  ASSERT_TRUE(usage.has_value());
  EXPECT_DOUBLE_EQ(usage->usage_percent, 270.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->user_percent, 10.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->nice_percent, 20.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->system_percent, 30.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->idle_percent, 40.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->iowait_percent, 50.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->irq_percent, 60.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->softirq_percent, 70.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->steal_percent, 80.0 * 100 / 360);
  EXPECT_DOUBLE_EQ(usage->guest_percent, 10.0 * 100 / 360);
}

TEST(CpuUsageTest, ZeroIntervalAndBackwardsCounters) {
  const CpuTimes times{1, 2, 3, 4, 5, 6, 7, 8, 0, 0};
  EXPECT_FALSE(computeCpuUsage(times, times).has_value());
  CpuTimes later = times;
  later.iowait = 1;  // iowait went backwards (NO_HZ): clamped to 0, not a huge delta.
  later.idle += 10;
  const auto usage = computeCpuUsage(times, later);
  ASSERT_TRUE(usage.has_value());
  EXPECT_DOUBLE_EQ(usage->idle_percent, 100.0);
  EXPECT_DOUBLE_EQ(usage->usage_percent, 0.0);
}

TEST(CpuStatsTest, FromRealCapturePair) {
  const auto before = parseStat(readData("node-vm/t0/proc/stat"));
  const auto after = parseStat(readData("node-vm/t1/proc/stat"));
  const auto stats = computeCpuStats(before, after, 1.25);
  // Total deltas: user 96425-96046=379, system 13420-13379=41, all else 0: 420 ticks, all busy.
  ASSERT_TRUE(stats.total.has_value());
  EXPECT_DOUBLE_EQ(stats.total->usage_percent, 100.0);
  EXPECT_DOUBLE_EQ(stats.total->user_percent, 379.0 * 100 / 420);
  EXPECT_DOUBLE_EQ(stats.total->system_percent, 41.0 * 100 / 420);
  EXPECT_DOUBLE_EQ(stats.total->idle_percent, 0.0);
  ASSERT_EQ(stats.per_core.size(), 2u);
  // cpu0: user 48325-48149=176, system 6673-6639=34 (210); cpu1: 48099-47896=203, 6747-6740=7.
  EXPECT_EQ(stats.per_core[0].cpu, 0);
  EXPECT_DOUBLE_EQ(stats.per_core[0].usage.user_percent, 176.0 * 100 / 210);
  EXPECT_DOUBLE_EQ(stats.per_core[1].usage.system_percent, 7.0 * 100 / 210);
  // ctxt 2465825 - 2461877 = 3948 in 1.25 s.
  ASSERT_TRUE(stats.context_switches_per_second.has_value());
  EXPECT_DOUBLE_EQ(*stats.context_switches_per_second, 3948 / 1.25);
  EXPECT_EQ(stats.procs_running, 7u);
  EXPECT_EQ(stats.procs_blocked, 0u);
  EXPECT_FALSE(computeCpuStats(before, after, 0).context_switches_per_second.has_value());
}

TEST(CpuStatsTest, CpuUnpluggedDuringIntervalIsLeftOut) {
  const auto before = parseStat("cpu 1 1 1 1\ncpu0 1 1 1 1\ncpu1 1 1 1 1\n");
  const auto after = parseStat("cpu 2 2 2 2\ncpu0 2 2 2 2\ncpu2 9 9 9 9\n");
  const auto stats = computeCpuStats(before, after, 1);
  ASSERT_EQ(stats.per_core.size(), 1u);
  EXPECT_EQ(stats.per_core[0].cpu, 0);
}

TEST(CpuTopologyTest, RealCaptureFromSysfs) {
  const auto topology = readCpuTopology(fixture("node-vm/t0"));
  EXPECT_EQ(topology.model_name, "Intel(R) Xeon(R) Processor");
  EXPECT_EQ(topology.online_cpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(topology.sockets, 1u);
  EXPECT_EQ(topology.cores, 2u);
  EXPECT_EQ(topology.threads, 2u);
  EXPECT_EQ(topology.source, "sysfs");
}

TEST(CpuTopologyTest, HotpluggedCpuOfflineIsNotCounted) {
  // online "0-1,3"; cpu0 and cpu1 are SMT siblings (package 0, core 0); cpu3 is package 1 core 4.
  const auto topology = readCpuTopology(fixture("cpu-hotplug"));
  EXPECT_EQ(topology.online_cpus, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(topology.threads, 3u);
  EXPECT_EQ(topology.cores, 2u);
  EXPECT_EQ(topology.sockets, 2u);
  EXPECT_EQ(topology.source, "sysfs");
  EXPECT_EQ(topology.model_name, "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
}

TEST(CpuTopologyTest, FallsBackToCpuinfoThenAssumes) {
  TempDir dir;
  writeFile(dir.path() / "proc/cpuinfo", readData("cpu-hotplug/proc/cpuinfo"));
  writeFile(dir.path() / "proc/stat", readData("cpu-hotplug/proc/stat"));
  auto topology = readCpuTopology(HostFs(dir.path().string()));
  EXPECT_EQ(topology.online_cpus, (std::vector<int>{0, 1, 3}));  // From cpuinfo.
  EXPECT_EQ(topology.cores, 2u);
  EXPECT_EQ(topology.sockets, 2u);
  EXPECT_EQ(topology.source, "cpuinfo");

  writeFile(dir.path() / "proc/cpuinfo", readData("misc/cpuinfo-arm64"));
  topology = readCpuTopology(HostFs(dir.path().string()));
  EXPECT_EQ(topology.online_cpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(topology.sockets, 1u);
  EXPECT_EQ(topology.cores, 2u);
  EXPECT_EQ(topology.source, "assumed");
  EXPECT_EQ(topology.model_name, "");

  std::filesystem::remove(dir.path() / "proc/cpuinfo");
  topology = readCpuTopology(HostFs(dir.path().string()));
  EXPECT_EQ(topology.online_cpus, (std::vector<int>{0, 1, 3}));  // From /proc/stat.
}

TEST(CpuSampleTest, MissingOrEmptyStat) {
  TempDir dir;
  EXPECT_THROW(sampleCpu(HostFs(dir.path().string())), Error);
  writeFile(dir.path() / "proc/stat", "ctxt 1\n");
  try {
    sampleCpu(HostFs(dir.path().string()));
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadInput);
  }
}

// ---- Memory ----

TEST(MemoryTest, RealCapture) {
  const auto stats = collectMemory(fixture("node-vm/t0"));
  EXPECT_EQ(stats.total_bytes, 24684084ull * 1024);
  EXPECT_EQ(stats.available_bytes, 23349820ull * 1024);
  EXPECT_FALSE(stats.available_estimated);
  EXPECT_EQ(stats.used_bytes, (24684084ull - 23349820) * 1024);
  EXPECT_EQ(stats.free_bytes, 13646504ull * 1024);
  EXPECT_EQ(stats.buffers_bytes, 414572ull * 1024);
  EXPECT_EQ(stats.cached_bytes, 8936244ull * 1024);
  EXPECT_DOUBLE_EQ(stats.usage_percent, 1334264.0 * 100 / 24684084);
  EXPECT_EQ(stats.swap_total_bytes, 0u);
  EXPECT_DOUBLE_EQ(stats.swap_usage_percent, 0.0);
  EXPECT_EQ(stats.meminfo.fields.size(), 54u);
}

TEST(MemoryTest, OldKernelEstimatesAvailableAndHasSwap) {
  const auto stats = computeMemory(parseMeminfo(readData("misc/meminfo-linux-3.2")));
  EXPECT_TRUE(stats.available_estimated);
  // MemFree 170992 + Buffers 111620 + Cached 1288200 + SReclaimable 112816 = 1683628 kB.
  EXPECT_EQ(stats.available_bytes, 1683628ull * 1024);
  EXPECT_EQ(stats.used_bytes, (2054716ull - 1683628) * 1024);
  // Swap 1046524 kB total, 1012684 free: 33840 used.
  EXPECT_EQ(stats.swap_used_bytes, 33840ull * 1024);
  EXPECT_DOUBLE_EQ(stats.swap_usage_percent, 33840.0 * 100 / 1046524);
}

TEST(MemoryTest, MissingMemTotalIsBadInput) {
  try {
    computeMemory(parseMeminfo("MemFree: 1 kB\n"));
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadInput);
  }
  TempDir dir;
  writeFile(dir.path() / "proc/meminfo", "garbage\n");
  try {
    collectMemory(HostFs(dir.path().string()));
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(dir.path().string() + "/proc/meminfo"),
              std::string::npos);
  }
}

// ---- Filesystems ----

std::vector<std::string> mountPoints(const std::vector<MountInfo>& mounts) {
  std::vector<std::string> points;
  for (const auto& mount : mounts) points.push_back(mount.mount_point);
  return points;
}

TEST(SelectMountsTest, RealCapture) {
  // /proc, /sys/*, /dev (devtmpfs), /dev/pts go; /dev/shm is mounted twice and the later (id 30)
  // hides the earlier; "/" and the tmpfs under /mnt stay.
  const auto mounts = selectMounts(parseMountinfo(readData("node-vm/t0/proc/1/mountinfo")), {});
  EXPECT_EQ(
      mountPoints(mounts),
      (std::vector<std::string>{"/", "/mnt/sandboxing/model_tools_env/v1/python", "/dev/shm"}));
  EXPECT_EQ(mounts[2].mount_id, 30u);
}

TEST(SelectMountsTest, KubernetesNode) {
  const auto all = parseMountinfo(readData("odd/mountinfo-k8s-node"));
  const auto mounts = selectMounts(all, {});
  // Kept: / (ext4), /run (tmpfs), /var/lib (xfs 8:2, preferred over its bind mounts /srv/data,
  // /data<tab> and the kubelet volume), the NFS share, /mnt/over (ext4 on top of a tmpfs),
  // FUSE mounts. Dropped: kernel filesystems, cgroup2, kubelet pod volumes, the container's
  // overlay, squashfs.
  EXPECT_EQ(mountPoints(mounts),
            (std::vector<std::string>{"/", "/run", "/var/lib", "/mnt/nfs share", "/mnt/over",
                                      "/mnt/fuse", "/mnt/empty\\source"}));
  EXPECT_EQ(mounts[4].fs_type, "ext4");

  // Without the whole-filesystem mount, the shortest bind mount represents the device (ties go
  // to the lower path: "/data\ttab" and "/srv/data" are both 9 bytes).
  std::vector<MountInfo> binds;
  std::copy_if(all.begin(), all.end(), std::back_inserter(binds),
               [](const MountInfo& m) { return m.major == 8 && m.minor == 2 && m.root != "/"; });
  EXPECT_EQ(mountPoints(selectMounts(binds, {})), (std::vector<std::string>{"/data\ttab"}));
  binds.pop_back();
  EXPECT_EQ(mountPoints(selectMounts(binds, {})), (std::vector<std::string>{"/srv/data"}));

  FilesystemOptions everything;
  everything.exclude_fs_types.clear();
  everything.exclude_mount_points.clear();
  everything.overlay_only_at_root = false;
  // Still one per device and one per mount point: 19 mounts, 8:2 x4 -> 1, /mnt/over x2 -> 1.
  EXPECT_EQ(selectMounts(all, everything).size(), 19u - 3 - 1);
}

TEST(SelectMountsTest, OverlayKeptAtRoot) {
  const auto mounts =
      selectMounts(parseMountinfo("1 0 0:40 / / rw - overlay overlay rw,lowerdir=/a\n"
                                  "2 1 0:41 / /run/x/rootfs rw - overlay overlay rw,lowerdir=/b\n"
                                  "3 1 0:42 / /merged rw - overlay overlay rw,lowerdir=/c\n"),
                   {});
  EXPECT_EQ(mountPoints(mounts), (std::vector<std::string>{"/"}));
}

TEST(FsUsageTest, ComputedAsDf) {
  struct statvfs stat {};
  stat.f_bsize = 1024;
  stat.f_frsize = 4096;
  stat.f_blocks = 1000;
  stat.f_bfree = 300;
  stat.f_bavail = 200;  // 100 blocks reserved for root.
  stat.f_files = 100;
  stat.f_ffree = 40;
  const auto usage = fsUsageFromStatvfs(stat);
  EXPECT_EQ(usage.total_bytes, 1000u * 4096);
  EXPECT_EQ(usage.free_bytes, 300u * 4096);
  EXPECT_EQ(usage.available_bytes, 200u * 4096);
  EXPECT_EQ(usage.used_bytes, 700u * 4096);
  ASSERT_TRUE(usage.usage_percent.has_value());
  EXPECT_DOUBLE_EQ(*usage.usage_percent, 700.0 * 100 / 900);  // used / (used + available)
  EXPECT_EQ(usage.inodes_used, 60u);
  EXPECT_DOUBLE_EQ(*usage.inodes_usage_percent, 60.0);

  stat.f_frsize = 0;  // Old filesystems: fall back to f_bsize.
  stat.f_files = 0;   // btrfs: no inode limit.
  const auto old = fsUsageFromStatvfs(stat);
  EXPECT_EQ(old.total_bytes, 1000u * 1024);
  EXPECT_FALSE(old.inodes_usage_percent.has_value());

  struct statvfs empty {};
  EXPECT_FALSE(fsUsageFromStatvfs(empty).usage_percent.has_value());
}

TEST(FilesystemCollectorTest, FixtureTreeWithInjectedStatvfs) {
  const auto fs = fixture("node-vm/t0");
  auto probed_mutex = std::make_shared<std::mutex>();
  auto probed_paths = std::make_shared<std::vector<std::string>>();
  StatvfsProber prober([probed_mutex, probed_paths](const std::string& path, struct statvfs& out) {
    {
      std::lock_guard lock(*probed_mutex);
      probed_paths->push_back(path);
    }
    if (path.ends_with("/dev/shm")) return EACCES;
    out = {};
    out.f_frsize = 4096;
    out.f_blocks = path.ends_with("/python") ? 1 : 1000;
    out.f_bfree = 250;
    out.f_bavail = 200;
    return 0;
  });
  const auto filesystems = collectFilesystems(fs, {}, prober);
  ASSERT_EQ(filesystems.size(), 3u);
  EXPECT_EQ(filesystems[0].mount_point, "/");
  EXPECT_EQ(filesystems[0].device, "/dev/vda");
  EXPECT_EQ(filesystems[0].fs_type, "ext4");
  EXPECT_FALSE(filesystems[0].read_only);
  EXPECT_EQ(filesystems[0].major, 254u);
  ASSERT_TRUE(filesystems[0].usage.has_value());
  EXPECT_EQ(filesystems[0].usage->total_bytes, 1000u * 4096);
  EXPECT_EQ(filesystems[0].usage->used_bytes, 750u * 4096);
  EXPECT_TRUE(filesystems[1].read_only);
  EXPECT_FALSE(filesystems[2].usage.has_value());
  EXPECT_FALSE(filesystems[2].stale);
  EXPECT_NE(filesystems[2].error.find("Permission denied"), std::string::npos);
  std::lock_guard lock(*probed_mutex);
  std::sort(probed_paths->begin(), probed_paths->end());
  // statvfs runs on <root>/<mount point>.
  EXPECT_EQ(probed_paths->front(), fs.root() + "/");
}

TEST(FilesystemCollectorTest, FallsBackToSelfMountinfo) {
  TempDir dir;
  writeFile(dir.path() / "proc/self/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
  StatvfsProber prober([](const std::string&, struct statvfs&) { return ENOENT; });
  const auto filesystems = collectFilesystems(HostFs(dir.path().string()), {}, prober);
  ASSERT_EQ(filesystems.size(), 1u);
  EXPECT_EQ(filesystems[0].device, "/dev/sda1");
  std::filesystem::remove(dir.path() / "proc/self/mountinfo");
  EXPECT_THROW(collectFilesystems(HostFs(dir.path().string()), {}, prober), Error);
}

// ---- Disks ----

std::vector<std::string> diskNames(const std::vector<DiskStat>& disks) {
  std::vector<std::string> names;
  for (const auto& disk : disks) names.push_back(disk.name);
  return names;
}

TEST(DiskSelectTest, WholeDisksFromSysBlock) {
  const auto disks = sampleDisks(fixture("node-vm/t0"), {});
  EXPECT_EQ(diskNames(disks), (std::vector<std::string>{"vda", "zram0"}));  // loop* excluded.
  DiskOptions with_loops;
  with_loops.exclude_name_prefixes.clear();
  EXPECT_EQ(sampleDisks(fixture("node-vm/t0"), with_loops).size(), 10u);
}

TEST(DiskSelectTest, PartitionsByNameWithoutSysfs) {
  const auto all = parseDiskstats(readData("odd/diskstats-linux-4.19"));
  EXPECT_EQ(diskNames(selectDisks(all, std::nullopt, {})),
            (std::vector<std::string>{"nvme0n1", "mmcblk0"}));
  DiskOptions partitions;
  partitions.include_partitions = true;
  EXPECT_EQ(selectDisks(all, std::nullopt, partitions).size(), 5u);
  const auto old = parseDiskstats(readData("odd/diskstats-linux-2.6.18"));
  EXPECT_EQ(diskNames(selectDisks(old, std::nullopt, {})),
            (std::vector<std::string>{"hda", "sda"}));
  // With a /sys/block listing, that decides; "cciss/c0d0" is "cciss!c0d0" in sysfs.
  const auto cciss = parseDiskstats(
      "104 0 cciss/c0d0 1 2 3 4 5 6 7 8 9 10 11\n"
      "104 1 cciss/c0d0p1 1 2 3 4 5 6 7 8 9 10 11\n");
  EXPECT_EQ(diskNames(selectDisks(cciss, std::set<std::string>{"cciss!c0d0"}, {})),
            (std::vector<std::string>{"cciss/c0d0"}));
}

TEST(DiskIoTest, RatesFromRealCapturePair) {
  const auto before = parseDiskstats(readData("node-vm/t0/proc/diskstats"));
  const auto after = parseDiskstats(readData("node-vm/t1/proc/diskstats"));
  const auto io = computeDiskIo(before, after, 1.25);
  ASSERT_EQ(io.size(), 10u);
  const auto& vda = io[8];
  ASSERT_EQ(vda.counters.name, "vda");
  EXPECT_EQ(vda.read_bytes, 3178066ull * 512);
  EXPECT_EQ(vda.written_bytes, 18960072ull * 512);
  // reads 89327-89325=2, writes 52463-52459=4, sectors read 3178066-3177890=176, sectors
  // written 18960072-18951880=8192 (the capture's 4 MiB direct write), io_time unchanged.
  EXPECT_DOUBLE_EQ(*vda.reads_per_second, 2 / 1.25);
  EXPECT_DOUBLE_EQ(*vda.writes_per_second, 4 / 1.25);
  EXPECT_DOUBLE_EQ(*vda.read_bytes_per_second, 176.0 * 512 / 1.25);
  EXPECT_DOUBLE_EQ(*vda.write_bytes_per_second, 8192.0 * 512 / 1.25);
  EXPECT_DOUBLE_EQ(*vda.io_utilization_percent, 0.0);
}

TEST(DiskIoTest, UtilisationNewDevicesAndResets) {
  const auto before = parseDiskstats(
      "8 0 sda 100 0 0 0 100 0 0 0 0 1000 0\n"
      "8 16 sdb 100 0 0 0 100 0 0 0 0 1000 0\n");
  const auto after = parseDiskstats(
      "8 0 sda 110 0 0 0 100 0 0 0 0 1500 0\n"
      "8 16 sdb 5 0 0 0 100 0 0 0 0 1000 0\n"
      "8 32 sdc 5 0 0 0 100 0 0 0 0 3000 0\n");
  const auto io = computeDiskIo(before, after, 2.0);
  ASSERT_EQ(io.size(), 3u);
  EXPECT_DOUBLE_EQ(*io[0].io_utilization_percent, 25.0);  // 500 ms busy in 2000 ms.
  EXPECT_DOUBLE_EQ(*io[0].reads_per_second, 5.0);
  EXPECT_FALSE(io[1].reads_per_second.has_value());  // Counter went backwards.
  EXPECT_DOUBLE_EQ(*io[1].writes_per_second, 0.0);
  EXPECT_FALSE(io[2].reads_per_second.has_value());  // New device.
  EXPECT_FALSE(computeDiskIo(before, after, 0)[0].reads_per_second.has_value());
  // io_time can exceed wall time slightly (accounting granularity): capped at 100%.
  const auto busy = parseDiskstats("8 0 sda 0 0 0 0 0 0 0 0 0 3000 0\n");
  EXPECT_DOUBLE_EQ(*computeDiskIo(before, busy, 1.0)[0].io_utilization_percent, 100.0);
}

// ---- Network ----

TEST(NetworkTest, RatesFromRealCapturePair) {
  const auto fs0 = fixture("node-vm/t0");
  const auto fs1 = fixture("node-vm/t1");
  const auto before = sampleNetwork(fs0, {});
  const auto after = sampleNetwork(fs1, {});
  const auto io = computeNetworkIo(before, after, 1.25);
  ASSERT_EQ(io.size(), 4u);
  ASSERT_EQ(io[0].counters.interface, "lo");
  // lo: rx bytes 1364255-1348215 = 16040, packets 5708-5688 = 20 (the capture's 10 UDP sends
  // and their ICMP replies).
  EXPECT_DOUBLE_EQ(*io[0].rx_bytes_per_second, 16040 / 1.25);
  EXPECT_DOUBLE_EQ(*io[0].tx_bytes_per_second, 16040 / 1.25);
  EXPECT_DOUBLE_EQ(*io[0].rx_packets_per_second, 20 / 1.25);
  EXPECT_DOUBLE_EQ(*io[3].rx_bytes_per_second, 0.0);
  EXPECT_DOUBLE_EQ(*io[3].rx_errors_per_second, 0.0);

  NetworkOptions options;
  options.exclude_interface_prefixes = {"ifb", "lo"};
  const auto filtered = sampleNetwork(fs0, options);
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].interface, "eth0");
}

TEST(NetworkTest, ResetInterfaceHasNoRate) {
  const auto before = parseNetDev("eth0: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n");
  const auto after = parseNetDev(
      "eth0: 50 1 0 0 0 0 0 0 300 3 0 0 0 0 0 0\n"
      "veth1: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
  const auto io = computeNetworkIo(before, after, 2.0);
  EXPECT_FALSE(io[0].rx_bytes_per_second.has_value());
  EXPECT_DOUBLE_EQ(*io[0].tx_bytes_per_second, 100.0);
  EXPECT_DOUBLE_EQ(*io[0].tx_packets_per_second, 1.0);
  EXPECT_FALSE(io[1].tx_bytes_per_second.has_value());
}

TEST(ConnectionsTest, RealCaptureAndMissingTables) {
  const auto connections = collectConnections(fixture("node-vm/t0"));
  ASSERT_TRUE(connections.tcp.has_value());
  EXPECT_EQ(connections.tcp->total, 1u);
  EXPECT_EQ(connections.tcp->by_state[static_cast<int>(TcpState::kListen)], 1u);
  EXPECT_EQ(connections.tcp6->total, 0u);
  EXPECT_EQ(connections.udp->total, 0u);

  TempDir dir;
  writeFile(dir.path() / "proc/net/tcp", readData("misc/net-tcp-states"));  // No /proc/1/net.
  const auto partial = collectConnections(HostFs(dir.path().string()));
  EXPECT_EQ(partial.tcp->total, 57u);
  EXPECT_FALSE(partial.tcp6.has_value());  // IPv6 disabled: absent, not an error.
  std::filesystem::remove(dir.path() / "proc/net/tcp");
  EXPECT_THROW(collectConnections(HostFs(dir.path().string())), Error);
}

// ---- Processes ----

TEST(ProcessTest, RankingFromRealCapturePair) {
  const auto fs = fixture("node-vm/t0");
  const auto before = sampleProcesses(fs);
  const auto after = sampleProcesses(fixture("node-vm/t1"));
  ASSERT_EQ(before.processes.size(), 4u);
  ProcessOptions options;
  options.clock_ticks_per_second = 100;
  options.page_size_bytes = 4096;
  const auto stats = computeProcesses(fs, before, after, 1.25, options);
  EXPECT_EQ(stats.total, 4u);
  EXPECT_EQ(stats.threads, 13u + 1 + 1 + 1);
  EXPECT_EQ(stats.by_state.at('S'), 3u);
  EXPECT_EQ(stats.by_state.at('R'), 1u);

  // CPU: the burner (27849) used utime 138-34 = 104 ticks = 1.04 s in 1.25 s; the others 0,
  // ranked by RSS: pid 1 (3760 pages), 27850 (407), 2 (0).
  ASSERT_EQ(stats.top_cpu.size(), 4u);
  const auto& burner = stats.top_cpu[0];
  EXPECT_EQ(burner.pid, 27849);
  EXPECT_DOUBLE_EQ(*burner.cpu_percent, 104.0 / 100 / 1.25 * 100);
  EXPECT_EQ(burner.command, "bash");
  EXPECT_EQ(burner.cmdline, "bash -c while :; do :; done");
  EXPECT_EQ(burner.uid, 4242u);
  EXPECT_EQ(burner.user, "4242");  // Not in the fixture's /etc/passwd.
  EXPECT_EQ(burner.state, 'R');
  EXPECT_EQ(stats.top_cpu[1].pid, 1);
  EXPECT_EQ(stats.top_cpu[2].pid, 27850);
  EXPECT_EQ(stats.top_cpu[3].pid, 2);

  ASSERT_EQ(stats.top_rss.size(), 4u);
  EXPECT_EQ(stats.top_rss[0].pid, 1);
  EXPECT_EQ(stats.top_rss[0].rss_bytes, 3760u * 4096);
  EXPECT_EQ(stats.top_rss[0].user, "root");
  EXPECT_EQ(stats.top_rss[0].threads, 13);
  EXPECT_EQ(stats.top_rss[1].pid, 27849);
  EXPECT_EQ(stats.top_rss[1].rss_bytes, 791u * 4096);
  const auto& odd = stats.top_rss[2];
  EXPECT_EQ(odd.pid, 27850);
  EXPECT_EQ(odd.command, "x) (y z");
  EXPECT_EQ(odd.user, "nobody");
  EXPECT_TRUE(odd.cmdline.ends_with("/x) (y z 1000")) << odd.cmdline;
  EXPECT_EQ(stats.top_rss[3].cmdline, "");  // Kernel thread.

  options.top_n = 1;
  const auto one = computeProcesses(fs, before, after, 0, options);
  EXPECT_TRUE(one.top_cpu.empty());  // No interval, no CPU ranking.
  ASSERT_EQ(one.top_rss.size(), 1u);
  EXPECT_FALSE(one.top_rss[0].cpu_percent.has_value());
}

TEST(ProcessTest, ReusedPidIsANewProcess) {
  ProcessSample before;
  before.processes.push_back(
      parsePidStat("5 (old) S 1 1 1 0 -1 0 0 0 0 0 500 500 0 0 20 0 1 0 100 0 0"));
  ProcessSample after;
  after.processes.push_back(
      parsePidStat("5 (new) R 1 1 1 0 -1 0 0 0 0 0 30 20 0 0 20 0 1 0 900 0 0"));
  ProcessOptions options;
  options.clock_ticks_per_second = 100;
  TempDir dir;
  const auto stats = computeProcesses(HostFs(dir.path().string()), before, after, 1.0, options);
  ASSERT_EQ(stats.top_cpu.size(), 1u);
  EXPECT_DOUBLE_EQ(*stats.top_cpu[0].cpu_percent, 50.0);  // All 50 ticks of the new process.
  EXPECT_FALSE(stats.top_cpu[0].uid.has_value());         // Its files are gone.
  EXPECT_EQ(stats.top_cpu[0].user, "");
}

TEST(ProcessTest, CommandLinesAreRedacted) {
  TempDir dir;
  const std::string stat = "7 (mysqld) R 1 1 1 0 -1 0 0 0 0 0 30 20 0 0 20 0 1 0 900 5 9";
  writeFile(dir.path() / "proc/7/stat", stat);
  constexpr char kCmdline[] =
      "mysqld\0--db-password=hunter2\0--token\0abc def\0https://u:pw9@db/x\0-pP1\0";
  writeFile(dir.path() / "proc/7/cmdline", std::string(kCmdline, sizeof(kCmdline) - 1));
  ProcessSample sample;
  sample.processes.push_back(parsePidStat(stat));
  const auto stats =
      computeProcesses(HostFs(dir.path().string()), sample, sample, 1.0, ProcessOptions{});
  ASSERT_EQ(stats.top_rss.size(), 1u);
  EXPECT_EQ(stats.top_rss[0].cmdline,
            "mysqld --db-password=<redacted> --token <redacted> https://u:<redacted>@db/x "
            "-p<redacted>");
}

TEST(ProcessTest, StateNames) {
  EXPECT_EQ(processStateName('R'), "running");
  EXPECT_EQ(processStateName('D'), "disk_sleep");
  EXPECT_EQ(processStateName('Z'), "zombie");
  EXPECT_EQ(processStateName('I'), "idle");
  EXPECT_EQ(processStateName('?'), "unknown");
}

}  // namespace
}  // namespace keelson::host
