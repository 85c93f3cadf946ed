#include "host/proc/meminfo.h"

#include <limits>

#include "host/proc/parse_util.h"

namespace keelson::host {

std::optional<std::uint64_t> MemInfo::get(std::string_view name) const noexcept {
  for (const auto& field : fields) {
    if (field.name == name) return field.value;
  }
  return std::nullopt;
}

MemInfo parseMeminfo(std::string_view text) {
  MemInfo info;
  detail::forEachLine(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return;
    const auto name = line.substr(0, colon);
    for (const char c : name) {
      if (detail::isSpace(c)) return;
    }
    detail::Tokenizer tokens(line.substr(colon + 1));
    const auto number = tokens.next();
    if (!number) return;
    auto value = detail::parseU64(*number);
    if (!value) return;
    const auto unit = tokens.next();
    bool is_bytes = false;
    if (unit) {
      if (*unit != "kB" || tokens.next()) return;
      if (*value > std::numeric_limits<std::uint64_t>::max() / 1024) return;
      *value *= 1024;
      is_bytes = true;
    }
    info.fields.push_back(MemInfoField{std::string(name), *value, is_bytes});
  });
  return info;
}

}  // namespace keelson::host
