#include "core/process_runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "core/error.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace keelson::core {
namespace {

using SteadyClock = std::chrono::steady_clock;

/// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Pipe makePipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw Error(ErrorCode::kUnavailable, fmt::format("pipe2: {}", std::strerror(errno)));
  }
  Pipe p{Fd(fds[0]), Fd(fds[1])};
  // The parent's end never blocks: poll says when to read.
  ::fcntl(p.read.get(), F_SETFL, ::fcntl(p.read.get(), F_GETFL) | O_NONBLOCK);
  return p;
}

/// RAII for posix_spawn's two attribute objects.
class SpawnAttrs {
 public:
  SpawnAttrs() {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attr_);
  }
  SpawnAttrs(const SpawnAttrs&) = delete;
  SpawnAttrs& operator=(const SpawnAttrs&) = delete;
  ~SpawnAttrs() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attr_{};
};

/// NAME=value strings for the child: this process's environment (unless cleared) with the
/// overrides applied in place or appended.
std::vector<std::string> buildEnvironment(const RunOptions& options) {
  std::vector<std::string> env;
  if (!options.clear_env && environ != nullptr) {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  }
  for (const auto& [name, value] : options.env) {
    const std::string prefix = name + "=";
    auto it = std::find_if(env.begin(), env.end(),
                           [&](const std::string& s) { return s.starts_with(prefix); });
    if (it != env.end()) {
      *it = prefix + value;
    } else {
      env.push_back(prefix + value);
    }
  }
  return env;
}

std::string searchPathFor(const RunOptions& options) {
  for (const auto& [name, value] : options.env) {
    if (name == "PATH") return value;
  }
  if (!options.clear_env) {
    if (const char* path = ::getenv("PATH"); path != nullptr && *path != '\0') return path;
  }
  return std::string(kDefaultSearchPath);
}

bool isExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

/// Reads what is available from one capture pipe.
struct Stream {
  Fd fd;
  std::string* sink = nullptr;
  bool* truncated = nullptr;

  /// Returns false once the pipe is at EOF (or broken) and has been closed.
  bool drain(std::size_t max_bytes) {
    std::array<char, 65536> buf{};
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n > 0) {
        const auto got = static_cast<std::size_t>(n);
        const std::size_t room = max_bytes - std::min(max_bytes, sink->size());
        sink->append(buf.data(), std::min(room, got));
        if (got > room) *truncated = true;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      fd.reset();  // EOF or error: the child's end is gone
      return false;
    }
  }
};

int msUntil(SteadyClock::time_point when, SteadyClock::time_point now) {
  if (when <= now) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::min<long long>(ms, 60'000));
}

}  // namespace

