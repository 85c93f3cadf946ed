// Parser of /proc/diskstats.
#include <gtest/gtest.h>

#include "host/proc/diskstats.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::readData;

TEST(DiskstatsTest, ParsesRealCaptureWithTwentyFields) {
  const auto disks = parseDiskstats(readData("node-vm/t0/proc/diskstats"));
  ASSERT_EQ(disks.size(), 10u);
  const auto& vda = disks[8];
  EXPECT_EQ(vda.name, "vda");
  EXPECT_EQ(vda.major, 254u);
  EXPECT_EQ(vda.minor, 0u);
  EXPECT_EQ(vda.stat_fields, 17);
  // 89325 24185 3177890 45547 52459 232712 18951880 90167 0 35964 137738 15280 45 2458096 1960
  // 2547 62
  EXPECT_EQ(vda.reads_completed, 89325u);
  EXPECT_EQ(vda.reads_merged, 24185u);
  EXPECT_EQ(vda.sectors_read, 3177890u);
  EXPECT_EQ(vda.read_time_ms, 45547u);
  EXPECT_EQ(vda.writes_completed, 52459u);
  EXPECT_EQ(vda.writes_merged, 232712u);
  EXPECT_EQ(vda.sectors_written, 18951880u);
  EXPECT_EQ(vda.write_time_ms, 90167u);
  EXPECT_EQ(vda.ios_in_progress, 0u);
  EXPECT_EQ(vda.io_time_ms, 35964u);
  EXPECT_EQ(vda.weighted_io_time_ms, 137738u);
  EXPECT_EQ(vda.discards_completed, 15280u);
  EXPECT_EQ(vda.discards_merged, 45u);
  EXPECT_EQ(vda.sectors_discarded, 2458096u);
  EXPECT_EQ(vda.discard_time_ms, 1960u);
  EXPECT_EQ(vda.flushes_completed, 2547u);
  EXPECT_EQ(vda.flush_time_ms, 62u);
  EXPECT_EQ(disks[0].name, "loop0");
}

TEST(DiskstatsTest, Linux44FourteenFields) {
  const auto disks = parseDiskstats(readData("odd/diskstats-linux-4.4"));
  ASSERT_EQ(disks.size(), 4u);
  EXPECT_EQ(disks[0].stat_fields, 11);
  EXPECT_EQ(disks[0].sectors_written, 178223568u);
  EXPECT_EQ(disks[0].weighted_io_time_ms, 8747448u);
  EXPECT_EQ(disks[0].discards_completed, 0u);
  EXPECT_EQ(disks[2].name, "dm-0");
}

TEST(DiskstatsTest, Linux419EighteenFields) {
  const auto disks = parseDiskstats(readData("odd/diskstats-linux-4.19"));
  ASSERT_EQ(disks.size(), 5u);
  EXPECT_EQ(disks[0].name, "nvme0n1");
  EXPECT_EQ(disks[0].stat_fields, 15);
  EXPECT_EQ(disks[0].io_time_ms, 3175312u);
  EXPECT_EQ(disks[0].flushes_completed, 0u);
}

TEST(DiskstatsTest, Linux26OldPartitionFormatAndGarbage) {
  const auto disks = parseDiskstats(readData("odd/diskstats-linux-2.6.18"));
  ASSERT_EQ(disks.size(), 4u);  // "8 garbage line" and the non-numeric md0 line are skipped.
  EXPECT_EQ(disks[0].stat_fields, 11);
  EXPECT_EQ(disks[1].name, "hda1");
  EXPECT_EQ(disks[1].stat_fields, 4);
  EXPECT_EQ(disks[1].reads_completed, 35486u);
  EXPECT_EQ(disks[1].sectors_read, 38030u);
  EXPECT_EQ(disks[1].writes_completed, 38030u);
  EXPECT_EQ(disks[1].sectors_written, 0u);
  EXPECT_EQ(disks[1].read_time_ms, 0u);
}

TEST(DiskstatsTest, OddFieldCounts) {
  // 5 to 10 statistics match no layout; 12 to 14 use the 11-field layout; 16 the 15-field one.
  EXPECT_TRUE(parseDiskstats("8 0 sda 1 2 3 4 5").empty());
  EXPECT_TRUE(parseDiskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10").empty());
  const auto twelve = parseDiskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12");
  ASSERT_EQ(twelve.size(), 1u);
  EXPECT_EQ(twelve[0].stat_fields, 11);
  const auto future = parseDiskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19");
  ASSERT_EQ(future.size(), 1u);
  EXPECT_EQ(future[0].stat_fields, 17);
  EXPECT_EQ(future[0].flush_time_ms, 17u);
  EXPECT_TRUE(parseDiskstats("99999999999 0 sda 1 2 3 4").empty());
}

}  // namespace
}  // namespace keelson::host
