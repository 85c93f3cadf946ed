#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keelson::host {

class HostDir;
class HostFile;

/// Read-only access to the files of the host being reported, under a host root: "/" when the
/// agent runs on the node itself, "/host" when a pod mounts the node's "/" there. Every path
/// argument is a host path such as "/proc/meminfo"; it is resolved as `<root>/proc/meminfo`.
/// Paths are not sandboxed ("..", and symlinks that point outside the root, are followed): the
/// root selects a view, it is not a security boundary.
///
/// Immutable after construction, so thread-safe.
class HostFs {
 public:
  /// The default bound on one file read by readFile (bytes): 4 MiB. Ample for every /proc, /sys
  /// and /etc file the collectors read (/proc/cpuinfo of a 1024-CPU x86 host is about 1.5 MB,
  /// /proc/stat and /proc/diskstats far less), small enough that a hostile or broken host root
  /// (a huge file planted at /host/proc/meminfo) costs little memory.
  static constexpr std::size_t kDefaultMaxFileBytes = std::size_t{4} << 20;

  /// The bound for the host files that grow with the host's load (bytes): 64 MiB, for the
  /// socket tables /proc/net/{tcp,tcp6,udp,udp6} (about 150 bytes a socket: some 440,000
  /// sockets) and mountinfo (about 200 bytes a mount: over 300,000 mounts).
  static constexpr std::size_t kLargeTableMaxBytes = std::size_t{64} << 20;

  /// Uses `root` as is, without checking it (tests root this at fixture trees). Trailing
  /// slashes are removed; "" and "/" both mean the real root. Prefer open() for user input.
  explicit HostFs(std::string root);

  /// Validates and opens a host root given by the user (--host-root). The path is made
  /// absolute. Throws Error(kBadInput) with a clear message if `root` is not a directory, or if
  /// `<root>/proc/stat` cannot be read or is not the kernel's (no "cpu" line), e.g.
  /// "host root /x: /x/proc/stat not found; expected the host's / mounted there (with /proc)".
  static HostFs open(const std::string& root);

  /// The root as given (normalised: no trailing slash, "/" for the real root).
  const std::string& root() const noexcept { return root_; }

  /// The local path of host path `host_path`: `<root><host_path>` ("/proc/x" -> "/host/proc/x").
  /// A host path without a leading '/' gets one.
  std::string path(std::string_view host_path) const;

  /// Reads a whole regular file. The file is opened O_RDONLY|O_NONBLOCK|O_CLOEXEC and checked
  /// with fstat, so that a FIFO, a device (a symlink to /dev/zero), a socket or a directory
  /// fails at once instead of blocking or never ending. Files in /proc and /sys report size 0,
  /// so this reads until EOF, holding at most max_bytes + 1 bytes. Throws Error(kNotFound) if
  /// it does not exist (ENOENT, ENOTDIR, or ESRCH for a process that exited); Error(kUnavailable)
  /// for other failures (EACCES, EIO, ...), for a file that is not regular ("host file
  /// /host/proc/meminfo: not a regular file (FIFO); ...") and for one longer than `max_bytes`
  /// ("...: longer than 4194304 bytes, the limit for one host file"). Messages name the full
  /// local path.
  std::string readFile(std::string_view host_path,
                       std::size_t max_bytes = kDefaultMaxFileBytes) const;

  /// As readFile, but returns nullopt where readFile would throw Error(kNotFound).
  std::optional<std::string> readFileIfExists(std::string_view host_path,
                                              std::size_t max_bytes = kDefaultMaxFileBytes) const;

  /// The first `max_bytes` bytes of a regular file (all of it if shorter), without error for
  /// longer files; nullopt where readFile would throw Error(kNotFound). Throws
  /// Error(kUnavailable) as readFile does otherwise (a FIFO or device included).
  std::optional<std::string> readFileHead(std::string_view host_path, std::size_t max_bytes) const;

  /// The entry names of a directory, without "." and "..", in the order the kernel returns
  /// them. Throws Error(kNotFound) / Error(kUnavailable) as readFile does.
  std::vector<std::string> listDir(std::string_view host_path) const;

  /// Opens a host directory for reading many files in it (the process table reads
  /// /proc/<pid>/stat for every pid): each read resolves its path relative to the open
  /// directory, and the caller's buffer is reused. Throws Error(kNotFound) / Error(kUnavailable)
  /// as listDir does.
  HostDir openDir(std::string_view host_path) const;

