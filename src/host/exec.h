#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/process_runner.h"

namespace keelson::host {

/// How a command reaches the host when keelson runs in a container.
enum class HostExecMethod {
  kNsenter,  ///< `nsenter -t PID -m -u -i -n -p -- CMD...`: the host's mount, UTS, IPC, network
             ///< and PID namespaces (needs hostPID and CAP_SYS_ADMIN).
  kChroot,   ///< `chroot HOST_ROOT CMD...`: the host's files, but this container's namespaces.
  kDirect,   ///< CMD run as is: keelson already runs on the host (host root "/").
};

/// "nsenter", "chroot" or "direct".
std::string_view hostExecMethodName(HostExecMethod method) noexcept;

/// How hostExec reaches the host and runs the command.
struct HostExecOptions {
  /// Where the host's root filesystem is mounted in this process's view ("/host" in the pod,
  /// "/" on the host itself).
  std::string host_root = "/";
  /// Use this method instead of detecting one (see chooseHostExecMethod).
  std::optional<HostExecMethod> method;
  /// The process whose namespaces nsenter joins: 1 is the host's init when the pod has hostPID.
  int target_pid = 1;
  /// PATH for the command, so that host tools in sbin directories (gluster, lsblk) are found
  /// even when this container's PATH lacks them. Empty keeps this process's PATH.
  std::string host_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  /// Stream the command's stdout and stderr to ours (the CLI) instead of capturing them. The
  /// command then also stays in our process group, so a terminal's Ctrl-C reaches it.
  bool inherit_output = false;
  /// Deadline for the command; zero means none. See core::RunOptions::timeout.
  std::chrono::milliseconds timeout{0};
  /// Captured bytes kept per stream. See core::RunOptions::max_output_bytes.
  std::size_t max_output_bytes = std::size_t{16} << 20;
  /// Extra environment for the command (NAME, value).
  std::vector<std::pair<std::string, std::string>> env;
  /// Who asked for the command beyond the local uid (e.g. the API client's identity); logged.
  std::string requested_by;
  /// Log the start and end lines at info (the audit trail for commands a person asked for).
  /// Collectors running their own fixed, read-only commands turn this off: debug level.
  bool audit = true;
};

/// A finished host command.
struct ExecResult {
  HostExecMethod method = HostExecMethod::kDirect;  ///< How the host was reached.
  std::vector<std::string> command;  ///< The argv actually run, nsenter/chroot prefix included.
  core::RunResult run;               ///< Exit status, output, timing.

  /// The status a shell would report: the exit code; 128+N for signal N; 124 on timeout (as
  /// timeout(1) does).
  int shellExitCode() const noexcept;
};

/// The facts the method choice rests on, gathered by probeHostExec (or written by a test).
struct HostExecFacts {
  /// Where nsenter was found in this process's PATH (plus sbin directories); empty if nowhere.
  std::string nsenter_path;
  /// Whether this process already shares target_pid's mount, UTS, IPC, network and PID
  /// namespaces; nullopt when /proc/PID/ns cannot be read (no permission, no such pid).
  std::optional<bool> same_namespaces_as_target;
  /// A trial `nsenter -t PID -m -u -i -n -p -- true` exited 0. Only tried when nsenter exists
  /// and the namespaces are not known to be the same.
  bool nsenter_works = false;
  /// host_root resolves to "/".
  bool host_root_is_slash = true;
};

/// Picks a method from the facts, in this order:
///  1. kNsenter when nsenter exists, the target's namespaces are not known to be ours (entering
///     them would change nothing) and the trial run succeeded;
///  2. kChroot when the host root is not "/" (a container with the host's / mounted);
///  3. kDirect otherwise (keelson runs on the host).
/// Pure and thread-safe.
HostExecMethod chooseHostExecMethod(const HostExecFacts& facts) noexcept;

/// Gathers HostExecFacts: searches PATH for nsenter, compares /proc/self/ns/* with
/// /proc/TARGET/ns/*, and runs the nsenter trial (5 s deadline) when it could matter.
/// Never throws for an unusable nsenter; that is a fact. Thread-safe.
HostExecFacts probeHostExec(const HostExecOptions& options);

/// options.method if set; otherwise chooseHostExecMethod(probeHostExec(options)), remembered
/// per (host_root, target_pid) for the life of the process. Thread-safe.
HostExecMethod detectHostExecMethod(const HostExecOptions& options);

/// The argv that runs `argv` on the host by `method`: {nsenter, -t, PID, -m, -u, -i, -n, -p,
/// --, argv...}, {chroot, HOST_ROOT, argv...} or argv itself. nsenter and chroot are named by
/// the path found in PATH (plus sbin directories), or by bare name when not found (core::runProcess
/// then reports kNotFound). Pure apart from that PATH search; thread-safe.
std::vector<std::string> buildHostCommand(HostExecMethod method,
                                          const std::vector<std::string>& argv,
                                          const HostExecOptions& options);

/// Where the host's files are visible from this process for `method`: /proc/PID/root for
/// nsenter (the target's root), host_root for chroot, "/" for direct.
std::string hostFilesystemRoot(HostExecMethod method, const HostExecOptions& options);

/// Finds `program` as the host would run it: in each directory of options.host_path, looked
/// up under hostFilesystemRoot(method). Returns the path in the host's view (e.g.
/// "/usr/sbin/gluster"), or nullopt. Thread-safe.
std::optional<std::string> findHostProgram(std::string_view program, HostExecMethod method,
                                           const HostExecOptions& options);

/// Runs argv on the host by detectHostExecMethod(options) (argv only, never a shell), with
/// PATH set to options.host_path. Logs one line when it starts and one when it ends via spdlog
/// (info, or debug when options.audit is off; a failure to start is a warning): the caller's uid
/// and user name, requested_by, the method, the argv redacted by core::redactArgv and shell-quoted
/// with control characters escaped (core::terminalSafe), and at the end the exit code,
/// signal, timeout and duration; never the output. Throws what core::runProcess throws (kNotFound
/// when nsenter/chroot or, for kDirect, the command itself is missing; under nsenter/chroot a
/// missing command is exit code 127 from those tools). Thread-safe.
ExecResult hostExec(const std::vector<std::string>& argv, const HostExecOptions& options);

}  // namespace keelson::host
