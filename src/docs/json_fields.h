#pragma once

// Small JSON conversions every keelson document uses.

#include <nlohmann/json.hpp>

#include "kube/objects.h"

namespace keelson::docs {

/// A ResourceList as a JSON object of exact canonical quantity strings ({"cpu": "500m"}).
nlohmann::json quantities(const kube::ResourceList& list);

/// A string map (labels, annotations, nodeSelector) as a JSON object.
nlohmann::json stringMap(const kube::StringMap& map);

}  // namespace keelson::docs
