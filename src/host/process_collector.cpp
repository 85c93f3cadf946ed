#include "host/process_collector.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/error.h"
#include "core/redact.h"
#include "host/proc/parse_util.h"
#include "host/proc/passwd.h"

namespace keelson::host {
namespace {

struct Ranked {
  const PidStat* stat = nullptr;
  std::uint64_t cpu_ticks = 0;  // utime + stime over the interval.
  std::uint64_t rss_bytes = 0;
};

// /proc/<pid>/cmdline as one line with credentials redacted: the raw NUL-separated arguments are
// redacted as an argv (core::redactArgv), while their boundaries are still known, then joined.
std::string redactedCmdline(std::string_view raw, std::size_t max_bytes) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  if (raw.empty()) return {};
  std::vector<std::string> argv;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('\0', start);
    if (end == std::string_view::npos) end = raw.size();
    argv.emplace_back(raw.substr(start, end - start));
    start = end + 1;
  }
  std::string joined;
  const auto redacted = core::redactArgv(argv);
  for (std::size_t i = 0; i < redacted.size(); ++i) {
    if (i > 0) joined.push_back('\0');
    joined += redacted[i];
  }
  return formatCmdline(joined, max_bytes);
}

// redactedCmdline, remembered: the listed processes are mostly the same from one snapshot to
// the next, and redaction (a credential check of every argument) costs more than reading the
// command line. Keyed by the raw bytes and the bound, so the result is exactly what
// redactedCmdline gives; process-wide, guarded by its mutex, emptied when it holds
// kMaxRemembered lines.
std::string rememberedRedactedCmdline(std::string_view raw, std::size_t max_bytes) {
  constexpr std::size_t kMaxRemembered = 256;
  static std::mutex mutex;
  static std::unordered_map<std::string, std::string> remembered;  // raw + '\0' + bound
  std::string key(raw);
  key.push_back('\0');
  key.append(std::to_string(max_bytes));
  {
    std::lock_guard lock(mutex);
    if (const auto it = remembered.find(key); it != remembered.end()) return it->second;
  }
  auto line = redactedCmdline(raw, max_bytes);
  std::lock_guard lock(mutex);
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  remembered.emplace(std::move(key), line);
  return line;
}

UserNames readUsersUncached(const HostFs& fs) {
  try {
    if (const auto text = fs.readFileIfExists("/etc/passwd", 16u << 20)) return parsePasswd(*text);
  } catch (const Error&) {
    // No names: users are shown by number.
  }
  return {};
}

// What identifies one version of a passwd file: where it is, and stat(2)'s device, inode, size
// and modification time (nanoseconds). An edit in place changes the size or the time; a
// replacement (useradd writes a new file and renames it) changes the inode.
struct PasswdVersion {
  std::string local_path;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_seconds = 0;
  std::int64_t mtime_nanoseconds = 0;
  bool operator==(const PasswdVersion&) const = default;
};

