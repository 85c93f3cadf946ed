// Parsers of /proc/<pid>/stat, /proc/<pid>/status and /proc/<pid>/cmdline.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "host/proc/pid.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::readData;

TEST(PidStatTest, ParsesRealCapture) {
  const auto stat = parsePidStat(readData("node-vm/t0/proc/1/stat"));
  EXPECT_EQ(stat.pid, 1);
  EXPECT_EQ(stat.comm, "process_api");
  EXPECT_EQ(stat.state, 'S');
  EXPECT_EQ(stat.ppid, 0);
  EXPECT_EQ(stat.utime_ticks, 110u);
  EXPECT_EQ(stat.stime_ticks, 286u);
  EXPECT_EQ(stat.num_threads, 13);
  EXPECT_EQ(stat.start_time_ticks, 10u);
  EXPECT_EQ(stat.vsize_bytes, 46313472u);
  EXPECT_EQ(stat.rss_pages, 3760);
}

TEST(PidStatTest, CommWithSpacesAndParentheses) {
  // A real process whose executable is named "x) (y z".
  const auto stat = parsePidStat(readData("node-vm/t0/proc/27850/stat"));
  EXPECT_EQ(stat.pid, 27850);
  EXPECT_EQ(stat.comm, "x) (y z");
  EXPECT_EQ(stat.state, 'S');
  EXPECT_EQ(stat.ppid, 27846);
  EXPECT_EQ(stat.num_threads, 1);
  EXPECT_EQ(stat.rss_pages, 407);

  const auto tricky =
      parsePidStat("42 ()) R) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21");
  EXPECT_EQ(tricky.comm, ")) R");
  EXPECT_EQ(tricky.state, 'R');
  EXPECT_EQ(tricky.ppid, 1);
  EXPECT_EQ(tricky.utime_ticks, 11u);
  EXPECT_EQ(tricky.stime_ticks, 12u);
  EXPECT_EQ(tricky.num_threads, 17);
  EXPECT_EQ(tricky.start_time_ticks, 19u);
  EXPECT_EQ(tricky.vsize_bytes, 20u);
  EXPECT_EQ(tricky.rss_pages, 21);

  EXPECT_EQ(parsePidStat("7 () Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21").comm, "");
}

TEST(PidStatTest, KernelThread) {
  const auto stat = parsePidStat(readData("node-vm/t0/proc/2/stat"));
  EXPECT_EQ(stat.comm, "kthreadd");
  EXPECT_EQ(stat.rss_pages, 0);
  EXPECT_EQ(stat.vsize_bytes, 0u);
}

TEST(PidStatTest, MalformedThrowsBadInput) {
  for (const std::string text :
       {"", "1 comm S 1", "x (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21",
        "1 (a) S 1 2 3", "1 (a) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21",
        "1 (a) S 1 2 3 4 5 6 7 8 9 10 x 12 13 14 15 16 17 18 19 20 21", ") 1 ("}) {
    try {
      parsePidStat(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadInput);
    }
  }
}

TEST(PidStatTest, HugeUnsignedFieldsClamp) {
  const auto stat = parsePidStat(
      "1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 18446744073709551615 -5");
  EXPECT_EQ(stat.vsize_bytes, 9223372036854775807u);
  EXPECT_EQ(stat.rss_pages, -5);
}

TEST(PidStatusTest, ParsesRealCaptures) {
  const auto init = parsePidStatus(readData("node-vm/t0/proc/1/status"));
  EXPECT_EQ(init.name, "process_api");
  EXPECT_EQ(init.state, 'S');
  EXPECT_EQ(init.uid_real, 0u);
  EXPECT_EQ(init.threads, 13u);
  EXPECT_EQ(init.vm_rss_bytes, 14980u * 1024);

  const auto sleeper = parsePidStatus(readData("node-vm/t0/proc/27850/status"));
  EXPECT_EQ(sleeper.name, "x) (y z");
  EXPECT_EQ(sleeper.uid_real, 65534u);
  EXPECT_EQ(sleeper.uid_effective, 65534u);

  const auto kthread = parsePidStatus(readData("node-vm/t0/proc/2/status"));
  EXPECT_FALSE(kthread.vm_rss_bytes.has_value());
}

TEST(PidStatusTest, MissingAndMalformed) {
  const auto status = parsePidStatus("Uid:\tx\t5\nThreads: many\nVmRSS: 12 MB\nState:\n");
  EXPECT_FALSE(status.uid_real.has_value());
  EXPECT_EQ(status.uid_effective, 5u);
  EXPECT_FALSE(status.threads.has_value());
  EXPECT_FALSE(status.vm_rss_bytes.has_value());
  EXPECT_EQ(status.state, '?');
}

TEST(CmdlineTest, FormatsArguments) {
  const auto raw = readData("node-vm/t0/proc/27849/cmdline");
  EXPECT_EQ(formatCmdline(raw, 4096), "bash -c while :; do :; done");
  EXPECT_EQ(formatCmdline(raw, 7), "bash -c");
  EXPECT_EQ(formatCmdline(std::string("a\0b\nc\0\0", 7), 100), "a b?c");
  EXPECT_EQ(formatCmdline("", 100), "");
}

}  // namespace
}  // namespace keelson::host
