#pragma once

// The plumbing shared by keelson's netlink readers (sock_diag.h: socket counts; link_dump.h:
// network devices): one dump request on a new netlink socket, and the walk over the netlink
// messages (struct nlmsghdr, netlink(7)) of each buffer the kernel answers with.

#include <linux/netlink.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

namespace keelson::host {

/// What one buffer of a netlink dump held.
enum class NetlinkDumpStatus : std::uint8_t {
  kMore,   ///< Messages of the dump only: it continues in the next buffer.
  kDone,   ///< NLMSG_DONE seen: the dump is complete.
  kError,  ///< NLMSG_ERROR, or a message that does not fit the buffer or its header: give up.
};

/// Walks the netlink messages of one dump buffer `bytes` (as recv(2) gave it, in the host's
/// byte order) in order: stops at NLMSG_DONE (kDone) or NLMSG_ERROR (kError); passes every other
/// message to `on_message(type, payload)` (payload: the bytes after the nlmsghdr, up to
/// nlmsg_len), which returns false for a payload it cannot read (kError). kMore when the buffer
/// ends without either. A header that is cut or claims more bytes than the buffer holds is
/// kError. Never throws unless `on_message` does; no allocation of its own.
template <typename OnMessage>
NetlinkDumpStatus forEachNetlinkMessage(std::string_view bytes, OnMessage&& on_message) {
  while (!bytes.empty()) {
    nlmsghdr header{};
    if (bytes.size() < sizeof(header)) return NetlinkDumpStatus::kError;
    std::memcpy(&header, bytes.data(), sizeof(header));
    if (header.nlmsg_len < sizeof(header) || header.nlmsg_len > bytes.size()) {
      return NetlinkDumpStatus::kError;
    }
    if (header.nlmsg_type == NLMSG_DONE) return NetlinkDumpStatus::kDone;
    if (header.nlmsg_type == NLMSG_ERROR) return NetlinkDumpStatus::kError;
    const auto payload = bytes.substr(NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
    if (!on_message(header.nlmsg_type, payload)) return NetlinkDumpStatus::kError;
    // The last message may lack its padding.
    bytes.remove_prefix(std::min<std::size_t>(NLMSG_ALIGN(header.nlmsg_len), bytes.size()));
  }
  return NetlinkDumpStatus::kMore;
}

/// Sends `request` (`size` bytes starting with its nlmsghdr, NLM_F_REQUEST | NLM_F_DUMP set)
/// to the kernel on a new netlink socket of `protocol` (NETLINK_SOCK_DIAG, NETLINK_ROUTE) and
/// hands each buffer of the answer to `consume` until it returns kDone (true). False when the
/// socket cannot be made or the request sent, a recv fails, the kernel closes the socket
/// early, or `consume` returns kError. Each buffer holds up to 32 KiB (the kernel resumes the
/// dump where the last buffer stopped). Never throws unless `consume` does. Thread-safe (one
/// socket per call).
bool netlinkDump(int protocol, const void* request, std::size_t size,
                 const std::function<NetlinkDumpStatus(std::string_view)>& consume);

}  // namespace keelson::host
