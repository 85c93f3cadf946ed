#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace keelson::core {

/// Configures the process-wide logger (spdlog's default logger, writing to stderr so that
/// stdout stays free for reports and JSON). `level` is one of trace, debug, info, warn, error,
/// off; `format` is "text" or "json" (one JSON object per line). Throws Error(kBadInput) on an
/// unknown level or format. Not thread-safe: call once at start-up, before other threads run.
void setupLogging(std::string_view level, std::string_view format);

}  // namespace keelson::core
