#include "kube/kubeconfig_exec.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "core/error.h"
#include "kube/objects.h"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX name

namespace keelson::kube {

namespace {

constexpr std::size_t kMaxPluginOutput = 4u << 20;
constexpr std::size_t kStderrTail = 512;

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Destroys posix_spawn_file_actions_t on scope exit.
class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() noexcept { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

std::string encodeBase64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(data.data()),
                                      static_cast<int>(data.size()));
  out.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
  return out;
}

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorCode::kBadInput, "output: " + message);
}

std::string tail(const std::string& text) {
  std::string_view view(text);
  while (!view.empty() && (view.back() == '\n' || view.back() == ' ')) view.remove_suffix(1);
  if (view.size() > kStderrTail) view = view.substr(view.size() - kStderrTail);
  return std::string(view);
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text) {
  // One RFC 3339 parser for the whole client: the one object timestamps use.
  try {
    return parseTime(text);
  } catch (const Error&) {
    return std::nullopt;
  }
}

ExecCredential parseExecCredential(std::string_view json, std::string_view api_version) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) fail("not a JSON object (want an ExecCredential)");
  const auto string_at = [&](const nlohmann::json& obj, const char* key) -> std::string {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    if (!it->is_string()) fail(fmt::format("{} is not a string", key));
    return it->get<std::string>();
  };
  const std::string kind = string_at(doc, "kind");
  if (kind != "ExecCredential") fail(fmt::format("kind is \"{}\", want ExecCredential", kind));
  const std::string version = string_at(doc, "apiVersion");
  if (version != api_version) {
    fail(fmt::format("apiVersion is \"{}\", want \"{}\" (as the kubeconfig asked)", version,
                     api_version));
  }
  const auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) fail("no status object");

  ExecCredential credential;
  credential.token = string_at(*status, "token");
  credential.client_cert_pem = string_at(*status, "clientCertificateData");
  credential.client_key_pem = string_at(*status, "clientKeyData");
  const std::string expiration = string_at(*status, "expirationTimestamp");
  if (!expiration.empty()) {
    credential.expiration = parseRfc3339(expiration);
    if (!credential.expiration) {
      fail(fmt::format("status.expirationTimestamp \"{}\" is not an RFC 3339 time", expiration));
    }
  }
  if (credential.token.empty() && credential.client_cert_pem.empty()) {
    fail("status has neither token nor clientCertificateData");
  }
  if (credential.client_cert_pem.empty() != credential.client_key_pem.empty()) {
    fail("status.clientCertificateData and status.clientKeyData must be given together");
  }
  return credential;
}

std::string execInfoJson(const ExecConfig& exec, const ClusterConfig& cluster) {
  nlohmann::json spec = {{"interactive", false}};
  if (exec.provide_cluster_info) {
    nlohmann::json info = {{"server", cluster.server}};
    if (!cluster.tls_server_name.empty()) info["tls-server-name"] = cluster.tls_server_name;
    if (cluster.insecure_skip_tls_verify) info["insecure-skip-tls-verify"] = true;
    if (!cluster.ca_pem.empty()) info["certificate-authority-data"] = encodeBase64(cluster.ca_pem);
    spec["cluster"] = std::move(info);
  }
  const nlohmann::json doc = {
      {"apiVersion", exec.api_version}, {"kind", "ExecCredential"}, {"spec", std::move(spec)}};
  return doc.dump();
}

