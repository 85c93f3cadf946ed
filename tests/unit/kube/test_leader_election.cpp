// LeaderElector (kube/leader_election.h) over an in-memory Lease server and a FakeClock: time
// moves only when a test advances it, so every assertion is about which attempt happened when.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "core/error.h"
#include "kube/client.h"
#include "kube/leader_election.h"
#include "kube/objects.h"

namespace keelson::kube {
namespace {

using keelson::testing::FakeClock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kPath = "/apis/coordination.k8s.io/v1/namespaces/ns/leases/lock";
constexpr const char* kCollection = "/apis/coordination.k8s.io/v1/namespaces/ns/leases";

std::string status(int code, const std::string& reason) {
  return nlohmann::json{{"kind", "Status"}, {"code", code}, {"reason", reason}, {"message", reason}}
      .dump();
}

// One Lease with the API server's rules for it: GET (404 when missing), POST (409
// AlreadyExists when present), PUT (409 Conflict unless metadata.resourceVersion matches).
// Thread-safe: the election thread requests while the test thread inspects and interferes.
class FakeLeaseServer final : public Transport {
 public:
  HttpResponse request(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    log_.push_back(request.method + " " + request.path);
    if (unavailable_) throw Error(ErrorCode::kUnavailable, "connection refused");
    if (request.method == "GET" && request.path == kPath) {
      if (!lease_) return reply(404, status(404, "NotFound"));
      return reply(200, lease_->dump());
    }
    if (request.method != "POST" && request.method != "PUT") return reply(405, "");
    // Another candidate's write lands between our read and our write.
    if (before_write_) std::exchange(before_write_, nullptr)();
    nlohmann::json body = nlohmann::json::parse(request.body);
    if (request.method == "POST") {
      if (request.path != kCollection) return reply(404, status(404, "NotFound"));
      if (lease_) return reply(409, status(409, "AlreadyExists"));
    } else {
      if (request.path != kPath || !lease_) return reply(404, status(404, "NotFound"));
      if (body["metadata"]["resourceVersion"] != (*lease_)["metadata"]["resourceVersion"]) {
        return reply(409, status(409, "Conflict"));
      }
    }
    store(std::move(body));
    return reply(request.method == "POST" ? 201 : 200, lease_->dump());
  }

  StreamResult stream(const HttpRequest& request, const ChunkHandler&) override {
    throw std::logic_error("FakeLeaseServer: unexpected stream " + request.path);
  }

  const std::string& server() const noexcept override { return server_; }

  // Writes the Lease as another candidate would.
  void put(const LeaseRecord& record) {
    std::lock_guard lock(mutex_);
    putLocked(record);
  }
  // Runs put(record) just before the next POST or PUT is applied.
  void putBeforeNextWrite(const LeaseRecord& record) {
    std::lock_guard lock(mutex_);
    before_write_ = [this, record] { putLocked(record); };
  }
  std::optional<LeaseRecord> lease() const {
    std::lock_guard lock(mutex_);
    if (!lease_) return std::nullopt;
    return parseLeaseRecord(lease_->dump());
  }
  void setUnavailable(bool unavailable) {
    std::lock_guard lock(mutex_);
    unavailable_ = unavailable;
  }
  // Requests since the last call, as "METHOD path".
  std::vector<std::string> takeLog() {
    std::lock_guard lock(mutex_);
    return std::exchange(log_, {});
  }

