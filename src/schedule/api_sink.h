#pragma once

// The scheduler's writes to the API server, as kube-scheduler makes them: the binding
// (POST /api/v1/namespaces/{ns}/pods/{name}/binding), events.k8s.io/v1 Events (Scheduled,
// FailedScheduling), and the pod's PodScheduled condition (PATCH .../pods/{name}/status).
// Events are sent by one recorder thread of their own, in order, as client-go's event
// broadcaster does: a binding never waits for an event. Repeated events (a pod unschedulable
// again and again) become one event with a series count (kube/event_series.h).

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "kube/client.h"
#include "kube/event_series.h"
#include "schedule/scheduler.h"

namespace keelson::schedule {

/// Events waiting for the recorder thread at most; more are dropped (and logged).
inline constexpr std::size_t kMaxQueuedEvents = 1000;
/// How often idle event series are finished (their last count sent).
inline constexpr std::chrono::seconds kSweepPeriod{60};

/// A SchedulerSink over a kube::Client. Thread-safe (the client is). Event and status writes
/// that fail are logged (warn) and dropped: they never fail a scheduling cycle.
class ApiSchedulerSink final : public SchedulerSink {
 public:
  /// `scheduler_name` is the events' reportingController (kube-scheduler writes its profile's
  /// schedulerName, "default-scheduler"); `instance` their reportingInstance (e.g.
  /// "keelson-<hostname>"). `client` must outlive the sink.
  ApiSchedulerSink(const kube::Client& client, std::string scheduler_name, std::string instance);
  /// Stops the recorder: events still queued are dropped, as the broadcaster's are on shutdown.
  ~ApiSchedulerSink() override;
  ApiSchedulerSink(const ApiSchedulerSink&) = delete;
  ApiSchedulerSink& operator=(const ApiSchedulerSink&) = delete;

  void bind(const kube::Pod& pod, const std::string& node) override;
  void scheduled(const kube::Pod& pod, const std::string& node) noexcept override;
  void failed(const kube::Pod& pod, const std::string& message, bool error) noexcept override;

 private:
  /// Queues the event for the recorder thread.
  void event(const kube::Pod& pod, std::string_view type, std::string_view reason,
             std::string_view action, const std::string& note) noexcept;
  // On the recorder thread:
  /// Creates the event, or counts it in its series (patching the series when due).
  void record(const std::string& key, const nlohmann::json& event,
              std::chrono::system_clock::time_point now) noexcept;
  /// PATCHes the event's series.count and series.lastObservedTime; false when that failed.
  bool patchSeries(const kube::EventDecision& decision) const;
  /// Sends one request; false (logged unless 404) when it failed.
  bool send(const std::string& method, const std::string& path, const nlohmann::json& body) const;
  /// Finishes idle series every `period` until the sink closes.
  void sweepEvery(std::chrono::seconds period);

  const kube::Client& client_;
  std::string scheduler_name_;
  std::string instance_;
  std::atomic<std::size_t> queued_events_ = 0;
  std::atomic<bool> closing_ = false;
  kube::EventSeriesCache series_;  ///< The recorder thread's only.
  boost::asio::thread_pool recorder_{1};
  boost::asio::steady_timer sweep_timer_{recorder_};  ///< Cancelled, then joined, on close.
};

}  // namespace keelson::schedule
