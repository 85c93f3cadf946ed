#include "host/link_dump.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace keelson::host {
namespace {

// Walks the attributes (struct rtattr / nlattr: length, type, payload, padded to 4 bytes) of
// `bytes`, passing each one's type (flag bits NLA_F_NESTED and NLA_F_NET_BYTEORDER cleared)
// and payload to `on_attribute`. False when an attribute's length does not fit.
template <typename OnAttribute>
bool forEachAttribute(std::string_view bytes, OnAttribute&& on_attribute) {
  while (bytes.size() >= sizeof(rtattr)) {
    rtattr attribute{};
    std::memcpy(&attribute, bytes.data(), sizeof(attribute));
    if (attribute.rta_len < sizeof(attribute) || attribute.rta_len > bytes.size()) return false;
    on_attribute(static_cast<std::uint16_t>(attribute.rta_type & NLA_TYPE_MASK),
                 bytes.substr(RTA_LENGTH(0), attribute.rta_len - RTA_LENGTH(0)));
    bytes.remove_prefix(std::min<std::size_t>(RTA_ALIGN(attribute.rta_len), bytes.size()));
  }
  return true;
}

// A NUL-terminated string attribute, without its NUL.
std::string stringOf(std::string_view payload) {
  return std::string(payload.substr(0, payload.find('\0')));
}

template <typename T>
std::optional<T> valueOf(std::string_view payload) {
  if (payload.size() < sizeof(T)) return std::nullopt;
  T value{};
  std::memcpy(&value, payload.data(), sizeof(T));
  return value;
}

// IFLA_LINKINFO: the kind, and the tun type of a tun device. False when malformed.
bool readLinkInfo(std::string_view payload, LinkMessage& link) {
  std::string_view data;
  const bool ok = forEachAttribute(payload, [&](std::uint16_t type, std::string_view value) {
    if (type == IFLA_INFO_KIND) link.kind = stringOf(value);
    if (type == IFLA_INFO_DATA) data = value;
  });
  if (!ok) return false;
  if (link.kind != "tun") return true;
  return forEachAttribute(data, [&](std::uint16_t type, std::string_view value) {
    if (type == IFLA_TUN_TYPE) link.tun_type = valueOf<std::uint8_t>(value);
  });
}

// One RTM_NEWLINK message's payload. False when malformed.
bool readLink(std::string_view payload, LinkMessage& link) {
  if (payload.size() < NLMSG_ALIGN(sizeof(ifinfomsg))) return false;
  ifinfomsg info{};
  std::memcpy(&info, payload.data(), sizeof(info));
  link.flags = info.ifi_flags;
  link.type = info.ifi_type;
  std::string_view linkinfo;
  const auto read = [&](std::uint16_t type, std::string_view value) {
    switch (type) {
      case IFLA_IFNAME:
        link.name = stringOf(value);
        break;
      case IFLA_OPERSTATE:
        link.operstate = valueOf<std::uint8_t>(value);
        break;
      case IFLA_CARRIER:
        if (const auto carrier = valueOf<std::uint8_t>(value)) link.carrier = *carrier != 0;
        break;
      case IFLA_MTU:
        link.mtu = valueOf<std::uint32_t>(value);
        break;
      case IFLA_ADDRESS:
        link.address = std::string(value);
        break;
      case IFLA_LINKINFO:
        linkinfo = value;
        break;
      default:
        break;
    }
  };
  const bool walked = forEachAttribute(payload.substr(NLMSG_ALIGN(sizeof(ifinfomsg))), read);
  return walked && readLinkInfo(linkinfo, link) && !link.name.empty();
}

}  // namespace

NetlinkDumpStatus parseLinkDump(std::string_view bytes, std::vector<LinkMessage>& links) {
  return forEachNetlinkMessage(bytes, [&](std::uint16_t type, std::string_view payload) {
    if (type != RTM_NEWLINK) return true;
    LinkMessage link;
    if (!readLink(payload, link)) return false;
    links.push_back(std::move(link));
    return true;
  });
}

std::optional<std::vector<LinkMessage>> dumpLinks() {
  struct Request {
    nlmsghdr header;
    ifinfomsg body;
    rtattr mask_attribute;
    std::uint32_t mask;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_UNSPEC;
  // Without the counters (IFLA_STATS, IFLA_STATS64): the network section reads them from
  // /proc/net/dev. Kernels that predate the bit ignore it.
  request.mask_attribute.rta_type = IFLA_EXT_MASK;
  request.mask_attribute.rta_len = RTA_LENGTH(sizeof(request.mask));
  request.mask = RTEXT_FILTER_SKIP_STATS;
  std::vector<LinkMessage> links;
  const bool ok = netlinkDump(NETLINK_ROUTE, &request, sizeof(request),
                              [&](std::string_view bytes) { return parseLinkDump(bytes, links); });
  if (!ok) return std::nullopt;
  return links;
}

std::string formatLinkAddress(std::string_view address) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string text;
  text.reserve(address.size() * 3);
  for (const char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (!text.empty()) text += ':';
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0xf];
  }
  return text;
}

}  // namespace keelson::host
