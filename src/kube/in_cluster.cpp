#include "kube/in_cluster.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "core/error.h"
#include "core/log.h"
#include "kube/kubeconfig_io.h"

namespace keelson::kube {

namespace {

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::string> processEnv(const std::string& name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in keelson calls setenv after start-up.
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

bool inClusterAvailable(const std::filesystem::path& serviceaccount_dir, const EnvLookup& getenv) {
  std::error_code ec;
  const auto host = getenv("KUBERNETES_SERVICE_HOST");
  return host && !host->empty() && std::filesystem::exists(serviceaccount_dir / "token", ec);
}

ClusterConfig loadInClusterConfig(const std::filesystem::path& serviceaccount_dir,
                                  const EnvLookup& getenv) {
  const auto host = getenv("KUBERNETES_SERVICE_HOST");
  const auto port = getenv("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    throw Error(ErrorCode::kNotFound,
                "in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
                "must be set (is the agent running in a pod?)");
  }
  ClusterConfig config;
  const bool ipv6 = host->find(':') != std::string::npos;
  config.server = ipv6 ? fmt::format("https://[{}]:{}", *host, *port)
                       : fmt::format("https://{}:{}", *host, *port);
  config.source = fmt::format("in-cluster ({})", serviceaccount_dir.string());

  std::string error;
  config.token_file = serviceaccount_dir / "token";
  const auto token = detail::readSmallFile(config.token_file, error);
  if (!token) {
    throw Error(ErrorCode::kBadInput, fmt::format("in-cluster configuration: token {}: cannot "
                                                  "read: {}",
                                                  config.token_file.string(), error));
  }
  config.bearer_token = trimmed(*token);
  if (config.bearer_token.empty()) {
    throw Error(ErrorCode::kBadInput, fmt::format("in-cluster configuration: token {} is empty",
                                                  config.token_file.string()));
  }

  const auto ca_path = serviceaccount_dir / "ca.crt";
  if (auto ca = detail::readSmallFile(ca_path, error)) {
    config.ca_pem = std::move(*ca);
  } else {
    core::logEvent(
        spdlog::level::warn,
        "in-cluster configuration: cannot read the CA file; trusting the system CA store",
        {{"path", ca_path.string()}, {"error", error}});
  }
  if (auto ns = detail::readSmallFile(serviceaccount_dir / "namespace", error)) {
    if (auto name = trimmed(std::move(*ns)); !name.empty()) config.namespace_name = name;
  }
  return config;
}

}  // namespace keelson::kube
