#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "kube/cluster_config.h"

namespace keelson::cli {

/// Flags shared by commands that read the host: --host-root (env HOST_ROOT) and --interval.
struct HostFlags {
  std::string host_root = "/";
  double interval_seconds = 1.0;

  /// Registers the flags on `command`.
  void add(CLI::App& command);
  /// The sampling interval as a duration.
  std::chrono::milliseconds interval() const;
};

/// Flags shared by commands that talk to the API server: --kubeconfig, --context and
/// --request-timeout.
struct KubeFlags {
  std::string kubeconfig;  ///< "" = $KUBECONFIG, in-cluster, then ~/.kube/config.
  std::string context;     ///< "" = the kubeconfig's current-context.
  double request_timeout_seconds = 30;

  /// Registers the flags on `command`.
  void add(CLI::App& command);
  /// Where kube::loadConfig should look.
  kube::ConfigOptions configOptions() const;
  /// --request-timeout as a duration.
  std::chrono::milliseconds requestTimeout() const;
};

/// Flags shared by commands that print a document: --json, --pretty, --output FILE.
struct OutputFlags {
  bool json = false;
  bool pretty = false;
  std::string output;  ///< "" writes to standard output.

  /// Registers the flags on `command`.
  void add(CLI::App& command);
  /// Writes `doc` as JSON (when --json) or `text` to the chosen destination. Throws
  /// Error(kBadInput) naming the file when --output cannot be written.
  void write(const nlohmann::json& doc, const std::string& text) const;
};

/// Parses a duration flag with core::parseDuration (Go durations plus d and w: "30s", "1h30m",
/// "7d", "1.5h"); a bare number is seconds. Throws Error(kBadInput) naming `flag` and the expected
/// form when the text is malformed ("1.5.3s"), not positive, or over Go's limit (about 292
/// years).
std::chrono::milliseconds parseDurationFlag(const std::string& flag, const std::string& text);

/// A CLI11 validator that accepts what parseDurationFlag(flag, ...) accepts, so a malformed
/// duration is a usage error (exit 1, naming `flag`) before anything runs.
CLI::Validator durationValidator(const std::string& flag);

/// A pod named on the command line as NAMESPACE/NAME.
struct PodTarget {
  std::string namespace_name;
  std::string name;
};
/// Splits "NAMESPACE/NAME". Throws Error(kBadInput) naming the text unless it has exactly one
/// '/', a DNS-label namespace and a DNS-subdomain pod name (Kubernetes' rules).
PodTarget parsePodTarget(const std::string& text);
/// A CLI11 validator that accepts what parsePodTarget accepts (usage error otherwise).
CLI::Validator podTargetValidator();

/// Throws Error(kBadInput) naming `flag` when a restart threshold is negative; returns it.
int checkRestartThreshold(const std::string& flag, int threshold);

}  // namespace keelson::cli
