#include "core/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace keelson::core {
namespace {

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// %j: the message as `"msg":<string>` plus, for a structured message (a JSON object payload),
// its other fields, so that every JSON log line parses whatever the message holds.
class JsonMessageFields final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string out;
    nlohmann::json fields;
    if (payload.size() >= 2 && payload.front() == '{' && payload.back() == '}') {
      fields = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
    }
    if (fields.is_object()) {
      // append(), not operator+: GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
      out.append("\"msg\":").append(dumpJson(fields.value("msg", nlohmann::json(""))));
      for (const auto& [key, value] : fields.items()) {
        if (key == "msg" || key == "time" || key == "level" || key == "logger") continue;
        out.append(",").append(dumpJson(key)).append(":").append(dumpJson(value));
      }
    } else {
      out.append("\"msg\":").append(dumpJson(std::string(payload)));
    }
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFields>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> makeLogFormatter(std::string_view format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == "json") {
    formatter->add_flag<JsonMessageFields>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",%j})");
  } else if (format == "text") {
    // Local time for people, with its UTC offset so that lines from two zones still compare.
    return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  } else {
    throw Error(ErrorCode::kBadInput,
                "log format \"" + std::string(format) + "\": expected text or json");
  }
  return formatter;
}

spdlog::color_mode logColorMode() {
  const char* no_color = std::getenv("NO_COLOR");
  return no_color != nullptr && *no_color != '\0' ? spdlog::color_mode::never
                                                  : spdlog::color_mode::automatic;
}

void setupLogging(std::string_view level, std::string_view format) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw Error(ErrorCode::kBadInput,
                "log level \"" + std::string(level) +
                    "\": expected one of trace, debug, info, warn, error, off");
  }
  // Not registered by name, so tests may set logging up more than once.
  auto logger = std::make_shared<spdlog::logger>(
      "keelson", std::make_shared<spdlog::sinks::stderr_color_sink_mt>(logColorMode()));
  logger->set_formatter(makeLogFormatter(format));
  logger->set_level(parsed);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace keelson::core
