#pragma once

// Secrets given to a command by environment variable or by file (`--api-key-file`), as the
// backend and its operator commands take them. Secrets are never printed: messages name the
// variable and the flag only.

#include <string>
#include <string_view>
#include <vector>

namespace keelson::cli {

/// Where one secret may come from.
struct SecretSource {
  const char* env;   ///< The environment variable, e.g. "API_KEY".
  std::string flag;  ///< The file flag, e.g. "--api-key-file".
  std::string file;  ///< The flag's value; "" when not given.
};

/// The contents of the file `path` without trailing newlines. Throws Error(kBadInput) naming
/// `flag` and the path when it cannot be read.
std::string readFileText(const std::string& flag, const std::string& path);

/// The secret from `source.file` when given, else from the environment variable. When it is
/// absent or empty, returns "" and appends "ENV (environment or --flag)" to `missing`. Throws
/// readFileText's Error for an unreadable file.
std::string secretFromFileOrEnv(const SecretSource& source, std::vector<std::string>& missing);

/// Throws Error(kBadInput) "<who> needs its secrets; missing: A (...), B (...)" when `missing`
/// is not empty.
void requireSecrets(std::string_view who, const std::vector<std::string>& missing);

}  // namespace keelson::cli
