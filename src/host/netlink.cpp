#include "host/netlink.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "core/unique_fd.h"

namespace keelson::host {

bool netlinkDump(int protocol, const void* request, std::size_t size,
                 const std::function<NetlinkDumpStatus(std::string_view)>& consume) {
  core::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
  if (fd.get() < 0) return false;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = 0;
  do {
    sent =
        ::sendto(fd.get(), request, size, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent != static_cast<ssize_t>(size)) return false;

  // Aligned for nlmsghdr; the kernel fills up to about this much per recv (32 KiB holds some
  // 400 bare sock_diag messages: a busy node's tens of thousands of sockets take a hundred
  // calls, each resuming where the last stopped). A message that does not fit arrives cut,
  // which the walk reports as an error.
  alignas(nlmsghdr) std::array<char, 32768> buffer;
  while (true) {
    const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return false;  // Closed before NLMSG_DONE.
    switch (consume(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) {
      case NetlinkDumpStatus::kDone:
        return true;
      case NetlinkDumpStatus::kError:
        return false;
      case NetlinkDumpStatus::kMore:
        break;
    }
  }
}

}  // namespace keelson::host
