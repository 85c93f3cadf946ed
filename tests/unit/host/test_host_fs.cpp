// HostFs: rooted reads and root validation.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "host/host_fs.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::dataPath;
using testing::readData;
using testing::TempDir;
using testing::writeFile;

// Runs `fn`, expecting Error with `code`; returns its message.
template <typename Fn>
std::string expectError(ErrorCode code, Fn&& fn) {
  try {
    fn();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

TEST(HostFsTest, PathsAreJoinedUnderTheRoot) {
  EXPECT_EQ(HostFs("/").path("/proc/stat"), "/proc/stat");
  EXPECT_EQ(HostFs("").root(), "/");
  EXPECT_EQ(HostFs("/host/").path("/proc/stat"), "/host/proc/stat");
  EXPECT_EQ(HostFs("/host//").root(), "/host");
  EXPECT_EQ(HostFs("/host").path("proc/stat"), "/host/proc/stat");
}

TEST(HostFsTest, ReadsFixtureFilesUnderTheRoot) {
  const HostFs fs(dataPath("node-vm/t0").string());
  EXPECT_EQ(fs.readFile("/proc/loadavg"), readData("node-vm/t0/proc/loadavg"));
  EXPECT_EQ(fs.readFileIfExists("/proc/meminfo"), readData("node-vm/t0/proc/meminfo"));
  EXPECT_TRUE(fs.exists("/proc/stat"));
  EXPECT_FALSE(fs.exists("/proc/nope"));
}

TEST(HostFsTest, ReadsZeroSizeProcFilesToTheEnd) {
  // /proc files report st_size 0; the whole text must still come back.
  const HostFs fs("/");
  const auto text = fs.readFile("/proc/self/status");
  EXPECT_NE(text.find("Name:"), std::string::npos);
  EXPECT_NE(text.find("Threads:"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

TEST(HostFsTest, ReadsFilesLongerThanOneBuffer) {
  const HostFs fs(dataPath("odd").string());
  const auto text = fs.readFile("/mountinfo-long-line");
  EXPECT_GT(text.size(), 12000u);
  EXPECT_EQ(text, readData("odd/mountinfo-long-line"));
}

TEST(HostFsTest, MissingFileIsNotFoundNamingTheFullPath) {
  const HostFs fs(dataPath("node-vm/t0").string());
  const auto message = expectError(ErrorCode::kNotFound, [&] { fs.readFile("/proc/nope"); });
  EXPECT_NE(message.find(dataPath("node-vm/t0/proc/nope").string()), std::string::npos) << message;
  EXPECT_FALSE(fs.readFileIfExists("/proc/nope").has_value());
  EXPECT_FALSE(fs.readFileIfExists("/proc/stat/under-a-file").has_value());  // ENOTDIR
  expectError(ErrorCode::kNotFound, [&] { fs.listDir("/nope"); });
}

TEST(HostFsTest, UnreadableIsUnavailable) {
  const HostFs fs(dataPath("node-vm/t0").string());
  // A directory opens but cannot be read (EISDIR).
  const auto message = expectError(ErrorCode::kUnavailable, [&] { fs.readFile("/proc"); });
  EXPECT_NE(message.find("/proc"), std::string::npos);
  expectError(ErrorCode::kUnavailable, [&] { fs.readFileIfExists("/proc"); });
}

TEST(HostFsTest, MaxBytesBoundsReadsAndHeadTruncates) {
  const HostFs fs(dataPath("node-vm/t0").string());
  const auto full = readData("node-vm/t0/proc/meminfo");
  const auto message =
      expectError(ErrorCode::kUnavailable, [&] { fs.readFile("/proc/meminfo", 100); });
  EXPECT_NE(message.find("longer than 100 bytes, the limit"), std::string::npos) << message;
  EXPECT_EQ(fs.readFile("/proc/meminfo", full.size()), full);
  EXPECT_EQ(fs.readFileHead("/proc/meminfo", 10), full.substr(0, 10));
  EXPECT_EQ(fs.readFileHead("/proc/meminfo", 1u << 20), full);
  EXPECT_EQ(fs.readFileHead("/proc/meminfo", 0), "");
  EXPECT_FALSE(fs.readFileHead("/proc/nope", 10).has_value());
}

// A FIFO would block the reader until a writer comes; /dev/zero never ends. Both must fail at
// once (without the fstat check, this test hangs or holds max_bytes of zeros).
TEST(HostFsTest, FifosAndDevicesAreRefusedWithoutBlocking) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "proc");
  ASSERT_EQ(::mkfifo((dir.path() / "proc/meminfo").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/zero", dir.path() / "proc/stat");
  const HostFs fs(dir.path().string());
  const auto local = (dir.path() / "proc/meminfo").string();
  auto message = expectError(ErrorCode::kUnavailable, [&] { fs.readFile("/proc/meminfo"); });
  EXPECT_EQ(message, "host file " + local +
                         ": not a regular file (FIFO); expected a regular file such as /proc's");
  expectError(ErrorCode::kUnavailable, [&] { fs.readFileIfExists("/proc/meminfo"); });
  expectError(ErrorCode::kUnavailable, [&] { fs.readFileHead("/proc/meminfo", 10); });
  message = expectError(ErrorCode::kUnavailable, [&] { fs.readFile("/proc/stat"); });
  EXPECT_NE(message.find("/proc/stat: not a regular file (character device)"), std::string::npos)
      << message;
  expectError(ErrorCode::kUnavailable, [&] { fs.readFileHead("/proc/stat", 1); });
  // HostFs::open reads /proc/stat the same way.
  message = expectError(ErrorCode::kBadInput, [&] { HostFs::open(dir.path().string()); });
  EXPECT_NE(message.find("not a regular file (character device)"), std::string::npos) << message;
}

TEST(HostFsTest, TheDefaultBoundRefusesAnOversizeFileNamingPathAndLimit) {
  TempDir dir;
  const std::size_t limit = HostFs::kDefaultMaxFileBytes;
  EXPECT_EQ(limit, std::size_t{4} << 20);
  writeFile(dir.path() / "proc/meminfo", std::string(limit + 1, 'x'));
  writeFile(dir.path() / "proc/exact", std::string(limit, 'y'));
  const HostFs fs(dir.path().string());
  const auto message = expectError(ErrorCode::kUnavailable, [&] { fs.readFile("/proc/meminfo"); });
  EXPECT_EQ(message, "host file " + (dir.path() / "proc/meminfo").string() +
                         ": longer than 4194304 bytes, the limit for one host file");
  expectError(ErrorCode::kUnavailable, [&] { fs.readFileIfExists("/proc/meminfo"); });
  EXPECT_EQ(fs.readFile("/proc/exact").size(), limit);
  EXPECT_EQ(fs.readFileHead("/proc/meminfo", 5), "xxxxx");
  // The tables that grow with the host take the larger bound.
  EXPECT_EQ(fs.readFile("/proc/meminfo", HostFs::kLargeTableMaxBytes).size(), limit + 1);
}

TEST(HostFsTest, ListDirListsEntries) {
  const HostFs fs(dataPath("node-vm/t0").string());
  auto names = fs.listDir("/sys/block");
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"loop0", "loop1", "loop2", "loop3", "loop4", "loop5",
                                             "loop6", "loop7", "vda", "zram0"}));
}

TEST(HostDirTest, ListsAndReadsRelativeToTheOpenDirectory) {
  const HostFs fs(dataPath("node-vm/t0").string());
  const HostDir proc = fs.openDir("/proc");
  EXPECT_EQ(proc.localPath(), dataPath("node-vm/t0/proc").string());
  auto names = proc.list();
  auto expected = fs.listDir("/proc");
  std::sort(names.begin(), names.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
  EXPECT_EQ(proc.list().size(), names.size());  // Listed afresh each time.

  // One buffer for several files: each read replaces the last one's bytes.
  std::string buffer;
  ASSERT_TRUE(proc.readFileInto("meminfo", 1u << 20, buffer));
  EXPECT_EQ(buffer, readData("node-vm/t0/proc/meminfo"));
  ASSERT_TRUE(proc.readFileInto("1/stat", 1u << 20, buffer));
  EXPECT_EQ(buffer, readData("node-vm/t0/proc/1/stat"));
  ASSERT_TRUE(proc.readFileInto("loadavg", 1u << 20, buffer));
  EXPECT_EQ(buffer, readData("node-vm/t0/proc/loadavg"));
  // A path longer than the short-name buffer.
  const std::string long_name = std::string(100, 'a');
  EXPECT_FALSE(proc.readFileInto(long_name, 1u << 20, buffer));

  // Moved: the new owner reads through the same descriptor.
  HostDir first = fs.openDir("/proc");
  HostDir moved = std::move(first);
  ASSERT_TRUE(moved.readFileInto("loadavg", 4096, buffer));
  EXPECT_EQ(buffer, readData("node-vm/t0/proc/loadavg"));
  moved = fs.openDir("/sys/block");
  EXPECT_EQ(moved.list().size(), fs.listDir("/sys/block").size());
}

TEST(HostDirTest, ErrorsAsReadFile) {
  TempDir dir;
  writeFile(dir.path() / "proc/meminfo", "0123456789");
  ASSERT_EQ(::mkfifo((dir.path() / "proc/fifo").c_str(), 0600), 0);
  const HostFs fs(dir.path().string());
  expectError(ErrorCode::kNotFound, [&] { fs.openDir("/nope"); });
  expectError(ErrorCode::kNotFound, [&] { fs.openDir("/proc/meminfo"); });  // ENOTDIR
  const HostDir proc = fs.openDir("/proc");
  std::string buffer = "kept";
  EXPECT_FALSE(proc.readFileInto("missing", 100, buffer));    // ENOENT: false, as IfExists
  EXPECT_FALSE(proc.readFileInto("meminfo/x", 100, buffer));  // ENOTDIR
  auto message =
      expectError(ErrorCode::kUnavailable, [&] { proc.readFileInto("fifo", 100, buffer); });
  EXPECT_EQ(message, "host file " + (dir.path() / "proc/fifo").string() +
                         ": not a regular file (FIFO); expected a regular file such as /proc's");
  message = expectError(ErrorCode::kUnavailable, [&] { proc.readFileInto("meminfo", 5, buffer); });
  EXPECT_EQ(message, "host file " + (dir.path() / "proc/meminfo").string() +
                         ": longer than 5 bytes, the limit for one host file");
  ASSERT_TRUE(proc.readFileInto("meminfo", 5, buffer, /*truncate=*/true));
  EXPECT_EQ(buffer, "01234");
  ASSERT_TRUE(proc.readFileInto("meminfo", 10, buffer));
  EXPECT_EQ(buffer, "0123456789");
}

TEST(HostFsTest, ReadLink) {
  TempDir dir;
  ASSERT_EQ(::symlink("target-x", (dir.path() / "link").c_str()), 0);
  const HostFs fs(dir.path().string());
  EXPECT_EQ(fs.readLink("/link"), "target-x");
  EXPECT_FALSE(fs.readLink("/missing").has_value());
}

TEST(HostFsOpenTest, AcceptsRealRootAndFixtureRoot) {
  EXPECT_EQ(HostFs::open("/").root(), "/");
  const auto fs = HostFs::open(dataPath("node-vm/t0").string());
  EXPECT_EQ(fs.root(), dataPath("node-vm/t0").string());
}

TEST(HostFsOpenTest, DirectoryWithoutProcIsBadInputWithClearMessage) {
  TempDir dir;
  const auto root = dir.path().string();
  const auto message = expectError(ErrorCode::kBadInput, [&] { HostFs::open(root); });
  EXPECT_EQ(message, "host root " + root + ": " + root +
                         "/proc/stat not found; expected the host's / mounted there (with /proc)");
}

TEST(HostFsOpenTest, NotADirectoryOrMissingIsBadInput) {
  TempDir dir;
  writeFile(dir.path() / "file", "x");
  auto message =
      expectError(ErrorCode::kBadInput, [&] { HostFs::open((dir.path() / "file").string()); });
  EXPECT_NE(message.find("not a directory"), std::string::npos) << message;
  message =
      expectError(ErrorCode::kBadInput, [&] { HostFs::open((dir.path() / "nope").string()); });
  EXPECT_NE(message.find((dir.path() / "nope").string()), std::string::npos) << message;
  expectError(ErrorCode::kBadInput, [&] { HostFs::open(""); });
}

TEST(HostFsOpenTest, ProcStatThatIsNotTheKernelsIsBadInput) {
  TempDir dir;
  writeFile(dir.path() / "proc/stat", "hello\n");
  const auto message =
      expectError(ErrorCode::kBadInput, [&] { HostFs::open(dir.path().string()); });
  EXPECT_NE(message.find("no \"cpu\" line"), std::string::npos) << message;
}

TEST(HostFsOpenTest, RelativeRootIsMadeAbsolute) {
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dataPath("node-vm"));
  const auto fs = HostFs::open("t0");
  std::filesystem::current_path(cwd);
  EXPECT_TRUE(fs.root().starts_with('/')) << fs.root();
  EXPECT_TRUE(std::filesystem::equivalent(fs.root(), dataPath("node-vm/t0")));
}

}  // namespace
}  // namespace keelson::host
