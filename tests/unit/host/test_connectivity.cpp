// The connectivity section: route and resolv.conf parsers on real captures, interfaces and VPN
// devices from fixture /sys trees, the probe target syntax, the verdict, and TCP probes against
// sockets this test opens on 127.0.0.1 (port 0).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/expect_error.h"
#include "common/local_socket.h"
#include "host/connectivity.h"
#include "host/host_json.h"
#include "host/proc/net_route.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using namespace std::chrono_literals;
using keelson::testing::LocalSocket;
using testing::readData;
using testing::TempDir;
using testing::writeFile;

TEST(NetRouteTest, Ipv4RealCaptureDecodesGatewayAndMask) {
  const auto routes = parseProcNetRoute(readData("misc/net-route"));
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].interface, "eth0");
  EXPECT_EQ(routes[0].destination, "0.0.0.0");
  EXPECT_EQ(routes[0].prefix_length, 0u);
  EXPECT_EQ(routes[0].gateway, "192.0.2.1");
  EXPECT_EQ(routes[0].flags, kRouteFlagUp | kRouteFlagGateway);
  EXPECT_TRUE(routes[0].isDefault());
  EXPECT_EQ(routes[1].destination, "192.0.2.0");
  EXPECT_EQ(routes[1].prefix_length, 24u);
  EXPECT_EQ(routes[1].gateway, std::nullopt);
  EXPECT_FALSE(routes[1].isDefault());
}

TEST(NetRouteTest, Ipv6RealCaptureDefaultAndRejectRoute) {
  const auto routes = parseProcIpv6Route(readData("misc/net-ipv6-route"));
  ASSERT_EQ(routes.size(), 8u);
  std::vector<Route> defaults;
  std::copy_if(routes.begin(), routes.end(), std::back_inserter(defaults),
               [](const Route& r) { return r.isDefault(); });
  ASSERT_EQ(defaults.size(), 1u);  // the ::/0 reject route on lo is not one
  EXPECT_EQ(defaults[0].interface, "eth0");
  EXPECT_EQ(defaults[0].destination, "::");
  EXPECT_EQ(defaults[0].gateway, "fd00::1");
  EXPECT_EQ(defaults[0].metric, 1024u);
  EXPECT_EQ(routes[0].destination, "fd00::");
  EXPECT_EQ(routes[0].prefix_length, 64u);
  EXPECT_EQ(routes[0].gateway, std::nullopt);
  const Route& reject = routes.back();
  EXPECT_EQ(reject.interface, "lo");
  EXPECT_EQ(reject.prefix_length, 0u);
  EXPECT_NE(reject.flags & kRouteFlagReject, 0u);
}

TEST(NetRouteTest, MalformedLinesAreSkipped) {
  EXPECT_TRUE(parseProcNetRoute("Iface\tDestination\neth0 zz 0 0003 0 0 0 0\n").empty());
  EXPECT_TRUE(parseProcNetRoute("eth0 00000000 00000000 0003\n").empty());
  EXPECT_TRUE(parseProcIpv6Route("00 00 00 00 00 00 00 00 00 eth0\n").empty());
  EXPECT_TRUE(parseProcIpv6Route("").empty());
}

TEST(ResolvConfTest, NameserversAndLastSearchLine) {
  const auto conf = parseResolvConf(
      "# comment\nnameserver 10.96.0.10\n; other comment\ndomain example.org\n"
      "search default.svc.cluster.local svc.cluster.local\nnameserver fd00::53\n"
      "options ndots:5\nnameserver\n");
  EXPECT_EQ(conf.nameservers, (std::vector<std::string>{"10.96.0.10", "fd00::53"}));
  EXPECT_EQ(conf.search,
            (std::vector<std::string>{"default.svc.cluster.local", "svc.cluster.local"}));
}

TEST(ProbeTargetTest, ParsesHostPortAndBracketedIpv6) {
  EXPECT_EQ(parseProbeTarget("10.0.0.1:443"), (ProbeTarget{"10.0.0.1", 443}));
  EXPECT_EQ(parseProbeTarget("api.example.com:6443"), (ProbeTarget{"api.example.com", 6443}));
  EXPECT_EQ(parseProbeTarget("[fd00::1]:53"), (ProbeTarget{"fd00::1", 53}));
  EXPECT_EQ((ProbeTarget{"fd00::1", 53}).text(), "[fd00::1]:53");
  EXPECT_EQ((ProbeTarget{"10.0.0.1", 443}).text(), "10.0.0.1:443");
}

