#include "host/proc/passwd.h"

#include <limits>

#include "host/proc/parse_util.h"

namespace keelson::host {

UserNames parsePasswd(std::string_view text) {
  UserNames users;
  detail::forEachLine(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-') return;
    const auto first = line.find(':');
    if (first == std::string_view::npos || first == 0) return;
    const auto second = line.find(':', first + 1);
    if (second == std::string_view::npos) return;
    const auto third = line.find(':', second + 1);
    const auto uid_text = line.substr(
        second + 1, third == std::string_view::npos ? std::string_view::npos : third - second - 1);
    const auto uid = detail::parseU64(uid_text);
    if (!uid || *uid > std::numeric_limits<std::uint32_t>::max()) return;
    users.try_emplace(static_cast<std::uint32_t>(*uid), std::string(line.substr(0, first)));
  });
  return users;
}

}  // namespace keelson::host
