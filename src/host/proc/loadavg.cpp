#include "host/proc/loadavg.h"

#include <array>
#include <string>

#include "core/error.h"
#include "host/proc/parse_util.h"

namespace keelson::host {

LoadAvg parseLoadavg(std::string_view text) {
  detail::Tokenizer tokens(text);
  LoadAvg load;
  const std::array<double*, 3> targets = {&load.load1, &load.load5, &load.load15};
  for (double* target : targets) {
    const auto token = tokens.next();
    const auto value = token ? detail::parseDouble(*token) : std::nullopt;
    if (!value || *value < 0) {
      throw Error(ErrorCode::kBadInput,
                  "loadavg: expected three non-negative load averages, got \"" +
                      std::string(detail::trim(text.substr(0, 80))) + "\"");
    }
    *target = *value;
  }
  if (const auto entities = tokens.next()) {
    const auto slash = entities->find('/');
    if (slash != std::string_view::npos) {
      load.runnable_entities = detail::parseU64(entities->substr(0, slash)).value_or(0);
      load.scheduling_entities = detail::parseU64(entities->substr(slash + 1)).value_or(0);
    }
  }
  if (const auto last_pid = tokens.next()) {
    load.last_pid = detail::parseU64(*last_pid).value_or(0);
  }
  return load;
}

}  // namespace keelson::host
