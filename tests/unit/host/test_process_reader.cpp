// ProcessTableReader: the process table with /proc/<pid>/stat kept open between samples,
// checked against sampleProcesses (which opens every file) on fixture trees, and on the live
// /proc against fork/waitpid (a child it saw, then reaped).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_fs.h"
#include "host/process_collector.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::dataPath;
using testing::readData;
using testing::TempDir;
using testing::writeFile;

std::vector<std::int64_t> pids(const ProcessSample& sample) {
  std::vector<std::int64_t> result;
  for (const auto& process : sample.processes) result.push_back(process.pid);
  std::sort(result.begin(), result.end());
  return result;
}

const PidStat* find(const ProcessSample& sample, std::int64_t pid) {
  for (const auto& process : sample.processes) {
    if (process.pid == pid) return &process;
  }
  return nullptr;
}

TEST(ProcessTableReaderTest, FixtureTreeReadsAsSampleProcessesAndKeepsNothing) {
  const HostFs fs(dataPath("node-vm/t0").string());
  ProcessTableReader reader;
  const auto kept = reader.sample(fs);
  const auto fresh = sampleProcesses(fs);
  ASSERT_FALSE(fresh.processes.empty());
  EXPECT_EQ(pids(kept), pids(fresh));
  for (const auto& process : fresh.processes) {
    const auto* same = find(kept, process.pid);
    ASSERT_NE(same, nullptr);
    EXPECT_EQ(same->utime_ticks, process.utime_ticks);
    EXPECT_EQ(same->comm, process.comm);
  }
  EXPECT_EQ(reader.openFiles(), 0u);  // Not a procfs: its files may be replaced.
}

TEST(ProcessTableReaderTest, ReplacedFixtureFilesAreReadAfresh) {
  TempDir dir;
  const auto first = readData("node-vm/t0/proc/1/stat");
  const auto second = readData("node-vm/t1/proc/1/stat");
  ASSERT_NE(first, second);
  writeFile(dir.path() / "proc/1/stat", first);
  const HostFs fs(dir.path().string());
  ProcessTableReader reader;
  const auto before = reader.sample(fs);
  writeFile(dir.path() / "proc/1/stat", second);
  const auto after = reader.sample(fs);
  ASSERT_EQ(before.processes.size(), 1u);
  ASSERT_EQ(after.processes.size(), 1u);
  EXPECT_EQ(before.processes[0].utime_ticks, parsePidStat(first).utime_ticks);
  EXPECT_EQ(after.processes[0].utime_ticks, parsePidStat(second).utime_ticks);
}

TEST(ProcessTableReaderTest, LiveKeepsFilesAndDropsExitedProcesses) {
  const HostFs fs("/");
  ProcessTableReader reader;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const auto with_child = reader.sample(fs);
  const auto kept_with_child = reader.openFiles();
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const auto without_child = reader.sample(fs);

  // The child, then not: waitpid says it is gone, so its kept file must not report it.
  const auto* seen = find(with_child, child);
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->ppid, ::getpid());
  EXPECT_EQ(find(without_child, child), nullptr);
  // Ourselves, both times, with our parent (getppid, not /proc).
  for (const auto* sample : {&with_child, &without_child}) {
    const auto* self = find(*sample, ::getpid());
    ASSERT_NE(self, nullptr);
    EXPECT_EQ(self->ppid, ::getppid());
  }
  // One kept file per process read; the child's is closed once it is no longer listed.
  EXPECT_EQ(kept_with_child, with_child.processes.size());
  EXPECT_EQ(reader.openFiles(), without_child.processes.size());

  // A bound of 0 keeps nothing; a bound of 2 keeps two and still reads every process.
  ProcessTableReader none(0);
  EXPECT_FALSE(none.sample(fs).processes.empty());
  EXPECT_EQ(none.openFiles(), 0u);
  ProcessTableReader two(2);
  const auto bounded = two.sample(fs);
  EXPECT_EQ(two.openFiles(), std::min<std::size_t>(2, bounded.processes.size()));
  EXPECT_NE(find(bounded, ::getpid()), nullptr);
  EXPECT_NE(find(two.sample(fs), ::getpid()), nullptr);
}

