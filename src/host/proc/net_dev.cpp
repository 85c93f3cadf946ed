#include "host/proc/net_dev.h"

#include <array>

#include "host/proc/parse_util.h"

namespace keelson::host {

std::vector<NetDevStat> parseNetDev(std::string_view text) {
  std::vector<NetDevStat> interfaces;
  detail::forEachLine(text, [&](std::string_view line) {
    // Linux interface names cannot contain ':' or whitespace (dev_valid_name), so the first
    // colon ends the name.
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const auto name = detail::trim(line.substr(0, colon));
    if (name.empty()) return;
    for (const char c : name) {
      if (detail::isSpace(c) || c == '|') return;
    }
    std::array<std::uint64_t, 16> values{};
    detail::Tokenizer tokens(line.substr(colon + 1));
    for (auto& value : values) {
      const auto token = tokens.next();
      const auto parsed = token ? detail::parseU64(*token) : std::nullopt;
      if (!parsed) return;
      value = *parsed;
    }
    interfaces.push_back(NetDevStat{std::string(name), values[0], values[1], values[2], values[3],
                                    values[4], values[5], values[6], values[7], values[8],
                                    values[9], values[10], values[11], values[12], values[13],
                                    values[14], values[15]});
  });
  return interfaces;
}

}  // namespace keelson::host
