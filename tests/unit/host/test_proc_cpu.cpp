// Parsers of /proc/stat, /proc/loadavg, /proc/uptime, /proc/cpuinfo and CPU lists.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "host/proc/cpuinfo.h"
#include "host/proc/loadavg.h"
#include "host/proc/stat.h"
#include "host/proc/uptime.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::readData;

TEST(ProcStatTest, ParsesRealCapture) {
  const auto stat = parseStat(readData("node-vm/t0/proc/stat"));
  ASSERT_TRUE(stat.total.has_value());
  EXPECT_EQ(*stat.total, (CpuTimes{96046, 0, 13379, 106549, 2739, 0, 211, 96, 0, 0}));
  ASSERT_EQ(stat.per_cpu.size(), 2u);
  EXPECT_EQ(stat.per_cpu[0].cpu, 0);
  EXPECT_EQ(stat.per_cpu[0].times, (CpuTimes{48149, 0, 6639, 52733, 1895, 0, 68, 47, 0, 0}));
  EXPECT_EQ(stat.per_cpu[1].cpu, 1);
  EXPECT_EQ(stat.per_cpu[1].times.system, 6740u);
  EXPECT_EQ(stat.context_switches, 2461877u);
  EXPECT_EQ(stat.boot_time_unix_seconds, 1795218012);
  EXPECT_EQ(stat.processes_forked, 27859u);
  EXPECT_EQ(stat.procs_running, 9u);
  EXPECT_EQ(stat.procs_blocked, 0u);
}

TEST(ProcStatTest, TotalTicksLeavesOutGuestTime) {
  const CpuTimes times{1, 2, 3, 4, 5, 6, 7, 8, 100, 200};
  EXPECT_EQ(times.totalTicks(), 1u + 2 + 3 + 4 + 5 + 6 + 7 + 8);
}

TEST(ProcStatTest, OldKernelWithEightFieldsLeavesGuestZero) {
  const auto stat = parseStat(readData("misc/stat-linux-2.6.18"));
  ASSERT_TRUE(stat.total.has_value());
  EXPECT_EQ(stat.total->user, 1279636934u);
  EXPECT_EQ(stat.total->softirq, 2005u);
  EXPECT_EQ(stat.total->steal, 0u);
  EXPECT_EQ(stat.total->guest, 0u);
  EXPECT_EQ(stat.per_cpu.size(), 2u);
  EXPECT_EQ(stat.boot_time_unix_seconds, 1233657052);
}

TEST(ProcStatTest, OfflineCpusHaveNoLine) {
  const auto stat = parseStat(readData("cpu-hotplug/proc/stat"));
  ASSERT_EQ(stat.per_cpu.size(), 3u);
  EXPECT_EQ(stat.per_cpu[2].cpu, 3);
  EXPECT_EQ(stat.per_cpu[2].times.nice, 0u);
  EXPECT_EQ(stat.procs_blocked, 1u);
}

TEST(ProcStatTest, SkipsMalformedLines) {
  const auto stat = parseStat(
      "cpu 1 2 3\n"                        // Fewer than 4 fields: not a valid total.
      "cpuX 1 2 3 4\n"                     // Not a CPU number.
      "cpu7 1 2 x 4\n"                     // Non-numeric counter.
      "cpu2 1 2 3 4 5 6 7 8 9 10 11 12\n"  // Extra fields of a future kernel are ignored.
      "ctxt\n"                             // No value.
      "btime -5\n"
      "procs_running many\n");
  EXPECT_FALSE(stat.total.has_value());
  ASSERT_EQ(stat.per_cpu.size(), 1u);
  EXPECT_EQ(stat.per_cpu[0].cpu, 2);
  EXPECT_EQ(stat.per_cpu[0].times.guest_nice, 10u);
  EXPECT_FALSE(stat.context_switches.has_value());
  EXPECT_EQ(stat.boot_time_unix_seconds, -5);
  EXPECT_FALSE(stat.procs_running.has_value());
}

TEST(ProcStatTest, EmptyAndBinaryInput) {
  EXPECT_FALSE(parseStat("").total.has_value());
  const std::string binary("\0\xff\ncpu \0 1", 10);
  EXPECT_FALSE(parseStat(binary).total.has_value());
}

TEST(LoadavgTest, ParsesRealCapture) {
  const auto load = parseLoadavg(readData("node-vm/t0/proc/loadavg"));
  EXPECT_DOUBLE_EQ(load.load1, 5.66);
  EXPECT_DOUBLE_EQ(load.load5, 5.35);
  EXPECT_DOUBLE_EQ(load.load15, 3.01);
  EXPECT_EQ(load.runnable_entities, 8u);
  EXPECT_EQ(load.scheduling_entities, 134u);
  EXPECT_EQ(load.last_pid, 27952u);
}

