#include "host/exec.h"

#include <fmt/format.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

#include "core/error.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/terminal_text.h"

namespace keelson::host {
namespace {

/// Where nsenter and chroot live on common distributions, in case our PATH lacks sbin.
constexpr std::string_view kToolDirs =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string toolSearchPath() {
  const char* path = ::getenv("PATH");
  if (path == nullptr || *path == '\0') return std::string(kToolDirs);
  return fmt::format("{}:{}", path, kToolDirs);
}

std::string toolPath(std::string_view tool) {
  return core::findInPath(tool, toolSearchPath()).value_or(std::string(tool));
}

/// POSIX-shell quoting for the log: readable and unambiguous. Control characters are shown
/// escaped (core::terminalSafe), so an argument cannot forge a log line or drive a terminal.
std::string shellQuote(const std::string& raw) {
  const std::string arg = core::terminalSafe(raw);
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("-_./:=@%+,").find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (plain) return arg;
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string joinForLog(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += shellQuote(a);
  }
  return out;
}

std::string callerUserName(uid_t uid) {
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return "?";
}

std::optional<std::string> readLink(const std::string& path) {
  std::array<char, 256> buf{};
  const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size() - 1);
  if (n < 0) return std::nullopt;
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

bool pathIsSlash(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec);
  if (ec) return path == "/";
  return canonical == "/";
}

bool existsNoFollow(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode));
}

}  // namespace

std::string_view hostExecMethodName(HostExecMethod method) noexcept {
  switch (method) {
    case HostExecMethod::kNsenter:
      return "nsenter";
    case HostExecMethod::kChroot:
      return "chroot";
    case HostExecMethod::kDirect:
      return "direct";
  }
  return "unknown";
}

int ExecResult::shellExitCode() const noexcept {
  if (run.timed_out) return 124;
  if (run.signal != 0) return 128 + run.signal;
  if (run.exit_code >= 0) return run.exit_code;
  return 125;  // no status (could not be reaped)
}

HostExecMethod chooseHostExecMethod(const HostExecFacts& facts) noexcept {
  if (!facts.nsenter_path.empty() && facts.same_namespaces_as_target != true &&
      facts.nsenter_works) {
    return HostExecMethod::kNsenter;
  }
  if (!facts.host_root_is_slash) return HostExecMethod::kChroot;
  return HostExecMethod::kDirect;
}

HostExecFacts probeHostExec(const HostExecOptions& options) {
  HostExecFacts facts;
  facts.host_root_is_slash = pathIsSlash(options.host_root);
  facts.nsenter_path = core::findInPath("nsenter", toolSearchPath()).value_or("");

  bool all_same = true;
  bool known = true;
  for (const char* ns : {"mnt", "uts", "ipc", "net", "pid"}) {
    const auto self = readLink(fmt::format("/proc/self/ns/{}", ns));
    const auto target = readLink(fmt::format("/proc/{}/ns/{}", options.target_pid, ns));
    if (!self || !target) {
      known = false;
      break;
    }
    all_same = all_same && (*self == *target);
  }
  if (known) facts.same_namespaces_as_target = all_same;

  if (!facts.nsenter_path.empty() && facts.same_namespaces_as_target != true) {
    core::RunOptions trial;
    trial.timeout = std::chrono::seconds(5);
    trial.max_output_bytes = 4096;
    if (!options.host_path.empty()) trial.env.emplace_back("PATH", options.host_path);
    try {
      facts.nsenter_works =
          core::runProcess(buildHostCommand(HostExecMethod::kNsenter, {"true"}, options), trial)
              .ok();
    } catch (const Error& e) {
      core::logEvent(spdlog::level::debug, "host exec: nsenter trial failed",
                     {{"error", e.what()}});
    }
  }
  return facts;
}

