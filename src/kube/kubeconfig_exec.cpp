#include "kube/kubeconfig_exec.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "core/process_runner.h"
#include "kube/objects.h"

namespace keelson::kube {

namespace {

constexpr std::size_t kMaxPluginOutput = 4u << 20;
constexpr std::size_t kStderrTail = 512;

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

  // Environment: ours, then the kubeconfig's entries, then KUBERNETES_EXEC_INFO. argv only: a
  // command without '/' is looked up in PATH, as kubectl does; never a shell.
  core::RunOptions options;
  options.timeout = timeout;
  options.kill_grace = std::chrono::milliseconds(500);
  options.max_output_bytes = kMaxPluginOutput;
  for (const auto& var : exec.env) options.env.emplace_back(var.name, var.value);
  options.env.emplace_back("KUBERNETES_EXEC_INFO", exec_info);
  std::vector<std::string> argv = {exec.command};
  argv.insert(argv.end(), exec.args.begin(), exec.args.end());
  core::RunResult run;
  try {
    run = core::runProcess(argv, options);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound && e.code() != ErrorCode::kForbidden) throw;
    std::string message =
        fmt::format("cannot run: {}", e.code() == ErrorCode::kNotFound ? "No such file or directory"
                                                                       : "Permission denied");
    if (!exec.install_hint.empty()) message += fmt::format(" ({})", exec.install_hint);
    throw unavailable(fmt::format("{}: {}", message, e.what()));
  }
  if (run.timed_out) {
    throw Error(ErrorCode::kTimeout,
                fmt::format("{}: no answer within {} ms; killed", name, timeout.count()));
  }
  const std::string& err = run.err;
  if (!run.ok()) {
    const std::string how = run.exit_code >= 0 ? fmt::format("exited with status {}", run.exit_code)
                                               : fmt::format("killed by signal {}", run.signal);
    const std::string stderr_tail = tail(err);
    throw unavailable(stderr_tail.empty() ? how : fmt::format("{}: {}", how, stderr_tail));
  }
  if (!err.empty())
    core::logEvent(spdlog::level::debug, "exec plugin: stderr",
                   {{"command", exec.command}, {"stderr", tail(err)}});
  return run.out;
}

ExecCredentialSource::ExecCredentialSource(ClusterConfig cluster,
                                           std::shared_ptr<const core::Clock> clock,
                                           std::chrono::milliseconds timeout)
    : cluster_(std::move(cluster)), clock_(std::move(clock)), timeout_(timeout) {
  if (!cluster_.exec) throw Error(ErrorCode::kInternal, "ExecCredentialSource: no exec config");
}

Credentials ExecCredentialSource::current() {
  const std::lock_guard lock(mutex_);
  if (cached_ && (!expiry_ || clock_->wallNow() < *expiry_)) return *cached_;
  return fetchLocked();
}

bool ExecCredentialSource::refreshAfterUnauthorized(const Credentials& rejected) {
  const std::lock_guard lock(mutex_);
  // Another thread may already have refreshed after its own 401.
  if (cached_ && !(*cached_ == rejected) && (!expiry_ || clock_->wallNow() < *expiry_)) return true;
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
  if (expiry_ && *expiry_ <= clock_->wallNow()) {
    core::logEvent(spdlog::level::warn,
                   "exec plugin: returned a credential that has already expired",
                   {{"command", exec.command}});
  }
  return credentials;
}

}  // namespace keelson::kube
