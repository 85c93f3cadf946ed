#include "cli/options.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>

#include "core/error.h"

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

std::chrono::seconds parseDurationFlag(const std::string& flag, const std::string& text) {
  std::size_t used = 0;
  long long amount = -1;
  try {
    amount = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used == 0 ? text.size() : used);
  static const std::map<std::string, long long> kUnits = {{"", 1},     {"s", 1},     {"m", 60},
                                                          {"h", 3600}, {"d", 86400}, {"w", 604800}};
  const auto it = kUnits.find(unit);
  if (used == 0 || amount <= 0 || it == kUnits.end() || amount > (1LL << 40) / it->second) {
    throw Error(ErrorCode::kBadInput, flag + " " + text +
                                          ": expected a positive duration such as 30s, 15m, "
                                          "1h, 7d or 2w");
  }
  return std::chrono::seconds(amount * it->second);
}

}  // namespace keelson::cli
