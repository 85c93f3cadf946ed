#include "backend/json_fields.h"

#include <fmt/format.h>

#include "core/error.h"

namespace keelson::backend {
namespace {

[[noreturn]] void bad(std::string message) {
  throw Error(ErrorCode::kBadInput, std::move(message));
}

const nlohmann::json* member(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

nlohmann::json parseObject(std::string_view text, std::string_view what) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return nlohmann::json::object();
  }
  nlohmann::json body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) bad(fmt::format("{} is not JSON", what));
  if (!body.is_object()) bad(fmt::format("{} is not a JSON object", what));
  return body;
}

std::optional<std::string> optionalString(const nlohmann::json& object, const char* name,
                                          std::string_view what) {
  const nlohmann::json* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) bad(fmt::format("{}.{} is not a string", what, name));
  return value->get<std::string>();
}

std::string requiredString(const nlohmann::json& object, const char* name, std::string_view what) {
  std::optional<std::string> value = optionalString(object, name, what);
  if (!value || value->empty()) bad(fmt::format("{} has no \"{}\"", what, name));
  return std::move(*value);
}

std::optional<std::int64_t> optionalInteger(const nlohmann::json& object, const char* name,
                                            std::string_view what) {
  const nlohmann::json* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) bad(fmt::format("{}.{} is not an integer", what, name));
  return value->get<std::int64_t>();
}

}  // namespace keelson::backend
