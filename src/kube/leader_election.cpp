#include "kube/leader_election.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cassert>
#include <ctime>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/error.h"
#include "core/log.h"
#include "kube/names.h"
#include "kube/objects.h"
#include "net/http.h"

namespace keelson::kube {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr double kJitterFactor = 1.2;  // client-go's leaderelection.JitterFactor

nlohmann::json parseObject(std::string_view json, std::string_view what) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw Error(ErrorCode::kInternal, fmt::format("{}: not a JSON object", what));
  }
  return doc;
}

std::string stringAt(const nlohmann::json& spec, const char* key) {
  const auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return {};
  if (!it->is_string())
    throw Error(ErrorCode::kInternal, fmt::format("Lease spec.{}: not a string", key));
  return it->get<std::string>();
}

std::int64_t integerAt(const nlohmann::json& spec, const char* key) {
  const auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return 0;
  if (!it->is_number_integer()) {
    throw Error(ErrorCode::kInternal, fmt::format("Lease spec.{}: not an integer", key));
  }
  return it->get<std::int64_t>();
}

void writeSpec(nlohmann::json& lease, const LeaseRecord& record) {
  nlohmann::json& spec = lease["spec"];
  spec["holderIdentity"] = record.holder_identity;
  spec["leaseDurationSeconds"] = record.lease_duration_seconds;
  spec["acquireTime"] = record.acquire_time;
  spec["renewTime"] = record.renew_time;
  spec["leaseTransitions"] = record.lease_transitions;
}

LeaderElectionConfig withDefaults(LeaderElectionConfig config) {
  validateLeaderElectionConfig(config);
  if (!config.clock) config.clock = core::systemClock();
  return config;
}

void invoke(const LeaderElector::Callback& callback, std::string_view name,
            const std::string& lease) {
  if (!callback) return;
  try {
    callback();
  } catch (const std::exception& e) {
    core::logEvent(spdlog::level::err, "leader election: callback failed",
                   {{"lease", lease}, {"callback", name}, {"error", e.what()}});
  }
}

}  // namespace

std::string leasePath(std::string_view namespace_name, std::string_view name) {
  return fmt::format("/apis/coordination.k8s.io/v1/namespaces/{}/leases/{}", namespace_name, name);
}

LeaseRecord parseLeaseRecord(std::string_view lease_json) {
  const nlohmann::json lease = parseObject(lease_json, "Lease");
  LeaseRecord record;
  const auto spec = lease.find("spec");
  if (spec == lease.end() || spec->is_null()) return record;
  if (!spec->is_object()) throw Error(ErrorCode::kInternal, "Lease spec: not an object");
  record.holder_identity = stringAt(*spec, "holderIdentity");
  record.lease_duration_seconds = integerAt(*spec, "leaseDurationSeconds");
  record.acquire_time = stringAt(*spec, "acquireTime");
  record.renew_time = stringAt(*spec, "renewTime");
  record.lease_transitions = integerAt(*spec, "leaseTransitions");
  return record;
}

void validateLeaderElectionConfig(const LeaderElectionConfig& config) {
  const auto fail = [&](const std::string& why) {
    throw Error(ErrorCode::kBadInput, fmt::format("leader election on Lease {}/{}: {}",
                                                  config.lease_namespace, config.lease_name, why));
  };
  if (!isDnsLabel(config.lease_namespace)) fail("lease_namespace is not a DNS label");
  if (!isDnsSubdomain(config.lease_name)) fail("lease_name is not a DNS subdomain");
  if (config.identity.empty()) fail("identity is empty");
  if (config.retry_period <= seconds(0)) fail("retry_period must be positive");
  if (config.lease_duration <= config.renew_deadline) {
    fail(fmt::format("lease_duration ({}s) must be greater than renew_deadline ({}s)",
                     config.lease_duration.count(), config.renew_deadline.count()));
  }
  // renew_deadline > retry_period * 1.2, in integers: 10 * renew_deadline > 12 * retry_period.
  if (config.renew_deadline.count() * 10 <= config.retry_period.count() * 12) {
    fail(fmt::format("renew_deadline ({}s) must be greater than retry_period ({}s) * {}",
                     config.renew_deadline.count(), config.retry_period.count(), kJitterFactor));
  }
}

LeaderElector::LeaderElector(const Client& client, LeaderElectionConfig config)
    : client_(client),
      config_(withDefaults(std::move(config))),
      path_(leasePath(config_.lease_namespace, config_.lease_name)),
      name_(config_.lease_namespace + "/" + config_.lease_name) {}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start(Callback on_started_leading, Callback on_stopped_leading) {
  if (thread_.joinable()) {
    throw Error(ErrorCode::kConflict,
                fmt::format("leader election on Lease {}: already started", name_));
  }
  thread_ = std::jthread([this, started = std::move(on_started_leading),
                          stopped = std::move(on_stopped_leading)](std::stop_token stop) {
    const std::string name = ("leader-" + config_.lease_name).substr(0, 15);
    ::pthread_setname_np(::pthread_self(), name.c_str());
    run(std::move(stop), started, stopped);
  });
}

