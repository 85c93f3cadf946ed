#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "kube/cluster_config.h"

namespace keelson::kube {

/// Reads an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment as an EnvLookup (std::getenv).
std::optional<std::string> processEnv(const std::string& name);

/// True when the agent runs in a pod: `<serviceaccount_dir>/token` exists and
/// KUBERNETES_SERVICE_HOST is set. Reads the file system; thread-safe if `getenv` is.
bool inClusterAvailable(const std::filesystem::path& serviceaccount_dir, const EnvLookup& getenv);

/// The in-cluster configuration, as client-go's rest.InClusterConfig builds it: server
/// https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (IPv6 hosts bracketed), CA from
/// `ca.crt` (the system store, with a warning, when it is missing), the bearer token from
/// `token` (as token_file, so it is re-read as kubelet rotates it) and the namespace from
/// `namespace` ("default" when missing). Throws Error(kNotFound) when the variables are not set
/// and Error(kBadInput) when the token cannot be read. Thread-safe if `getenv` is.
ClusterConfig loadInClusterConfig(const std::filesystem::path& serviceaccount_dir,
                                  const EnvLookup& getenv);

}  // namespace keelson::kube
