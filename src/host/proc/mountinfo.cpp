#include "host/proc/mountinfo.h"

#include <limits>
#include <optional>

#include "host/proc/parse_util.h"

namespace keelson::host {
namespace {

bool isOctal(char c) { return c >= '0' && c <= '7'; }

// Splits at single spaces, keeping empty fields, as the kernel's seq_printf output is parsed by
// libmount. A trailing '\r' (never from a kernel) is dropped.
std::vector<std::string_view> splitSpaces(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> fields;
  while (true) {
    const auto space = line.find(' ');
    fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  return fields;
}

std::optional<std::uint32_t> parseU32(std::string_view text) {
  const auto value = detail::parseU64(text);
  if (!value || *value > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(*value);
}

}  // namespace

std::string decodeMountEscapes(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    if (c == '\\' && i + 3 < field.size() && isOctal(field[i + 1]) && isOctal(field[i + 2]) &&
        isOctal(field[i + 3])) {
      const int value = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
      if (value <= 0377) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

bool hasMountOption(std::string_view options, std::string_view option) noexcept {
  while (true) {
    const auto comma = options.find(',');
    if (options.substr(0, comma) == option) return true;
    if (comma == std::string_view::npos) return false;
    options.remove_prefix(comma + 1);
  }
}

std::vector<MountInfo> parseMountinfo(std::string_view text) {
  std::vector<MountInfo> mounts;
  detail::forEachLine(text, [&](std::string_view line) {
    const auto fields = splitSpaces(line);
    if (fields.size() < 8) return;  // 6 fixed fields, "-", type (source and options follow).
    std::size_t separator = 6;
    while (separator < fields.size() && fields[separator] != "-") ++separator;
    if (separator + 1 >= fields.size()) return;  // No separator, or nothing after it.

    MountInfo mount;
    const auto mount_id = detail::parseU64(fields[0]);
    const auto parent_id = detail::parseU64(fields[1]);
    const auto colon = fields[2].find(':');
    if (!mount_id || !parent_id || colon == std::string_view::npos) return;
    const auto major = parseU32(fields[2].substr(0, colon));
    const auto minor = parseU32(fields[2].substr(colon + 1));
    if (!major || !minor) return;
    mount.mount_id = *mount_id;
    mount.parent_id = *parent_id;
    mount.major = *major;
    mount.minor = *minor;
    mount.root = decodeMountEscapes(fields[3]);
    mount.mount_point = decodeMountEscapes(fields[4]);
    mount.mount_options = std::string(fields[5]);
    for (std::size_t i = 6; i < separator; ++i) {
      if (!fields[i].empty()) mount.optional_fields.emplace_back(fields[i]);
    }
    mount.fs_type = decodeMountEscapes(fields[separator + 1]);
    if (mount.fs_type.empty() || mount.mount_point.empty()) return;
    if (separator + 2 < fields.size()) mount.source = decodeMountEscapes(fields[separator + 2]);
    if (separator + 3 < fields.size()) mount.super_options = std::string(fields[separator + 3]);
    mounts.push_back(std::move(mount));
  });
  return mounts;
}

}  // namespace keelson::host