// <root>/etc/passwd's user names, parsed again only when the file changes: one stat a
// snapshot instead of a read and a parse. Process-wide, guarded by its mutex.
std::shared_ptr<const UserNames> readUsers(const HostFs& fs) {
  static std::mutex mutex;
  static PasswdVersion cached_version;
  static std::shared_ptr<const UserNames> cached_names;
  PasswdVersion version;
  version.local_path = fs.path("/etc/passwd");
  struct stat info {};
  if (::stat(version.local_path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    // Missing or odd: no cache; readUsersUncached says what it says today.
    return std::make_shared<const UserNames>(readUsersUncached(fs));
  }
  version.device = info.st_dev;
  version.inode = info.st_ino;
  version.size = info.st_size;
  version.mtime_seconds = info.st_mtim.tv_sec;
  version.mtime_nanoseconds = info.st_mtim.tv_nsec;
  {
    std::lock_guard lock(mutex);
    if (cached_names && cached_version == version) return cached_names;
  }
  auto names = std::make_shared<const UserNames>(readUsersUncached(fs));
  std::lock_guard lock(mutex);
  cached_version = std::move(version);
  cached_names = names;
  return names;
}

ProcessInfo describe(const HostFs& fs, const Ranked& ranked, double elapsed_seconds,
                     const ProcessOptions& options, const UserNames& users) {
  const PidStat& stat = *ranked.stat;
  ProcessInfo info;
  info.pid = stat.pid;
  info.ppid = stat.ppid;
  info.command = stat.comm;
  info.state = stat.state;
  info.rss_bytes = ranked.rss_bytes;
  info.threads = stat.num_threads;
  if (elapsed_seconds > 0 && options.clock_ticks_per_second > 0) {
    info.cpu_percent = static_cast<double>(ranked.cpu_ticks) * 100.0 /
                       static_cast<double>(options.clock_ticks_per_second) / elapsed_seconds;
  }
  // A process that exited, or whose files we may not read, keeps what the samples had.
  const auto dir = "/proc/" + std::to_string(stat.pid) + "/";
  try {
    if (const auto status = fs.readFileIfExists(dir + "status", 1u << 20)) {
      info.uid = parsePidStatus(*status).uid_real;
    }
  } catch (const Error&) {
    // Keep uid empty.
  }
  try {
    if (const auto cmdline = fs.readFileHead(dir + "cmdline", options.max_cmdline_bytes)) {
      info.cmdline = rememberedRedactedCmdline(*cmdline, options.max_cmdline_bytes);
    }
  } catch (const Error&) {
    // Keep cmdline empty.
  }
  if (info.uid) {
    const auto it = users.find(*info.uid);
    info.user = it != users.end() ? it->second : std::to_string(*info.uid);
  }
  return info;
}

}  // namespace

std::uint64_t systemClockTicksPerSecond() noexcept {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<std::uint64_t>(ticks) : 100;
}

std::uint64_t systemPageSizeBytes() noexcept {
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<std::uint64_t>(page) : 4096;
}

ProcessSample sampleProcesses(const HostFs& fs) { return ProcessTableReader(0).sample(fs); }

struct ProcessTableReader::State {
  std::string proc_path;  // Local path of the /proc the kept files belong to.
  std::unordered_map<std::int64_t, HostFile> kept;  // By PID.
  std::string text;                                 // One buffer for every stat.
  std::string relative;                             // "<pid>/stat".
};

ProcessTableReader::ProcessTableReader(std::size_t max_open_files)
    : max_open_files_(max_open_files), state_(std::make_unique<State>()) {}

ProcessTableReader::~ProcessTableReader() = default;

std::shared_ptr<ProcessTableReader> ProcessTableReader::shared() {
  static const auto reader = std::make_shared<ProcessTableReader>();
  return reader;
}

std::size_t ProcessTableReader::openFiles() const {
  std::lock_guard lock(mutex_);
  return state_->kept.size();
}

ProcessSample ProcessTableReader::sample(const HostFs& fs) {
  std::lock_guard lock(mutex_);
  State& state = *state_;
  ProcessSample sample;
  // One open /proc for the listing and every <pid>/stat (openat: no path resolved from the
  // root per process), one buffer for all of them.
  const HostDir proc = fs.openDir("/proc");
  if (state.proc_path != proc.localPath()) {
    state.kept.clear();
    state.proc_path = proc.localPath();
  }
  // Kept only on a real procfs: a fixture tree's files may be replaced between samples.
  struct statfs proc_fs {};
  const bool keep = max_open_files_ > 0 && ::statfs(proc.localPath().c_str(), &proc_fs) == 0 &&
                    proc_fs.f_type == PROC_SUPER_MAGIC;
  if (!keep) state.kept.clear();

  const auto entries = proc.list();
  sample.processes.reserve(entries.size());
  std::unordered_map<std::int64_t, HostFile> still_kept;
  still_kept.reserve(state.kept.size());
  for (const auto& entry : entries) {
    const auto pid = detail::parseU64(entry);
    if (!pid) continue;
    const auto key = static_cast<std::int64_t>(*pid);
    try {
      // A kept file first; gone (exited, or its PID now another process's): open afresh.
      if (auto it = state.kept.find(key); it != state.kept.end()) {
        HostFile file = std::move(it->second);
        state.kept.erase(it);
        if (file.readInto(64u << 10, state.text)) {
          sample.processes.push_back(parsePidStat(state.text));
          still_kept.emplace(key, std::move(file));
          continue;
        }
      }
      state.relative.assign(entry).append("/stat");
      if (keep && still_kept.size() < max_open_files_) {
        auto file = proc.openFile(state.relative);
        if (!file || !file->readInto(64u << 10, state.text)) continue;  // Exited.
        sample.processes.push_back(parsePidStat(state.text));
        still_kept.emplace(key, std::move(*file));
      } else {
        if (!proc.readFileInto(state.relative, 64u << 10, state.text)) continue;  // Exited.
        sample.processes.push_back(parsePidStat(state.text));
      }
    } catch (const Error&) {
      // Unreadable or unparsable: skip this process, not the section.
    }
  }
  // Files of processes no longer listed close here.
  state.kept = std::move(still_kept);
  return sample;
}

