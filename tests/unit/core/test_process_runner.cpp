#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/process_runner.h"

namespace keelson::core {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// True while `pid` exists and is not a zombie.
bool processAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

bool waitUntilGone(pid_t pid, milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (!processAlive(pid)) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return !processAlive(pid);
}

TEST(FindInPath, FindsProgramsInPathOrder) {
  EXPECT_EQ(findInPath("sh", "/nonexistent:/bin:/usr/bin"), "/bin/sh");
  EXPECT_EQ(findInPath("sh", "/usr/bin/"), "/usr/bin/sh");
  EXPECT_EQ(findInPath("/bin/sh", ""), "/bin/sh");
  EXPECT_EQ(findInPath("no-such-program-keelson", "/bin:/usr/bin"), std::nullopt);
  EXPECT_EQ(findInPath("sh", "::"), std::nullopt);        // empty entries are skipped
  EXPECT_EQ(findInPath("passwd", "/etc"), std::nullopt);  // not executable
  EXPECT_EQ(findInPath("bin", "/"), std::nullopt);        // a directory
  EXPECT_EQ(findInPath("", "/bin"), std::nullopt);
}

TEST(RunProcess, CapturesStdoutAndExitCode) {
  const RunResult r = runProcess({"/bin/echo", "hello", "world"});
  EXPECT_EQ(r.out, "hello world\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.signal, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.ok());
}

TEST(RunProcess, CapturesStderrAndNonZeroExit) {
  const RunResult r = runProcess({"/bin/sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_FALSE(r.ok());
}

TEST(RunProcess, ArgumentsReachTheProgramLiterallyWithoutAShell) {
  const std::string marker = "/tmp/keelson-runner-injection-" + std::to_string(::getpid());
  std::filesystem::remove(marker);
  const std::vector<std::string> args = {"/usr/bin/printf",
                                         "[%s]\n",
                                         "two words",
                                         "$(touch " + marker + ")",
                                         "; touch " + marker,
                                         "`id`",
                                         "a|b&&c",
                                         "'quoted' \"double\"",
                                         "*",
                                         "$HOME",
                                         ""};
  const RunResult r = runProcess(args);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "[two words]\n[$(touch " + marker + ")]\n[; touch " + marker +
                       "]\n[`id`]\n[a|b&&c]\n['quoted' \"double\"]\n[*]\n[$HOME]\n[]\n");
  EXPECT_FALSE(std::filesystem::exists(marker)) << "an argument was run by a shell";
}

TEST(RunProcess, SearchesPathForBareNames) {
  RunOptions options;
  options.env = {{"PATH", "/nonexistent:/usr/bin:/bin"}};
  const RunResult r = runProcess({"echo", "via PATH"}, options);
  EXPECT_EQ(r.out, "via PATH\n");
}

TEST(RunProcess, MissingProgramIsNotFound) {
  try {
    runProcess({"gluster-no-such-program"});
    FAIL() << "expected Error(kNotFound)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_THAT(e.what(), StartsWith("gluster-no-such-program: not found in PATH"));
  }
  try {
    runProcess({"/nonexistent/bin/tool", "x"});
    FAIL() << "expected Error(kNotFound)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST(RunProcess, EmptyArgvIsBadInput) {
  try {
    runProcess({});
    FAIL() << "expected Error(kBadInput)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  }
}

TEST(RunProcess, StdinIsDevNull) {
  // cat would wait forever on an inherited terminal or pipe.
  RunOptions options;
  options.timeout = milliseconds(5000);
  const RunResult r = runProcess({"/bin/cat"}, options);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "");
  const RunResult link = runProcess({"/bin/readlink", "/proc/self/fd/0"});
  EXPECT_EQ(link.out, "/dev/null\n");
}

TEST(RunProcess, DeadlineKillsTheProcess) {
  RunOptions options;
  options.timeout = milliseconds(200);
  const RunResult r = runProcess({"/bin/sleep", "10"}, options);
  // Ended by our SIGTERM, not by running out its 10 s.
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.ok());
}

TEST(RunProcess, SigkillFollowsWhenSigtermIsIgnored) {
  RunOptions options;
  options.timeout = milliseconds(200);
  options.kill_grace = milliseconds(300);
  // The shell and its sleep both ignore SIGTERM; only SIGKILL ends them.
  const RunResult r =
      runProcess({"/bin/sh", "-c", "trap '' TERM; sleep 10; echo survived"}, options);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.out, "");  // killed before its sleep ended
}

TEST(RunProcess, DeadlineKillsTheWholeProcessGroup) {
  RunOptions options;
  options.timeout = milliseconds(300);
  const RunResult r = runProcess({"/bin/sh", "-c", "sleep 30 & echo $!; wait"}, options);
  ASSERT_TRUE(r.timed_out);
  const pid_t grandchild = std::stoi(r.out);
  EXPECT_TRUE(waitUntilGone(grandchild, milliseconds(2000)))
      << "background child " << grandchild << " outlived the deadline";
}

TEST(RunProcess, DoesNotWaitForeverOnPipesHeldByBackgroundChildren) {
  RunOptions options;
  options.output_linger = milliseconds(100);
  const RunResult r = runProcess({"/bin/sh", "-c", "sleep 30 & echo $!"}, options);
  EXPECT_EQ(r.exit_code, 0);
  const pid_t background = std::stoi(r.out);
  // Returned while the background child still holds the pipes open.
  EXPECT_TRUE(processAlive(background));
  ::kill(background, SIGKILL);
}

TEST(RunProcess, LargeOutputOnBothStreamsDoesNotDeadlock) {
  // stderr first: a runner that only read stdout until EOF would hang here.
  RunOptions options;
  options.timeout = milliseconds(20000);
  const RunResult r = runProcess(
      {"/bin/sh", "-c", "head -c 3000000 /dev/zero >&2; head -c 5000000 /dev/zero"}, options);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.err.size(), 3000000U);
  EXPECT_EQ(r.out.size(), 5000000U);
  EXPECT_FALSE(r.out_truncated);
}

TEST(RunProcess, OutputBeyondTheLimitIsDroppedAndFlagged) {
  RunOptions options;
  options.max_output_bytes = 1000;
  options.timeout = milliseconds(20000);
  const RunResult r = runProcess({"/usr/bin/head", "-c", "20000000", "/dev/zero"}, options);
  EXPECT_TRUE(r.ok()) << "the child must run to completion, not block on a full pipe";
  EXPECT_EQ(r.out.size(), 1000U);
  EXPECT_TRUE(r.out_truncated);
  EXPECT_FALSE(r.err_truncated);
}

TEST(RunProcess, DefaultLimitIs16MiB) {
  RunOptions options;
  options.timeout = milliseconds(30000);
  const RunResult r = runProcess({"/usr/bin/head", "-c", "17000000", "/dev/zero"}, options);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out.size(), std::size_t{16} << 20);
  EXPECT_TRUE(r.out_truncated);
}

