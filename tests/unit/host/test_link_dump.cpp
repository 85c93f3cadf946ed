// rtnetlink devices: the RTM_GETLINK dump parser on buffers built from the kernel's own
// structs, and the live interface list (one dump) checked against /sys/class/net (a file read
// per attribute), with tun and tap devices this test creates.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "host/connectivity.h"
#include "host/host_fs.h"
#include "host/link_dump.h"
#include "host/network_collector.h"

namespace keelson::host {
namespace {

// Appends one attribute of `type` with `payload`, padded to 4 bytes.
void appendAttribute(std::string& bytes, std::uint16_t type, std::string_view payload) {
  rtattr attribute{};
  attribute.rta_type = type;
  attribute.rta_len = static_cast<std::uint16_t>(RTA_LENGTH(payload.size()));
  bytes.append(reinterpret_cast<const char*>(&attribute), sizeof(attribute));
  bytes.append(payload);
  bytes.resize(bytes.size() + (RTA_ALIGN(attribute.rta_len) - attribute.rta_len));
}

template <typename T>
std::string bytesOf(T value) {
  return {reinterpret_cast<const char*>(&value), sizeof(value)};
}

// A string attribute's payload: the text and its NUL.
std::string withNul(std::string_view text) { return std::string(text) + '\0'; }

// One netlink message of `type` around `payload`.
std::string message(std::uint16_t type, const std::string& payload) {
  nlmsghdr header{};
  header.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(payload.size()));
  header.nlmsg_type = type;
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof(header));
  bytes += payload;
  bytes.resize(NLMSG_ALIGN(bytes.size()));
  return bytes;
}

// An RTM_NEWLINK payload: ifinfomsg, then `attributes`.
std::string link(std::uint32_t flags, std::uint16_t type, const std::string& attributes) {
  ifinfomsg info{};
  info.ifi_flags = flags;
  info.ifi_type = type;
  return bytesOf(info) + attributes;
}

TEST(LinkDumpTest, ReadsEveryFieldOfADevice) {
  std::string tun_data;
  appendAttribute(tun_data, IFLA_TUN_TYPE, bytesOf(std::uint8_t{IFF_TAP}));
  std::string linkinfo;
  appendAttribute(linkinfo, IFLA_INFO_KIND, withNul("tun"));
  appendAttribute(linkinfo, IFLA_INFO_DATA | NLA_F_NESTED, tun_data);
  std::string attributes;
  appendAttribute(attributes, IFLA_IFNAME, withNul("tap0"));
  appendAttribute(attributes, IFLA_MTU, bytesOf(std::uint32_t{1500}));
  appendAttribute(attributes, IFLA_OPERSTATE, bytesOf(std::uint8_t{6}));
  appendAttribute(attributes, IFLA_CARRIER, bytesOf(std::uint8_t{1}));
  appendAttribute(attributes, IFLA_ADDRESS, std::string("\x02\xfc\x00\x00\x00\x0a", 6));
  appendAttribute(attributes, IFLA_STATS64, std::string(8, '\0'));  // Skipped.
  appendAttribute(attributes, IFLA_LINKINFO | NLA_F_NESTED, linkinfo);
  std::string lo;
  appendAttribute(lo, IFLA_IFNAME, withNul("lo"));
  const std::string buffer = message(RTM_NEWLINK, link(IFF_UP | IFF_LOWER_UP, 1, attributes)) +
                             message(RTM_NEWLINK, link(IFF_UP | IFF_LOOPBACK, 772, lo)) +
                             message(NLMSG_DONE, std::string(4, '\0'));

  std::vector<LinkMessage> links;
  ASSERT_EQ(parseLinkDump(buffer, links), NetlinkDumpStatus::kDone);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].name, "tap0");
  EXPECT_EQ(links[0].flags, unsigned{IFF_UP | IFF_LOWER_UP});
  EXPECT_EQ(links[0].type, 1);
  EXPECT_EQ(links[0].mtu, 1500u);
  EXPECT_EQ(links[0].operstate, 6);
  EXPECT_EQ(links[0].carrier, true);
  EXPECT_EQ(formatLinkAddress(links[0].address), "02:fc:00:00:00:0a");
  EXPECT_EQ(links[0].kind, "tun");
  EXPECT_EQ(links[0].tun_type, IFF_TAP);
  EXPECT_EQ(links[1].name, "lo");
  EXPECT_EQ(links[1].type, 772);
  EXPECT_EQ(links[1].operstate, std::nullopt);
  EXPECT_EQ(links[1].mtu, std::nullopt);
  EXPECT_EQ(links[1].address, "");
  EXPECT_EQ(links[1].kind, "");
}

