#include "act/set_resources.h"

#include <fmt/format.h>

#include "act/diff.h"
#include "act/patching.h"
#include "core/error.h"
#include "core/quantity.h"

namespace keelson::act {

namespace {

// Adds to `patched` (a container's resources.<section>) the values that differ from `current`,
// with a change line each.
void mergeSection(const std::string& container, const char* section, const ResourceValues& values,
                  const nlohmann::json& current, nlohmann::json& patched,
                  std::vector<std::string>& changes) {
  for (const auto& [name, value] : values) {
    const nlohmann::json* old = nullptr;
    if (current.contains(section) && current[section].contains(name)) {
      old = &current[section][name];
    }
    if (old != nullptr && old->is_string() &&
        core::Quantity::parse(old->get<std::string>()) == core::Quantity::parse(value)) {
      continue;
    }
    patched[section][name] = value;
    changes.push_back(fmt::format("container {}: {}.{}: {} -> {}", container, section, name,
                                  old == nullptr ? "(none)" : old->get<std::string>(), value));
  }
}

}  // namespace

ResourceValues parseResourceValues(const std::string& flag, const std::string& text) {
  ResourceValues values;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string pair = text.substr(start, comma - start);
    const auto equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("{}: \"{}\": expected NAME=QUANTITY, e.g. cpu=500m,memory=256Mi",
                              flag, pair));
    }
    const std::string value = pair.substr(equals + 1);
    try {
      core::Quantity::parse(value);
    } catch (const Error& e) {
      throw Error(ErrorCode::kBadInput, fmt::format("{}: \"{}\": {}", flag, pair, e.what()));
    }
    values[pair.substr(0, equals)] = value;
    start = comma + 1;
  }
  return values;
}

ActionResult setResources(ActionContext& context, const ObjectRef& ref,
                          const ResourcesOptions& options) {
  ActionResult result = startResult(context, "set resources", ref);
  const std::string before = context.get(ref.path());
  const nlohmann::json object = parseObject(before, ref.display());
  const nlohmann::json containers = object.value(
      nlohmann::json::json_pointer("/spec/template/spec/containers"), nlohmann::json::array());

  nlohmann::json patched_containers = nlohmann::json::array();
  bool matched = false;
  for (const nlohmann::json& container : containers) {
    const std::string name = container.value("name", "");
    if (options.container != "*" && options.container != name) continue;
    matched = true;
    const nlohmann::json current = container.value("resources", nlohmann::json::object());
    nlohmann::json resources = nlohmann::json::object();
    mergeSection(name, "limits", options.limits, current, resources, result.changes);
    mergeSection(name, "requests", options.requests, current, resources, result.changes);
    if (!resources.empty())
      patched_containers.push_back({{"name", name}, {"resources", resources}});
  }
  if (!matched) {
    result.outcome = Outcome::kRefused;
    result.error = fmt::format("unable to find container named {}", options.container);
    return result;
  }
  if (patched_containers.empty()) {
    result.summary = "resource requirements unchanged";
    return result;
  }
  result.summary = "resource requirements updated";
  const nlohmann::json patch = {
      {"spec", {{"template", {{"spec", {{"containers", patched_containers}}}}}}}};
  sendPatch(context, ref, kube::PatchType::kStrategicMerge, patch, before, result);
  return result;
}

}  // namespace keelson::act
