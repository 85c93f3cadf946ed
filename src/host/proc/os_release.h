#pragma once

#include <map>
#include <string>
#include <string_view>

namespace keelson::host {

/// The variables of an os-release file (/etc/os-release or /usr/lib/os-release, see
/// os-release(5)), e.g. PRETTY_NAME="Debian GNU/Linux 12 (bookworm)".
struct OsRelease {
  std::map<std::string, std::string, std::less<>> fields;  ///< Every KEY=value, unquoted.

  /// The value of `key`, or `fallback` when absent.
  std::string get(std::string_view key, std::string_view fallback = {}) const;
};

/// Parses an os-release file. Pure. Values may be unquoted, "double-quoted" (with \" \\ \$ \`
/// escapes) or 'single-quoted'; blank lines and '#' comments are ignored, as are lines without
/// '=' or with an invalid variable name. A later assignment of the same key wins, as in a shell.
/// Never throws except std::bad_alloc.
OsRelease parseOsRelease(std::string_view text);

}  // namespace keelson::host
