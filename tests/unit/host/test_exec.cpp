#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "host/exec.h"

namespace keelson::host {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

/// Captures what the default spdlog logger writes while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::debug);
    logger->set_formatter(core::makeLogFormatter("text"));
    spdlog::set_default_logger(logger);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

HostExecOptions direct() {
  HostExecOptions options;
  options.method = HostExecMethod::kDirect;
  return options;
}

TEST(ChooseHostExecMethod, PrefersWorkingNsenterIntoOtherNamespaces) {
  HostExecFacts facts;
  facts.nsenter_path = "/usr/bin/nsenter";
  facts.same_namespaces_as_target = false;
  facts.nsenter_works = true;
  facts.host_root_is_slash = false;
  EXPECT_EQ(chooseHostExecMethod(facts), HostExecMethod::kNsenter);
  facts.same_namespaces_as_target = std::nullopt;  // unknown, but the trial worked
  EXPECT_EQ(chooseHostExecMethod(facts), HostExecMethod::kNsenter);
}

TEST(ChooseHostExecMethod, FallsBackToChrootWhenNsenterIsMissingBrokenOrPointless) {
  HostExecFacts facts;
  facts.host_root_is_slash = false;
  EXPECT_EQ(chooseHostExecMethod(facts), HostExecMethod::kChroot);  // no nsenter
  facts.nsenter_path = "/usr/bin/nsenter";
  facts.nsenter_works = false;  // e.g. no hostPID / no CAP_SYS_ADMIN
  EXPECT_EQ(chooseHostExecMethod(facts), HostExecMethod::kChroot);
  facts.nsenter_works = true;
  facts.same_namespaces_as_target = true;  // pid 1 is our own init: entering changes nothing
  EXPECT_EQ(chooseHostExecMethod(facts), HostExecMethod::kChroot);
}

TEST(ChooseHostExecMethod, RunsDirectlyOnTheHost) {
  HostExecFacts facts;
  facts.host_root_is_slash = true;
  EXPECT_EQ(chooseHostExecMethod(facts), HostExecMethod::kDirect);
  facts.nsenter_path = "/usr/bin/nsenter";
  facts.same_namespaces_as_target = true;
  facts.nsenter_works = true;
  EXPECT_EQ(chooseHostExecMethod(facts), HostExecMethod::kDirect);
}

TEST(BuildHostCommand, PrefixesByMethod) {
  HostExecOptions options;
  options.host_root = "/host";
  options.target_pid = 1;
  const std::vector<std::string> argv = {"gluster", "volume", "info"};

  const auto ns = buildHostCommand(HostExecMethod::kNsenter, argv, options);
  ASSERT_EQ(ns.size(), 12U);
  EXPECT_EQ(std::filesystem::path(ns[0]).filename(), "nsenter");
  EXPECT_EQ(std::vector<std::string>(ns.begin() + 1, ns.end()),
            (std::vector<std::string>{"-t", "1", "-m", "-u", "-i", "-n", "-p", "--", "gluster",
                                      "volume", "info"}));

  const auto ch = buildHostCommand(HostExecMethod::kChroot, argv, options);
  ASSERT_EQ(ch.size(), 5U);
  EXPECT_EQ(std::filesystem::path(ch[0]).filename(), "chroot");
  EXPECT_EQ(std::vector<std::string>(ch.begin() + 1, ch.end()),
            (std::vector<std::string>{"/host", "gluster", "volume", "info"}));

  EXPECT_EQ(buildHostCommand(HostExecMethod::kDirect, argv, options), argv);
}

TEST(HostFilesystemRoot, FollowsTheMethod) {
  HostExecOptions options;
  options.host_root = "/host";
  options.target_pid = 42;
  EXPECT_EQ(hostFilesystemRoot(HostExecMethod::kNsenter, options), "/proc/42/root");
  EXPECT_EQ(hostFilesystemRoot(HostExecMethod::kChroot, options), "/host");
  EXPECT_EQ(hostFilesystemRoot(HostExecMethod::kDirect, options), "/");
}

TEST(FindHostProgram, LooksUnderTheHostRootAndReturnsTheHostsPath) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("keelson-hostroot-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "usr/sbin");
  { std::ofstream(root / "usr/sbin/fakegluster") << "#!/bin/sh\n"; }
  HostExecOptions options;
  options.host_root = root.string();
  options.host_path = "/usr/local/sbin:/usr/sbin:/usr/bin";
  EXPECT_EQ(findHostProgram("fakegluster", HostExecMethod::kChroot, options),
            "/usr/sbin/fakegluster");
  EXPECT_EQ(findHostProgram("/usr/sbin/fakegluster", HostExecMethod::kChroot, options),
            "/usr/sbin/fakegluster");
  EXPECT_EQ(findHostProgram("nothere", HostExecMethod::kChroot, options), std::nullopt);
  // Direct: the same names are looked up in our own root, where fakegluster does not exist.
  EXPECT_EQ(findHostProgram("fakegluster", HostExecMethod::kDirect, options), std::nullopt);
  EXPECT_EQ(findHostProgram("sh", HostExecMethod::kDirect, HostExecOptions{}), "/usr/bin/sh");
  std::filesystem::remove_all(root);
}

TEST(HostExec, RunsDirectlyAndCaptures) {
  const ExecResult r = hostExec({"/bin/echo", "on the host"}, direct());
  EXPECT_EQ(r.method, HostExecMethod::kDirect);
  EXPECT_EQ(r.command, (std::vector<std::string>{"/bin/echo", "on the host"}));
  EXPECT_EQ(r.run.out, "on the host\n");
  EXPECT_EQ(r.shellExitCode(), 0);
}

TEST(HostExec, UsesTheHostPathForBareNames) {
  HostExecOptions options = direct();
  options.host_path = "/nonexistent:/usr/bin:/bin";
  const ExecResult r = hostExec({"printenv", "PATH"}, options);
  EXPECT_EQ(r.run.out, "/nonexistent:/usr/bin:/bin\n");
}

TEST(HostExec, ChrootIntoARootRunsTheCommandThroughChroot) {
  if (::geteuid() != 0) GTEST_SKIP() << "chroot(2) needs root";
  HostExecOptions options;
  options.method = HostExecMethod::kChroot;
  options.host_root = "/";
  const ExecResult r = hostExec({"/bin/echo", "chrooted"}, options);
  EXPECT_EQ(std::filesystem::path(r.command.at(0)).filename(), "chroot");
  EXPECT_EQ(r.command.at(1), "/");
  EXPECT_EQ(r.run.out, "chrooted\n");
  EXPECT_EQ(r.shellExitCode(), 0);
}

TEST(HostExec, ChrootReportsAMissingCommandAsExit127) {
  if (::geteuid() != 0) GTEST_SKIP() << "chroot(2) needs root";
  HostExecOptions options;
  options.method = HostExecMethod::kChroot;
  options.host_root = "/";
  const ExecResult r = hostExec({"no-such-command-keelson"}, options);
  EXPECT_EQ(r.shellExitCode(), 127);
}

TEST(HostExec, NsenterWhenItWorksHere) {
  HostExecOptions options;
  const HostExecFacts facts = probeHostExec(options);
  if (facts.nsenter_path.empty() || !facts.nsenter_works) {
    GTEST_SKIP() << "nsenter into pid 1 does not work here (nsenter="
                 << (facts.nsenter_path.empty() ? "absent" : facts.nsenter_path) << ")";
  }
  options.method = HostExecMethod::kNsenter;
  const ExecResult r = hostExec({"/bin/echo", "entered"}, options);
  EXPECT_EQ(r.run.out, "entered\n");
}

TEST(HostExec, DetectionMatchesTheProbedFacts) {
  HostExecOptions options;
  options.host_root = "/";
  const HostExecFacts facts = probeHostExec(options);
  EXPECT_TRUE(facts.host_root_is_slash);
  EXPECT_EQ(detectHostExecMethod(options), chooseHostExecMethod(facts));
  options.method = HostExecMethod::kChroot;
  EXPECT_EQ(detectHostExecMethod(options), HostExecMethod::kChroot);  // an override wins
}

TEST(HostExec, ExitCodesForTheShell) {
  EXPECT_EQ(hostExec({"/bin/sh", "-c", "exit 3"}, direct()).shellExitCode(), 3);
  EXPECT_EQ(hostExec({"/bin/sh", "-c", "kill -TERM $$"}, direct()).shellExitCode(), 128 + SIGTERM);
  HostExecOptions options = direct();
  options.timeout = std::chrono::milliseconds(100);
  const ExecResult slow = hostExec({"/bin/sleep", "5"}, options);
  EXPECT_TRUE(slow.run.timed_out);
  EXPECT_EQ(slow.shellExitCode(), 124);
}

TEST(HostExec, MissingCommandRunDirectlyIsNotFound) {
  try {
    hostExec({"no-such-command-keelson"}, direct());
    FAIL() << "expected Error(kNotFound)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  EXPECT_THROW(hostExec({}, direct()), Error);
}

TEST(HostExec, LogsWhoHowWhatAndOutcomeButNoSecrets) {
  LogCapture capture;
  HostExecOptions options = direct();
  options.requested_by = "alice@api";
  const ExecResult r = hostExec({"/bin/sh", "-c", "exit 4", "--password", "hunter2", "token=abc123",
                                 "Authorization: Bearer xyz"},
                                options);
  EXPECT_EQ(r.run.exit_code, 4);
  const std::string log = capture.text();
  EXPECT_THAT(log, HasSubstr("info host exec: start uid=" + std::to_string(::getuid())));
  EXPECT_THAT(log, HasSubstr("requested_by=alice@api"));
  EXPECT_THAT(log, HasSubstr("method=direct"));
  EXPECT_THAT(log, HasSubstr("argv=\"/bin/sh -c 'exit 4' --password '<redacted>' "
                             "'token=<redacted>' 'Authorization: Bearer <redacted>'\""));
  EXPECT_THAT(log, HasSubstr("info host exec: end uid="));
  EXPECT_THAT(log, HasSubstr("exit_code=4"));
  EXPECT_THAT(log, HasSubstr("duration_ms="));
  EXPECT_THAT(log, Not(HasSubstr("hunter2")));
  EXPECT_THAT(log, Not(HasSubstr("abc123")));
  EXPECT_THAT(log, Not(HasSubstr("xyz")));
}

TEST(HostExec, TheAuditLineRedactsMysqlUrlAndJsonSecretsAndEscapesControlCharacters) {
  LogCapture capture;
  hostExec({"/bin/true", "mysql", "-pS3cr3t", "https://bob:pw9@db/x", R"({"token":"tk7"})",
            "line\ninfo host exec end: forged\x1b[31m"},
           direct());
  const std::string log = capture.text();
  EXPECT_THAT(log, HasSubstr("-p<redacted>"));
  EXPECT_THAT(log, HasSubstr("https://bob:<redacted>@db/x"));
  EXPECT_THAT(log, HasSubstr(R"({\"token\":\"<redacted>\"})"));  // logfmt escapes the quotes
  EXPECT_THAT(log, Not(HasSubstr("S3cr3t")));
  EXPECT_THAT(log, Not(HasSubstr("pw9")));
  EXPECT_THAT(log, Not(HasSubstr("tk7")));
  // The newline and ESC are shown escaped (the shell quoting's backslash escaped once more by
  // logfmt): the start line stays one line, nothing is forged.
  EXPECT_THAT(log, HasSubstr("'line\\\\ninfo host exec end: forged\\\\x1b[31m'"));
  EXPECT_THAT(log, Not(HasSubstr("\x1b")));
  EXPECT_THAT(log, Not(HasSubstr("\ninfo host exec end: forged")));
}

TEST(HostExec, NonAuditRunsLogAtDebug) {
  LogCapture capture;
  HostExecOptions options = direct();
  options.audit = false;
  hostExec({"/bin/true"}, options);
  EXPECT_THAT(capture.text(), HasSubstr("debug host exec: start"));
  EXPECT_THAT(capture.text(), Not(HasSubstr("info ")));
}

TEST(HostExec, AFailureToStartIsLoggedAsAWarning) {
  LogCapture capture;
  EXPECT_THROW(hostExec({"no-such-command-keelson", "--token", "t0p"}, direct()), Error);
  EXPECT_THAT(capture.text(), HasSubstr("warning host exec: failed uid="));
  EXPECT_THAT(capture.text(), Not(HasSubstr("t0p")));
}

}  // namespace
}  // namespace keelson::host
