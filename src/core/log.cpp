#include "core/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>

#include "core/error.h"

namespace keelson::core {
namespace {

// Ordered, so that fields keep the order the call site gave them.
using Json = nlohmann::ordered_json;

std::string dumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The fields of a structured message (a payload that is a JSON object), or nothing.
std::optional<Json> structuredPayload(std::string_view payload) {
  if (payload.size() < 2 || payload.front() != '{' || payload.back() != '}') return std::nullopt;
  auto fields = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!fields.is_object()) return std::nullopt;
  return fields;
}

// A field as text: strings as they are, anything else as JSON.
std::string asText(const Json& value) {
  return value.is_string() ? value.get<std::string>() : dumpJson(value);
}

bool isLineField(std::string_view key) {
  return key == "msg" || key == "time" || key == "level" || key == "logger";
}

// %j: the message as `"msg":<string>` plus, for a structured message, its other fields, so that
// every JSON log line parses whatever the message holds.
class JsonMessageFields final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string out;
    if (const auto fields = structuredPayload(payload)) {
      // append(), not operator+: GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
      out.append("\"msg\":").append(dumpJson(fields->value("msg", Json(""))));
      for (const auto& [key, value] : fields->items()) {
        if (isLineField(key)) continue;
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

// %L: the message as written or, for a structured message, `msg key=value ...` (logfmt).
class LogfmtMessageFields final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const auto fields = structuredPayload(payload);
    if (!fields) {
      dest.append(payload.data(), payload.data() + payload.size());
      return;
    }
    std::string out = fields->contains("msg") ? asText(fields->at("msg")) : "";
    for (const auto& [key, value] : fields->items()) {
      if (isLineField(key)) continue;
      out.append(" ").append(key).append("=").append(formatLogfmtValue(asText(value)));
    }
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LogfmtMessageFields>();
  }
};

bool needsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

Json toJson(const LogValue& value) {
  return std::visit(
      [](const auto& v) -> Json {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string_view>) {
          return std::string(v);
        } else {
          return v;
        }
      },
      value.get());
}

}  // namespace

std::unique_ptr<spdlog::formatter> makeLogFormatter(std::string_view format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == "json") {
    formatter->add_flag<JsonMessageFields>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",%j})");
  } else if (format == "text") {
    // Local time for people, with its UTC offset so that lines from two zones still compare.
    auto text = std::make_unique<spdlog::pattern_formatter>();
    text->add_flag<LogfmtMessageFields>('L').set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %L");
    return text;
  } else {
    throw Error(ErrorCode::kBadInput,
                "log format \"" + std::string(format) + "\": expected text or json");
  }
  return formatter;
}

std::string formatLogfmtValue(std::string_view value) {
  if (!needsQuotes(value)) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

void logEvent(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view msg,
              std::initializer_list<LogField> fields) {
  if (!logger.should_log(level)) return;
  Json line = {{"msg", std::string(msg)}};
  for (const auto& field : fields) line[std::string(field.key)] = toJson(field.value);
  logger.log(level, "{}", dumpJson(line));
}

void logEvent(spdlog::level::level_enum level, std::string_view msg,
              std::initializer_list<LogField> fields) {
  logEvent(*spdlog::default_logger_raw(), level, msg, fields);
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