  /// True if the host path exists (following symlinks). Never throws.
  bool exists(std::string_view host_path) const noexcept;

  /// The target of a symbolic link, e.g. "uts:[4026531838]" for "/proc/1/ns/uts"; nullopt if
  /// it is not a readable link. Never throws except std::bad_alloc.
  std::optional<std::string> readLink(std::string_view host_path) const;

 private:
  std::string root_;    // For display: "/" or "/host".
  std::string prefix_;  // Prepended to host paths: "" or "/host".
};

/// An open directory of the host (HostFs::openDir): reads files relative to it with
/// openat(2), into a buffer the caller keeps, so that reading a file per process costs no path
/// building and no allocation once the buffer has grown. The same checks and errors as
/// HostFs::readFile. Owns the directory's file descriptor (closed on destruction); movable, not
/// copyable. Not thread-safe (the descriptor's read position is shared by list()).
class HostDir {
 public:
  HostDir(const HostDir&) = delete;
  HostDir& operator=(const HostDir&) = delete;
  /// Takes over `other`'s descriptor; `other` is left closed.
  HostDir(HostDir&& other) noexcept;
  /// Closes this descriptor and takes over `other`'s.
  HostDir& operator=(HostDir&& other) noexcept;
  ~HostDir();

  /// The local path of the directory ("/host/proc"), as messages name it.
  const std::string& localPath() const noexcept { return local_path_; }

  /// The entry names, without "." and "..", in the order the kernel returns them (read afresh
  /// on each call). Throws Error(kNotFound) / Error(kUnavailable) as HostFs::listDir does.
  std::vector<std::string> list() const;

  /// Opens the regular file at `relative` ("1234/stat") to be read again and again (HostFile).
  /// nullopt where HostFs::readFile would throw Error(kNotFound); throws Error(kUnavailable) as
  /// readFile does for a file that is not regular or cannot be opened.
  std::optional<HostFile> openFile(std::string_view relative) const;

  /// Reads the regular file at `relative` ("1234/stat", no leading '/') into `out`, replacing
  /// its contents and keeping its capacity. Returns false where HostFs::readFile would throw
  /// Error(kNotFound) (the process exited); throws Error(kUnavailable) as readFile does (not a
  /// regular file, longer than `max_bytes`, EACCES, EIO). With `truncate`, a longer file yields
  /// its first `max_bytes` bytes instead (as HostFs::readFileHead).
  bool readFileInto(std::string_view relative, std::size_t max_bytes, std::string& out,
                    bool truncate = false) const;

 private:
  friend class HostFs;
  HostDir(int fd, std::string local_path) noexcept : fd_(fd), local_path_(std::move(local_path)) {}

  int fd_ = -1;             // O_RDONLY|O_DIRECTORY descriptor; -1 once moved from.
  std::string local_path_;  // For messages: "<root><host_path>".
};

/// A regular host file kept open (HostDir::openFile) and read from its start each time: a
/// /proc file is regenerated on each read, so the process table can read /proc/<pid>/stat
/// without opening, checking and closing it every sample. A /proc/<pid> file of a process that
/// has exited reads as gone (ESRCH) even if its PID is reused: the descriptor belongs to the
/// process, not to the number. Owns the descriptor; movable, not copyable. Not thread-safe.
class HostFile {
 public:
  HostFile(const HostFile&) = delete;
  HostFile& operator=(const HostFile&) = delete;
  /// Takes over `other`'s descriptor; `other` is left closed.
  HostFile(HostFile&& other) noexcept;
  /// Closes this descriptor and takes over `other`'s.
  HostFile& operator=(HostFile&& other) noexcept;
  ~HostFile();

  /// Reads the whole file from offset 0 into `out` (replacing its contents, keeping its
  /// capacity). Returns false when the file is gone (ENOENT, ESRCH: the process exited);
  /// throws Error(kUnavailable) as HostFs::readFile does (longer than `max_bytes`, EIO, ...).
  bool readInto(std::size_t max_bytes, std::string& out) const;

 private:
  friend class HostDir;
  HostFile(int fd, std::string local_path) noexcept : fd_(fd), local_path_(std::move(local_path)) {}

  int fd_ = -1;             // O_RDONLY descriptor; -1 once moved from.
  std::string local_path_;  // For messages.
};

}  // namespace keelson::host
