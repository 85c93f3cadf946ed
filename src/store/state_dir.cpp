#include "store/state_dir.h"

#include <cstdlib>

#include "store/audit_log.h"

namespace keelson::store {

std::optional<std::filesystem::path> userStateDir(const EnvLookup& getenv) {
  if (const char* state = getenv("XDG_STATE_HOME"); state != nullptr && state[0] == '/') {
    return std::filesystem::path(state) / "keelson";
  }
  if (const char* home = getenv("HOME"); home != nullptr && home[0] != '\0') {
    return std::filesystem::path(home) / ".local" / "state" / "keelson";
  }
  return std::nullopt;
}

std::filesystem::path defaultStateDir(const EnvLookup& getenv) {
  if (const char* dir = getenv("KEELSON_STATE_DIR"); dir != nullptr && dir[0] != '\0') {
    return dir;
  }
  return userStateDir(getenv).value_or("/var/lib/keelson");
}

std::filesystem::path defaultStateDir() {
  return defaultStateDir([](const char* name) { return std::getenv(name); });
}

}  // namespace keelson::store