// The user names come from <root>/etc/passwd, cached between snapshots: each change to the
// file (in place, same size, or replaced) must show in the next one.
TEST(ProcessUserNamesTest, PasswdChangesAreSeen) {
  TempDir dir;
  const std::string stat = "7 (app) R 1 1 1 0 -1 0 0 0 0 0 30 20 0 0 20 0 1 0 900 5 9";
  writeFile(dir.path() / "proc/7/stat", stat);
  writeFile(dir.path() / "proc/7/status", "Name:\tapp\nUid:\t1000\t1000\t1000\t1000\n");
  const auto passwd = dir.path() / "etc/passwd";
  const HostFs fs(dir.path().string());
  ProcessSample sample;
  sample.processes.push_back(parsePidStat(stat));
  auto user = [&] {
    const auto stats = computeProcesses(fs, sample, sample, 1.0, ProcessOptions{});
    EXPECT_EQ(stats.top_rss.size(), 1u);
    return stats.top_rss.empty() ? std::string("?") : stats.top_rss[0].user;
  };

  EXPECT_EQ(user(), "1000");  // No passwd: the number.
  writeFile(passwd, "alice:x:1000:1000::/home/alice:/bin/sh\n");
  EXPECT_EQ(user(), "alice");
  EXPECT_EQ(user(), "alice");  // Unchanged: the cached names.
  // Same size, written in place: the modification time tells.
  const auto before = std::filesystem::last_write_time(passwd);
  writeFile(passwd, "carol:x:1000:1000::/home/alice:/bin/sh\n");
  std::filesystem::last_write_time(passwd, before + std::chrono::seconds(1));
  EXPECT_EQ(user(), "carol");
  // Replaced by a new file (another inode), as useradd does.
  writeFile(dir.path() / "etc/passwd.new", "bob:x:1000:1000::/home/bob:/bin/sh\n");
  std::filesystem::rename(dir.path() / "etc/passwd.new", passwd);
  EXPECT_EQ(user(), "bob");
  std::filesystem::remove(passwd);
  EXPECT_EQ(user(), "1000");
  // Another host root is another file.
  TempDir other;
  writeFile(other.path() / "etc/passwd", "dave:x:1000:1000::/:/bin/sh\n");
  writeFile(other.path() / "proc/7/status", "Name:\tapp\nUid:\t1000\t1000\t1000\t1000\n");
  const auto stats =
      computeProcesses(HostFs(other.path().string()), sample, sample, 1.0, ProcessOptions{});
  ASSERT_EQ(stats.top_rss.size(), 1u);
  EXPECT_EQ(stats.top_rss[0].user, "dave");
}

// Redacted command lines are remembered between snapshots by their raw bytes: a changed
// command line (a process that rewrote its argv, a new process on the same PID) is redacted
// afresh, and the same bytes give the same line every time.
TEST(ProcessCmdlineTest, ChangedCommandLinesAreRedactedAfresh) {
  TempDir dir;
  const std::string stat = "7 (app) R 1 1 1 0 -1 0 0 0 0 0 30 20 0 0 20 0 1 0 900 5 9";
  writeFile(dir.path() / "proc/7/stat", stat);
  const HostFs fs(dir.path().string());
  ProcessSample sample;
  sample.processes.push_back(parsePidStat(stat));
  auto cmdline = [&](std::string_view raw, std::size_t max_bytes = 4096) {
    writeFile(dir.path() / "proc/7/cmdline", raw);
    ProcessOptions options;
    options.max_cmdline_bytes = max_bytes;
    const auto stats = computeProcesses(fs, sample, sample, 1.0, options);
    EXPECT_EQ(stats.top_rss.size(), 1u);
    return stats.top_rss.empty() ? std::string("?") : stats.top_rss[0].cmdline;
  };
  using namespace std::string_view_literals;
  EXPECT_EQ(cmdline("app\0--password=a1\0"sv), "app --password=<redacted>");
  EXPECT_EQ(cmdline("app\0--password=a1\0"sv), "app --password=<redacted>");
  EXPECT_EQ(cmdline("app\0--password\0b2\0"sv), "app --password <redacted>");
  EXPECT_EQ(cmdline("app\0--user=b2\0"sv), "app --user=b2");
  EXPECT_EQ(cmdline("app\0--password=a1\0"sv, 8), "app --pa");  // The bound is in the key.
  EXPECT_EQ(cmdline("app\0--password=a1\0"sv), "app --password=<redacted>");
}

}  // namespace
}  // namespace keelson::host
