#include "act/label.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "act/diff.h"
#include "act/patching.h"
#include "core/error.h"
#include "kube/names.h"

namespace keelson::act {

namespace {

bool isLabelChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}

// A label value: empty, or at most 63 of [-_.A-Za-z0-9] with alphanumerics at both ends.
bool isLabelValue(std::string_view value) {
  if (value.empty()) return true;
  return value.size() <= 63 && std::all_of(value.begin(), value.end(), isLabelChar) &&
         std::isalnum(static_cast<unsigned char>(value.front())) != 0 &&
         std::isalnum(static_cast<unsigned char>(value.back())) != 0;
}

// A qualified name: [DNS-subdomain prefix '/'] name, the name a non-empty label value.
bool isLabelKey(std::string_view key) {
  const auto slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string_view::npos) {
    if (!kube::isDnsSubdomain(key.substr(0, slash))) return false;
    name = key.substr(slash + 1);
  }
  return !name.empty() && isLabelValue(name);
}

[[noreturn]] void invalid(const std::string& arg, std::string_view why) {
  throw Error(ErrorCode::kBadInput, fmt::format("invalid label spec \"{}\": {}", arg, why));
}

}  // namespace

LabelChanges parseLabelArgs(const std::vector<std::string>& args) {
  LabelChanges changes;
  for (const std::string& arg : args) {
    if (arg.size() > 1 && arg.back() == '-' && arg.find('=') == std::string::npos) {
      const std::string key = arg.substr(0, arg.size() - 1);
      if (!isLabelKey(key)) invalid(arg, "the key is not a valid label key");
      changes.remove.push_back(key);
      continue;
    }
    const auto equals = arg.find('=');
    if (equals == std::string::npos) invalid(arg, "expected KEY=VALUE or KEY-");
    const std::string key = arg.substr(0, equals);
    const std::string value = arg.substr(equals + 1);
    if (!isLabelKey(key)) {
      invalid(arg,
              "the key must be [prefix/]name: a name of at most 63 letters, digits, '-', '_' "
              "or '.', starting and ending with a letter or digit");
    }
    if (!isLabelValue(value)) {
      invalid(arg,
              "the value must be at most 63 letters, digits, '-', '_' or '.', starting and "
              "ending with a letter or digit");
    }
    changes.set[key] = value;
  }
  for (const std::string& key : changes.remove) {
    if (changes.set.contains(key)) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("can not both modify and remove the label \"{}\"", key));
    }
  }
  if (changes.set.empty() && changes.remove.empty()) {
    throw Error(ErrorCode::kBadInput, "at least one label update is required (KEY=VALUE or KEY-)");
  }
  return changes;
}

ActionResult label(ActionContext& context, const ObjectRef& ref, const LabelChanges& changes,
                   const LabelOptions& options) {
  ActionResult result = startResult(context, "label", ref);
  const std::string before = context.get(ref.path());
  const nlohmann::json object = parseObject(before, ref.display());
  const nlohmann::json current =
      object.value(nlohmann::json::json_pointer("/metadata/labels"), nlohmann::json::object());

  std::vector<std::string> conflicts;
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : changes.set) {
    const auto found = current.find(key);
    if (found != current.end() && *found == value) continue;
    if (found != current.end() && !options.overwrite) {
      conflicts.push_back(fmt::format("'{}' already has a value ({}), and --overwrite is false",
                                      key, found->get<std::string>()));
      continue;
    }
    labels[key] = value;
    result.changes.push_back(
        found == current.end()
            ? fmt::format("label {}={} added", key, value)
            : fmt::format("label {}: {} -> {}", key, found->get<std::string>(), value));
  }
  if (!conflicts.empty()) {
    result.outcome = Outcome::kRefused;
    result.error =
        conflicts.size() == 1 ? conflicts[0] : fmt::format("[{}]", fmt::join(conflicts, ", "));
    result.changes.clear();
    return result;
  }
  for (const std::string& key : changes.remove) {
    if (!current.contains(key)) {
      result.warnings.push_back(fmt::format("label \"{}\" not found.", key));
      continue;
    }
    labels[key] = nullptr;
    result.changes.push_back(fmt::format("label {} removed", key));
  }
  if (labels.empty()) {
    result.summary = "not labeled";
    return result;
  }
  const bool only_removed = std::all_of(labels.begin(), labels.end(),
                                        [](const nlohmann::json& v) { return v.is_null(); });
  result.summary = only_removed && !options.overwrite ? "unlabeled" : "labeled";
  nlohmann::json patch = {{"metadata", {{"labels", labels}}}};
  if (!options.resource_version.empty()) {
    patch["metadata"]["resourceVersion"] = options.resource_version;
  }
  sendPatch(context, ref, kube::PatchType::kMerge, patch, before, result);
  return result;
}

}  // namespace keelson::act
