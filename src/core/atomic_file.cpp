#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.h"

namespace keelson::core {
namespace {

[[noreturn]] void failed(std::string_view what, const std::filesystem::path& path,
                         const char* step) {
  throw Error(ErrorCode::kUnavailable,
              std::string(what) + " " + path.string() + ": " + step + ": " + std::strerror(errno));
}

}  // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         std::string_view what) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) failed(what, tmp, "cannot create");
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      failed(what, tmp, "cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    failed(what, tmp, "cannot fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) failed(what, path, "cannot replace");
}

}  // namespace keelson::core
