#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/cluster_config.h"

namespace keelson::kube {

/// A `clusters[].cluster` entry of a kubeconfig. File paths are absolute: relative ones were
/// resolved against the directory of the kubeconfig that defined the entry (as kubectl does).
struct KubeconfigCluster {
  std::string server;                           ///< `server`.
  std::filesystem::path certificate_authority;  ///< `certificate-authority` (a file).
  std::string certificate_authority_data;       ///< `certificate-authority-data`, decoded (PEM).
  bool insecure_skip_tls_verify = false;        ///< `insecure-skip-tls-verify`, only if `true`.
  std::string tls_server_name;                  ///< `tls-server-name`.
  std::filesystem::path source;                 ///< The kubeconfig file that defined it.
};

/// A `users[].user` entry of a kubeconfig (paths resolved like KubeconfigCluster's).
struct KubeconfigUser {
  std::filesystem::path client_certificate;  ///< `client-certificate` (a file).
  std::string client_certificate_data;       ///< `client-certificate-data`, decoded (PEM).
  std::filesystem::path client_key;          ///< `client-key` (a file).
  std::string client_key_data;               ///< `client-key-data`, decoded (PEM).
  std::string token;                         ///< `token`.
  std::filesystem::path token_file;          ///< `tokenFile`.
  std::optional<ExecConfig> exec;            ///< `exec` credential plugin.
  bool has_auth_provider = false;            ///< `auth-provider` is set (legacy, not supported).
  bool has_basic_auth = false;               ///< `username`/`password` are set (not supported).
  std::filesystem::path source;              ///< The kubeconfig file that defined it.
};

/// A `contexts[].context` entry of a kubeconfig.
struct KubeconfigContext {
  std::string cluster;           ///< Name of a cluster entry.
  std::string user;              ///< Name of a user entry (may be empty: no credentials).
  std::string namespace_name;    ///< `namespace`; empty: "default".
  std::filesystem::path source;  ///< The kubeconfig file that defined it.
};

/// A parsed kubeconfig, possibly merged from several files.
struct Kubeconfig {
  std::map<std::string, KubeconfigCluster> clusters;  ///< By name.
  std::map<std::string, KubeconfigUser> users;        ///< By name.
  std::map<std::string, KubeconfigContext> contexts;  ///< By name.
  std::string current_context;                        ///< `current-context`; may be empty.
  std::vector<std::filesystem::path> sources;         ///< The files, in merge order.
};

/// Parses one kubeconfig document. `source` is the file's absolute path: it names the file in
/// messages and is the base for relative paths (no file is read). `-data` fields are decoded
/// from base64 here. Pure; thread-safe. Throws Error(kBadInput) with messages such as
/// `kubeconfig /x/config: malformed YAML at line 3, column 7: ...` or
/// `kubeconfig /x/config: user "ci": client-key-data: invalid base64 (line 12)`.
Kubeconfig parseKubeconfig(std::string_view yaml, const std::filesystem::path& source);

/// Merges `next` into `merged` the way kubectl merges KUBECONFIG files: an entry name that
/// `merged` already has keeps its first definition; current-context is taken from `next` only
/// when `merged` has none. Pure.
void mergeKubeconfig(Kubeconfig& merged, Kubeconfig next);

/// Reads, parses and merges the files in order. A missing file is an error unless
/// `skip_missing` (the KUBECONFIG list skips them, as kubectl does). Throws Error(kBadInput)
/// for an unreadable or malformed file. Not thread-safe only in that it reads the files.
Kubeconfig readKubeconfigFiles(const std::vector<std::filesystem::path>& files, bool skip_missing);

/// Builds the ClusterConfig for `context` (empty: current-context): picks the context, its
/// cluster and user, reads certificate/key files and checks the combination (client-go's
/// rules: insecure-skip-tls-verify together with a CA is an error; auth-provider and
/// username/password are not supported). Reads files; thread-safe. Throws Error(kBadInput),
/// e.g. `kubeconfig /x/config: context "prod" not found (have: ci, dev)`.
ClusterConfig resolveKubeconfig(const Kubeconfig& kubeconfig, std::string_view context);

/// Decodes standard base64 (RFC 4648 with padding; ASCII whitespace, e.g. line breaks, is
/// ignored) with OpenSSL. Returns nullopt when the input is not valid base64. Pure.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace keelson::kube
