#include "kube/cluster_config.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <utility>

#include "core/error.h"
#include "core/log.h"
#include "kube/in_cluster.h"
#include "kube/kubeconfig.h"
#include "kube/kubeconfig_exec.h"
#include "kube/kubeconfig_io.h"

namespace keelson::kube {

namespace {

constexpr std::size_t kMaxTokenBytes = 1u << 20;

// Static token and/or client certificate: nothing to refresh.
class StaticCredentialSource final : public CredentialSource {
 public:
  explicit StaticCredentialSource(Credentials credentials) : credentials_(std::move(credentials)) {}
  Credentials current() override { return credentials_; }
  bool refreshAfterUnauthorized(const Credentials&) override { return false; }

 private:
  const Credentials credentials_;
};

// A bearer token file that rotates (projected service-account tokens, tokenFile in a
// kubeconfig). Re-read when the copy in memory is older than kTokenFileRefreshInterval and after
// a 401; a failed re-read keeps the last good token (as client-go's cachingTokenSource does).
class TokenFileCredentialSource final : public CredentialSource {
 public:
  TokenFileCredentialSource(std::filesystem::path path, std::string fallback_token,
                            std::string cert_pem, std::string key_pem,
                            std::shared_ptr<const core::Clock> clock)
      : path_(std::move(path)), clock_(std::move(clock)) {
    credentials_.bearer_token = std::move(fallback_token);
    credentials_.client_cert_pem = std::move(cert_pem);
    credentials_.client_key_pem = std::move(key_pem);
    const std::lock_guard lock(mutex_);
    reloadLocked();
  }

  Credentials current() override {
    const std::lock_guard lock(mutex_);
    if (clock_->wallNow() - read_at_ >= kTokenFileRefreshInterval) reloadLocked();
    return credentials_;
  }

  bool refreshAfterUnauthorized(const Credentials& rejected) override {
    const std::lock_guard lock(mutex_);
    reloadLocked();
    return credentials_.bearer_token != rejected.bearer_token;
  }

 private:
  void reloadLocked() {
    read_at_ = clock_->wallNow();
    std::string problem;
    if (auto content = detail::readSmallFile(path_, problem, kMaxTokenBytes)) {
      std::string token = std::move(*content);
      const auto last = token.find_last_not_of(" \t\r\n");
      token.erase(last == std::string::npos ? 0 : last + 1);
      token.erase(0, token.find_first_not_of(" \t\r\n"));
      if (!token.empty()) {
        credentials_.bearer_token = std::move(token);
        return;
      }
      problem = "file is empty";
    }
    if (credentials_.bearer_token.empty()) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("token file {}: cannot read: {}", path_.string(), problem));
    }
    core::logEvent(spdlog::level::warn, "token file: cannot re-read; keeping the previous token",
                   {{"path", path_.string()}, {"error", problem}});
  }

  const std::filesystem::path path_;
  const std::shared_ptr<const core::Clock> clock_;
  std::mutex mutex_;
  Credentials credentials_;                        // guarded by mutex_
  std::chrono::system_clock::time_point read_at_;  // guarded by mutex_
};

std::vector<std::filesystem::path> splitPathList(std::string_view list) {
  std::vector<std::filesystem::path> out;
  while (!list.empty()) {
    const auto colon = list.find(':');
    const auto item = list.substr(0, colon);
    if (!item.empty()) out.emplace_back(std::string(item));
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return out;
}

}  // namespace

std::shared_ptr<CredentialSource> makeCredentialSource(const ClusterConfig& config,
                                                       std::shared_ptr<const core::Clock> clock) {
  if (!config.token_file.empty()) {
    return std::make_shared<TokenFileCredentialSource>(config.token_file, config.bearer_token,
                                                       config.client_cert_pem,
                                                       config.client_key_pem, std::move(clock));
  }
  // As client-go: a static token wins over an exec plugin.
  if (config.exec && config.bearer_token.empty()) {
    return std::make_shared<ExecCredentialSource>(config, std::move(clock));
  }
  return std::make_shared<StaticCredentialSource>(
      Credentials{config.bearer_token, config.client_cert_pem, config.client_key_pem});
}

ClusterConfig loadConfig(const ConfigOptions& options) {
  const EnvLookup getenv = options.getenv ? EnvLookup(options.getenv) : EnvLookup(&processEnv);

  if (!options.kubeconfig_path.empty()) {
    return resolveKubeconfig(readKubeconfigFiles({options.kubeconfig_path}, false),
                             options.context);
  }
  if (const auto list = getenv("KUBECONFIG"); list && !list->empty()) {
    const auto files = splitPathList(*list);
    Kubeconfig merged = readKubeconfigFiles(files, /*skip_missing=*/true);
    if (merged.sources.empty()) {
      throw Error(ErrorCode::kNotFound,
                  fmt::format("KUBECONFIG={}: none of the files exists", *list));
    }
    return resolveKubeconfig(merged, options.context);
  }
  if (options.context.empty() && inClusterAvailable(options.serviceaccount_dir, getenv)) {
    return loadInClusterConfig(options.serviceaccount_dir, getenv);
  }
  std::filesystem::path home_config;
  if (const auto home = getenv("HOME"); home && !home->empty()) {
    home_config = std::filesystem::path(*home) / ".kube" / "config";
    std::error_code ec;
    if (std::filesystem::exists(home_config, ec)) {
      return resolveKubeconfig(readKubeconfigFiles({home_config}, false), options.context);
    }
  }
  throw Error(ErrorCode::kNotFound,
              fmt::format("no Kubernetes configuration: no --kubeconfig, KUBECONFIG is not set, "
                          "not in a pod ({}/token or KUBERNETES_SERVICE_HOST missing){}",
                          options.serviceaccount_dir.string(),
                          home_config.empty()
                              ? std::string(", and HOME is not set")
                              : fmt::format(", and {} does not exist", home_config.string())));
}

}  // namespace keelson::kube