TEST(ProbeTargetTest, RejectsWhatIsNotHostPort) {
  for (const char* text : {"nonsense", "host:", ":80", "host:0", "host:65536", "host:80x",
                           "fd00::1:53", "[fd00::1]53", "[nothost]:53", "[fd00::1]:", "a b:1"}) {
    const Error e = keelson::testing::expectError([&] { (void)parseProbeTarget(text); });
    EXPECT_EQ(e.code(), ErrorCode::kBadInput) << text;
    EXPECT_EQ(std::string(e.what()), "\"" + std::string(text) +
                                         "\": expected HOST:PORT or [IPV6]:PORT with a port "
                                         "from 1 to 65535");
  }
}

TEST(ProbeTargetTest, ApiServerTargetFromUrl) {
  EXPECT_EQ(apiServerTarget("https://10.0.0.1:6443"), (ProbeTarget{"10.0.0.1", 6443}));
  EXPECT_EQ(apiServerTarget("https://kube.example.com"), (ProbeTarget{"kube.example.com", 443}));
  EXPECT_EQ(apiServerTarget("http://127.0.0.1/prefix"), (ProbeTarget{"127.0.0.1", 80}));
  EXPECT_EQ(apiServerTarget("https://[fd00::1]:6443/"), (ProbeTarget{"fd00::1", 6443}));
  EXPECT_EQ(apiServerTarget("https://[fd00::1]"), (ProbeTarget{"fd00::1", 443}));
  EXPECT_EQ(apiServerTarget("unix:///run/k.sock"), std::nullopt);
  EXPECT_EQ(apiServerTarget("https://"), std::nullopt);
  EXPECT_EQ(apiServerTarget("https://host:notaport"), std::nullopt);
}

// A /sys/class/net tree as the kernel lays it out, written by the test.
void addInterface(const TempDir& root, const std::string& name, const std::string& flags,
                  const std::string& operstate, const std::string& type,
                  const std::optional<std::string>& carrier) {
  const auto dir = root.path() / "sys/class/net" / name;
  writeFile(dir / "flags", flags + "\n");
  writeFile(dir / "operstate", operstate + "\n");
  writeFile(dir / "type", type + "\n");
  writeFile(dir / "mtu", "1500\n");
  writeFile(dir / "address", "02:fc:00:00:00:01\n");
  writeFile(dir / "uevent", "INTERFACE=" + name + "\nIFINDEX=2\n");
  if (carrier) writeFile(dir / "carrier", *carrier + "\n");
}

const NetworkInterface& named(const std::vector<NetworkInterface>& list, const std::string& name) {
  const auto it = std::find_if(list.begin(), list.end(),
                               [&](const NetworkInterface& i) { return i.name == name; });
  if (it == list.end()) throw std::runtime_error("no interface " + name);
  return *it;
}

TEST(NetworkInterfacesTest, FixtureTreeStatesAndVpnKinds) {
  TempDir root;
  addInterface(root, "lo", "0x9", "unknown", "772", "1");
  addInterface(root, "eth0", "0x1003", "up", "1", "1");
  addInterface(root, "eth1", "0x1002", "down", "1", std::nullopt);  // carrier: EINVAL when down
  addInterface(root, "eth2", "0x1003", "down", "1", "0");           // cable out
  addInterface(root, "tun0", "0x1091", "unknown", "65534", "1");
  writeFile(root.path() / "sys/class/net/tun0/tun_flags", "0x1001\n");
  addInterface(root, "tap0", "0x1002", "down", "1", std::nullopt);
  writeFile(root.path() / "sys/class/net/tap0/tun_flags", "0x1002\n");
  addInterface(root, "wg0", "0x91", "unknown", "65534", "1");
  writeFile(root.path() / "sys/class/net/wg0/uevent", "DEVTYPE=wireguard\nINTERFACE=wg0\n");
  addInterface(root, "ppp0", "0x1091", "unknown", "512", "1");
  writeFile(root.path() / "sys/class/net/bonding_masters", "\n");  // not a device
  const HostFs fs(root.path().string());

  const auto interfaces = readNetworkInterfaces(fs);
  std::vector<std::string> names;
  for (const auto& i : interfaces) names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{"eth0", "eth1", "eth2", "lo", "ppp0", "tap0", "tun0",
                                             "wg0"}));
  const auto& lo = named(interfaces, "lo");
  EXPECT_TRUE(lo.loopback);
  EXPECT_TRUE(lo.up);
  EXPECT_EQ(lo.vpn_kind, "");
  const auto& eth0 = named(interfaces, "eth0");
  EXPECT_TRUE(eth0.admin_up);
  EXPECT_EQ(eth0.carrier, true);
  EXPECT_TRUE(eth0.up);
  EXPECT_FALSE(eth0.loopback);
  EXPECT_EQ(eth0.type, 1u);
  EXPECT_EQ(eth0.mtu, 1500u);
  EXPECT_EQ(eth0.address, "02:fc:00:00:00:01");
  const auto& eth1 = named(interfaces, "eth1");
  EXPECT_FALSE(eth1.admin_up);
  EXPECT_EQ(eth1.carrier, std::nullopt);
  EXPECT_FALSE(eth1.up);
  const auto& eth2 = named(interfaces, "eth2");
  EXPECT_TRUE(eth2.admin_up);
  EXPECT_EQ(eth2.carrier, false);
  EXPECT_FALSE(eth2.up);
  EXPECT_EQ(named(interfaces, "tun0").vpn_kind, "tun");
  EXPECT_TRUE(named(interfaces, "tun0").up);
  EXPECT_EQ(named(interfaces, "tap0").vpn_kind, "tap");
  EXPECT_EQ(named(interfaces, "wg0").vpn_kind, "wireguard");
  EXPECT_EQ(named(interfaces, "ppp0").vpn_kind, "ppp");
}

