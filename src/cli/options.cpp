#include "cli/options.h"

#include <fmt/format.h>

#include <limits>

#include "core/duration.h"
#include "core/error.h"
#include "kube/names.h"
#include "store/audit_log.h"

namespace keelson::cli {

namespace {

// --interval: 0 takes one reading (no rates); at most an hour.
const DurationRange kIntervalRange{.min = std::chrono::milliseconds(0),
                                   .max = std::chrono::hours(1)};

}  // namespace

void CollectorFlags::add(CLI::App& command, bool host_switch) {
  for (const auto& info : host::collectorRegistry()) {
    const auto index = static_cast<std::size_t>(info.id);
    const std::string name(info.name);
    auto* on = command.add_flag("--collector." + name, on_[index],
                                "run the " + name + " collector: " + std::string(info.help) +
                                    (info.enabled_by_default ? " (default)" : " (default: off)"));
    auto* off = command.add_flag("--no-collector." + name, off_[index],
                                 "do not run the " + name + " collector");
    on->excludes(off)->group("Host collectors");
    off->excludes(on)->group("Host collectors");
  }
  if (host_switch) {
    command.add_flag("--no-host", no_host_,
                     "do not sample the host at all (also HOST_MONITORING_ENABLED=false)");
  }
}

host::EnabledCollectors CollectorFlags::resolve(const EnvLookup& getenv) const {
  host::EnabledCollectors enabled;
  constexpr const char* kGlusterVariable = "GLUSTER_MONITORING_ENABLED";
  if (const auto gluster = host::parseBoolEnv(kGlusterVariable, getenv(kGlusterVariable))) {
    enabled.set(host::Collector::kGluster, *gluster);
  }
  for (const auto& info : host::collectorRegistry()) {
    const auto index = static_cast<std::size_t>(info.id);
    if (on_[index]) enabled.set(info.id, true);
    if (off_[index]) enabled.set(info.id, false);
  }
  return enabled;
}

bool CollectorFlags::hostEnabled(const EnvLookup& getenv) const {
  constexpr const char* kHostVariable = "HOST_MONITORING_ENABLED";
  const auto from_env = host::parseBoolEnv(kHostVariable, getenv(kHostVariable));
  return !no_host_ && from_env.value_or(true);
}

void HostFlags::add(CLI::App& command) {
  command
      .add_option("--host-root", host_root,
                  "where the host's / is mounted (a pod mounts it at /host)")
      ->envname("HOST_ROOT")
      ->capture_default_str();
  command
      .add_option("--interval", interval_text,
                  "time between the two samples that rates and CPU usage come from, 0 to 1h "
                  "(e.g. 500ms, 2s; a bare number is seconds)")
      ->check(durationValidator("--interval", kIntervalRange))
      ->capture_default_str();
}

std::chrono::milliseconds HostFlags::interval() const {
  return parseDurationFlag("--interval", interval_text, kIntervalRange);
}

namespace {
const DurationRange kProbeTimeouts{.min = std::chrono::milliseconds(1),
                                   .max = std::chrono::milliseconds(60000)};

host::ProbeTarget probeTargetFlag(const std::string& text) {
  try {
    return host::parseProbeTarget(text);
  } catch (const Error& e) {
    throw Error(ErrorCode::kBadInput, std::string("--probe-target ") + e.what());
  }
}
}  // namespace

void ProbeFlags::add(CLI::App& command) {
  command
      .add_option("--probe-target", targets,
                  "check that a TCP connection to HOST:PORT (or [IPV6]:PORT) can be made; "
                  "repeatable (none by default)")
      ->check(
          validatorFrom([](const std::string& text) { (void)probeTargetFlag(text); }, "HOST:PORT"));
  command
      .add_option("--probe-timeout", timeout_text,
                  "bound on each connectivity probe's DNS lookup and TCP connect (1ms to 1m)")
      ->check(durationValidator("--probe-timeout", kProbeTimeouts))
      ->capture_default_str();
}

host::ConnectivityOptions ProbeFlags::options() const {
  host::ConnectivityOptions options;
  for (const auto& text : targets) options.targets.push_back(probeTargetFlag(text));
  options.timeout = parseDurationFlag("--probe-timeout", timeout_text, kProbeTimeouts);
  return options;
}

CLI::Option* StateFlags::add(CLI::App& command) {
  return command
      .add_option("--state-dir", state_dir,
                  "keelson's state directory (audit log, agent state); default: "
                  "$KEELSON_STATE_DIR, else $XDG_STATE_HOME/keelson, else "
                  "~/.local/state/keelson, else /var/lib/keelson")
      ->type_name("DIR");
}

std::filesystem::path StateFlags::path() const {
  return state_dir.empty() ? store::defaultStateDir() : std::filesystem::path(state_dir);
}

std::filesystem::path StateFlags::auditLogPath() const { return path() / "audit.db"; }

void KubeFlags::add(CLI::App& app) {
  app.add_option("--kubeconfig", kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)")
      ->type_name("FILE");
  app.add_option("--context", context, "kubeconfig context (default: current-context)")
      ->type_name("NAME");
  app.add_option("--request-timeout", request_timeout,
                 "how long each API request may take, e.g. 30s (default: 30s; monitor 10s)")
      ->check(durationValidator("--request-timeout"));
}

kube::ConfigOptions KubeFlags::configOptions() const {
  kube::ConfigOptions options;
  options.kubeconfig_path = kubeconfig;
  options.context = context;
  return options;
}

std::chrono::milliseconds KubeFlags::requestTimeout(std::chrono::milliseconds fallback) const {
  return request_timeout.empty() ? fallback
                                 : parseDurationFlag("--request-timeout", request_timeout);
}

CLI::Option* NamespaceFlags::add(CLI::App& command, bool with_all) {
  auto* ns = command.add_option("-n,--namespace", namespace_name,
                                "the namespace (default: the kubeconfig context's, else default)");
  if (with_all) {
    command.add_flag("-A,--all-namespaces", all_namespaces, "every namespace")->excludes(ns);
  }
  return ns;
}

std::string NamespaceFlags::resolve(const KubeFlags& kube) const {
  if (all_namespaces) return "";
  if (!namespace_name.empty()) return namespace_name;
  return kube::loadConfig(kube.configOptions()).namespace_name;
}

std::chrono::milliseconds parseDurationFlag(const std::string& flag, const std::string& text,
                                            const DurationRange& range) {
  const auto bad = [&] {
    const std::string expected =
        range.min.count() == 1 && range.max == std::chrono::milliseconds::max()
            ? "a positive duration"
            : fmt::format("a duration from {}s to {}s", range.min.count() / 1000.0,
                          range.max.count() / 1000.0);
    return Error(ErrorCode::kBadInput, flag + " \"" + text + "\": expected " + expected +
                                           " such as 30s, 15m, 1h30m, 7d or 2w (units ms, s, m, "
                                           "h, d, w)");
  };
  const bool bare_number =
      !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
  std::chrono::nanoseconds parsed{0};
  try {
    parsed = core::parseDuration(bare_number ? text + "s" : text);  // a bare number: seconds
  } catch (const Error&) {
    throw bad();
  }
  const auto out = std::chrono::floor<std::chrono::milliseconds>(parsed);
  if (parsed.count() < 0 || out < range.min || out > range.max) throw bad();
  return out;
}

PodTarget parsePodTarget(const std::string& text, const std::string& default_namespace) {
  const auto slash = text.find('/');
  const bool bare = slash == std::string::npos && !default_namespace.empty();
  if (!bare && (slash == std::string::npos || text.find('/', slash + 1) != std::string::npos)) {
    throw Error(ErrorCode::kBadInput,
                "\"" + text + "\": expected NAME or NAMESPACE/NAME, e.g. default/my-pod");
  }
  PodTarget target = bare ? PodTarget{default_namespace, text}
                          : PodTarget{text.substr(0, slash), text.substr(slash + 1)};
  try {
    kube::validatePodName(target.namespace_name, target.name);
  } catch (const Error& e) {
    throw Error(ErrorCode::kBadInput,
                "\"" + text + "\": expected NAME or NAMESPACE/NAME of valid names: " + e.what());
  }
  return target;
}

PodTarget resolvePodTarget(const std::string& text, const NamespaceFlags& ns,
                           const KubeFlags& kube) {
  if (text.find('/') == std::string::npos) return parsePodTarget(text, ns.resolve(kube));
  PodTarget target = parsePodTarget(text);
  if (!ns.namespace_name.empty() && ns.namespace_name != target.namespace_name) {
    throw Error(ErrorCode::kBadInput, "\"" + text + "\" is in namespace " + target.namespace_name +
                                          " but -n/--namespace says " + ns.namespace_name);
  }
  return target;
}

CLI::Validator validatorFrom(const std::function<void(const std::string&)>& parse,
                             const std::string& type_name) {
  return CLI::Validator(
      [parse](const std::string& text) {
        try {
          parse(text);
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      },
      type_name);
}

CLI::Validator durationValidator(const std::string& flag, const DurationRange& range) {
  return validatorFrom(
      [flag, range](const std::string& text) { (void)parseDurationFlag(flag, text, range); },
      "DURATION");
}

CLI::Validator podTargetValidator() {
  // A bare NAME is checked as if in "default".
  return validatorFrom([](const std::string& text) { (void)parsePodTarget(text, "default"); },
                       "[NAMESPACE/]NAME");
}

std::uint16_t portFlag(const std::string& flag, int port) {
  if (port < 0 || port > std::numeric_limits<std::uint16_t>::max()) {
    throw Error(ErrorCode::kBadInput, fmt::format("{}: {} is not a port (0..65535)", flag, port));
  }
  return static_cast<std::uint16_t>(port);
}

int checkRestartThreshold(const std::string& flag, int threshold) {
  if (threshold < 0) {
    throw Error(ErrorCode::kBadInput,
                flag + ": " + std::to_string(threshold) + " is negative (expected a count >= 0)");
  }
  return threshold;
}

}  // namespace keelson::cli
