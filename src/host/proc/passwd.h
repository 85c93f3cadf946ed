#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace keelson::host {

/// User names by UID, from a passwd(5) file ("name:password:UID:GID:GECOS:home:shell").
using UserNames = std::unordered_map<std::uint32_t, std::string>;

/// Parses /etc/passwd. Pure. Lines with fewer than 3 fields, an empty name, a non-numeric or
/// out-of-range UID, comments and NIS "+"/"-" entries are skipped. When several names share a
/// UID the first wins, as with getpwuid(3). Never throws except std::bad_alloc.
UserNames parsePasswd(std::string_view text);

}  // namespace keelson::host
