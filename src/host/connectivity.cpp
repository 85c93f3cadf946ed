#include "host/connectivity.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "core/duration.h"
#include "core/error.h"
#include "core/unique_fd.h"
#include "host/link_dump.h"
#include "host/network_collector.h"

namespace keelson::host {
namespace {

using Steady = std::chrono::steady_clock;

constexpr std::uint32_t kIffUp = 0x1;        // IFF_UP
constexpr std::uint32_t kIffLoopback = 0x8;  // IFF_LOOPBACK
constexpr std::uint32_t kArphrdLoopback = 772;
constexpr std::uint32_t kArphrdPpp = 512;
constexpr std::uint32_t kTunFlagTap = 0x2;  // IFF_TAP in tun_flags

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

// A small sysfs attribute, trimmed; nullopt when absent or unreadable (carrier of a device
// that is down reads as EINVAL).
std::optional<std::string> attribute(const HostFs& fs, const std::string& path) {
  try {
    if (auto text = fs.readFileHead(path, 4096)) return std::string(trim(*text));
  } catch (const Error&) {
  }
  return std::nullopt;
}

// "0x1003" or "1500": an unsigned number with base prefix.
std::optional<std::uint32_t> number(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  std::string_view digits = *text;
  int base = 10;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    digits.remove_prefix(2);
    base = 16;
  }
  std::uint32_t value = 0;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string timedOut(std::chrono::milliseconds timeout) {
  return "timed out after " + core::formatDuration(timeout);
}

double secondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// One resolved address: what connect() takes, and its text.
struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;
};

std::string addressText(const sockaddr* address) {
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  const void* raw =
      address->sa_family == AF_INET6
          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr)
          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
  if (::inet_ntop(address->sa_family, raw, buffer.data(), buffer.size()) == nullptr) return "";
  return buffer.data();
}

// What the lookup thread hands back; shared so that a lookup abandoned at the timeout can
// still finish writing it.
struct LookupState {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::string error;
  std::vector<Address> addresses;
};

// getaddrinfo with a deadline; `numeric` skips DNS (AI_NUMERICHOST) for IP literals.
std::vector<Address> resolve(const std::string& host, std::uint16_t port, bool numeric,
                             std::chrono::milliseconds timeout, std::string& error) {
  auto state = std::make_shared<LookupState>();
  std::thread([state, host, port, numeric] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = numeric ? AI_NUMERICHOST : 0;
    addrinfo* result = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
    std::vector<Address> addresses;
    std::string message;
    if (rc != 0) {
      message = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
    } else {
      for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        Address address;
        std::memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
        address.length = ai->ai_addrlen;
        address.text = addressText(ai->ai_addr);
        addresses.push_back(std::move(address));
      }
      ::freeaddrinfo(result);
    }
    const std::lock_guard lock(state->mutex);
    state->addresses = std::move(addresses);
    state->error = std::move(message);
    state->done = true;
    state->done_cv.notify_all();
  }).detach();
  std::unique_lock lock(state->mutex);
  if (!state->done_cv.wait_for(lock, timeout, [&] { return state->done; })) {
    error = timedOut(timeout);
    return {};
  }
  error = state->error;
  return std::move(state->addresses);
}

// One non-blocking connect, waiting until `deadline`; "" on success, else the reason.
std::string connectOnce(const Address& address, Steady::time_point deadline,
                        std::chrono::milliseconds timeout) {
  const core::UniqueFd socket(
      ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) return std::strerror(errno);
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address.storage),
                address.length) == 0) {
    return "";
  }
  if (errno != EINPROGRESS) return std::strerror(errno);
  while (true) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Steady::now()).count();
    if (left <= 0) return timedOut(timeout);
    pollfd poll_fd{socket.get(), POLLOUT, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    if (ready == 0) return timedOut(timeout);
    int so_error = 0;
    socklen_t length = sizeof so_error;
    if (::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) {
      return std::strerror(errno);
    }
    return so_error == 0 ? std::string() : std::string(std::strerror(so_error));
  }
}

// The VPN kind of a device: a tun device ("tap" when its tun flags have IFF_TAP, else "tun"),
// a WireGuard device, a PPP link (ARPHRD_PPP); "" for other devices.
std::string vpnKindOf(std::optional<std::uint32_t> tun_flags, bool wireguard,
                      std::optional<std::uint32_t> type) {
  if (tun_flags) return (*tun_flags & kTunFlagTap) != 0 ? "tap" : "tun";
  if (wireguard) return "wireguard";
  if (type == kArphrdPpp) return "ppp";
  return "";
}

