#include "server/config.h"

#include <cmath>
#include <string>

#include "core/duration.h"
#include "core/error.h"

namespace keelson::server {

std::chrono::milliseconds parseDuration(std::string_view text) {
  if (!text.empty() && text[0] == '-') {
    throw Error(ErrorCode::kBadInput,
                "duration \"" + std::string(text) + "\": negative (expected e.g. 500ms, 10s)");
  }
  return std::chrono::floor<std::chrono::milliseconds>(core::parseDuration(text));
}

ServerOptions applyEnvironment(ServerOptions options, const EnvLookup& lookup) {
  const auto value = [&](const char* name) -> std::string_view {
    const char* v = lookup(name);
    return v == nullptr ? std::string_view() : std::string_view(v);
  };
  if (const auto port = value("PORT"); !port.empty()) {
    long parsed = 0;
    bool ok = port.size() <= 5;
    for (const char c : port) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) parsed = parsed * 10 + (c - '0');
    }
    if (!ok || parsed < 1 || parsed > 65535) {
      throw Error(ErrorCode::kBadInput,
                  "PORT \"" + std::string(port) + "\": expected a port number 1..65535");
    }
    options.port = static_cast<std::uint16_t>(parsed);
  }
  const auto duration = [&](const char* name, std::chrono::milliseconds& target) {
    const auto text = value(name);
    if (text.empty()) return;
    try {
      target = parseDuration(text);
    } catch (const Error& e) {
      throw Error(ErrorCode::kBadInput, std::string(name) + ": " + e.what());
    }
  };
  duration("READ_TIMEOUT", options.read_timeout);
  duration("WRITE_TIMEOUT", options.write_timeout);
  return options;
}

}  // namespace keelson::server
