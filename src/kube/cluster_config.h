#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace keelson::kube {

/// One environment variable given to an exec credential plugin.
struct ExecEnvVar {
  std::string name;   ///< Variable name.
  std::string value;  ///< Variable value.
};

/// An exec credential plugin (kubeconfig `users[].user.exec`), run without a shell.
struct ExecConfig {
  std::string api_version;            ///< client.authentication.k8s.io/v1 or .../v1beta1.
  std::string command;                ///< Program; a relative path containing '/' is already
                                      ///< resolved against the kubeconfig's directory.
  std::vector<std::string> args;      ///< Arguments after the program name.
  std::vector<ExecEnvVar> env;        ///< Added to (and overriding) the agent's own environment.
  bool provide_cluster_info = false;  ///< Put the cluster in KUBERNETES_EXEC_INFO.
  std::string interactive_mode;       ///< Never, IfAvailable or Always (we are never interactive).
  std::string install_hint;           ///< Shown when the program cannot be started.
};

/// Everything needed to reach and authenticate to one API server. Built by loadConfig (from a
/// kubeconfig or the in-cluster service account); a plain value, safe to copy between threads.
struct ClusterConfig {
  std::string server;                ///< Base URL, e.g. "https://10.0.0.1:443" (no trailing '/').
  std::string ca_pem;                ///< CA bundle (PEM) for the server; empty: the system store.
  std::string client_cert_pem;       ///< Client certificate (PEM); empty when not used.
  std::string client_key_pem;        ///< Client private key (PEM); empty when not used.
  std::string bearer_token;          ///< Static bearer token; empty when not used.
  std::filesystem::path token_file;  ///< Bearer token file, re-read as it rotates (wins over
                                     ///< bearer_token while it is readable).
  std::optional<ExecConfig> exec;    ///< Credential plugin, used when no token is configured.
  bool insecure_skip_tls_verify = false;  ///< Skip server certificate checks (explicit only).
  std::string tls_server_name;  ///< Name to verify the server certificate against (and send as
                                ///< SNI) instead of the URL's host; empty: the URL's host.
  std::string namespace_name = "default";  ///< Default namespace of the context or pod.
  std::string source;  ///< Where this came from, for messages: `kubeconfig /x/config (context
                       ///< "dev")` or `in-cluster (/var/run/secrets/...)`.
};

/// Where loadConfig looks for a configuration.
struct ConfigOptions {
  /// The `--kubeconfig` flag: one file; empty when the flag was not given.
  std::filesystem::path kubeconfig_path;
  /// The `--context` flag; empty: the kubeconfig's current-context.
  std::string context;
  /// The service-account directory (token, ca.crt, namespace) for in-cluster configuration.
  std::filesystem::path serviceaccount_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  /// Reads an environment variable (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT); empty:
  /// the process environment. Injected by tests.
  std::function<std::optional<std::string>(const std::string& name)> getenv;
};

/// Resolves the cluster configuration the way kubectl does, first match wins:
/// 1. `options.kubeconfig_path` (the file must exist);
/// 2. the KUBECONFIG environment variable: a ':'-separated list of files, merged (the first
///    file to define a cluster, user or context name wins; current-context comes from the first
///    file that sets it; missing files are skipped);
/// 3. in-cluster: when `<serviceaccount_dir>/token` exists, KUBERNETES_SERVICE_HOST is set and
///    no context was asked for;
/// 4. `$HOME/.kube/config`.
/// `options.context` selects the context in cases 1, 2 and 4. Reads files (and may run nothing:
/// exec plugins run later, on first use). Throws Error(kBadInput) naming the file and the
/// problem (unknown context, malformed YAML with its line, bad base64, unreadable file) and
/// Error(kNotFound) when no configuration exists at all. Thread-safe if `getenv` is.
ClusterConfig loadConfig(const ConfigOptions& options);

/// Credentials attached to each request.
struct Credentials {
  std::string bearer_token;     ///< Sent as `Authorization: Bearer ...`; empty: none.
  std::string client_cert_pem;  ///< Client certificate (PEM); empty: none.
  std::string client_key_pem;   ///< Client key (PEM); empty: none.

  /// Equality, used to tell whether a refresh produced anything new.
  friend bool operator==(const Credentials&, const Credentials&) = default;
};

/// Supplies the current credentials; implementations refresh rotating tokens and exec plugin
/// credentials. Implementations are thread-safe.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;

  /// The credentials to use now. May read a token file or run an exec plugin (then it blocks
  /// other callers until the plugin finishes). Throws Error when no credential can be obtained.
  virtual Credentials current() = 0;

  /// Called after the server answered 401 Unauthorized to a request sent with `rejected`.
  /// Re-reads the token file or re-runs the plugin; returns true when the credentials changed,
  /// i.e. the request is worth one retry. Throws like current().
  virtual bool refreshAfterUnauthorized(const Credentials& rejected) = 0;
};

/// How often a token file is re-read even without a 401 (kubelet rotates projected
/// service-account tokens well before they expire).
inline constexpr std::chrono::seconds kTokenFileRefreshInterval{60};

/// The credential source for `config`: a token file (re-read every kTokenFileRefreshInterval
/// and after a 401; the last good token stays in use when a re-read fails), else the static
/// token, else the exec plugin (cached until its expirationTimestamp, re-run after a 401), plus
/// the client certificate and key. `clock`'s wall time dates the token file and the exec
/// credential's expiry. Throws Error(kBadInput)
/// when the token file cannot be read at all and no static token is configured.
std::shared_ptr<CredentialSource> makeCredentialSource(
    const ClusterConfig& config, std::shared_ptr<const core::Clock> clock = core::systemClock());

}  // namespace keelson::kube
