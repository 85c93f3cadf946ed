#pragma once
// Replacing a file so that a reader sees either the old content or the new one, never half of
// either: write a temporary file beside it, fsync it, rename it over the target. The monitor's
// insights file and remediation's history file are written this way.

#include <filesystem>
#include <string_view>

namespace keelson::core {

/// Replaces `path` with `content` atomically: writes `<path>.tmp` (mode 0644, before the umask),
/// fsyncs it and renames it over `path`. The directory must exist. Throws Error(kUnavailable)
/// naming `what` ("insights file"), the path and the system's reason when a step fails; the
/// target is then unchanged (a stale `<path>.tmp` may remain). Not safe for two writers of the
/// same path at once (they share the temporary name); thread-safe otherwise.
void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         std::string_view what);

}  // namespace keelson::core
