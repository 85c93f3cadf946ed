// keelson monitor --prometheus-url against a real Prometheus server (Debian's prometheus, fed by
// promtool's OpenMetrics backfill) and the test control plane: the network columns carry
// cAdvisor's container_network_* series summed per pod, and stay empty for a pod that lacks one.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "monitor/monitor_test_support.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using std::chrono::seconds;

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