TEST(RunProcess, EnvironmentOverridesAndClearing) {
  RunOptions options;
  options.env = {{"KEELSON_TEST_VAR", "a value"}, {"HOME", "/nowhere"}};
  RunResult r = runProcess({"/usr/bin/env"}, options);
  EXPECT_THAT(r.out, HasSubstr("KEELSON_TEST_VAR=a value\n"));
  EXPECT_THAT(r.out, HasSubstr("HOME=/nowhere\n"));

  options.clear_env = true;
  options.env = {{"ONLY", "this"}};
  r = runProcess({"/usr/bin/env"}, options);
  EXPECT_EQ(r.out, "ONLY=this\n");
}

TEST(RunProcess, OtherDescriptorsAreClosedInTheChild) {
  // A descriptor opened without O_CLOEXEC, as careless library code might.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  const std::string fd_path = "/proc/self/fd/" + std::to_string(leaky);
  const RunResult r = runProcess({"/usr/bin/test", "-e", fd_path});
  ::close(leaky);
  EXPECT_EQ(r.exit_code, 1) << fd_path << " is open in the child";
}

TEST(RunProcess, IgnoredSignalsAreResetForTheChild) {
  struct sigaction old {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;  // NOLINT: the macro is what POSIX gives
  ::sigaction(SIGPIPE, &ignore, &old);
  // An ignored signal stays ignored across exec unless the runner resets it: the shell would
  // then survive its own SIGPIPE and print "survived".
  const RunResult direct = runProcess({"/bin/sh", "-c", "kill -PIPE $$; echo survived"});
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(direct.out, "");
  EXPECT_EQ(direct.signal, SIGPIPE);
}

TEST(RunProcess, ReportsTheSignalThatEndedTheChild) {
  const RunResult r = runProcess({"/bin/sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.timed_out);
}

TEST(RunProcess, InheritModeWritesToOurStdout) {
  // Point our fd 1 at a file for the duration of the call.
  const std::string path = "/tmp/keelson-runner-inherit-" + std::to_string(::getpid());
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(file, 0);
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  ::dup2(file, STDOUT_FILENO);
  RunOptions options;
  options.output = OutputMode::kInherit;
  const RunResult r = runProcess({"/bin/echo", "streamed"}, options);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(file);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "streamed");
  std::filesystem::remove(path);
}

TEST(RunProcess, SafeFromManyThreads) {
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &good] {
      for (int i = 0; i < 15; ++i) {
        const std::string word = std::to_string(t) + "-" + std::to_string(i);
        const RunResult r = runProcess({"/bin/echo", word});
        if (r.ok() && r.out == word + "\n") ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 8 * 15);
}

}  // namespace
}  // namespace keelson::core
