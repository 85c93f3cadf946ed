#pragma once

// Leader election on a coordination.k8s.io/v1 Lease, with client-go's leaderelection semantics
// (tools/leaderelection): several replicas run a LeaderElector on the same Lease; at most one
// of them leads at a time, as long as the clocks of the replicas run at about the same rate.
//
//   LeaderElectionConfig config;
//   config.lease_namespace = "keelson";
//   config.lease_name = "keelson-scheduler";
//   config.identity = pod_name;
//   LeaderElector elector(client, config);
//   elector.start([&] { scheduler.start(); }, [&] { scheduler.stop(); });
//   ...
//   elector.stop();  // releases the Lease when leading (release_on_cancel)
//
// How it decides (one attempt, tryAcquireOrRenew):
//   - no Lease: create it with us as holder (leaseTransitions 0);
//   - the Lease names another holder and has not expired: do nothing. "Expired" is judged by
//     OUR clock, as client-go does: the Lease's record expires leaseDurationSeconds after the
//     local (monotonic) time at which we last saw it change, never by its renewTime (which
//     another machine's clock wrote);
//   - otherwise (the holder is us, is "", or has expired): PUT the Lease with the resourceVersion
//     we read. A 409 Conflict means another candidate wrote first: not leader this time.
//     leaseTransitions grows by one whenever the holder changes.
//
// The loop: while not leading, one attempt every retry_period plus jitter (uniform in
// [0, 1.2 * retry_period)); once leading, on_started_leading, then a renewal every
// retry_period. When renewals keep failing for renew_deadline, or the Lease is seen with another
// holder, leading stops at once: isLeader() turns false and on_stopped_leading is called before
// anything else happens. Every request is bounded by what is left of renew_deadline, so a hung
// API server cannot keep a stale leader leading. Then, if release_on_cancel and the Lease still
// names us, it is released (holderIdentity "", leaseDurationSeconds 1) so a standby takes over
// after about one retry_period instead of a whole lease_duration. As in client-go, leading ends
// the run: call run() or start() again to stand for election once more.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "kube/client.h"

namespace keelson::kube {

/// How a LeaderElector competes for its Lease. The defaults are kube-scheduler's (15 s / 10 s /
/// 2 s). Validated by the LeaderElector constructor.
struct LeaderElectionConfig {
  std::string lease_namespace;  ///< Namespace of the Lease, e.g. "kube-system".
  std::string lease_name;       ///< Name of the Lease, e.g. "keelson-scheduler".
  std::string identity;         ///< This candidate's holderIdentity; unique among candidates.
  /// How long a standby waits, after it last saw the Lease change, before it takes the Lease
  /// over (leaseDurationSeconds; whole seconds).
  std::chrono::seconds lease_duration{15};
  /// How long the leader keeps trying to renew before it gives up leading.
  std::chrono::seconds renew_deadline{10};
  /// Wait between two attempts to acquire or to renew.
  std::chrono::seconds retry_period{2};
  /// On stop, give the Lease up (holderIdentity "") when leading, so a standby need not wait for
  /// it to expire. false: leave it to expire (as a killed process would).
  bool release_on_cancel = true;
  /// Time for expiry, waits and the Lease's acquireTime/renewTime; null: core::systemClock().
  std::shared_ptr<const core::Clock> clock;
};

/// The part of a Lease's spec that leader election reads and writes (client-go's
/// LeaderElectionRecord). Times are the MicroTime text as it is in the object (kept verbatim:
/// a record "changed" when any of these fields differs from the last one seen).
struct LeaseRecord {
  std::string holder_identity;              ///< spec.holderIdentity ("" when released).
  std::int64_t lease_duration_seconds = 0;  ///< spec.leaseDurationSeconds.
  std::string acquire_time;            ///< spec.acquireTime, e.g. "2027-01-15T08:00:00.000000Z".
  std::string renew_time;              ///< spec.renewTime.
  std::int64_t lease_transitions = 0;  ///< spec.leaseTransitions.

  bool operator==(const LeaseRecord&) const = default;
};

/// The API path of Lease `name` in `namespace_name`:
/// "/apis/coordination.k8s.io/v1/namespaces/{namespace_name}/leases/{name}". Pure.
std::string leasePath(std::string_view namespace_name, std::string_view name);

/// Reads the LeaseRecord from a coordination.k8s.io/v1 Lease JSON document; absent spec fields
/// read as "" / 0. Throws Error(kInternal) naming the field when `lease_json` is not a JSON
/// object or a field has the wrong type. Pure; thread-safe.
LeaseRecord parseLeaseRecord(std::string_view lease_json);

/// Throws Error(kBadInput) with a message naming the offending fields unless lease_namespace is
/// a DNS label, lease_name a DNS subdomain, identity is set and lease_duration >
/// renew_deadline > 1.2 * retry_period > 0 (1.2: the jitter factor; as client-go's
/// NewLeaderElector demands). Pure.
void validateLeaderElectionConfig(const LeaderElectionConfig& config);

/// One candidate for leadership on one Lease (see the top of this file).
///
/// API: GET, POST (create) and PUT (update) on leasePath(); RBAC needs get, create and update
/// on leases in the namespace. Errors of single requests are logged (warn) and retried by the
/// loop; nothing thrown reaches the caller after construction.
///
/// Thread-safety: isLeader() and leader() may be called from any thread at any time. run() is
/// called by one thread at a time; start() and stop() must not race with each other or the
/// destructor. The callbacks run on the election thread, which does not renew while they run:
/// they must return quickly (start work on a thread of their own).
class LeaderElector {
 public:
  /// Called when this candidate starts or stops leading.
  using Callback = std::function<void()>;

