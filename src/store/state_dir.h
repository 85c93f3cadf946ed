#pragma once

// Where keelson keeps its state by default (the audit log, agent state, the history database).

#include <filesystem>
#include <functional>
#include <optional>

namespace keelson::store {

/// Reads an environment variable (std::getenv, or a fake in tests); null when unset.
using EnvLookup = std::function<const char*(const char*)>;

/// The XDG base directory spec's state directory for keelson: $XDG_STATE_HOME/keelson (ignored
/// unless absolute, as the spec says), else $HOME/.local/state/keelson; nullopt when neither is
/// set. Pure.
std::optional<std::filesystem::path> userStateDir(const EnvLookup& getenv);

/// keelson's state directory when --state-dir is not given: $KEELSON_STATE_DIR (when not
/// empty), else userStateDir, else /var/lib/keelson (a daemon without HOME). Pure.
std::filesystem::path defaultStateDir(const EnvLookup& getenv);

}  // namespace keelson::store
