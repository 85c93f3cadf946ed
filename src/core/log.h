#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

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
/// UTC. A structured message, i.e.
/// a payload that is itself a JSON object (logger->info("{}", fields.dump())), has its fields
/// merged into the line instead of being quoted: its "msg" becomes the line's msg and every
/// other key a field of its own (keys named time, level or logger are dropped).
std::unique_ptr<spdlog::formatter> makeLogFormatter(std::string_view format);

}  // namespace keelson::core