 private:
  static HttpResponse reply(int code, std::string body) {
    HttpResponse response;
    response.status = code;
    response.body = std::move(body);
    return response;
  }
  void putLocked(const LeaseRecord& record) {
    nlohmann::json lease = lease_.value_or(nlohmann::json{
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", "lock"}, {"namespace", "ns"}, {"labels", {{"app", "x"}}}}}});
    lease["spec"] = {{"holderIdentity", record.holder_identity},
                     {"leaseDurationSeconds", record.lease_duration_seconds},
                     {"acquireTime", record.acquire_time},
                     {"renewTime", record.renew_time},
                     {"leaseTransitions", record.lease_transitions}};
    store(std::move(lease));
  }
  void store(nlohmann::json lease) {
    lease["metadata"]["resourceVersion"] = std::to_string(++version_);
    lease_ = std::move(lease);
  }

  mutable std::mutex mutex_;
  std::optional<nlohmann::json> lease_;
  int version_ = 100;
  bool unavailable_ = false;
  std::function<void()> before_write_;
  std::vector<std::string> log_;
  std::string server_ = "https://fake:6443";
};

LeaseRecord heldBy(const std::string& holder, std::int64_t transitions = 0) {
  LeaseRecord record;
  record.holder_identity = holder;
  record.lease_duration_seconds = 15;
  // Written by another machine's clock long ago: expiry must not be judged by it.
  record.acquire_time = "2020-01-01T00:00:00.000000Z";
  record.renew_time = "2020-01-01T00:00:00.000000Z";
  record.lease_transitions = transitions;
  return record;
}

// Polls `condition` in real time (the election thread runs on its own).
bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

class LeaderElectionTest : public ::testing::Test {
 protected:
  LeaderElectionConfig config(const std::string& identity = "a") {
    LeaderElectionConfig config;
    config.lease_namespace = "ns";
    config.lease_name = "lock";
    config.identity = identity;
    config.clock = clock_;
    return config;
  }

  void start(LeaderElector& elector) {
    elector.start(
        [&] {
          started_.fetch_add(1);
          leader_in_started_ = elector.isLeader();
        },
        [&] {
          stopped_.fetch_add(1);
          leader_in_stopped_ = elector.isLeader();
        });
  }

  // Waits until the election thread is blocked on the clock (its attempt is over) or its run
  // has ended (stopped leading).
  void settle() {
    ASSERT_TRUE(eventually([&] { return clock_->nextDeadline().has_value() || stopped_ > 0; }));
  }

  // Lets the election thread's current wait end, then waits for its next attempt to finish.
  void step() {
    settle();
    const auto next = clock_->nextDeadline();
    ASSERT_TRUE(next.has_value());
    clock_->advance(*next - clock_->steadyNow());
    settle();
  }

  std::string wallNow() const { return formatMicroTime(clock_->wallNow()); }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeLeaseServer> server_ = std::make_shared<FakeLeaseServer>();
  Client client_{server_};
  std::atomic<int> started_{0};
  std::atomic<int> stopped_{0};
  std::atomic<bool> leader_in_started_{false};
  std::atomic<bool> leader_in_stopped_{true};
};

TEST(LeaderElectionConfigTest, RejectsInconsistentDurations) {
  LeaderElectionConfig config;
  config.lease_namespace = "ns";
  config.lease_name = "lock";
  config.identity = "a";
  EXPECT_NO_THROW(validateLeaderElectionConfig(config));  // 15 / 10 / 2

  const auto rejects = [](LeaderElectionConfig bad, const std::string& what) {
    try {
      validateLeaderElectionConfig(bad);
      ADD_FAILURE() << "accepted: " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput);
      EXPECT_THAT(e.what(), HasSubstr(what));
    }
  };
  LeaderElectionConfig bad = config;
  bad.renew_deadline = 15s;
  rejects(bad, "lease_duration (15s) must be greater than renew_deadline (15s)");
  bad = config;
  bad.renew_deadline = 12s;
  bad.retry_period = 10s;  // 12 <= 10 * 1.2
  rejects(bad, "renew_deadline (12s) must be greater than retry_period (10s) * 1.2");
  bad = config;
  bad.retry_period = 0s;
  rejects(bad, "retry_period must be positive");
  bad = config;
  bad.identity.clear();
  rejects(bad, "identity is empty");
  bad = config;
  bad.lease_name = "Bad_Name";
  rejects(bad, "lease_name is not a DNS subdomain");

  const Client client(std::make_shared<FakeLeaseServer>());
  bad = config;
  bad.lease_duration = 5s;
  EXPECT_THROW(LeaderElector(client, bad), Error);
}

TEST(LeaderElectionFormatTest, MicroTimeAndRecord) {
  const core::WallTime time = core::WallTime(1'800'000'000s) + 123'456'789ns;
  EXPECT_EQ(formatMicroTime(time), "2027-01-15T08:00:00.123456Z");
  EXPECT_EQ(formatMicroTime(core::WallTime(1'800'000'000s)), "2027-01-15T08:00:00.000000Z");
  EXPECT_EQ(leasePath("kube-system", "kube-scheduler"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler");

  const LeaseRecord record = parseLeaseRecord(
      R"({"kind":"Lease","spec":{"holderIdentity":"x","leaseDurationSeconds":15,)"
      R"("acquireTime":"2027-01-15T08:00:00.000000Z","renewTime":"2027-01-15T08:00:02.000000Z",)"
      R"("leaseTransitions":3}})");
  EXPECT_EQ(record.holder_identity, "x");
  EXPECT_EQ(record.lease_duration_seconds, 15);
  EXPECT_EQ(record.acquire_time, "2027-01-15T08:00:00.000000Z");
  EXPECT_EQ(record.renew_time, "2027-01-15T08:00:02.000000Z");
  EXPECT_EQ(record.lease_transitions, 3);
  EXPECT_EQ(parseLeaseRecord(R"({"kind":"Lease","spec":{}})"), LeaseRecord{});
  EXPECT_THROW(parseLeaseRecord(R"({"spec":{"leaseTransitions":"3"}})"), Error);
  EXPECT_THROW(parseLeaseRecord("not json"), Error);
}

TEST_F(LeaderElectionTest, CreatesAMissingLeaseAndLeads) {
  LeaderElector elector(client_, config());
  start(elector);
  ASSERT_TRUE(eventually([&] { return elector.isLeader(); }));
  settle();
  EXPECT_EQ(started_, 1);
  EXPECT_TRUE(leader_in_started_);
  EXPECT_EQ(elector.leader(), "a");
  const LeaseRecord lease = server_->lease().value();
  EXPECT_EQ(lease.holder_identity, "a");
  EXPECT_EQ(lease.lease_duration_seconds, 15);
  EXPECT_EQ(lease.acquire_time, wallNow());
  EXPECT_EQ(lease.renew_time, wallNow());
  EXPECT_EQ(lease.lease_transitions, 0);
  EXPECT_THAT(server_->takeLog(),
              ElementsAre(std::string("GET ") + kPath, std::string("POST ") + kCollection));

  // Renewal every retry_period: one PUT on the object last written (no GET), renewTime moves,
  // acquireTime and leaseTransitions stay.
  const std::string acquired = lease.acquire_time;
  step();
  EXPECT_TRUE(elector.isLeader());
  const LeaseRecord renewed = server_->lease().value();
  EXPECT_EQ(renewed.renew_time, wallNow());
  EXPECT_NE(renewed.renew_time, acquired);
  EXPECT_EQ(renewed.acquire_time, acquired);
  EXPECT_EQ(renewed.lease_transitions, 0);
  EXPECT_THAT(server_->takeLog(), ElementsAre(std::string("PUT ") + kPath));
  EXPECT_EQ(stopped_, 0);
}

TEST_F(LeaderElectionTest, WaitsOutAnotherHoldersLeaseByObservedTimeThenTakesItOver) {
  server_->put(heldBy("b", 4));
  LeaderElector elector(client_, config());
  start(elector);
  settle();
  // The record's renewTime is years old, but we have only just seen it: it is fresh to us.
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(elector.leader(), "b");
  core::SteadyTime seen = clock_->steadyNow();

  // b renews once, 8 s later: expiry counts from when we see that change.
  bool renewed_by_b = false;
  while (!elector.isLeader()) {
    if (!renewed_by_b && clock_->steadyNow() - seen >= 8s) {
      LeaseRecord renewal = heldBy("b", 4);
      renewal.renew_time = "2020-01-01T00:00:08.000000Z";
      server_->put(renewal);
      renewed_by_b = true;
      step();  // the attempt that sees the change
      seen = clock_->steadyNow();
      ASSERT_FALSE(elector.isLeader());
      continue;
    }
    step();
    const auto since_seen = clock_->steadyNow() - seen;
    ASSERT_EQ(elector.isLeader(), since_seen >= 15s)
        << "attempt " << std::chrono::duration<double>(since_seen).count() << " s after "
        << "the record last changed";
    ASSERT_LT(since_seen, 15s + 5s);  // retry_period 2 s + jitter < 4.4 s
  }
  EXPECT_TRUE(renewed_by_b);
  EXPECT_EQ(started_, 1);
  EXPECT_EQ(elector.leader(), "a");
  const LeaseRecord lease = server_->lease().value();
  EXPECT_EQ(lease.holder_identity, "a");
  EXPECT_EQ(lease.lease_transitions, 5);  // the holder changed
  EXPECT_EQ(lease.acquire_time, wallNow());
}

TEST_F(LeaderElectionTest, LosingTheWriteRaceIsNotLeading) {
  // A released Lease: free to take, but b's PUT lands between our GET and our PUT.
  LeaseRecord released = heldBy("", 2);
  released.lease_duration_seconds = 1;
  server_->put(released);
  server_->putBeforeNextWrite(heldBy("b", 3));
  LeaderElector elector(client_, config());
  start(elector);
  settle();
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(started_, 0);
  EXPECT_EQ(server_->lease()->holder_identity, "b");
  EXPECT_THAT(server_->takeLog(), ElementsAre(std::string("GET ") + kPath,
                                              std::string("PUT ") + kPath));  // 409

  step();  // now we read b's fresh record: held by another
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(elector.leader(), "b");
  EXPECT_THAT(server_->takeLog(), ElementsAre(std::string("GET ") + kPath));
}

TEST_F(LeaderElectionTest, LosingTheCreateRaceIsNotLeading) {
  server_->putBeforeNextWrite(heldBy("b"));  // b creates the Lease first: 409 AlreadyExists
  LeaderElector elector(client_, config());
  start(elector);
  settle();
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(server_->lease()->holder_identity, "b");
  step();
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(elector.leader(), "b");
}

TEST_F(LeaderElectionTest, StopsLeadingWhenRenewalsFailForTheRenewDeadline) {
  LeaderElector elector(client_, config());
  start(elector);
  ASSERT_TRUE(eventually([&] { return elector.isLeader(); }));
  settle();
  server_->setUnavailable(true);
  step();  // the first renewal fails: the renew deadline (10 s) starts here
  const core::SteadyTime first_failure = clock_->steadyNow();
  EXPECT_TRUE(elector.isLeader());
  while (stopped_ == 0) {
    step();
    ASSERT_EQ(elector.isLeader(), clock_->steadyNow() - first_failure < 10s);
  }
  EXPECT_EQ(clock_->steadyNow() - first_failure, 10s);
  EXPECT_FALSE(leader_in_stopped_);  // isLeader() was false before on_stopped_leading ran
  EXPECT_EQ(started_, 1);
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(server_->lease()->holder_identity, "a");  // the release could not reach the server
  elector.stop();
  EXPECT_EQ(stopped_, 1);
}

TEST_F(LeaderElectionTest, StopsLeadingAtOnceWhenAnotherHolderTookOver) {
  LeaderElector elector(client_, config());
  start(elector);
  ASSERT_TRUE(eventually([&] { return elector.isLeader(); }));
  settle();
  server_->put(heldBy("b", 1));  // e.g. our renewals were lost for longer than lease_duration
  step();
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(elector.leader(), "b");
  EXPECT_EQ(server_->lease()->holder_identity, "b");  // not released: it is not ours
}

TEST_F(LeaderElectionTest, ReleasesTheLeaseOnStop) {
  server_->put(heldBy("", 7));
  LeaderElector elector(client_, config());
  start(elector);
  ASSERT_TRUE(eventually([&] { return elector.isLeader(); }));
  EXPECT_EQ(server_->lease()->lease_transitions, 8);
  settle();
  elector.stop();
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(stopped_, 1);
  EXPECT_FALSE(leader_in_stopped_);
  const LeaseRecord lease = server_->lease().value();
  EXPECT_EQ(lease.holder_identity, "");
  EXPECT_EQ(lease.lease_duration_seconds, 1);
  EXPECT_EQ(lease.lease_transitions, 8);
  EXPECT_EQ(lease.renew_time, wallNow());
  EXPECT_EQ(elector.leader(), "");
}

TEST_F(LeaderElectionTest, KeepsTheLeaseOnStopWithoutReleaseOnCancel) {
  LeaderElectionConfig options = config();
  options.release_on_cancel = false;
  LeaderElector elector(client_, options);
  start(elector);
  ASSERT_TRUE(eventually([&] { return elector.isLeader(); }));
  elector.stop();
  EXPECT_FALSE(elector.isLeader());
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(server_->lease()->holder_identity, "a");
  EXPECT_EQ(server_->lease()->lease_duration_seconds, 15);
}

TEST_F(LeaderElectionTest, StopWhileStandingByCallsNoCallback) {
  server_->put(heldBy("b"));
  LeaderElector elector(client_, config());
  start(elector);
  settle();
  elector.stop();
  EXPECT_EQ(started_, 0);
  EXPECT_EQ(stopped_, 0);
  EXPECT_EQ(server_->lease()->holder_identity, "b");
}

}  // namespace
}  // namespace keelson::kube
