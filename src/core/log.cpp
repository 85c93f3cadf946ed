#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

#include "core/error.h"

namespace keelson::core {

void setupLogging(std::string_view level, std::string_view format) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw Error(ErrorCode::kBadInput,
                "log level \"" + std::string(level) +
                    "\": expected one of trace, debug, info, warn, error, off");
  }
  auto logger = spdlog::stderr_color_mt("keelson");
  if (format == "json") {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else if (format == "text") {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  } else {
    throw Error(ErrorCode::kBadInput,
                "log format \"" + std::string(format) + "\": expected text or json");
  }
  logger->set_level(parsed);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace keelson::core
