// `keelson host --json` connectivity section against independent sources: sockets this test
// opens (reachable / refused), iproute2's `ip -j link` and `ip -j route show default` (the
// kernel's answers over netlink, where keelson reads /sys and /proc), and the test control
// plane's API server named by its kubeconfig (read back with kubectl).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/local_socket.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "host/connectivity.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

// `keelson host --json` with only what the connectivity section needs, plus `extra`. KUBECONFIG
// is removed from its environment: a kubeconfig is given with --kubeconfig when wanted.
json hostJson(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"env",
                                   "-u",
                                   "KUBECONFIG",
                                   keelsonBinary(),
                                   "host",
                                   "--json",
                                   "--interval",
                                   "0",
                                   "--no-collector.processes",
                                   "--no-collector.filesystems"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto result = run(argv);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const json doc = json::parse(result.out, nullptr, false);
  EXPECT_TRUE(doc.is_object() && doc.contains("connectivity")) << result.out;
  return doc.is_object() ? doc.value("connectivity", json()) : json();
}

const json& targetNamed(const json& connectivity, const std::string& target) {
  static const json kNone;
  for (const auto& t : connectivity.at("targets")) {
    if (t.at("target") == target) return t;
  }
  ADD_FAILURE() << "no target " << target << " in " << connectivity.dump();
  return kNone;
}

TEST(HostConnectivity, ListeningPortIsReachable) {
  const LocalSocket listening(true);
  const json c = hostJson({"--probe-target", listening.target()});
  const json& t = targetNamed(c, listening.target());
  ASSERT_TRUE(t.is_object());
  EXPECT_EQ(t.at("reachable"), true) << t.dump();
  EXPECT_EQ(t.at("role"), "probe_target");
  EXPECT_EQ(t.at("address"), "127.0.0.1");
  EXPECT_TRUE(t.at("latency_seconds").is_number());
  EXPECT_EQ(t.at("error"), nullptr);
}

TEST(HostConnectivity, ClosedPortIsRefusedAndAProblem) {
  const LocalSocket closed(false);
  const json c = hostJson({"--probe-target", closed.target()});
  const json& t = targetNamed(c, closed.target());
  ASSERT_TRUE(t.is_object());
  EXPECT_EQ(t.at("reachable"), false);
  EXPECT_EQ(t.at("error"), "Connection refused");
  EXPECT_EQ(t.at("latency_seconds"), nullptr);
  EXPECT_NE(c.at("status"), "ok");
  const auto problems = c.at("problems").get<std::vector<std::string>>();
  EXPECT_NE(std::find(problems.begin(), problems.end(),
                      "target " + closed.target() + " unreachable: Connection refused"),
            problems.end())
      << c.at("problems").dump();
}

TEST(HostConnectivity, NoTargetsByDefault) {
  const json c = hostJson({});
  EXPECT_EQ(c.at("targets"), json::array());
  EXPECT_EQ(c.at("dns").at("lookups"), json::array());
}

