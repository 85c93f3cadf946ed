#pragma once

// The server's dry-run diff: what a write would change, as the API server itself computed it
// (dryRun=All runs defaulting, admission and validation, then returns the object it would have
// stored).

#include <nlohmann/json.hpp>
#include <string_view>

namespace keelson::act {

/// RFC 6902 JSON patch from `before` to `after` (two JSON objects as the API server sent them),
/// leaving out what changes on every write (metadata.managedFields, resourceVersion,
/// generation). Throws Error(kInternal) when either is not JSON. Pure; thread-safe.
nlohmann::json objectDiff(std::string_view before, std::string_view after);

/// Parses an API server answer (an object) as JSON; throws Error(kInternal) naming `what` when
/// it is not JSON.
nlohmann::json parseObject(std::string_view body, std::string_view what);

}  // namespace keelson::act
