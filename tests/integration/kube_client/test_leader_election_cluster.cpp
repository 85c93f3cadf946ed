// Leader election (kube/leader_election.h) against the real test control plane (test/cluster/up):
// two candidates on one Lease, the leader killed, the standby taking over. The Lease as kubectl
// reads it is the independent source of truth. The cluster (its kubeconfig and kubectl) is the
// one $KEELSON_TEST_DIR/env describes (support/test_cluster.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/prerequisite.h"
#include "core/clock.h"
#include "kube/client.h"
#include "kube/cluster_config.h"
#include "kube/leader_election.h"
#include "support/test_cluster.h"

namespace keelson::kube {
namespace {

using namespace std::chrono_literals;

class LeaderElectionClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!testing::findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    ConfigOptions options;
    options.kubeconfig_path = cluster_.kubeconfig;
    client_ = std::make_unique<Client>(loadConfig(options));
    static int counter = 0;
    namespace_ = "lease-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    cluster_.kubectlOk({"create", "namespace", namespace_});
  }

  void TearDown() override {
    if (!namespace_.empty())
      cluster_.kubectlOk({"delete", "namespace", namespace_, "--wait=false"});
  }

  // The Lease's spec as kubectl reads it.
  nlohmann::json kubectlLeaseSpec(const std::string& name) {
    return cluster_.kubectlJson({"get", "lease", name, "-n", namespace_, "-o", "json"})["spec"];
  }

  LeaderElectionConfig config(const std::string& identity) {
    LeaderElectionConfig config;
    config.lease_namespace = namespace_;
    config.lease_name = "keelson-test";
    config.identity = identity;
    config.lease_duration = 3s;
    config.renew_deadline = 2s;
    config.retry_period = 1s;  // whole seconds; 2 > 1 * 1.2
    return config;
  }

  testing::TestCluster cluster_;
  std::string namespace_;
  std::unique_ptr<Client> client_;
};

// Polls `condition` until it holds or `limit` passes.
template <class Condition>
bool waitFor(std::chrono::milliseconds limit, Condition condition) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

TEST_F(LeaderElectionClusterTest, StandbyTakesOverAfterTheLeaderIsKilled) {
  LeaderElectionConfig config_a = config("candidate-a");
  LeaderElectionConfig config_b = config("candidate-b");
  // The leader "killed": it stops renewing and leaves the Lease to expire.
  config_a.release_on_cancel = false;
  config_b.release_on_cancel = false;
  auto a = std::make_unique<LeaderElector>(*client_, config_a);
  auto b = std::make_unique<LeaderElector>(*client_, config_b);
  std::atomic<int> a_started{0};
  std::atomic<int> b_started{0};
  a->start([&] { a_started.fetch_add(1); }, {});
  b->start([&] { b_started.fetch_add(1); }, {});

  ASSERT_TRUE(waitFor(10s, [&] { return a->isLeader() || b->isLeader(); }));
  // Exactly one leads, for several renewals (each renewal is a chance for a split).
  for (int i = 0; i < 30; ++i) {
    ASSERT_NE(a->isLeader(), b->isLeader()) << "after " << i * 100 << " ms";
    std::this_thread::sleep_for(100ms);
  }
  const bool a_leads = a->isLeader();
  std::unique_ptr<LeaderElector>& leader = a_leads ? a : b;
  std::unique_ptr<LeaderElector>& standby = a_leads ? b : a;
  const std::string leader_id = a_leads ? "candidate-a" : "candidate-b";
  const std::string standby_id = a_leads ? "candidate-b" : "candidate-a";
  EXPECT_EQ(standby->leader(), leader_id);
  const nlohmann::json before = kubectlLeaseSpec("keelson-test");
  EXPECT_EQ(before["holderIdentity"], leader_id);
  EXPECT_EQ(before["leaseDurationSeconds"], 3);
  const std::int64_t transitions = before.value("leaseTransitions", 0);

  const auto killed = std::chrono::steady_clock::now();
  leader->stop();
  EXPECT_FALSE(leader->isLeader());
  // The standby needs the Lease to expire by its own observation (3 s after it last saw a
  // renewal) and then one attempt (retry_period plus jitter: < 2.2 s); allow three seconds of
  // slack for the requests (one second was exceeded once under CI's load: ctest -j beside the
  // control plane on two cores).
  ASSERT_TRUE(waitFor(3s + 2200ms + 3s, [&] { return standby->isLeader(); }));
  const auto took_over = std::chrono::steady_clock::now() - killed;
  EXPECT_GE(took_over, 1s) << "took over before the Lease could have expired";
  EXPECT_EQ(a_started + b_started, 2);
  EXPECT_EQ(standby->leader(), standby_id);

  // Read back through the API: GET through the client, and kubectl.
  const LeaseRecord record = parseLeaseRecord(client_->get(leasePath(namespace_, "keelson-test")));
  EXPECT_EQ(record.holder_identity, standby_id);
  EXPECT_EQ(record.lease_transitions, transitions + 1);
  const nlohmann::json after = kubectlLeaseSpec("keelson-test");
  EXPECT_EQ(after["holderIdentity"], standby_id);
  EXPECT_EQ(after["leaseTransitions"], transitions + 1);
  EXPECT_NE(after["acquireTime"], before["acquireTime"]);  // a new holder's acquisition
  standby->stop();
}

TEST_F(LeaderElectionClusterTest, ReleaseOnCancelHandsOverWithoutWaitingForExpiry) {
  LeaderElectionConfig config_a = config("candidate-a");
  config_a.lease_duration = 30s;  // expiry alone would take 30 s
  config_a.renew_deadline = 2s;
  LeaderElectionConfig config_b = config("candidate-b");
  config_b.lease_duration = 30s;
  LeaderElector a(*client_, config_a);
  a.start({}, {});
  ASSERT_TRUE(waitFor(10s, [&] { return a.isLeader(); }));
  LeaderElector b(*client_, config_b);
  b.start({}, {});
  ASSERT_TRUE(waitFor(5s, [&] { return b.leader() == "candidate-a"; }));
  EXPECT_FALSE(b.isLeader());

  a.stop();  // release_on_cancel: holderIdentity "" and leaseDurationSeconds 1
  ASSERT_TRUE(waitFor(2200ms + 1s, [&] { return b.isLeader(); }));
  const nlohmann::json spec = kubectlLeaseSpec("keelson-test");
  EXPECT_EQ(spec["holderIdentity"], "candidate-b");
  EXPECT_EQ(spec["leaseDurationSeconds"], 30);
  // Created by a (0), released by a (kept), taken by b: one transition.
  EXPECT_EQ(spec.value("leaseTransitions", 0), 1);
  b.stop();
}

}  // namespace
}  // namespace keelson::kube
