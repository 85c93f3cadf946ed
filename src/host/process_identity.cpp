#include "host/process_identity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <optional>
#include <string>

#include "core/error.h"
#include "host/host_fs.h"
#include "host/proc/pid.h"

namespace keelson::host {
namespace {

// /proc/PID/stat is one line of at most a few hundred bytes.
constexpr std::size_t kStatMaxBytes = 4096;

}  // namespace

ProcessIdentity currentProcess() {
  const HostFs fs("/");
  std::string text;
  try {
    text = fs.readFile("/proc/self/stat", kStatMaxBytes);
  } catch (const Error& e) {
    // kNotFound here means no /proc at all: not something the caller got wrong.
    throw Error(ErrorCode::kUnavailable,
                std::string(e.what()) + " (is /proc mounted? it names this process)");
  }
  // /proc/self is this process even after a fork; getpid() agrees with the file's pid.
  return {.pid = static_cast<std::int64_t>(::getpid()),
          .start_ticks = parsePidStat(text).start_time_ticks};
}

bool isRunning(const ProcessIdentity& process) {
  if (process.pid <= 0 || process.pid > INT_MAX) return false;
  std::optional<std::string> text;
  try {
    text = HostFs("/").readFileIfExists("/proc/" + std::to_string(process.pid) + "/stat",
                                        kStatMaxBytes);
  } catch (const Error&) {
    return true;  // unreadable: cannot tell
  }
  if (!text) {
    // No /proc entry: gone, unless the pid exists but is hidden (hidepid) or /proc belongs to
    // another pid namespace; kill(pid, 0) tells without sending anything.
    return ::kill(static_cast<pid_t>(process.pid), 0) == 0 || errno == EPERM;
  }
  try {
    const PidStat stat = parsePidStat(*text);
    if (stat.state == 'Z' || stat.state == 'X' || stat.state == 'x') return false;
    return stat.start_time_ticks == process.start_ticks;
  } catch (const Error&) {
    return true;
  }
}

}  // namespace keelson::host
