#pragma once
// What the scheduling tests share: pod manifests with requests, and the reason counts of a
// FailedScheduling message written so that two of them compare readably in a failure.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace keelson::testing {

/// "{1 Insufficient cpu, 2 node(s) had untolerated taint(s)}".
inline std::string describe(const std::map<std::string, int>& counts) {
  std::string out;
  for (const auto& [k, v] : counts) {
    out += (out.empty() ? "" : ", ") + std::to_string(v) + " " + k;
  }
  return "{" + out + "}";
}

/// A container "app" requesting `cpu` and `memory`.
inline nlohmann::json requestingContainer(const std::string& cpu, const std::string& memory) {
  return nlohmann::json{{"name", "app"},
                        {"image", "registry.example.com/app:1"},
                        {"resources", {{"requests", {{"cpu", cpu}, {"memory", memory}}}}}};
}

/// A v1 Pod `ns`/`name` with `spec` and `labels`.
inline nlohmann::json podManifest(const std::string& ns, const std::string& name,
                                  const nlohmann::json& spec,
                                  const nlohmann::json& labels = nlohmann::json::object()) {
  return nlohmann::json{{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
                        {"spec", spec}};
}

}  // namespace keelson::testing
