#pragma once

// Small JSON conversions every keelson document uses.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kube/objects.h"

namespace keelson::docs {

/// A ResourceList as a JSON object of exact canonical quantity strings ({"cpu": "500m"}).
nlohmann::json quantities(const kube::ResourceList& list);

/// A string map (labels, annotations, nodeSelector) as a JSON object.
nlohmann::json stringMap(const kube::StringMap& map);

/// The member `key` of `doc` as text, for rendering a document that may lack fields: a string as
/// is, a missing or null member (or a `doc` that is not an object) as "", any other value as its
/// JSON. Never throws.
std::string fieldText(const nlohmann::json& doc, std::string_view key);

/// The array member `key` of `doc`, or an empty array when it is missing or not an array. Never
/// throws.
const nlohmann::json& fieldArray(const nlohmann::json& doc, std::string_view key);

}  // namespace keelson::docs