HostExecMethod detectHostExecMethod(const HostExecOptions& options) {
  if (options.method) return *options.method;
  static std::mutex mutex;
  static std::map<std::pair<std::string, int>, HostExecMethod> cache;
  const auto key = std::make_pair(options.host_root, options.target_pid);
  {
    const std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  // Probe outside the lock: it runs a process. Two racing first calls both probe; same answer.
  const HostExecFacts facts = probeHostExec(options);
  const HostExecMethod method = chooseHostExecMethod(facts);
  core::logEvent(
      spdlog::level::info, "host exec: method chosen",
      {{"method", hostExecMethodName(method)},
       {"host_root", options.host_root},
       {"nsenter", facts.nsenter_path.empty() ? "absent" : facts.nsenter_path},
       {"target_pid", options.target_pid},
       {"same_namespaces_as_target", facts.same_namespaces_as_target
                                         ? (*facts.same_namespaces_as_target ? "yes" : "no")
                                         : "unknown"},
       {"nsenter_works", facts.nsenter_works}});
  const std::lock_guard lock(mutex);
  cache.emplace(key, method);
  return method;
}

std::vector<std::string> buildHostCommand(HostExecMethod method,
                                          const std::vector<std::string>& argv,
                                          const HostExecOptions& options) {
  std::vector<std::string> command;
  switch (method) {
    case HostExecMethod::kNsenter:
      command = {toolPath("nsenter"),
                 "-t",
                 std::to_string(options.target_pid),
                 "-m",
                 "-u",
                 "-i",
                 "-n",
                 "-p",
                 "--"};
      break;
    case HostExecMethod::kChroot:
      command = {toolPath("chroot"), options.host_root};
      break;
    case HostExecMethod::kDirect:
      break;
  }
  command.insert(command.end(), argv.begin(), argv.end());
  return command;
}

std::string hostFilesystemRoot(HostExecMethod method, const HostExecOptions& options) {
  switch (method) {
    case HostExecMethod::kNsenter:
      return fmt::format("/proc/{}/root", options.target_pid);
    case HostExecMethod::kChroot:
      return options.host_root;
    case HostExecMethod::kDirect:
      break;
  }
  return "/";
}

std::optional<std::string> findHostProgram(std::string_view program, HostExecMethod method,
                                           const HostExecOptions& options) {
  if (program.empty()) return std::nullopt;
  std::string root = hostFilesystemRoot(method, options);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root == "/") root.clear();
  if (program.front() == '/') {
    if (existsNoFollow(root + std::string(program))) return std::string(program);
    return std::nullopt;
  }
  const std::string_view dirs = options.host_path.empty() ? kToolDirs : options.host_path;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string_view::npos) end = dirs.size();
    const std::string_view dir = dirs.substr(start, end - start);
    if (!dir.empty() && dir.front() == '/') {
      std::string host_view(dir);
      if (host_view.back() != '/') host_view += '/';
      host_view += program;
      if (existsNoFollow(root + host_view)) return host_view;
    }
    start = end + 1;
  }
  return std::nullopt;
}

ExecResult hostExec(const std::vector<std::string>& argv, const HostExecOptions& options) {
  if (argv.empty() || argv.front().empty()) {
    throw Error(ErrorCode::kBadInput, "host exec: empty command (expected -- CMD ARGS...)");
  }
  ExecResult result;
  result.method = detectHostExecMethod(options);
  result.command = buildHostCommand(result.method, argv, options);

  core::RunOptions run;
  run.timeout = options.timeout;
  run.max_output_bytes = options.max_output_bytes;
  run.output = options.inherit_output ? core::OutputMode::kInherit : core::OutputMode::kCapture;
  run.new_process_group = !options.inherit_output;
  run.env = options.env;
  if (!options.host_path.empty()) run.env.emplace_back("PATH", options.host_path);

  const uid_t uid = ::getuid();
  const std::string user = callerUserName(uid);
  const std::string what = joinForLog(core::redactArgv(argv));
  const std::string_view method = hostExecMethodName(result.method);
  const std::string& by = options.requested_by.empty() ? user : options.requested_by;
  const auto level = options.audit ? spdlog::level::info : spdlog::level::debug;
  core::logEvent(
      level, "host exec: start",
      {{"uid", uid}, {"user", user}, {"requested_by", by}, {"method", method}, {"argv", what}});
  try {
    result.run = core::runProcess(result.command, run);
  } catch (const Error& e) {
    core::logEvent(spdlog::level::warn, "host exec: failed",
                   {{"uid", uid},
                    {"user", user},
                    {"requested_by", by},
                    {"method", method},
                    {"argv", what},
                    {"error", e.what()}});
    throw;
  }
  core::logEvent(level, "host exec: end",
                 {{"uid", uid},
                  {"user", user},
                  {"requested_by", by},
                  {"method", method},
                  {"argv", what},
                  {"exit_code", result.run.exit_code},
                  {"signal", result.run.signal},
                  {"timed_out", result.run.timed_out},
                  {"duration_ms", result.run.duration.count()}});
  return result;
}

}  // namespace keelson::host
