#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keelson::core {

/// Where a child's stdout and stderr go.
enum class OutputMode {
  kCapture,  ///< Into RunResult::out and RunResult::err, each bounded by max_output_bytes.
  kInherit,  ///< Straight to this process's own stdout and stderr (e.g. the user's terminal).
};

/// How runProcess starts and supervises a child.
struct RunOptions {
  /// Wall-clock limit for the child, measured from the spawn. Zero means no deadline.
  std::chrono::milliseconds timeout{0};
  /// After the deadline the child gets SIGTERM; if it is still alive this long afterwards it
  /// gets SIGKILL.
  std::chrono::milliseconds kill_grace{2000};
  /// Bytes kept per stream in kCapture mode; the rest is read and dropped (the child never
  /// blocks on a full pipe) and the stream is marked truncated.
  std::size_t max_output_bytes = std::size_t{16} << 20;
  /// Capture or inherit stdout and stderr. stdin is always /dev/null.
  OutputMode output = OutputMode::kCapture;
  /// Variables set for the child (NAME, value), replacing inherited ones of the same name. A
  /// PATH given here is also the PATH searched for argv[0].
  std::vector<std::pair<std::string, std::string>> env;
  /// Start from an empty environment instead of this process's, then apply `env`.
  bool clear_env = false;
  /// Put the child in a process group of its own, so that the deadline's signals reach its
  /// descendants too. Turn off for interactive commands that must stay in the terminal's
  /// foreground group (Ctrl-C then reaches them); the deadline then signals the child alone.
  bool new_process_group = true;
  /// Once the child has exited, how long to keep reading pipes that its background
  /// descendants still hold open before giving up on them.
  std::chrono::milliseconds output_linger{200};
};

/// What a child did. Exactly one of `exit_code >= 0` and `signal != 0` holds, except when the
/// child could not be waited for (see runProcess), when both are unset.
struct RunResult {
  int exit_code = -1;                     ///< Exit status 0..255 if the child exited; -1 otherwise.
  int signal = 0;                         ///< Signal number that ended the child; 0 if it exited.
  bool timed_out = false;                 ///< The deadline passed and the child was signalled.
  std::string out;                        ///< Captured stdout (kCapture only).
  std::string err;                        ///< Captured stderr (kCapture only).
  bool out_truncated = false;             ///< stdout exceeded max_output_bytes.
  bool err_truncated = false;             ///< stderr exceeded max_output_bytes.
  std::chrono::milliseconds duration{0};  ///< From spawn until the child was reaped.

  /// True when the child exited with status 0 within its deadline.
  bool ok() const noexcept { return !timed_out && signal == 0 && exit_code == 0; }
};

/// The default search path when neither the options nor the environment give one.
inline constexpr std::string_view kDefaultSearchPath = "/usr/local/bin:/usr/bin:/bin";

/// Finds a program the way execvp does: a name containing '/' is taken as a path; any other
/// name is looked up in each directory of `search_path` (colon-separated; empty entries are
/// skipped). Returns the path of the first regular, executable file, or nullopt. Thread-safe.
std::optional<std::string> findInPath(std::string_view program, std::string_view search_path);

/// Runs argv[0] with arguments argv[1..] directly (posix_spawn, never a shell: arguments reach
/// the program byte for byte). argv[0] is resolved with findInPath against the PATH from
/// `options.env`, else this process's PATH, else kDefaultSearchPath. The child gets stdin from
/// /dev/null, no file descriptors besides 0-2, default signal dispositions and an empty signal
/// mask. Both output pipes are drained together with poll(2), so a child that fills one while
/// we wait on the other cannot deadlock. At the deadline the child (its process group, unless
/// new_process_group is off) gets SIGTERM, then SIGKILL after kill_grace; if it still has not
/// died kill_grace after SIGKILL (e.g. stuck in uninterruptible I/O), runProcess returns with
/// timed_out and no status, and a detached thread reaps the child later.
///
/// Throws Error(kBadInput) for an empty argv, Error(kNotFound) "NAME: not found in PATH (...)"
/// when the program does not exist, Error(kForbidden) when it cannot be executed, and
/// Error(kUnavailable) when pipes or the process cannot be created. A program that runs and
/// fails is not an error: see RunResult.
///
/// Thread-safe: may be called from several threads at once. It reads `environ`, so do not
/// call setenv/putenv concurrently. Children are reaped by pid; a SIGCHLD handler that reaps
/// every child (or SIGCHLD ignored) makes the status unavailable (exit_code -1).
RunResult runProcess(const std::vector<std::string>& argv, const RunOptions& options = {});

}  // namespace keelson::core
