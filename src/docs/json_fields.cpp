#include "docs/json_fields.h"

namespace keelson::docs {

nlohmann::json quantities(const kube::ResourceList& list) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, quantity] : list) out[name] = quantity.format();
  return out;
}

nlohmann::json stringMap(const kube::StringMap& map) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

std::string fieldText(const nlohmann::json& doc, std::string_view key) {
  if (!doc.is_object()) return "";
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

const nlohmann::json& fieldArray(const nlohmann::json& doc, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  if (!doc.is_object()) return kEmpty;
  const auto it = doc.find(key);
  return it != doc.end() && it->is_array() ? *it : kEmpty;
}

}  // namespace keelson::docs