void LeaderElector::stop() noexcept {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  thread_ = std::jthread();
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mutex_);
  return observed_.holder_identity;
}

void LeaderElector::run(std::stop_token stop, const Callback& on_started_leading,
                        const Callback& on_stopped_leading) {
  if (!acquire(stop)) return;
  leading_.store(true, std::memory_order_release);
  core::logEvent(spdlog::level::info, "leader election: started leading",
                 {{"lease", name_}, {"identity", config_.identity}});
  invoke(on_started_leading, "on_started_leading", name_);
  renew(stop);
  // Leading ends before anything else: a caller that acts on isLeader() must stop at once.
  leading_.store(false, std::memory_order_release);
  core::logEvent(
      spdlog::level::info, "leader election: stopped leading",
      {{"lease", name_}, {"identity", config_.identity}, {"stopped", stop.stop_requested()}});
  invoke(on_stopped_leading, "on_stopped_leading", name_);
  if (config_.release_on_cancel) release();
}

bool LeaderElector::acquire(std::stop_token stop) {
  const core::Clock& clock = *config_.clock;
  while (!stop.stop_requested()) {
    const core::SteadyTime deadline = clock.steadyNow() + config_.renew_deadline;
    if (tryAcquireOrRenew(stop, deadline) == Attempt::kLeading) return true;
    if (!clock.sleepFor(jitteredRetryPeriod(), stop)) return false;
  }
  return false;
}

void LeaderElector::renew(std::stop_token stop) {
  const core::Clock& clock = *config_.clock;
  while (clock.sleepFor(config_.retry_period, stop)) {
    if (!renewWithin(stop, clock.steadyNow() + config_.renew_deadline)) return;
  }
}

bool LeaderElector::renewWithin(std::stop_token stop, core::SteadyTime deadline) {
  const core::Clock& clock = *config_.clock;
  for (;;) {
    switch (tryAcquireOrRenew(stop, deadline)) {
      case Attempt::kLeading:
        return true;
      case Attempt::kHeldByOther:
        return false;
      case Attempt::kFailed:
        break;
    }
    const core::SteadyTime next = clock.steadyNow() + config_.retry_period;
    if (!clock.sleepUntil(std::min(next, deadline), stop) || clock.steadyNow() >= deadline) {
      core::logEvent(spdlog::level::warn, "leader election: failed to renew within the deadline",
                     {{"lease", name_},
                      {"identity", config_.identity},
                      {"renew_deadline_seconds", config_.renew_deadline.count()}});
      return false;
    }
  }
}

LeaderElector::Attempt LeaderElector::tryAcquireOrRenew(std::stop_token stop,
                                                        core::SteadyTime deadline) {
  const std::string now = formatMicroTime(config_.clock->wallNow());
  LeaseRecord desired;
  desired.holder_identity = config_.identity;
  desired.lease_duration_seconds = config_.lease_duration.count();
  desired.acquire_time = now;
  desired.renew_time = now;
  try {
    // While leading with a lease valid by our clock, PUT on the object we last wrote: one
    // request instead of two. Anything wrong with that falls back to reading the Lease.
    if (isLeader() && leaseValid(config_.clock->steadyNow()) &&
        renewFast(desired, stop, deadline)) {
      return Attempt::kLeading;
    }
    return acquireOrRenewSlow(desired, stop, deadline);
  } catch (const Error& e) {
    const bool conflict = e.code() == ErrorCode::kConflict;
    core::logEvent(conflict ? spdlog::level::info : spdlog::level::warn,
                   conflict ? "leader election: another candidate wrote the Lease first"
                            : "leader election: attempt failed",
                   {{"lease", name_}, {"identity", config_.identity}, {"error", e.what()}});
    return Attempt::kFailed;
  }
}

bool LeaderElector::renewFast(LeaseRecord desired, std::stop_token stop,
                              core::SteadyTime deadline) {
  const LeaseRecord old = observed();
  desired.acquire_time = old.acquire_time;
  desired.lease_transitions = old.lease_transitions;
  try {
    write("PUT", desired, std::move(stop), deadline);
  } catch (const Error& e) {
    core::logEvent(spdlog::level::debug, "leader election: optimistic renewal failed",
                   {{"lease", name_}, {"error", e.what()}});
    return false;
  }
  setObserved(desired);
  return true;
}

