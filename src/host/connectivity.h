#pragma once

// The host's connectivity checks: interfaces, default routes, DNS, TCP reachability of the API
// server and of configured targets, and VPN interfaces. One section of the host snapshot
// ("connectivity"; --no-collector.connectivity switches it off).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_fs.h"
#include "host/proc/net_route.h"

namespace keelson::host {

/// A TCP endpoint to probe: a host name or an IP literal, and a port.
struct ProbeTarget {
  std::string host;        ///< "api.example.com", "10.0.0.1" or "fd00::1" (no brackets).
  std::uint16_t port = 0;  ///< 1..65535.

  /// "host:port", or "[v6]:port" for an IPv6 literal.
  std::string text() const;
  friend bool operator==(const ProbeTarget&, const ProbeTarget&) = default;
};

/// Parses "HOST:PORT" or "[IPV6]:PORT" (the form of --probe-target). Pure. Throws
/// Error(kBadInput) naming the text and the expected form when there is no port, the port is
/// not a number in 1..65535, the host is empty, or an unbracketed host contains ':', e.g.
/// `"nonsense": expected HOST:PORT or [IPV6]:PORT with a port from 1 to 65535`.
ProbeTarget parseProbeTarget(std::string_view text);

/// The API server's endpoint from its URL (kube::ClusterConfig::server, e.g.
/// "https://10.0.0.1:6443" or "https://[fd00::1]", with an optional path): the port defaults to
/// 443 for https and 80 for http. nullopt when `server_url` is not an http(s) URL with a host.
/// Pure; never throws except std::bad_alloc.
std::optional<ProbeTarget> apiServerTarget(std::string_view server_url);

/// True when `host` is an IPv4 or IPv6 literal (no DNS lookup needed). Pure.
bool isIpLiteral(std::string_view host) noexcept;

/// What to check beyond the host's files.
struct ConnectivityOptions {
  /// --probe-target: endpoints to connect to (none by default; keelson never probes an address
  /// of its own choosing).
  std::vector<ProbeTarget> targets;
  /// The API server's endpoint when a cluster configuration is in use (capture, or host with
  /// --kubeconfig / KUBECONFIG); probed, and resolved first when it is a name.
  std::optional<ProbeTarget> api_server;
  /// Why the API server's endpoint is not known although a cluster configuration was named
  /// (KUBECONFIG that cannot be used); reported as a problem. "" when there is none.
  std::string api_server_error;
  /// --probe-timeout: the bound on each DNS lookup and on each target's connect (so one target
  /// takes at most twice this).
  std::chrono::milliseconds timeout{2000};
};

/// One network interface, from /sys/class/net/<name>/ or the same fields of an RTM_NEWLINK
/// message (readNetworkInterfaces).
struct NetworkInterface {
  std::string name;       ///< "eth0".
  std::string operstate;  ///< operstate: "up", "down", "unknown", "dormant", ... ("" unreadable).
  bool admin_up = false;  ///< IFF_UP (0x1) in `flags`: switched on (ip link set up).
  std::optional<bool> carrier;  ///< carrier: 1/0; nullopt when unreadable (the device is down).
  std::optional<std::uint32_t> type;  ///< type: the ARPHRD_* number (1 ether, 772 loopback).
  std::optional<std::uint32_t> mtu;   ///< mtu in bytes.
  std::string address;                ///< address: the link-layer address ("" when none).
  bool loopback = false;  ///< IFF_LOOPBACK (0x8) in `flags`, or type 772 (ARPHRD_LOOPBACK).
  /// Usable: admin_up, and operstate "up", or "unknown" without a carrier of 0 (loopback, tun
  /// and other virtual devices report "unknown").
  bool up = false;
  std::string vpn_kind;  ///< "tun", "tap", "wireguard", "ppp", or "" for other interfaces.

