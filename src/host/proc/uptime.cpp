#include "host/proc/uptime.h"

#include <string>

#include "core/error.h"
#include "host/proc/parse_util.h"

namespace keelson::host {

Uptime parseUptime(std::string_view text) {
  detail::Tokenizer tokens(text);
  const auto first = tokens.next();
  const auto uptime = first ? detail::parseDouble(*first) : std::nullopt;
  if (!uptime || *uptime < 0) {
    throw Error(ErrorCode::kBadInput, "uptime: expected seconds since boot, got \"" +
                                          std::string(detail::trim(text.substr(0, 80))) + "\"");
  }
  Uptime result{*uptime, 0};
  if (const auto second = tokens.next()) {
    result.idle_seconds = detail::parseDouble(*second).value_or(0);
  }
  return result;
}

}  // namespace keelson::host
