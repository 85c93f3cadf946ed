#pragma once

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/collectors.h"
#include "host/connectivity.h"
#include "kube/cluster_config.h"

namespace keelson::cli {

/// Flags shared by commands that read the host: --host-root (env HOST_ROOT) and --interval.
struct HostFlags {
  std::string host_root = "/";
  std::string interval_text = "1s";  ///< --interval: a duration from 0 to 1h (bare: seconds).

  /// Registers the flags on `command`.
  void add(CLI::App& command);
  /// The sampling interval as a duration.
  std::chrono::milliseconds interval() const;
};

/// The connectivity probes of `host` and `capture`: --probe-target HOST:PORT (repeatable; none by
/// default) and --probe-timeout DURATION (default 2s, from 1ms to 1m). A malformed target or
/// timeout is a usage error naming the flag.
struct ProbeFlags {
  std::vector<std::string> targets;  ///< --probe-target, as given.
  std::string timeout_text = "2s";   ///< --probe-timeout.

  /// Registers the flags on `command`.
  void add(CLI::App& command);
  /// The targets and the timeout (the API server is the caller's to set).
  host::ConnectivityOptions options() const;
};

/// Reads an environment variable (std::getenv, or a fake in tests); null when unset.
using EnvLookup = std::function<const char*(const char*)>;

/// Flags that switch the host collectors, as node_exporter's do: --collector.NAME and
/// --no-collector.NAME for every name of host::collectorRegistry() (the two exclude each other:
/// giving both is a usage error naming them; an unknown NAME is an unknown flag). Commands that
/// sample the host periodically (serve, monitor) also get --no-host.
struct CollectorFlags {
  /// Registers the flags on `command`; with `host_switch`, also --no-host.
  void add(CLI::App& command, bool host_switch = false);
  /// The collectors to run: each one's default, then GLUSTER_MONITORING_ENABLED
  /// (true/false/1/0) for gluster, then the flags. Throws Error(kBadInput) naming the variable
  /// when its value is anything else.
  host::EnabledCollectors resolve(const EnvLookup& getenv) const;
  /// False when --no-host was given or HOST_MONITORING_ENABLED is false (or 0). Throws
  /// Error(kBadInput) naming the variable for a value other than true/false/1/0.
  bool hostEnabled(const EnvLookup& getenv) const;

 private:
  std::array<bool, host::kCollectorCount> on_{};   // --collector.NAME given
  std::array<bool, host::kCollectorCount> off_{};  // --no-collector.NAME given
  bool no_host_ = false;
};

/// The global flags of commands that talk to the API server: --kubeconfig, --context and
/// --request-timeout. They are registered on the root app, whose subcommands fall through to
/// it, so they are accepted before or after the subcommand (`keelson --context ci capture` and
/// `keelson capture --context ci`).
struct KubeFlags {
  std::string kubeconfig;       ///< "" = $KUBECONFIG, in-cluster, then ~/.kube/config.
  std::string context;          ///< "" = the kubeconfig's current-context.
  std::string request_timeout;  ///< A duration; "" = the command's own default.

  /// Registers the flags on `app` (the root).
  void add(CLI::App& app);
  /// Where kube::loadConfig should look.
  kube::ConfigOptions configOptions() const;
  /// --request-timeout as a duration, or `fallback` when it was not given.
  std::chrono::milliseconds requestTimeout(std::chrono::milliseconds fallback) const;
};

/// `-n/--namespace NS` and, where a command can span namespaces, `-A/--all-namespaces`, as in
/// kubectl. Without either, the namespace is the kubeconfig context's `namespace` (in a pod: the
/// service account's), then "default".
struct NamespaceFlags {
  std::string namespace_name;   ///< -n; "" = the context's.
  bool all_namespaces = false;  ///< -A.

  /// Registers -n (and -A when `with_all`) on `command`; returns the -n option.
  CLI::Option* add(CLI::App& command, bool with_all);
  /// The namespace to use: "" with -A, else -n, else the context's namespace (reads the
  /// kubeconfig through kube::loadConfig; throws its Error(kBadInput) when it cannot be used).
  std::string resolve(const KubeFlags& kube) const;
};

/// `--state-dir DIR`: keelson's state directory (the audit log, agent state), for `keelson audit`
/// and the commands that write to a cluster (each write is recorded in DIR/audit.db). Without
/// the flag: store::defaultStateDir() ($KEELSON_STATE_DIR, $XDG_STATE_HOME/keelson,
/// ~/.local/state/keelson, /var/lib/keelson).
struct StateFlags {
  std::string state_dir;  ///< --state-dir; "" = the default.

  /// Registers --state-dir on `command`; returns it.
  CLI::Option* add(CLI::App& command);
  /// The state directory.
  std::filesystem::path path() const;
  /// The audit log in it: path() / "audit.db".
  std::filesystem::path auditLogPath() const;
};

/// The durations a flag accepts, both ends included.
struct DurationRange {
  std::chrono::milliseconds min{1};                                  ///< Default: positive.
  std::chrono::milliseconds max = std::chrono::milliseconds::max();  ///< Default: Go's limit.
};

/// Parses a duration flag with core::parseDuration (Go durations plus d and w: "30s", "1h30m",
/// "7d", "1.5h"); a bare number is seconds. Throws Error(kBadInput) naming `flag` and the expected
/// form when the text is malformed ("1.5.3s"), outside `range` (by default: not positive), or
/// over Go's limit (about 292 years).
std::chrono::milliseconds parseDurationFlag(const std::string& flag, const std::string& text,
                                            const DurationRange& range = {});

/// A CLI11 validator that accepts the texts `parse` accepts: the message of the Error it throws
/// is the usage error (exit 1). `type_name` is shown in --help (e.g. "DURATION").
CLI::Validator validatorFrom(const std::function<void(const std::string&)>& parse,
                             const std::string& type_name);

/// A CLI11 validator that accepts what parseDurationFlag(flag, ..., range) accepts, so a
/// malformed duration is a usage error (exit 1, naming `flag`) before anything runs.
CLI::Validator durationValidator(const std::string& flag, const DurationRange& range = {});

/// A pod named on the command line as NAMESPACE/NAME, or NAME in the namespace of -n.
struct PodTarget {
  std::string namespace_name;
  std::string name;
};
/// Splits "NAMESPACE/NAME", or takes "NAME" in `default_namespace` (which, when empty, makes a
/// bare NAME an error). Throws Error(kBadInput) naming the text unless the names are valid
/// (a DNS-label namespace and a DNS-subdomain pod name, Kubernetes' rules).
PodTarget parsePodTarget(const std::string& text, const std::string& default_namespace = "");
/// A CLI11 validator that accepts NAME or NAMESPACE/NAME of valid names (usage error otherwise).
CLI::Validator podTargetValidator();
/// The pod `text` names (NAME or NAMESPACE/NAME) with the namespace of `ns` for a bare NAME.
/// Throws Error(kBadInput) when NAMESPACE/NAME and -n name different namespaces.
PodTarget resolvePodTarget(const std::string& text, const NamespaceFlags& ns,
                           const KubeFlags& kube);

/// `port` as a TCP port (0 picks a free one). Throws Error(kBadInput) "FLAG: N is not a port
/// (0..65535)" otherwise.
std::uint16_t portFlag(const std::string& flag, int port);

/// Throws Error(kBadInput) naming `flag` when a restart threshold is negative; returns it.
int checkRestartThreshold(const std::string& flag, int threshold);

}  // namespace keelson::cli