std::string_view processStateName(char state) noexcept {
  switch (state) {
    case 'R':
      return "running";
    case 'S':
      return "sleeping";
    case 'D':
      return "disk_sleep";
    case 'Z':
      return "zombie";
    case 'T':
      return "stopped";
    case 't':
      return "tracing_stop";
    case 'X':
    case 'x':
      return "dead";
    case 'I':
      return "idle";
    case 'P':
      return "parked";
    case 'W':
      return "waking";
    case 'K':
      return "wakekill";
    default:
      return "unknown";
  }
}

ProcessStats computeProcesses(const HostFs& fs, const ProcessSample& before,
                              const ProcessSample& after, double elapsed_seconds,
                              const ProcessOptions& options) {
  ProcessStats stats;
  std::unordered_map<std::int64_t, const PidStat*> earlier;
  earlier.reserve(before.processes.size());
  for (const auto& process : before.processes) earlier.emplace(process.pid, &process);

  std::vector<Ranked> ranked;
  ranked.reserve(after.processes.size());
  for (const auto& process : after.processes) {
    ++stats.total;
    stats.threads += static_cast<std::uint64_t>(std::max<std::int64_t>(process.num_threads, 0));
    ++stats.by_state[process.state];
    Ranked entry;
    entry.stat = &process;
    const std::uint64_t ticks = process.utime_ticks + process.stime_ticks;
    const auto it = earlier.find(process.pid);
    if (it != earlier.end() && it->second->start_time_ticks == process.start_time_ticks) {
      const std::uint64_t old_ticks = it->second->utime_ticks + it->second->stime_ticks;
      entry.cpu_ticks = ticks > old_ticks ? ticks - old_ticks : 0;
    } else {
      entry.cpu_ticks = ticks;
    }
    entry.rss_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(process.rss_pages, 0)) *
                      options.page_size_bytes;
    ranked.push_back(entry);
  }

  const auto users_ptr = readUsers(fs);
  const UserNames& users = *users_ptr;
  const std::size_t n = std::min(options.top_n, ranked.size());
  auto by_cpu = [](const Ranked& a, const Ranked& b) {
    if (a.cpu_ticks != b.cpu_ticks) return a.cpu_ticks > b.cpu_ticks;
    if (a.rss_bytes != b.rss_bytes) return a.rss_bytes > b.rss_bytes;
    return a.stat->pid < b.stat->pid;
  };
  auto by_rss = [](const Ranked& a, const Ranked& b) {
    if (a.rss_bytes != b.rss_bytes) return a.rss_bytes > b.rss_bytes;
    return a.stat->pid < b.stat->pid;
  };
  // A process in both lists is described (its files read) once.
  std::unordered_map<std::int64_t, ProcessInfo> described;
  auto describe_once = [&](const Ranked& entry) {
    auto it = described.find(entry.stat->pid);
    if (it == described.end()) {
      it = described.emplace(entry.stat->pid, describe(fs, entry, elapsed_seconds, options, users))
               .first;
    }
    return it->second;
  };
  const auto middle = ranked.begin() + static_cast<std::ptrdiff_t>(n);
  if (elapsed_seconds > 0) {
    std::partial_sort(ranked.begin(), middle, ranked.end(), by_cpu);
    for (std::size_t i = 0; i < n; ++i) stats.top_cpu.push_back(describe_once(ranked[i]));
  }
  std::partial_sort(ranked.begin(), middle, ranked.end(), by_rss);
  for (std::size_t i = 0; i < n; ++i) stats.top_rss.push_back(describe_once(ranked[i]));
  return stats;
}

}  // namespace keelson::host