std::string runExecPlugin(const ExecConfig& exec, const std::string& exec_info,
                          std::chrono::milliseconds timeout) {
  const std::string name = fmt::format("exec plugin {}", exec.command);
  const auto unavailable = [&](const std::string& message) {
    return Error(ErrorCode::kUnavailable, fmt::format("{}: {}", name, message));
  };

  // Environment: ours, then the kubeconfig's entries, then KUBERNETES_EXEC_INFO.
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view item(*entry);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  for (const auto& var : exec.env) env[var.name] = var.value;
  env["KUBERNETES_EXEC_INFO"] = exec_info;
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings;
  argv_strings.push_back(exec.command);
  argv_strings.insert(argv_strings.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int out_fds[2];
  int err_fds[2];
  if (::pipe2(out_fds, O_CLOEXEC) != 0) throw unavailable(std::strerror(errno));
  Fd out_read(out_fds[0]);
  Fd out_write(out_fds[1]);
  if (::pipe2(err_fds, O_CLOEXEC) != 0) throw unavailable(std::strerror(errno));
  Fd err_read(err_fds[0]);
  Fd err_write(err_fds[1]);

  SpawnActions actions;
  posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), err_write.get(), STDERR_FILENO);
  pid_t pid = 0;
  // posix_spawnp: a command without '/' is looked up in PATH, as kubectl does. No shell.
  const int spawn_error =
      posix_spawnp(&pid, exec.command.c_str(), actions.get(), nullptr, argv.data(), envp.data());
  if (spawn_error != 0) {
    std::string message = fmt::format("cannot run: {}", std::strerror(spawn_error));
    if (!exec.install_hint.empty()) message += fmt::format(" ({})", exec.install_hint);
    throw unavailable(message);
  }
  out_write.reset();
  err_write.reset();

  std::string out;
  std::string err;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true;
  bool err_open = true;
  bool timed_out = false;
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                     {err_open ? err_read.get() : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    char buffer[8192];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& sink = i == 0 ? out : err;
      if (sink.size() < kMaxPluginOutput) sink.append(buffer, static_cast<std::size_t>(n));
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    throw Error(ErrorCode::kTimeout,
                fmt::format("{}: no answer within {} ms; killed", name, timeout.count()));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status)
                                ? fmt::format("exited with status {}", WEXITSTATUS(status))
                                : fmt::format("killed by signal {}", WTERMSIG(status));
    const std::string stderr_tail = tail(err);
    throw unavailable(stderr_tail.empty() ? how : fmt::format("{}: {}", how, stderr_tail));
  }
  if (!err.empty()) spdlog::debug("{} stderr: {}", name, tail(err));
  return out;
}

ExecCredentialSource::ExecCredentialSource(ClusterConfig cluster, WallClock clock,
                                           std::chrono::milliseconds timeout)
    : cluster_(std::move(cluster)), clock_(std::move(clock)), timeout_(timeout) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  if (!cluster_.exec) throw Error(ErrorCode::kInternal, "ExecCredentialSource: no exec config");
}

Credentials ExecCredentialSource::current() {
  const std::lock_guard lock(mutex_);
  if (cached_ && (!expiry_ || clock_() < *expiry_)) return *cached_;
  return fetchLocked();
}

bool ExecCredentialSource::refreshAfterUnauthorized(const Credentials& rejected) {
  const std::lock_guard lock(mutex_);
  // Another thread may already have refreshed after its own 401.
  if (cached_ && !(*cached_ == rejected) && (!expiry_ || clock_() < *expiry_)) return true;
  return !(fetchLocked() == rejected);
}

Credentials ExecCredentialSource::fetchLocked() {
  const ExecConfig& exec = *cluster_.exec;
  const std::string output = runExecPlugin(exec, execInfoJson(exec, cluster_), timeout_);
  ExecCredential credential;
  try {
    credential = parseExecCredential(output, exec.api_version);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("exec plugin {}: {}", exec.command, e.what()));
  }
  Credentials credentials;
  credentials.bearer_token = std::move(credential.token);
  if (!credential.client_cert_pem.empty()) {
    credentials.client_cert_pem = std::move(credential.client_cert_pem);
    credentials.client_key_pem = std::move(credential.client_key_pem);
  } else {
    credentials.client_cert_pem = cluster_.client_cert_pem;
    credentials.client_key_pem = cluster_.client_key_pem;
  }
  cached_ = credentials;
  expiry_ = credential.expiration;
  if (expiry_ && *expiry_ <= clock_()) {
    spdlog::warn("exec plugin {}: returned a credential that has already expired", exec.command);
  }
  return credentials;
}

}  // namespace keelson::kube