  friend bool operator==(const NetworkInterface&, const NetworkInterface&) = default;
};

/// A default route (destination 0.0.0.0/0 or ::/0) of the main routing table.
struct DefaultRoute {
  bool ipv6 = false;
  std::string interface;               ///< The output device.
  std::optional<std::string> gateway;  ///< The next hop; nullopt for a point-to-point route.
  std::uint32_t metric = 0;            ///< Lower wins.
};

/// One DNS lookup made by this process (getaddrinfo, through the agent's own resolver
/// configuration: in a pod, the pod's, which may differ from the host's resolv.conf).
struct DnsLookup {
  std::string name;                    ///< The name looked up.
  std::vector<std::string> addresses;  ///< Addresses returned, in the resolver's order.
  double duration_seconds = 0;         ///< How long the lookup took (or the timeout).
  std::string error;  ///< gai_strerror text, or "timed out after 2s"; "" on success.
};

/// One TCP connect attempt to an endpoint.
struct TargetProbe {
  ProbeTarget target;
  std::string role;        ///< "api_server" or "probe_target".
  bool reachable = false;  ///< A TCP connection was established (then closed at once).
  std::string address;     ///< The address connected to (or last tried; "" if none).
  std::optional<double> latency_seconds;  ///< The successful connect's duration.
  std::string error;  ///< "Connection refused", "timed out after 2s", the DNS error, ...
};

/// A VPN (or point-to-point tunnel) interface.
struct VpnInterface {
  std::string interface;  ///< "tun0", "wg0", "ppp0".
  /// "tun" or "tap" (a tun_flags file; IFF_TUN 0x1 / IFF_TAP 0x2 in it), "wireguard" (uevent
  /// DEVTYPE=wireguard), "ppp" (type 512, ARPHRD_PPP).
  std::string kind;
  bool up = false;  ///< NetworkInterface::up of the same interface.
};

/// The connectivity section of a host snapshot.
struct Connectivity {
  /// "ok" (no problems), "degraded" (some), or "failed": no interface other than loopback is
  /// up, or the API server was probed and cannot be reached.
  std::string status;
  std::vector<std::string> problems;         ///< One sentence each, e.g. "no default route".
  std::vector<NetworkInterface> interfaces;  ///< Every interface, sorted by name.
  std::vector<DefaultRoute> default_routes;  ///< IPv4 first, then IPv6, each by metric.
  std::vector<std::string> nameservers;      ///< The host's /etc/resolv.conf "nameserver"s.
  std::vector<std::string> search;           ///< Its search domains.
  std::string resolv_conf_error;             ///< Why resolv.conf could not be read ("" if read).
  std::vector<DnsLookup> dns;                ///< One per distinct host name probed.
  std::vector<TargetProbe> targets;          ///< The API server first, then --probe-target's.
  std::vector<VpnInterface> vpn;             ///< The VPN interfaces among `interfaces`.
  std::string api_server_error;  ///< ConnectivityOptions::api_server_error, "" when none.
};

/// Reads /sys/class/net/<name>/{operstate,flags,carrier,type,mtu,address,tun_flags,uevent}
/// under the host root, sorted by name. A per-interface file that cannot be read leaves its
/// field unset. Throws Error(kNotFound/kUnavailable) when /sys/class/net cannot be listed.
/// (sysfs shows the devices of the network namespace that mounted it: the host's under
/// /host/sys.)
std::vector<NetworkInterface> readNetworkInterfacesFromSysfs(const HostFs& fs);

/// The host's network interfaces, sorted by name. When the host's network namespace is this
/// process's (readsOwnNetNamespace: a DaemonSet pod with hostNetwork, or keelson on the host),
/// from one rtnetlink dump (dumpLinks: the same fields as sysfs gives, without a file read per
/// attribute and device); else, or when rtnetlink cannot answer, as
/// readNetworkInterfacesFromSysfs, and throws as it does.
std::vector<NetworkInterface> readNetworkInterfaces(const HostFs& fs);

/// The default routes of the main table: /proc/1/net/route and /proc/1/net/ipv6_route when
/// /proc/1/net/route exists (the host's namespace, through its init process), else
/// /proc/net/route and /proc/net/ipv6_route (the reader's). An absent ipv6_route (IPv6
/// disabled) means no IPv6 routes. Throws Error(kNotFound/kUnavailable) when the IPv4 table
/// cannot be read.
std::vector<DefaultRoute> readDefaultRoutes(const HostFs& fs);

/// Looks `name` up with getaddrinfo (AF_UNSPEC, SOCK_STREAM) on a worker thread, waiting at most
/// `timeout`: a resolver that does not answer leaves the worker behind (it ends when getaddrinfo
/// returns) instead of hanging the caller. Never throws except std::bad_alloc and
/// std::system_error (no thread). Thread-safe.
DnsLookup lookUpName(const std::string& name, std::chrono::milliseconds timeout);

/// Connects to `target` over TCP (non-blocking connect, then poll), trying each of its addresses
/// in turn until one connects or `timeout` has passed since the first attempt; the connection
/// is closed at once. A host name is looked up first (lookUpName, with the same timeout), and
/// that lookup is stored in `lookup` when it is non-null. Never throws except std::bad_alloc.
/// Thread-safe.
TargetProbe probeTcp(const ProbeTarget& target, std::string role, std::chrono::milliseconds timeout,
                     DnsLookup* lookup = nullptr);

/// Fills `status` and `problems` from the rest of `connectivity`. Pure.
void assessConnectivity(Connectivity& connectivity);

/// Collects the section: interfaces, default routes, /etc/resolv.conf (under the host root),
/// then the probes of the API server and `options.targets`, each on its own thread, so the
/// whole takes about the slowest probe. DNS lookups and connects are made from this process's
/// network namespace (in a pod without hostNetwork: the pod's). Throws Error as
/// readNetworkInterfaces and readDefaultRoutes do; probe failures are data, not errors.
/// Thread-safe.
Connectivity collectConnectivity(const HostFs& fs, const ConnectivityOptions& options);

}  // namespace keelson::host
