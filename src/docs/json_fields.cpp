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

}  // namespace keelson::docs
