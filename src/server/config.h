#pragma once
// The spec's environment variables for the HTTP server: PORT, READ_TIMEOUT, WRITE_TIMEOUT.

#include <chrono>
#include <functional>
#include <string_view>

#include "server/server.h"

namespace keelson::server {

/// Reads an environment variable; null when unset.
using EnvLookup = std::function<const char*(const char*)>;

/// core::parseDuration ("10s", "500ms", "1m30s") in milliseconds, rounded down; a negative
/// duration is rejected. Throws Error(kBadInput) naming the text.
std::chrono::milliseconds parseDuration(std::string_view text);

/// `options` with PORT (1..65535), READ_TIMEOUT and WRITE_TIMEOUT applied when set and
/// non-empty. Unset variables keep the given values (the spec's defaults are 8080, 10s, 10s).
/// Throws Error(kBadInput) naming the variable on a malformed value.
ServerOptions applyEnvironment(ServerOptions options, const EnvLookup& lookup);

}  // namespace keelson::server