TEST(NetworkInterfacesTest, MissingSysClassNetIsNotFound) {
  TempDir root;
  const Error e = keelson::testing::expectError(
      [&] { (void)readNetworkInterfaces(HostFs(root.path().string())); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
}

TEST(DefaultRoutesTest, HostNamespaceTablesWinAndIpv6Follows) {
  TempDir root;
  // The reader's own namespace (proc/net) has no default route; the host's init's has two.
  writeFile(root.path() / "proc/net/route",
            "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
            "eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n");
  writeFile(root.path() / "proc/1/net/route",
            "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
            "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
            "tun0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0\n"
            "eth9\t00000000\t0101A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n");  // not RTF_UP
  writeFile(root.path() / "proc/1/net/ipv6_route", readData("misc/net-ipv6-route"));
  const auto routes = readDefaultRoutes(HostFs(root.path().string()));
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_FALSE(routes[0].ipv6);
  EXPECT_EQ(routes[0].interface, "tun0");  // lower metric first
  EXPECT_EQ(routes[0].gateway, std::nullopt);
  EXPECT_EQ(routes[1].interface, "wlan0");
  EXPECT_EQ(routes[1].gateway, "192.168.1.1");
  EXPECT_EQ(routes[1].metric, 600u);
  EXPECT_TRUE(routes[2].ipv6);
  EXPECT_EQ(routes[2].gateway, "fd00::1");
}

TEST(DefaultRoutesTest, NoIpv6TableMeansIpv4Only) {
  TempDir root;
  writeFile(root.path() / "proc/net/route", readData("misc/net-route"));
  const auto routes = readDefaultRoutes(HostFs(root.path().string()));
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].gateway, "192.0.2.1");
}

Connectivity healthy() {
  Connectivity c;
  NetworkInterface lo;
  lo.name = "lo";
  lo.loopback = lo.up = true;
  NetworkInterface eth0;
  eth0.name = "eth0";
  eth0.up = true;
  c.interfaces = {lo, eth0};
  c.default_routes = {{false, "eth0", "192.0.2.1", 0}};
  return c;
}

TEST(AssessConnectivityTest, OkDegradedFailed) {
  auto c = healthy();
  assessConnectivity(c);
  EXPECT_EQ(c.status, "ok");
  EXPECT_TRUE(c.problems.empty());

  c.default_routes.clear();
  TargetProbe refused;
  refused.target = {"10.0.0.1", 443};
  refused.role = "probe_target";
  refused.error = "Connection refused";
  c.targets = {refused};
  c.dns = {{"db.example", {}, 0.1, "Name or service not known"}};
  assessConnectivity(c);
  EXPECT_EQ(c.status, "degraded");
  EXPECT_EQ(c.problems,
            (std::vector<std::string>{"no default route",
                                      "DNS lookup of db.example failed: Name or service not known",
                                      "target 10.0.0.1:443 unreachable: Connection refused"}));

  auto api = healthy();
  refused.role = "api_server";
  api.targets = {refused};
  assessConnectivity(api);
  EXPECT_EQ(api.status, "failed");
  EXPECT_EQ(api.problems,
            (std::vector<std::string>{"API server 10.0.0.1:443 unreachable: Connection refused"}));

  auto unknown_api = healthy();
  unknown_api.api_server_error = "KUBECONFIG=/nope: none of the files exists";
  assessConnectivity(unknown_api);
  EXPECT_EQ(unknown_api.status, "degraded");
  EXPECT_EQ(unknown_api.problems,
            (std::vector<std::string>{
                "API server not probed: KUBECONFIG=/nope: none of the files exists"}));

  auto down = healthy();
  down.interfaces[1].up = false;
  assessConnectivity(down);
  EXPECT_EQ(down.status, "failed");
  EXPECT_EQ(down.problems,
            (std::vector<std::string>{"no network interface is up (loopback aside)",
                                      "default route via 192.0.2.1 dev eth0: interface eth0 is "
                                      "not up"}));
}