LeaderElector::Attempt LeaderElector::acquireOrRenewSlow(LeaseRecord desired, std::stop_token stop,
                                                         core::SteadyTime deadline) {
  std::optional<std::string> lease = getLease(stop, deadline);
  if (!lease) {
    write("POST", desired, std::move(stop), deadline);
    setObserved(desired);
    return Attempt::kLeading;
  }
  const LeaseRecord old = parseLeaseRecord(*lease);
  lease_json_ = std::move(lease);
  // Expiry counts from when WE saw the record change, not from its renewTime.
  if (old != observed()) setObserved(old);
  const bool ours = old.holder_identity == config_.identity;
  if (!ours && !old.holder_identity.empty() && leaseValid(config_.clock->steadyNow())) {
    return Attempt::kHeldByOther;
  }
  if (ours) {
    desired.acquire_time = old.acquire_time;
    desired.lease_transitions = old.lease_transitions;
  } else {
    desired.lease_transitions = old.lease_transitions + 1;
  }
  write("PUT", desired, std::move(stop), deadline);
  setObserved(desired);
  return Attempt::kLeading;
}

void LeaderElector::release() {
  const LeaseRecord old = observed();
  if (old.holder_identity != config_.identity || !lease_json_) return;
  const core::Clock& clock = *config_.clock;
  const std::string now = formatMicroTime(clock.wallNow());
  LeaseRecord released;
  released.lease_duration_seconds = 1;
  released.acquire_time = now;
  released.renew_time = now;
  released.lease_transitions = old.lease_transitions;
  try {
    // Not cancelled by the stop that brought us here; bounded by renew_deadline instead.
    write("PUT", released, {}, clock.steadyNow() + config_.renew_deadline);
    setObserved(released);
    core::logEvent(spdlog::level::info, "leader election: released the Lease",
                   {{"lease", name_}, {"identity", config_.identity}});
  } catch (const Error& e) {
    core::logEvent(spdlog::level::warn, "leader election: failed to release the Lease",
                   {{"lease", name_}, {"identity", config_.identity}, {"error", e.what()}});
  }
}

std::optional<std::string> LeaderElector::getLease(std::stop_token stop,
                                                   core::SteadyTime deadline) const {
  try {
    return client_.send("GET", path_, "", requestOptions(deadline, ""), std::move(stop));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return std::nullopt;
    throw;
  }
}

void LeaderElector::write(std::string_view method, const LeaseRecord& record, std::stop_token stop,
                          core::SteadyTime deadline) {
  const bool create = method == "POST";
  nlohmann::json lease;
  if (create) {
    lease = {{"apiVersion", "coordination.k8s.io/v1"},
             {"kind", "Lease"},
             {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}}};
  } else {
    assert(lease_json_.has_value());
    // The object as last read or written: its resourceVersion makes the PUT conditional (409
    // when someone else wrote since), and labels/annotations are kept.
    lease = parseObject(*lease_json_, "Lease " + name_);
  }
  writeSpec(lease, record);
  const std::string path =
      create ? path_.substr(0, path_.size() - config_.lease_name.size() - 1) : path_;
  lease_json_ = client_.send(method, path, lease.dump(),
                             requestOptions(deadline, "application/json"), std::move(stop));
}

SendOptions LeaderElector::requestOptions(core::SteadyTime deadline,
                                          std::string_view content_type) const {
  const auto left = std::chrono::ceil<milliseconds>(deadline - config_.clock->steadyNow());
  if (left <= milliseconds(0)) {
    throw Error(ErrorCode::kTimeout,
                fmt::format("leader election on Lease {}: renew deadline passed", name_));
  }
  SendOptions options;
  options.content_type = std::string(content_type);
  // One attempt: the election loop retries every retry_period, as client-go's does.
  options.retry = net::RetryPolicy::none();
  options.timeout = left;
  return options;
}

bool LeaderElector::leaseValid(core::SteadyTime now) const {
  std::lock_guard lock(mutex_);
  return observed_time_ + seconds(observed_.lease_duration_seconds) > now;
}

void LeaderElector::setObserved(const LeaseRecord& record) {
  const core::SteadyTime now = config_.clock->steadyNow();
  std::lock_guard lock(mutex_);
  observed_ = record;
  observed_time_ = now;
}

LeaseRecord LeaderElector::observed() const {
  std::lock_guard lock(mutex_);
  return observed_;
}

std::chrono::nanoseconds LeaderElector::jitteredRetryPeriod() {
  // client-go's wait.Jitter: retry_period * (1 + u * 1.2), u uniform in [0, 1).
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  const std::chrono::nanoseconds period = config_.retry_period;
  return period + std::chrono::nanoseconds(static_cast<std::int64_t>(
                      static_cast<double>(period.count()) * u * kJitterFactor));
}

}  // namespace keelson::kube