// vpnKindOf from sysfs: tun devices have tun_flags; WireGuard's uevent names its DEVTYPE.
std::string vpnKind(const HostFs& fs, const std::string& dir, std::optional<std::uint32_t> type) {
  if (const auto tun_flags = attribute(fs, dir + "/tun_flags")) {
    return vpnKindOf(number(tun_flags).value_or(0), false, type);
  }
  const auto uevent = attribute(fs, dir + "/uevent");
  return vpnKindOf(std::nullopt, uevent && uevent->find("DEVTYPE=wireguard") != std::string::npos,
                   type);
}

// Fills the fields derived from the device's flags (IFF_*; nullopt when unreadable) and the
// ones read: admin_up, loopback, up.
NetworkInterface complete(NetworkInterface interface, std::optional<std::uint32_t> flags) {
  interface.admin_up = flags && (*flags & kIffUp) != 0;
  interface.loopback = (flags && (*flags & kIffLoopback) != 0) || interface.type == kArphrdLoopback;
  interface.up =
      interface.admin_up && (interface.operstate == "up" ||
                             (interface.operstate == "unknown" && interface.carrier != false));
  return interface;
}

// The interface an RTM_NEWLINK message describes, with the texts and gaps sysfs has: operstate
// as its name, carrier unreadable (nullopt) while the device is down, the address in hex.
NetworkInterface interfaceOf(const LinkMessage& link) {
  // IF_OPER_UNKNOWN .. IF_OPER_UP (include/uapi/linux/if.h), as sysfs names them.
  static constexpr std::array<std::string_view, 7> kOperstates = {
      "unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"};
  NetworkInterface interface;
  interface.name = link.name;
  if (link.operstate && *link.operstate < kOperstates.size()) {
    interface.operstate = kOperstates[*link.operstate];
  }
  if ((link.flags & kIffUp) != 0) interface.carrier = link.carrier;
  interface.type = link.type;
  interface.mtu = link.mtu;
  interface.address = formatLinkAddress(link.address);
  interface.vpn_kind = vpnKindOf(
      link.kind == "tun" ? std::optional<std::uint32_t>(link.tun_type.value_or(0)) : std::nullopt,
      link.kind == "wireguard", interface.type);
  return complete(std::move(interface), link.flags);
}

std::string routeText(const DefaultRoute& route) {
  return (route.gateway ? "via " + *route.gateway + " " : std::string()) + "dev " + route.interface;
}

}  // namespace

std::string ProbeTarget::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ProbeTarget parseProbeTarget(std::string_view text) {
  const auto bad = [&] {
    return Error(ErrorCode::kBadInput,
                 "\"" + std::string(text) +
                     "\": expected HOST:PORT or [IPV6]:PORT with a port from 1 to 65535");
  };
  ProbeTarget target;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw bad();
    }
    target.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    in6_addr address{};
    if (::inet_pton(AF_INET6, target.host.c_str(), &address) != 1) throw bad();
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw bad();
    target.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (target.host.find(':') != std::string::npos) throw bad();
  }
  if (target.host.empty() || target.host.find_first_of(" \t/") != std::string::npos) throw bad();
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    throw bad();
  }
  target.port = static_cast<std::uint16_t>(value);
  return target;
}