  /// A candidate on `client` (which must outlive it). Throws Error(kBadInput) when `config` is
  /// invalid (validateLeaderElectionConfig).
  LeaderElector(const Client& client, LeaderElectionConfig config);
  /// stop().
  ~LeaderElector();

  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  /// Competes for the Lease on the calling thread until `stop` is requested or leading ended:
  /// acquires (attempt every retry_period plus jitter), calls on_started_leading, renews every
  /// retry_period; when leading ends (stop requested, renewals failing for renew_deadline, or
  /// another holder seen) sets isLeader() false, calls on_stopped_leading, then releases the
  /// Lease if release_on_cancel. on_stopped_leading is called only if on_started_leading was.
  /// Returns within about one request's time after `stop` is requested. Callbacks may be empty
  /// and should not throw; what one throws is logged (error) and otherwise ignored.
  void run(std::stop_token stop, const Callback& on_started_leading,
           const Callback& on_stopped_leading);

  /// run() on a thread of its own ("leader-<name>", first 15 characters). Throws
  /// Error(kConflict) when started and not stopped since (also when that run has ended by
  /// itself: call stop() first).
  void start(Callback on_started_leading, Callback on_stopped_leading);
  /// Requests stop and joins the thread started by start(): when it returns, on_stopped_leading
  /// has been called (if leading) and the Lease released (if release_on_cancel). Idempotent.
  void stop() noexcept;

  /// True from just before on_started_leading is called until just before on_stopped_leading
  /// is. Lock-free.
  bool isLeader() const noexcept { return leading_.load(std::memory_order_acquire); }
  /// The holderIdentity of the Lease as last observed ("" before the first read, or when
  /// released).
  std::string leader() const;

 private:
  // How one attempt ended.
  enum class Attempt {
    kLeading,      // the Lease names us with a fresh renewTime
    kHeldByOther,  // another holder's Lease has not expired (by our observation)
    kFailed,       // a request failed (conflict, API away, deadline): try again later
  };

  // Acquire attempts until one succeeds (true) or `stop` is requested (false).
  bool acquire(std::stop_token stop);
  // Renewals every retry_period until one fails for renew_deadline, another holder is seen or
  // `stop` is requested.
  void renew(std::stop_token stop);
  // Renewal attempts until one succeeds (true), `deadline` passes or another holder is seen.
  bool renewWithin(std::stop_token stop, core::SteadyTime deadline);
  // One attempt to become or stay leader (client-go's tryAcquireOrRenew); every request is
  // bounded by `deadline`. Catches Error (kFailed).
  Attempt tryAcquireOrRenew(std::stop_token stop, core::SteadyTime deadline);
  // PUT on the Lease last written, without reading it first; false when that failed.
  bool renewFast(LeaseRecord desired, std::stop_token stop, core::SteadyTime deadline);
  // GET the Lease, create it when missing, else take it over if ours, free or expired.
  Attempt acquireOrRenewSlow(LeaseRecord desired, std::stop_token stop, core::SteadyTime deadline);
  // Gives the Lease up (holderIdentity "") if the last record seen names us.
  void release();
  // The Lease's JSON, or nullopt when it does not exist.
  std::optional<std::string> getLease(std::stop_token stop, core::SteadyTime deadline) const;
  // POST (create) or PUT (update, conditional on lease_json_'s resourceVersion) `record`.
  void write(std::string_view method, const LeaseRecord& record, std::stop_token stop,
             core::SteadyTime deadline);
  // One attempt, timed out at `deadline`; Error(kTimeout) when it has passed.
  SendOptions requestOptions(core::SteadyTime deadline, std::string_view content_type) const;
  bool leaseValid(core::SteadyTime now) const;
  void setObserved(const LeaseRecord& record);
  LeaseRecord observed() const;
  std::chrono::nanoseconds jitteredRetryPeriod();

  const Client& client_;
  const LeaderElectionConfig config_;
  const std::string path_;
  const std::string name_;  // "namespace/name", for messages
  std::atomic<bool> leading_{false};
  // The Lease object last read or written, for the next PUT (resourceVersion, metadata). Only
  // the election thread uses it.
  std::optional<std::string> lease_json_;
  std::mt19937_64 random_{std::random_device{}()};  // election thread only
  mutable std::mutex mutex_;                        // guards observed_ and observed_time_
  LeaseRecord observed_;
  core::SteadyTime observed_time_{};  // local time observed_ was last seen to change
  std::jthread thread_;
};

}  // namespace keelson::kube