TEST(HostConnectivity, MalformedTargetIsAUsageErrorNamingTheFlag) {
  for (const char* bad : {"nonsense", "host:99999", "fd00::1:443"}) {
    const auto result = runKeelson({"host", "--json", "--probe-target", bad});
    EXPECT_NE(result.exit_code, 0) << bad;
    EXPECT_EQ(result.out, "") << bad;
    EXPECT_NE(result.err.find("--probe-target"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("HOST:PORT"), std::string::npos) << result.err;
  }
}

TEST(HostConnectivity, MalformedTimeoutIsAUsageErrorNamingTheFlag) {
  const auto result = runKeelson({"host", "--json", "--probe-timeout", "soon"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("--probe-timeout"), std::string::npos) << result.err;
}

// `ip -j ARGS...` parsed; a skip (failure under CI) when iproute2 is missing.
bool ipJson(const std::vector<std::string>& args, json& out, std::string& why) {
  std::vector<std::string> argv = {"ip", "-j"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = run(argv);
  if (result.exit_code != 0) {
    why = "ip (iproute2, scripts/bootstrap test) did not run: " + result.err;
    return false;
  }
  out = json::parse(result.out.empty() ? "[]" : result.out);
  return true;
}

TEST(HostConnectivity, InterfacesMatchIpLink) {
  json links;
  std::string why;
  if (!ipJson({"link"}, links, why)) KEELSON_MISSING_PREREQUISITE(why);
  const json c = hostJson({});
  std::map<std::string, json> ours;
  for (const auto& i : c.at("interfaces")) ours[i.at("name").get<std::string>()] = i;
  ASSERT_EQ(ours.size(), links.size()) << c.at("interfaces").dump() << "\n" << links.dump();
  for (const auto& link : links) {
    const auto name = link.at("ifname").get<std::string>();
    ASSERT_TRUE(ours.count(name)) << name;
    const json& i = ours[name];
    const auto flags = link.at("flags").get<std::vector<std::string>>();
    const auto has = [&](const char* flag) {
      return std::find(flags.begin(), flags.end(), flag) != flags.end();
    };
    std::string operstate = link.at("operstate");
    std::transform(operstate.begin(), operstate.end(), operstate.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    EXPECT_EQ(i.at("operstate"), operstate) << name;
    EXPECT_EQ(i.at("admin_up"), has("UP")) << name;
    if (i.at("carrier").is_boolean()) {
      EXPECT_EQ(i.at("carrier"), has("LOWER_UP")) << name;
    }
    EXPECT_EQ(i.at("loopback"), has("LOOPBACK")) << name;
    EXPECT_EQ(i.at("mtu"), link.at("mtu")) << name;
    if (link.contains("address")) {
      EXPECT_EQ(i.at("address"), link.at("address")) << name;
    }
    // "up" is the verdict: switched on, with a link, operationally up (or unknown, as virtual
    // devices say): ip's UP and LOWER_UP flags and its operstate.
    const bool usable =
        has("UP") && has("LOWER_UP") && (operstate == "up" || operstate == "unknown");
    EXPECT_EQ(i.at("up"), usable) << name;
    const bool listed_up = std::find(c.at("interfaces_up").begin(), c.at("interfaces_up").end(),
                                     json(name)) != c.at("interfaces_up").end();
    EXPECT_EQ(listed_up, usable && !has("LOOPBACK")) << name;
  }
}

TEST(HostConnectivity, DefaultRoutesMatchIpRoute) {
  json v4;
  json v6;
  std::string why;
  if (!ipJson({"-4", "route", "show", "default"}, v4, why)) KEELSON_MISSING_PREREQUISITE(why);
  if (!ipJson({"-6", "route", "show", "default"}, v6, why)) v6 = json::array();  // no IPv6
  const json c = hostJson({});
  std::vector<std::string> expected;
  for (const auto* list : {&v4, &v6}) {
    for (const auto& r : *list) {
      // Only what /proc/net/*route hold: the main table's unicast routes.
      if (r.value("type", "unicast") != "unicast") continue;
      expected.push_back(r.value("gateway", "-") + " dev " + r.at("dev").get<std::string>());
    }
  }
  std::vector<std::string> ours;
  for (const auto& r : c.at("default_routes")) {
    ours.push_back((r.at("gateway").is_string() ? r.at("gateway").get<std::string>() : "-") +
                   " dev " + r.at("interface").get<std::string>());
  }
  std::sort(expected.begin(), expected.end());
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(ours, expected) << c.at("default_routes").dump();
  const auto problems = c.at("problems").get<std::vector<std::string>>();
  const bool no_route_problem =
      std::find(problems.begin(), problems.end(), "no default route") != problems.end();
  EXPECT_EQ(no_route_problem, expected.empty());
}

// The API server named by the test cluster's kubeconfig, as kubectl reads it.
std::string kubeconfigServer(const TestCluster& cluster) {
  return cluster.kubectlOk(
      {"config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"});
}

TEST(HostConnectivity, ApiServerOfTheTestClusterIsReachable) {
  TestCluster cluster;
  std::string why;
  if (!findTestCluster(cluster, why)) KEELSON_MISSING_PREREQUISITE(why);
  const std::string server = kubeconfigServer(cluster);
  const auto expected = host::apiServerTarget(server);
  ASSERT_TRUE(expected.has_value()) << server;

  const json viaHost = hostJson({"--kubeconfig", cluster.kubeconfig});
  const auto captured =
      runKeelson({"capture", "-o", "json", "--interval", "0", "--no-collector.processes",
                  "--kubeconfig", cluster.kubeconfig});
  ASSERT_EQ(captured.exit_code, 0) << captured.err;
  const json viaCapture = json::parse(captured.out).at("host").at("connectivity");
  EXPECT_EQ(json::parse(captured.out).at("cluster").at("server"), server);

  for (const json* c : {&viaHost, &viaCapture}) {
    ASSERT_FALSE(c->at("targets").empty()) << c->dump();
    const json& api = c->at("targets")[0];
    EXPECT_EQ(api.at("role"), "api_server");
    EXPECT_EQ(api.at("target"), expected->text());
    EXPECT_EQ(api.at("reachable"), true) << api.dump();
    if (host::isIpLiteral(expected->host)) {
      EXPECT_EQ(api.at("address"), expected->host);
    } else {
      // A name: the address connected to is one the lookup returned.
      const json& lookups = c->at("dns").at("lookups");
      ASSERT_FALSE(lookups.empty());
      EXPECT_EQ(lookups[0].at("name"), expected->host);
      const auto addresses = lookups[0].at("addresses");
      EXPECT_NE(std::find(addresses.begin(), addresses.end(), api.at("address")), addresses.end());
    }
  }
}

TEST(HostConnectivity, WithoutAKubeconfigNoApiServerIsProbed) {
  // host does not go looking for ~/.kube/config or in-cluster configuration.
  const json c = hostJson({});
  for (const auto& t : c.at("targets")) EXPECT_NE(t.at("role"), "api_server");
}

TEST(HostConnectivity, UnusableKubeconfigVariableIsAProblemNotAFailure) {
  const auto result = run({"env", "KUBECONFIG=/nonexistent/kubeconfig", keelsonBinary(), "host",
                           "--json", "--interval", "0", "--no-collector.processes"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json c = json::parse(result.out).at("connectivity");
  EXPECT_EQ(c.at("status"), "degraded");
  EXPECT_NE(c.at("api_server_error").get<std::string>().find("/nonexistent/kubeconfig"),
            std::string::npos)
      << c.dump();
  EXPECT_EQ(c.at("targets"), json::array());
}

TEST(HostConnectivity, UnusableKubeconfigFlagIsBadInput) {
  const auto result = runKeelson({"host", "--json", "--kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("/nonexistent/kubeconfig"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace keelson::testing
