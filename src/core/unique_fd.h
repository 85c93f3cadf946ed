#pragma once

// An owned file descriptor: a file, a directory, or a socket, closed when its owner goes.

#include <unistd.h>

#include <utility>

namespace keelson::core {

/// Owns one file descriptor (negative: none) and closes it on destruction; close(2)'s result is
/// not checked (a descriptor only read from has nothing to flush). Not copyable. Not
/// thread-safe.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// The descriptor (negative when none).
  int get() const noexcept { return fd_; }
  /// Gives the descriptor up without closing it; this owner then holds none.
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace keelson::core
