#pragma once
// Random (version 4) UUIDs, for ids that must be unique without coordination: the agent's id,
// metric batch ids, action ids.

#include <string>
#include <string_view>

namespace keelson::core {

/// A random version 4 UUID (RFC 9562) in its 36-character lowercase text form
/// ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"), from Boost.Uuid's random_generator (the operating
/// system's entropy). Thread-safe.
std::string randomUuid();

/// Whether `text` is a UUID in the 36-character text form (any version, either case).
bool isUuid(std::string_view text) noexcept;

}  // namespace keelson::core