TEST(LinkDumpTest, MalformedMessagesStopTheDump) {
  std::vector<LinkMessage> links;
  // An attribute claiming more bytes than its message holds.
  std::string attributes;
  appendAttribute(attributes, IFLA_IFNAME, withNul("eth0"));
  rtattr bad{};
  bad.rta_type = IFLA_MTU;
  bad.rta_len = 200;
  attributes.append(reinterpret_cast<const char*>(&bad), sizeof(bad));
  EXPECT_EQ(parseLinkDump(message(RTM_NEWLINK, link(0, 1, attributes)), links),
            NetlinkDumpStatus::kError);
  // A payload shorter than struct ifinfomsg, and a device without a name.
  EXPECT_EQ(parseLinkDump(message(RTM_NEWLINK, std::string(6, '\0')), links),
            NetlinkDumpStatus::kError);
  EXPECT_EQ(parseLinkDump(message(RTM_NEWLINK, link(0, 1, "")), links), NetlinkDumpStatus::kError);
  EXPECT_EQ(parseLinkDump(message(NLMSG_ERROR, std::string(20, '\0')), links),
            NetlinkDumpStatus::kError);
  EXPECT_TRUE(links.empty());
  // Other message types are skipped; a buffer without NLMSG_DONE asks for more.
  EXPECT_EQ(parseLinkDump(message(NLMSG_NOOP, ""), links), NetlinkDumpStatus::kMore);
}

TEST(LinkDumpTest, FormatsAddressesAsSysfsDoes) {
  EXPECT_EQ(formatLinkAddress(""), "");
  EXPECT_EQ(formatLinkAddress(std::string("\xff\x00\x7f", 3)), "ff:00:7f");
}

// A tun or tap device that exists while this object lives (not persistent), optionally
// switched on; name() is "" when it could not be made (no /dev/net/tun, no CAP_NET_ADMIN).
class TunDevice {
 public:
  TunDevice(short kind, bool up) : fd_(::open("/dev/net/tun", O_RDWR | O_CLOEXEC)) {
    if (fd_ < 0) return;
    ifreq request{};
    request.ifr_flags = static_cast<short>(kind | IFF_NO_PI);
    std::strncpy(request.ifr_name, kind == IFF_TAP ? "kltap%d" : "kltun%d", IFNAMSIZ - 1);
    if (::ioctl(fd_, TUNSETIFF, &request) != 0) return;
    if (up) {
      const int control = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      request.ifr_flags = IFF_UP;
      const bool ok = control >= 0 && ::ioctl(control, SIOCSIFFLAGS, &request) == 0;
      if (control >= 0) ::close(control);
      if (!ok) return;
    }
    name_ = request.ifr_name;
  }
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;
  ~TunDevice() {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& name() const { return name_; }

 private:
  int fd_;
  std::string name_;
};

std::string describe(const NetworkInterface& i) {
  return i.name + " operstate=" + i.operstate + " admin_up=" + std::to_string(i.admin_up) +
         " carrier=" + (i.carrier ? std::to_string(*i.carrier) : "-") +
         " type=" + (i.type ? std::to_string(*i.type) : "-") +
         " mtu=" + (i.mtu ? std::to_string(*i.mtu) : "-") + " address=" + i.address +
         " loopback=" + std::to_string(i.loopback) + " up=" + std::to_string(i.up) +
         " vpn=" + i.vpn_kind;
}

std::string describe(const std::vector<NetworkInterface>& interfaces) {
  std::string text;
  for (const auto& i : interfaces) text += describe(i) + "\n";
  return text;
}

// The list from one rtnetlink dump equals the list from /sys/class/net, field by field, on this
// machine, including a tun device that is down (no readable carrier) and a tap device that is
// up (devices may come and go between the two reads, so a mismatch is read again).
TEST(LinkDumpLiveTest, InterfacesFromNetlinkMatchSysfs) {
  const HostFs fs("/");
  if (!readsOwnNetNamespace(fs)) {
    if (std::getenv("CI") != nullptr) FAIL() << "/proc/1/net is not this process's namespace";
    GTEST_SKIP() << "/proc/1/net is not this process's namespace here";
  }
  ASSERT_TRUE(dumpLinks().has_value()) << "rtnetlink did not answer";
  const TunDevice tun(IFF_TUN, false);
  const TunDevice tap(IFF_TAP, true);
  if (tun.name().empty() || tap.name().empty()) {
    std::cout << "[ NOTE     ] no tun/tap device could be made here: real devices only\n";
  }
  std::vector<NetworkInterface> netlink;
  std::vector<NetworkInterface> sysfs;
  for (int attempt = 0; attempt < 5; ++attempt) {
    netlink = readNetworkInterfaces(fs);
    sysfs = readNetworkInterfacesFromSysfs(fs);
    if (netlink == sysfs) break;
  }
  EXPECT_EQ(describe(netlink), describe(sysfs));
  EXPECT_FALSE(netlink.empty());
  const auto find = [&](const std::string& name) -> const NetworkInterface* {
    for (const auto& i : netlink) {
      if (i.name == name) return &i;
    }
    return nullptr;
  };
  ASSERT_NE(find("lo"), nullptr);
  EXPECT_TRUE(find("lo")->loopback);
  if (!tun.name().empty()) {
    ASSERT_NE(find(tun.name()), nullptr);
    EXPECT_EQ(find(tun.name())->vpn_kind, "tun");
    EXPECT_EQ(find(tun.name())->carrier, std::nullopt);  // Down: sysfs cannot read it either.
  }
  if (!tap.name().empty()) {
    ASSERT_NE(find(tap.name()), nullptr);
    EXPECT_EQ(find(tap.name())->vpn_kind, "tap");
    EXPECT_TRUE(find(tap.name())->admin_up);
  }
}

}  // namespace
}  // namespace keelson::host
