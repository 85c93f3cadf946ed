#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::host {

/// One line of /proc/<pid>/mountinfo (see proc(5)):
/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
/// Path-like fields have their octal escapes (\040 space, \011 tab, \012 newline, \134 backslash)
/// decoded.
struct MountInfo {
  std::uint64_t mount_id = 0;   ///< (1) Unique mount ID.
  std::uint64_t parent_id = 0;  ///< (2) The parent mount's ID (itself for the namespace root).
  std::uint32_t major = 0;      ///< (3) st_dev major of files on this filesystem.
  std::uint32_t minor = 0;      ///< (3) st_dev minor.
  std::string root;             ///< (4) The directory of the filesystem mounted here ("/" if all).
  std::string mount_point;      ///< (5) Where it is mounted, relative to the process's root.
  std::string mount_options;    ///< (6) Per-mount options, e.g. "rw,relatime".
  std::vector<std::string> optional_fields;  ///< (7) Zero or more "tag[:value]", e.g. "shared:1".
  std::string fs_type;                       ///< (9) Filesystem type, e.g. "ext4", "fuse.sshfs".
  std::string source;         ///< (10) Mount source, e.g. "/dev/vda" (may be empty or "none").
  std::string super_options;  ///< (11) Per-superblock options, e.g. "rw,discard".
};

/// Parses /proc/<pid>/mountinfo. Pure. Fields are separated by single spaces as the kernel
/// prints them (so an empty source is kept as ""). A line is skipped when it has fewer than 6
/// fields before the "-" separator, no separator, no filesystem type, or a malformed ID or
/// major:minor. Lines of any length are fine. Never throws except std::bad_alloc.
std::vector<MountInfo> parseMountinfo(std::string_view text);

/// Decodes the kernel's octal escapes in a mountinfo/mounts field ("\040" -> ' '). A backslash
/// not followed by three octal digits (value <= 0377) is kept as is.
std::string decodeMountEscapes(std::string_view field);

/// True if `options` (a comma-separated option list such as "rw,relatime") contains `option`
/// as a whole item.
bool hasMountOption(std::string_view options, std::string_view option) noexcept;

}  // namespace keelson::host