TEST(LoadavgTest, TrailingFieldsAreOptional) {
  const auto load = parseLoadavg("0.00 0.01 0.05\n");
  EXPECT_DOUBLE_EQ(load.load15, 0.05);
  EXPECT_EQ(load.scheduling_entities, 0u);
}

TEST(LoadavgTest, RejectsGarbageWithBadInput) {
  for (const char* text : {"", "0.1 0.2", "a b c", "-1 0 0", "nan 1 1"}) {
    try {
      parseLoadavg(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadInput);
      EXPECT_NE(std::string(error.what()).find("loadavg"), std::string::npos);
    }
  }
}

TEST(UptimeTest, ParsesRealCapture) {
  const auto uptime = parseUptime(readData("node-vm/t0/proc/uptime"));
  EXPECT_DOUBLE_EQ(uptime.uptime_seconds, 1098.59);
  EXPECT_DOUBLE_EQ(uptime.idle_seconds, 1065.49);
}

TEST(UptimeTest, RejectsGarbage) {
  EXPECT_THROW(parseUptime(""), Error);
  EXPECT_THROW(parseUptime("x 1"), Error);
  EXPECT_DOUBLE_EQ(parseUptime("12.5").uptime_seconds, 12.5);
}

TEST(CpuinfoTest, ParsesRealX86Capture) {
  const auto cpus = parseCpuinfo(readData("node-vm/t0/proc/cpuinfo"));
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_EQ(cpus[0].processor, 0);
  EXPECT_EQ(cpus[0].model_name, "Intel(R) Xeon(R) Processor");
  EXPECT_EQ(cpus[0].physical_id, 0);
  EXPECT_EQ(cpus[0].core_id, 0);
  EXPECT_EQ(cpus[1].processor, 1);
  EXPECT_EQ(cpus[1].core_id, 1);
}

TEST(CpuinfoTest, Arm64HasNoModelOrTopology) {
  const auto cpus = parseCpuinfo(readData("misc/cpuinfo-arm64"));
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_EQ(cpus[1].processor, 1);
  EXPECT_EQ(cpus[1].model_name, "");
  EXPECT_FALSE(cpus[1].physical_id.has_value());
  EXPECT_FALSE(cpus[1].core_id.has_value());
}

TEST(CpuinfoTest, OldArmModelOutsideTheBlocksAppliesToAll) {
  const auto cpus = parseCpuinfo(readData("misc/cpuinfo-armv7"));
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_EQ(cpus[0].model_name, "ARMv7 Processor rev 10 (v7l)");
  EXPECT_EQ(cpus[1].model_name, "ARMv7 Processor rev 10 (v7l)");
}

TEST(CpuinfoTest, HotplugSkipsOfflineProcessor) {
  const auto cpus = parseCpuinfo(readData("cpu-hotplug/proc/cpuinfo"));
  ASSERT_EQ(cpus.size(), 3u);
  EXPECT_EQ(cpus[2].processor, 3);
  EXPECT_EQ(cpus[2].physical_id, 1);
  EXPECT_EQ(cpus[2].core_id, 4);
  EXPECT_EQ(cpus[2].model_name, "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
}

TEST(CpuinfoTest, BlocksWithoutBlankLinesAndBadNumbers) {
  const auto cpus = parseCpuinfo(
      "processor : 0\nmodel name : A\nprocessor : 1\ncpu : POWER9\n\nprocessor : x\nmodel name : "
      "B\n\ncore id : 3\n");
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_EQ(cpus[0].model_name, "A");
  EXPECT_EQ(cpus[1].model_name, "POWER9");
}

TEST(CpuListTest, ParsesRangesAndSingles) {
  EXPECT_EQ(parseCpuList("0-1,3\n"), (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(parseCpuList("0"), (std::vector<int>{0}));
  EXPECT_EQ(parseCpuList("0-3,8-11"), (std::vector<int>{0, 1, 2, 3, 8, 9, 10, 11}));
  EXPECT_EQ(parseCpuList("3,1,1,2-3"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(parseCpuList("0-7:2/4"), (std::vector<int>{0, 1, 4, 5}));
  EXPECT_TRUE(parseCpuList("").empty());
  EXPECT_TRUE(parseCpuList("\n").empty());
}

TEST(CpuListTest, SkipsMalformedAndHugePieces) {
  EXPECT_EQ(parseCpuList("x,2,5-3,-1,1-,7"), (std::vector<int>{2, 7}));
  EXPECT_EQ(parseCpuList("0-4294967295,1"), (std::vector<int>{1}));
  EXPECT_EQ(parseCpuList("8191,8192"), (std::vector<int>{8191}));
  EXPECT_EQ(parseCpuList("0-3:0/0"), (std::vector<int>{}));
}

}  // namespace
}  // namespace keelson::host
