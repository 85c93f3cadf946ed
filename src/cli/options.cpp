#include "cli/options.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "core/duration.h"
#include "core/error.h"
#include "kube/names.h"

namespace keelson::cli {

void HostFlags::add(CLI::App& command) {
  command
      .add_option("--host-root", host_root,
                  "where the host's / is mounted (a pod mounts it at /host)")
      ->envname("HOST_ROOT")
      ->capture_default_str();
  command
      .add_option("--interval", interval_seconds,
                  "seconds between the two samples that rates and CPU usage come from")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
}

std::chrono::milliseconds HostFlags::interval() const {
  return std::chrono::milliseconds(static_cast<int64_t>(interval_seconds * 1000.0));
}

void KubeFlags::add(CLI::App& command) {
  command.add_option("--kubeconfig", kubeconfig,
                     "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  command.add_option("--context", context, "kubeconfig context (default: current-context)");
  command
      .add_option("--request-timeout", request_timeout_seconds, "seconds each API request may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

kube::ConfigOptions KubeFlags::configOptions() const {
  kube::ConfigOptions options;
  options.kubeconfig_path = kubeconfig;
  options.context = context;
  return options;
}

std::chrono::milliseconds KubeFlags::requestTimeout() const {
  return std::chrono::milliseconds(static_cast<int64_t>(request_timeout_seconds * 1000));
}

void OutputFlags::add(CLI::App& command) {
  command.add_flag("--json", json, "print one JSON document instead of the report");
  command.add_flag("--pretty", pretty, "indent the JSON document");
  command.add_option("-o,--output", output, "write to FILE instead of standard output");
}

void OutputFlags::write(const nlohmann::json& doc, const std::string& text) const {
  const std::string body = json ? doc.dump(pretty ? 2 : -1) + "\n" : text;
  if (output.empty()) {
    std::cout << body << std::flush;
    return;
  }
  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  file << body;
  file.close();
  if (!file) {
    throw Error(ErrorCode::kBadInput,
                "--output " + output + ": cannot write: " + std::strerror(errno));
  }
}

std::chrono::milliseconds parseDurationFlag(const std::string& flag, const std::string& text) {
  const auto bad = [&] {
    return Error(ErrorCode::kBadInput, flag + " \"" + text +
                                           "\": expected a positive duration such as 30s, 15m, "
                                           "1h30m, 7d or 2w (units ms, s, m, h, d, w)");
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
  if (out.count() <= 0) throw bad();
  return out;
}

PodTarget parsePodTarget(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || text.find('/', slash + 1) != std::string::npos) {
    throw Error(ErrorCode::kBadInput,
                "\"" + text + "\": expected NAMESPACE/NAME, e.g. default/my-pod");
  }
  PodTarget target{text.substr(0, slash), text.substr(slash + 1)};
  try {
    kube::validatePodName(target.namespace_name, target.name);
  } catch (const Error& e) {
    throw Error(ErrorCode::kBadInput,
                "\"" + text + "\": expected NAMESPACE/NAME of valid names: " + e.what());
  }
  return target;
}

CLI::Validator durationValidator(const std::string& flag) {
  return CLI::Validator(
      [flag](const std::string& text) {
        try {
          (void)parseDurationFlag(flag, text);
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      },
      "DURATION");
}

CLI::Validator podTargetValidator() {
  return CLI::Validator(
      [](const std::string& text) {
        try {
          (void)parsePodTarget(text);
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      },
      "NAMESPACE/NAME");
}

int checkRestartThreshold(const std::string& flag, int threshold) {
  if (threshold < 0) {
    throw Error(ErrorCode::kBadInput,
                flag + ": " + std::to_string(threshold) + " is negative (expected a count >= 0)");
  }
  return threshold;
}

}  // namespace keelson::cli