std::optional<ProbeTarget> apiServerTarget(std::string_view server_url) {
  std::uint16_t default_port = 0;
  if (server_url.starts_with("https://")) {
    default_port = 443;
    server_url.remove_prefix(8);
  } else if (server_url.starts_with("http://")) {
    default_port = 80;
    server_url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto authority = server_url.substr(0, server_url.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  const bool bracketed = authority.starts_with('[');
  const auto host_end = bracketed ? authority.find(']') : authority.rfind(':');
  if (bracketed && host_end == std::string_view::npos) return std::nullopt;
  const bool has_port = bracketed ? host_end + 1 < authority.size() : host_end != authority.npos;
  try {
    if (has_port) return parseProbeTarget(authority);
    return parseProbeTarget(std::string(authority) + ":" + std::to_string(default_port));
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool isIpLiteral(std::string_view host) noexcept {
  std::array<char, 64> buffer{};
  if (host.size() >= buffer.size()) return false;
  std::copy(host.begin(), host.end(), buffer.begin());
  in6_addr v6{};
  in_addr v4{};
  return ::inet_pton(AF_INET, buffer.data(), &v4) == 1 ||
         ::inet_pton(AF_INET6, buffer.data(), &v6) == 1;
}

std::vector<NetworkInterface> readNetworkInterfacesFromSysfs(const HostFs& fs) {
  auto names = fs.listDir("/sys/class/net");
  std::sort(names.begin(), names.end());
  std::vector<NetworkInterface> interfaces;
  for (const auto& name : names) {
    const std::string dir = "/sys/class/net/" + name;
    // Entries that are not devices (bonding_masters) have no operstate or flags.
    const auto flags = number(attribute(fs, dir + "/flags"));
    const auto operstate = attribute(fs, dir + "/operstate");
    if (!flags && !operstate) continue;
    NetworkInterface interface;
    interface.name = name;
    interface.operstate = operstate.value_or("");
    if (const auto carrier = attribute(fs, dir + "/carrier"); carrier == "0" || carrier == "1") {
      interface.carrier = *carrier == "1";
    }
    interface.type = number(attribute(fs, dir + "/type"));
    interface.mtu = number(attribute(fs, dir + "/mtu"));
    interface.address = attribute(fs, dir + "/address").value_or("");
    interface.vpn_kind = vpnKind(fs, dir, interface.type);
    interfaces.push_back(complete(std::move(interface), flags));
  }
  return interfaces;
}

std::vector<NetworkInterface> readNetworkInterfaces(const HostFs& fs) {
  if (!readsOwnNetNamespace(fs)) return readNetworkInterfacesFromSysfs(fs);
  const auto links = dumpLinks();
  if (!links) return readNetworkInterfacesFromSysfs(fs);
  std::vector<NetworkInterface> interfaces;
  interfaces.reserve(links->size());
  for (const auto& link : *links) interfaces.push_back(interfaceOf(link));
  std::sort(interfaces.begin(), interfaces.end(),
            [](const NetworkInterface& a, const NetworkInterface& b) { return a.name < b.name; });
  return interfaces;
}

std::vector<DefaultRoute> readDefaultRoutes(const HostFs& fs) {
  const std::string dir = fs.exists("/proc/1/net/route") ? "/proc/1/net/" : "/proc/net/";
  auto routes = parseProcNetRoute(fs.readFile(dir + "route"));
  if (const auto ipv6 = fs.readFileIfExists(dir + "ipv6_route", HostFs::kLargeTableMaxBytes)) {
    auto more = parseProcIpv6Route(*ipv6);
    routes.insert(routes.end(), std::make_move_iterator(more.begin()),
                  std::make_move_iterator(more.end()));
  }
  std::vector<DefaultRoute> defaults;
  for (auto& route : routes) {
    if (!route.isDefault()) continue;
    defaults.push_back(
        {route.ipv6, std::move(route.interface), std::move(route.gateway), route.metric});
  }
  std::stable_sort(defaults.begin(), defaults.end(),
                   [](const DefaultRoute& a, const DefaultRoute& b) {
                     return std::pair(a.ipv6, a.metric) < std::pair(b.ipv6, b.metric);
                   });
  return defaults;
}

namespace {

// The addresses' texts, each once (getaddrinfo answers once per socket type), in order.
std::vector<std::string> addressTexts(const std::vector<Address>& addresses) {
  std::vector<std::string> texts;
  std::set<std::string> seen;
  for (const auto& address : addresses) {
    if (seen.insert(address.text).second) texts.push_back(address.text);
  }
  return texts;
}

}  // namespace

DnsLookup lookUpName(const std::string& name, std::chrono::milliseconds timeout) {
  DnsLookup lookup;
  lookup.name = name;
  const auto start = Steady::now();
  const auto addresses = resolve(name, 0, false, timeout, lookup.error);
  lookup.duration_seconds = secondsSince(start);
  lookup.addresses = addressTexts(addresses);
  if (lookup.error.empty() && lookup.addresses.empty()) lookup.error = "no addresses";
  return lookup;
}

TargetProbe probeTcp(const ProbeTarget& target, std::string role, std::chrono::milliseconds timeout,
                     DnsLookup* lookup) {
  TargetProbe probe;
  probe.target = target;
  probe.role = std::move(role);
  const bool literal = isIpLiteral(target.host);
  std::string error;
  const auto lookup_start = Steady::now();
  const auto addresses = resolve(target.host, target.port, literal, timeout, error);
  if (!literal && lookup != nullptr) {
    lookup->name = target.host;
    lookup->duration_seconds = secondsSince(lookup_start);
    lookup->error = error;
    lookup->addresses = addressTexts(addresses);
  }
  if (!error.empty()) {
    probe.error = (literal ? "" : "DNS lookup of " + target.host + " failed: ") + error;
    return probe;
  }
  if (addresses.empty()) {
    probe.error = "DNS lookup of " + target.host + " returned no addresses";
    return probe;
  }
  const auto start = Steady::now();
  const auto deadline = start + timeout;
  for (const auto& address : addresses) {
    const auto attempt = Steady::now();
    probe.address = address.text;
    probe.error = connectOnce(address, deadline, timeout);
    if (probe.error.empty()) {
      probe.reachable = true;
      probe.latency_seconds = secondsSince(attempt);
      return probe;
    }
    if (Steady::now() >= deadline) break;
  }
  return probe;
}

void assessConnectivity(Connectivity& connectivity) {
  auto& problems = connectivity.problems;
  problems.clear();
  bool failed = false;
  const auto& interfaces = connectivity.interfaces;
  if (std::none_of(interfaces.begin(), interfaces.end(),
                   [](const NetworkInterface& i) { return i.up && !i.loopback; })) {
    problems.emplace_back("no network interface is up (loopback aside)");
    failed = true;
  }
  if (connectivity.default_routes.empty()) problems.emplace_back("no default route");
  for (const auto& route : connectivity.default_routes) {
    const auto it =
        std::find_if(interfaces.begin(), interfaces.end(),
                     [&](const NetworkInterface& i) { return i.name == route.interface; });
    if (it != interfaces.end() && !it->up) {
      problems.push_back("default route " + routeText(route) + ": interface " + route.interface +
                         " is not up");
    }
  }
  for (const auto& lookup : connectivity.dns) {
    if (!lookup.error.empty()) {
      problems.push_back("DNS lookup of " + lookup.name + " failed: " + lookup.error);
    }
  }
  if (!connectivity.api_server_error.empty()) {
    problems.push_back("API server not probed: " + connectivity.api_server_error);
  }
  for (const auto& probe : connectivity.targets) {
    if (probe.reachable) continue;
    const bool api = probe.role == "api_server";
    problems.push_back((api ? "API server " : "target ") + probe.target.text() +
                       " unreachable: " + probe.error);
    failed = failed || api;
  }
  connectivity.status = failed ? "failed" : problems.empty() ? "ok" : "degraded";
}

Connectivity collectConnectivity(const HostFs& fs, const ConnectivityOptions& options) {
  Connectivity connectivity;
  connectivity.api_server_error = options.api_server_error;
  // The probes wait on the network: start them first, read the files meanwhile.
  std::vector<std::pair<ProbeTarget, std::string>> wanted;
  if (options.api_server) wanted.emplace_back(*options.api_server, "api_server");
  for (const auto& target : options.targets) wanted.emplace_back(target, "probe_target");
  struct Outcome {
    TargetProbe probe;
    DnsLookup lookup;
  };
  std::vector<std::future<Outcome>> running;
  running.reserve(wanted.size());
  for (const auto& [target, role] : wanted) {
    running.push_back(std::async(std::launch::async, [&target = target, &role = role, &options] {
      Outcome outcome;
      outcome.probe = probeTcp(target, role, options.timeout, &outcome.lookup);
      return outcome;
    }));
  }
  connectivity.interfaces = readNetworkInterfaces(fs);
  connectivity.default_routes = readDefaultRoutes(fs);
  try {
    if (const auto text = fs.readFileIfExists("/etc/resolv.conf", 1 << 20)) {
      auto conf = parseResolvConf(*text);
      connectivity.nameservers = std::move(conf.nameservers);
      connectivity.search = std::move(conf.search);
    } else {
      connectivity.resolv_conf_error = fs.path("/etc/resolv.conf") + ": not found";
    }
  } catch (const Error& error) {
    connectivity.resolv_conf_error = error.what();
  }
  for (const auto& interface : connectivity.interfaces) {
    if (!interface.vpn_kind.empty()) {
      connectivity.vpn.push_back({interface.name, interface.vpn_kind, interface.up});
    }
  }
  std::set<std::string> looked_up;
  for (auto& future : running) {
    Outcome outcome = future.get();
    if (!outcome.lookup.name.empty() && looked_up.insert(outcome.lookup.name).second) {
      connectivity.dns.push_back(std::move(outcome.lookup));
    }
    connectivity.targets.push_back(std::move(outcome.probe));
  }
  assessConnectivity(connectivity);
  return connectivity;
}

}  // namespace keelson::host