std::optional<std::string> findInPath(std::string_view program, std::string_view search_path) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string_view::npos) {
    std::string path(program);
    if (isExecutableFile(path)) return path;
    return std::nullopt;
  }
  std::size_t start = 0;
  while (start <= search_path.size()) {
    std::size_t end = search_path.find(':', start);
    if (end == std::string_view::npos) end = search_path.size();
    const std::string_view dir = search_path.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate(dir);
      if (candidate.back() != '/') candidate += '/';
      candidate += program;
      if (isExecutableFile(candidate)) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

RunResult runProcess(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty() || argv.front().empty()) {
    throw Error(ErrorCode::kBadInput, "runProcess: empty argv (expected a program name)");
  }
  const std::vector<std::string> env = buildEnvironment(options);
  const std::string search_path = searchPathFor(options);
  const std::optional<std::string> program = findInPath(argv.front(), search_path);
  if (!program) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("{}: not found in PATH ({})", argv.front(), search_path));
  }

  const bool capture = options.output == OutputMode::kCapture;
  Pipe out_pipe;
  Pipe err_pipe;
  if (capture) {
    out_pipe = makePipe();
    err_pipe = makePipe();
  }

  SpawnAttrs spawn;
  ::posix_spawn_file_actions_addopen(spawn.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (capture) {
    ::posix_spawn_file_actions_adddup2(spawn.actions(), out_pipe.write.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(spawn.actions(), err_pipe.write.get(), STDERR_FILENO);
  }
  // Descriptors some library opened without O_CLOEXEC must not leak into the child either.
  ::posix_spawn_file_actions_addclosefrom_np(spawn.actions(), STDERR_FILENO + 1);

  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    ::posix_spawnattr_setpgroup(spawn.attr(), 0);
  }
  ::posix_spawnattr_setflags(spawn.attr(), flags);
  sigset_t empty_mask;
  ::sigemptyset(&empty_mask);
  ::posix_spawnattr_setsigmask(spawn.attr(), &empty_mask);
  // Signals this process ignores (SIGPIPE in a server) would otherwise stay ignored in the child.
  sigset_t all_signals;
  ::sigfillset(&all_signals);
  ::sigdelset(&all_signals, SIGKILL);
  ::sigdelset(&all_signals, SIGSTOP);
  ::posix_spawnattr_setsigdefault(spawn.attr(), &all_signals);

  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  c_env.reserve(env.size() + 1);
  for (const auto& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  const SteadyClock::time_point start = SteadyClock::now();
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program->c_str(), spawn.actions(), spawn.attr(), c_argv.data(),
                               c_env.data());
  if (rc != 0) {
    const std::string what =
        fmt::format("{}: cannot execute {}: {}", argv.front(), *program, std::strerror(rc));
    if (rc == ENOENT) throw Error(ErrorCode::kNotFound, what);
    if (rc == EACCES || rc == EPERM || rc == ENOEXEC) throw Error(ErrorCode::kForbidden, what);
    throw Error(ErrorCode::kUnavailable, what);
  }
  out_pipe.write.reset();
  err_pipe.write.reset();

  RunResult result;
  std::array<Stream, 2> streams{
      Stream{std::move(out_pipe.read), &result.out, &result.out_truncated},
      Stream{std::move(err_pipe.read), &result.err, &result.err_truncated}};
  // A pidfd turns "the child exited" into a poll event; without one (old kernels) we re-check
  // with waitpid on a short tick.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  constexpr int kTickMs = 10;

  const SteadyClock::time_point deadline =
      options.timeout.count() > 0 ? start + options.timeout : SteadyClock::time_point::max();
  bool exited = false;
  bool status_known = false;
  int status = 0;
  SteadyClock::time_point exit_time{};
  bool term_sent = false;
  bool kill_sent = false;
  SteadyClock::time_point signal_time{};

  auto signal_child = [&](int sig) { ::kill(options.new_process_group ? -pid : pid, sig); };

  for (;;) {
    SteadyClock::time_point now = SteadyClock::now();
    if (!exited) {
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid || (w < 0 && errno == ECHILD)) {
        exited = true;
        status_known = (w == pid);
        exit_time = now;
        pidfd.reset();
      }
    }
    const bool pipes_open = streams[0].fd.valid() || streams[1].fd.valid();
    if (exited && (!pipes_open || now >= exit_time + options.output_linger)) break;

    SteadyClock::time_point wake = SteadyClock::time_point::max();
    if (!exited) {
      if (!term_sent && now >= deadline) {
        signal_child(SIGTERM);
        term_sent = true;
        result.timed_out = true;
        signal_time = now;
      } else if (term_sent && !kill_sent && now >= signal_time + options.kill_grace) {
        signal_child(SIGKILL);
        kill_sent = true;
        signal_time = now;
      } else if (kill_sent && now >= signal_time + options.kill_grace) {
        // Unkillable for now (uninterruptible sleep). Do not hang the caller; reap later.
        std::thread([pid] {
          int ignored = 0;
          while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
          }
        }).detach();
        break;
      }
      wake = !term_sent ? deadline : signal_time + options.kill_grace;
    } else {
      wake = exit_time + options.output_linger;
    }

    std::array<pollfd, 3> pfds{};
    nfds_t n = 0;
    std::array<Stream*, 3> owners{};
    for (auto& s : streams) {
      if (s.fd.valid()) {
        owners[n] = &s;
        pfds[n++] = pollfd{s.fd.get(), POLLIN, 0};
      }
    }
    if (!exited && pidfd.valid()) pfds[n++] = pollfd{pidfd.get(), POLLIN, 0};
    int timeout_ms = wake == SteadyClock::time_point::max() ? -1 : msUntil(wake, now);
    if (!exited && !pidfd.valid())
      timeout_ms = timeout_ms < 0 ? kTickMs : std::min(timeout_ms, kTickMs);
    if (n == 0 && timeout_ms < 0) timeout_ms = kTickMs;

    const int ready = ::poll(pfds.data(), n, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kInternal, fmt::format("poll: {}", std::strerror(errno)));
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (owners[i] != nullptr && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        owners[i]->drain(options.max_output_bytes);
      }
    }
  }

  result.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
  if (exited && status_known) {
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
  }
  return result;
}

}  // namespace keelson::core