TEST(ProbeTcpTest, ListeningPortIsReachable) {
  const LocalSocket listening(true);
  const auto probe = probeTcp({"127.0.0.1", listening.port()}, "probe_target", 2s);
  EXPECT_TRUE(probe.reachable) << probe.error;
  EXPECT_EQ(probe.address, "127.0.0.1");
  EXPECT_TRUE(probe.latency_seconds.has_value());
  EXPECT_EQ(probe.error, "");
}

TEST(ProbeTcpTest, ClosedPortIsRefused) {
  const LocalSocket closed(false);
  const auto probe = probeTcp({"127.0.0.1", closed.port()}, "probe_target", 2s);
  EXPECT_FALSE(probe.reachable);
  EXPECT_EQ(probe.error, "Connection refused");
  EXPECT_EQ(probe.latency_seconds, std::nullopt);
}

TEST(ProbeTcpTest, NameIsLookedUpAndRecorded) {
  const LocalSocket listening(true);
  DnsLookup lookup;
  const auto probe = probeTcp({"localhost", listening.port()}, "probe_target", 2s, &lookup);
  EXPECT_EQ(lookup.name, "localhost");
  EXPECT_EQ(lookup.error, "");
  EXPECT_NE(std::find(lookup.addresses.begin(), lookup.addresses.end(), "127.0.0.1"),
            lookup.addresses.end());
  // localhost may come first as ::1, where nothing listens: the next address is tried.
  EXPECT_TRUE(probe.reachable) << probe.error;
  EXPECT_EQ(probe.address, "127.0.0.1");
}

TEST(ProbeTcpTest, UnresolvableNameIsADnsError) {
  DnsLookup lookup;
  // .invalid never resolves (RFC 6761).
  const auto probe = probeTcp({"keelson-test.invalid", 80}, "probe_target", 2s, &lookup);
  EXPECT_FALSE(probe.reachable);
  EXPECT_FALSE(lookup.error.empty());
  EXPECT_EQ(probe.error, "DNS lookup of keelson-test.invalid failed: " + lookup.error);
}

TEST(CollectConnectivityTest, FixtureRootWithProbesAndJson) {
  TempDir root;
  addInterface(root, "lo", "0x9", "unknown", "772", "1");
  addInterface(root, "eth0", "0x1003", "up", "1", "1");
  addInterface(root, "wg0", "0x91", "unknown", "65534", "1");
  writeFile(root.path() / "sys/class/net/wg0/uevent", "DEVTYPE=wireguard\n");
  writeFile(root.path() / "proc/net/route", readData("misc/net-route"));
  writeFile(root.path() / "etc/resolv.conf", "nameserver 10.96.0.10\nsearch cluster.local\n");
  const LocalSocket listening(true);
  const LocalSocket closed(false);
  ConnectivityOptions options;
  options.api_server = ProbeTarget{"127.0.0.1", listening.port()};
  options.targets = {{"127.0.0.1", closed.port()}};
  const auto c = collectConnectivity(HostFs(root.path().string()), options);
  EXPECT_EQ(c.status, "degraded");
  ASSERT_EQ(c.targets.size(), 2u);
  EXPECT_EQ(c.targets[0].role, "api_server");
  EXPECT_TRUE(c.targets[0].reachable);
  EXPECT_EQ(c.targets[1].role, "probe_target");
  EXPECT_FALSE(c.targets[1].reachable);
  EXPECT_TRUE(c.dns.empty());  // IP literals are not looked up
  EXPECT_EQ(c.nameservers, (std::vector<std::string>{"10.96.0.10"}));
  ASSERT_EQ(c.vpn.size(), 1u);
  EXPECT_EQ(c.vpn[0].interface, "wg0");
  EXPECT_EQ(c.vpn[0].kind, "wireguard");
  EXPECT_TRUE(c.vpn[0].up);

  HostSnapshot snapshot;
  snapshot.connectivity.value = c;
  const auto doc = toJson(snapshot);
  const auto& section = doc.at("connectivity");
  EXPECT_EQ(section.at("status"), "degraded");
  EXPECT_EQ(section.at("interfaces_up"), nlohmann::json({"eth0", "wg0"}));
  EXPECT_EQ(section.at("default_routes")[0].at("gateway"), "192.0.2.1");
  EXPECT_EQ(section.at("default_routes")[0].at("family"), "ipv4");
  EXPECT_EQ(section.at("targets")[1].at("error"), "Connection refused");
  EXPECT_EQ(section.at("targets")[1].at("latency_seconds"), nullptr);
  EXPECT_EQ(section.at("targets")[0].at("target"), "127.0.0.1:" + std::to_string(listening.port()));
  EXPECT_EQ(section.at("dns").at("search"), nlohmann::json({"cluster.local"}));
  EXPECT_EQ(section.at("vpn")[0].at("kind"), "wireguard");
}

}  // namespace
}  // namespace keelson::host
