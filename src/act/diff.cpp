#include "act/diff.h"

#include <fmt/format.h>

#include "core/error.h"

namespace keelson::act {

namespace {

void stripVolatile(nlohmann::json& object) {
  if (!object.is_object() || !object.contains("metadata")) return;
  auto& metadata = object["metadata"];
  metadata.erase("managedFields");
  metadata.erase("resourceVersion");
  metadata.erase("generation");
}

}  // namespace

nlohmann::json parseObject(std::string_view body, std::string_view what) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    throw Error(ErrorCode::kInternal, fmt::format("{}: the API server's answer is not JSON", what));
  }
  return parsed;
}

nlohmann::json objectDiff(std::string_view before, std::string_view after) {
  nlohmann::json old_object = parseObject(before, "object before");
  nlohmann::json new_object = parseObject(after, "object after");
  stripVolatile(old_object);
  stripVolatile(new_object);
  return nlohmann::json::diff(old_object, new_object);
}

}  // namespace keelson::act
