#pragma once

#include <spdlog/spdlog.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace keelson::core {

/// Configures the process-wide logger (spdlog's default logger, writing to stderr so that
/// stdout stays free for reports and JSON; coloured per logColorMode). `level` is one of trace,
/// debug, info, warn, error, off; `format` is "text" or "json" (one JSON object per line). Throws
/// Error(kBadInput) on an unknown level or format. Not thread-safe: call once at start-up, before
/// other threads run.
void setupLogging(std::string_view level, std::string_view format);

/// The level colours of text logs: never when NO_COLOR is set and not empty (no-color.org),
/// else automatic (only on a terminal).
spdlog::color_mode logColorMode();

/// The line formatter setupLogging uses for `format` ("text" or "json"; Error(kBadInput)
/// otherwise). Text lines start with the local time and its UTC offset
/// ("2026-12-03T18:05:41.123+00:00 info ..."). JSON lines are {"time","level","logger","msg"} in
/// UTC. A structured message, i.e. a payload that is itself a JSON object (what logEvent
/// writes), has its fields rendered instead of being quoted: in JSON its "msg" becomes the
/// line's msg and every other key a field of its own (keys named time, level or logger are
/// dropped); in text the line reads `msg key=value key2="a b"` (logfmt, see formatLogfmtValue).
std::unique_ptr<spdlog::formatter> makeLogFormatter(std::string_view format);

/// The value of a LogField: a string, a signed integer, a double or a bool. Integers of any
/// width convert to int64 (unsigned values above INT64_MAX wrap); strings are views, so a
/// value must outlive the logEvent call that carries it (temporaries in the call are fine).
class LogValue {
 public:
  using Variant = std::variant<std::string_view, std::int64_t, double, bool>;

  // Implicit on purpose, so that call sites read {"status", 404}.
  LogValue(std::string_view text) : value_(text) {}
  LogValue(const char* text) : value_(std::string_view(text)) {}
  LogValue(const std::string& text) : value_(std::string_view(text)) {}
  LogValue(double number) : value_(number) {}
  LogValue(bool flag) : value_(flag) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) LogValue(T number) : value_(static_cast<std::int64_t>(number)) {}

  /// The value held.
  const Variant& get() const { return value_; }

 private:
  Variant value_;
};

/// One field of a structured log line, e.g. {"resource", "pods"} or {"status", 404}.
struct LogField {
  std::string_view key;
  LogValue value;
};

/// Logs a structured line at `level` through `logger`: a constant message `msg` plus fields (see
/// makeLogFormatter for how text and JSON render them). Does nothing, and formats nothing, when
/// the logger would drop `level`. Thread-safe as spdlog's loggers are.
void logEvent(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view msg,
              std::initializer_list<LogField> fields = {});

/// logEvent through the process-wide default logger (set up by setupLogging).
void logEvent(spdlog::level::level_enum level, std::string_view msg,
              std::initializer_list<LogField> fields = {});

/// A logfmt value as it appears after `key=`: verbatim, or double-quoted when it is empty or
/// holds a space, a quote, `=`, a backslash or a control character; inside quotes `"`, `\`,
/// newline, carriage return and tab are escaped as \", \\, \n, \r, \t.
std::string formatLogfmtValue(std::string_view value);

}  // namespace keelson::core
