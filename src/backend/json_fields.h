#pragma once

// Reading the fields of the JSON bodies the backend receives. Every failure is
// Error(kBadInput) naming the body and the field, which the routes answer with 400.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace keelson::backend {

/// Parses `text` as one JSON object; "" counts as {}. `what` names the body in messages
/// ("register body"). Throws Error(kBadInput) for anything else.
nlohmann::json parseObject(std::string_view text, std::string_view what);

/// The string member `name` of `object`; nullopt when absent or null. Throws
/// Error(kBadInput) naming `what`.`name` when it is another type.
std::optional<std::string> optionalString(const nlohmann::json& object, const char* name,
                                          std::string_view what);
/// optionalString, but an absent or empty member also throws Error(kBadInput).
std::string requiredString(const nlohmann::json& object, const char* name, std::string_view what);
/// The integer member `name` of `object`; nullopt when absent or null. Throws Error(kBadInput)
/// when it is not an integer.
std::optional<std::int64_t> optionalInteger(const nlohmann::json& object, const char* name,
                                            std::string_view what);

}  // namespace keelson::backend
