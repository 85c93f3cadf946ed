#include "host/proc/os_release.h"

#include "host/proc/parse_util.h"

namespace keelson::host {
namespace {

bool isValidName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return !(name.front() >= '0' && name.front() <= '9');
}

// Unquotes a shell-like value: concatenated unquoted, "double" and 'single' quoted parts.
std::string unquote(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  char quote = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        out.push_back(c);
      }
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < value.size() &&
                 (value[i + 1] == '"' || value[i + 1] == '\\' || value[i + 1] == '$' ||
                  value[i + 1] == '`')) {
        out.push_back(value[++i]);
      } else {
        out.push_back(c);
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '\\' && i + 1 < value.size()) {
      out.push_back(value[++i]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string OsRelease::get(std::string_view key, std::string_view fallback) const {
  const auto it = fields.find(key);
  return it == fields.end() ? std::string(fallback) : it->second;
}

OsRelease parseOsRelease(std::string_view text) {
  OsRelease release;
  detail::forEachLine(text, [&](std::string_view line) {
    line = detail::trim(line);
    if (line.empty() || line.front() == '#') return;
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) return;
    const auto name = line.substr(0, equals);
    if (!isValidName(name)) return;
    release.fields.insert_or_assign(std::string(name), unquote(line.substr(equals + 1)));
  });
  return release;
}

}  // namespace keelson::host
