// currentProcess and isRunning, on real processes: a forked child (named with spaces and
// parentheses), the same child as a zombie and once reaped, and a pid whose start time does not
// match. The start time is checked against Python's reading of /proc/PID/stat.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "host/process_identity.h"

namespace keelson::host {
namespace {

// Field 22 of /proc/PID/stat as Python splits it (after the last ')': state is field 3).
std::string pythonStartTicks(pid_t pid) {
  const std::string command =
      "python3 -c 'import sys; print(open(\"/proc/%s/stat\" % sys.argv[1]).read()"
      ".rsplit(\")\", 1)[1].split()[19])' " +
      std::to_string(pid);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::array<char, 64> buffer{};
  std::string out;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
  ::pclose(pipe);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A child that renames itself (comm "a) (b c)") and waits for SIGKILL; its pid once renamed.
pid_t startChild() {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t child = ::fork();
  if (child == 0) {
    ::prctl(PR_SET_NAME, "a) (b c)");
    const char ready = 'r';
    if (::write(fds[1], &ready, 1) != 1) ::_exit(2);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  char ready = 0;
  const bool ok = ::read(fds[0], &ready, 1) == 1;
  ::close(fds[0]);
  return ok ? child : -1;
}

TEST(ProcessIdentity, CurrentProcessIsThisOne) {
  const ProcessIdentity self = currentProcess();
  EXPECT_EQ(self.pid, ::getpid());
  EXPECT_EQ(std::to_string(self.start_ticks), pythonStartTicks(::getpid()));
  EXPECT_GT(self.start_ticks, 0U);
  EXPECT_TRUE(isRunning(self));
  EXPECT_FALSE(isRunning({.pid = self.pid, .start_ticks = self.start_ticks + 1}));
}

TEST(ProcessIdentity, ChildRunningThenZombieThenGone) {
  const pid_t child = startChild();
  ASSERT_GT(child, 0);
  const std::string ticks = pythonStartTicks(child);
  ASSERT_FALSE(ticks.empty());
  const ProcessIdentity identity{.pid = child, .start_ticks = std::stoull(ticks)};
  EXPECT_TRUE(isRunning(identity));
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  // Not reaped yet: a zombie, which has exited.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(isRunning(identity));
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(isRunning(identity));
}

TEST(ProcessIdentity, ImpossiblePidsAreNotRunning) {
  EXPECT_FALSE(isRunning({.pid = 0, .start_ticks = 0}));
  EXPECT_FALSE(isRunning({.pid = -1, .start_ticks = 0}));
  EXPECT_FALSE(isRunning({.pid = std::int64_t{1} << 40, .start_ticks = 0}));
}

}  // namespace
}  // namespace keelson::host
