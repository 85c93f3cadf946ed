// Parser of /proc/<pid>/mountinfo.
#include <gtest/gtest.h>

#include <string>

#include "host/proc/mountinfo.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::readData;

TEST(MountinfoTest, ParsesRealCapture) {
  const auto mounts = parseMountinfo(readData("node-vm/t0/proc/1/mountinfo"));
  ASSERT_EQ(mounts.size(), 20u);
  const auto& root = mounts[5];
  EXPECT_EQ(root.mount_id, 27u);
  EXPECT_EQ(root.parent_id, 1u);
  EXPECT_EQ(root.major, 254u);
  EXPECT_EQ(root.minor, 0u);
  EXPECT_EQ(root.root, "/");
  EXPECT_EQ(root.mount_point, "/");
  EXPECT_EQ(root.mount_options, "rw,relatime");
  EXPECT_TRUE(root.optional_fields.empty());
  EXPECT_EQ(root.fs_type, "ext4");
  EXPECT_EQ(root.source, "/dev/vda");
  EXPECT_EQ(root.super_options, "rw,discard,resv_strict,resuid=65534,resgid=65534");
  EXPECT_EQ(mounts.back().fs_type, "cgroup2");
  EXPECT_EQ(mounts.back().mount_point, "/sys/fs/cgroup/unified");
}

TEST(MountinfoTest, KubernetesNodeEscapesOptionalFieldsAndEmptySource) {
  const auto mounts = parseMountinfo(readData("odd/mountinfo-k8s-node"));
  // 19 valid lines; garbage, a line without "-" and a bad major:minor are skipped.
  ASSERT_EQ(mounts.size(), 19u);
  EXPECT_EQ(mounts[0].optional_fields, (std::vector<std::string>{"shared:1"}));
  const auto& nfs = mounts[8];
  EXPECT_EQ(nfs.mount_point, "/mnt/nfs share");
  EXPECT_EQ(nfs.fs_type, "nfs4");
  EXPECT_EQ(nfs.source, "10.0.0.5:/export/data");
  EXPECT_EQ(mounts[13].mount_point, "/data\ttab");
  EXPECT_EQ(mounts[13].root, "/srv-data");
  const auto& fuse = mounts[18];
  EXPECT_EQ(fuse.mount_point, "/mnt/empty\\source");
  EXPECT_EQ(fuse.optional_fields,
            (std::vector<std::string>{"master:1", "propagate_from:2", "unbindable"}));
  EXPECT_EQ(fuse.fs_type, "fuse.x");
  EXPECT_EQ(fuse.source, "");
  EXPECT_EQ(fuse.super_options, "rw");
}

TEST(MountinfoTest, TenKilobyteOptionLine) {
  const auto text = readData("odd/mountinfo-long-line");
  const auto mounts = parseMountinfo(text);
  ASSERT_EQ(mounts.size(), 3u);
  const auto& overlay = mounts[1];
  EXPECT_EQ(overlay.fs_type, "overlay");
  EXPECT_GT(overlay.super_options.size(), 10000u);
  EXPECT_TRUE(overlay.super_options.starts_with("rw,lowerdir=/var/lib/containerd/"));
  EXPECT_TRUE(overlay.super_options.ends_with("snapshots/1161/work"));
  EXPECT_EQ(mounts[2].mount_point, "/mnt/after");  // The line after it is intact.
}

TEST(MountinfoTest, DecodeEscapes) {
  EXPECT_EQ(decodeMountEscapes("a\\040b\\011c\\012d\\134e"), "a b\tc\nd\\e");
  EXPECT_EQ(decodeMountEscapes("\\04"), "\\04");      // Too short.
  EXPECT_EQ(decodeMountEscapes("\\999x"), "\\999x");  // Not octal.
  EXPECT_EQ(decodeMountEscapes("\\777"), "\\777");    // Above one byte.
  EXPECT_EQ(decodeMountEscapes("trailing\\"), "trailing\\");
}

TEST(MountinfoTest, HasMountOption) {
  EXPECT_TRUE(hasMountOption("ro,relatime", "ro"));
  EXPECT_TRUE(hasMountOption("rw,ro", "ro"));
  EXPECT_FALSE(hasMountOption("rw,errors=remount-ro", "ro"));
  EXPECT_FALSE(hasMountOption("", "ro"));
}

TEST(MountinfoTest, ShortAndBinaryLinesAreSkipped) {
  EXPECT_TRUE(parseMountinfo("1 2 3:4 / /x rw -\n").empty());    // No type after "-".
  EXPECT_TRUE(parseMountinfo("1 2 3:4 / rw - ext4\n").empty());  // Too few fields.
  EXPECT_TRUE(parseMountinfo(std::string("\0\0\0", 3)).empty());
  const auto minimal = parseMountinfo("1 2 3:4 / /x rw - ext4");  // No source, no options.
  ASSERT_EQ(minimal.size(), 1u);
  EXPECT_EQ(minimal[0].source, "");
  EXPECT_EQ(minimal[0].super_options, "");
}

}  // namespace
}  // namespace keelson::host
