// keelson monitor --prometheus-url against a real Prometheus server (Debian's prometheus, fed by
// promtool's OpenMetrics backfill) and the test control plane: the network columns carry
// cAdvisor's container_network_* series summed per pod, and stay empty for a pod that lacks one.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "monitor/monitor_test_support.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using std::chrono::seconds;

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A Prometheus server on 127.0.0.1 whose TSDB holds `openmetrics`, backfilled by promtool.
class PrometheusServer {
 public:
  PrometheusServer(const std::filesystem::path& dir, const std::string& openmetrics)
      : port_(freePort()) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "series.om") << openmetrics;
    std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 1m\n";
    const auto backfill = run({"promtool", "tsdb", "create-blocks-from", "openmetrics",
                               (dir / "series.om").string(), (dir / "data").string()});
    EXPECT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
    const std::string argv0 = "/usr/bin/prometheus";
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string config = "--config.file=" + (dir / "prometheus.yml").string();
      const std::string storage = "--storage.tsdb.path=" + (dir / "data").string();
      const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      const std::string log = (dir / "prometheus.log").string();
      std::freopen(log.c_str(), "w", stderr);
      ::execl(argv0.c_str(), argv0.c_str(), config.c_str(), storage.c_str(), listen.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~PrometheusServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool ready() const {
    return run({"python3", "-c",
                "import sys, urllib.request\n"
                "urllib.request.urlopen(sys.argv[1] + '/-/ready', timeout=2)\n",
                url()})
               .exit_code == 0;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

TEST(MonitorPrometheus, NetworkColumnsComeFromCadvisorSeriesSummedPerPod) {
  TestCluster cluster;
  std::string why;
  if (!findTestCluster(cluster, why)) KEELSON_MISSING_PREREQUISITE(why);
  const std::string ns = uniqueName("monprom");
  const std::string node = ns + "-n";
  const auto dir = std::filesystem::temp_directory_path() / ns;
  ASSERT_EQ(run({keelson::testing::sourceDir() + "/test/cluster/add-node", node}).exit_code, 0);
  cluster.kubectlOk({"create", "namespace", ns});
  for (const auto* pod : {"a", "b"}) {
    cluster.apply(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + std::string(pod) +
                  R"(","namespace":")" + ns + R"("},"spec":{"nodeName":")" + node +
                  R"(","containers":[{"name":"app","image":"busybox"}]}})");
  }

  // Two samples a minute apart, the latest a minute old (inside the 5-minute lookback of an
  // instant query). Pod a has two interfaces; pod b lacks the error series.
  const auto now =
      std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::string t1 = std::to_string(now - 120);
  const std::string t2 = std::to_string(now - 60);
  std::string om;
  const auto family = [&](const std::string& name, const std::string& samples) {
    om += "# TYPE " + name + " counter\n" + samples;
  };
  const auto sample = [&](const std::string& name, const std::string& pod,
                          const std::string& interface, long v1, long v2) {
    const std::string labels =
        "{namespace=\"" + ns + "\",pod=\"" + pod + "\",interface=\"" + interface + "\"}";
    return name + "_total" + labels + " " + std::to_string(v1) + " " + t1 + "\n" + name + "_total" +
           labels + " " + std::to_string(v2) + " " + t2 + "\n";
  };
  family("container_network_receive_bytes",
         sample("container_network_receive_bytes", "a", "eth0", 1000, 5000) +
             sample("container_network_receive_bytes", "a", "eth1", 10, 20) +
             sample("container_network_receive_bytes", "b", "eth0", 1, 2));
  family("container_network_transmit_bytes",
         sample("container_network_transmit_bytes", "a", "eth0", 700, 900) +
             sample("container_network_transmit_bytes", "b", "eth0", 3, 4));
  family("container_network_receive_errors",
         sample("container_network_receive_errors", "a", "eth0", 0, 3));
  family("container_network_transmit_errors",
         sample("container_network_transmit_errors", "a", "eth0", 1, 1));
  om += "# EOF\n";
  PrometheusServer prometheus(dir / "prometheus", om);
  ASSERT_TRUE(eventually([&] { return prometheus.ready(); }, seconds(60)));

  const auto csv_path = (dir / "pod_metrics.csv").string();
  const auto result =
      runKeelson({"monitor", "--kubeconfig", cluster.kubeconfig, "-n", ns, "--once", "--no-history",
                  "--output-file", csv_path, "--insights-file", (dir / "insights.json").string(),
                  "--prometheus-url", prometheus.url()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto records = readCsv(csv_path).records();
  ASSERT_EQ(records.size(), 2U) << result.err;
  for (const auto& row : records) {
    if (row.at("pod") == "a") {
      EXPECT_EQ(row.at("network_rx_bytes"), "5020") << "5000 on eth0 + 20 on eth1";
      EXPECT_EQ(row.at("network_tx_bytes"), "900");
      EXPECT_EQ(row.at("network_rx_errors"), "3");
      EXPECT_EQ(row.at("network_tx_errors"), "1");
    } else {
      for (const char* column :
           {"network_rx_bytes", "network_tx_bytes", "network_rx_errors", "network_tx_errors"}) {
        EXPECT_EQ(row.at(column), "") << "pod b lacks the error series: " << column;
      }
    }
  }

  run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "delete", "namespace", ns,
       "--timeout=60s"});
  run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "delete", "node", node});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace keelson::testing
