#pragma once

// The scheduler's writes to the API server, as kube-scheduler makes them: the binding
// (POST /api/v1/namespaces/{ns}/pods/{name}/binding), events.k8s.io/v1 Events (Scheduled,
// FailedScheduling), and the pod's PodScheduled condition (PATCH .../pods/{name}/status).

#include <string>

#include "kube/client.h"
#include "schedule/scheduler.h"

namespace keelson::schedule {

/// A SchedulerSink over a kube::Client. Thread-safe (the client is). Event and status writes
/// that fail are logged (warn) and dropped: they never fail a scheduling cycle.
class ApiSchedulerSink final : public SchedulerSink {
 public:
  /// `scheduler_name` is the events' reportingController (kube-scheduler writes its profile's
  /// schedulerName, "default-scheduler"); `instance` their reportingInstance (e.g.
  /// "keelson-<hostname>"). `client` must outlive the sink.
  ApiSchedulerSink(const kube::Client& client, std::string scheduler_name, std::string instance);

  void bind(const kube::Pod& pod, const std::string& node) override;
  void scheduled(const kube::Pod& pod, const std::string& node) noexcept override;
  void failed(const kube::Pod& pod, const std::string& message, bool error) noexcept override;

 private:
  void event(const kube::Pod& pod, std::string_view type, std::string_view reason,
             std::string_view action, const std::string& note) noexcept;

  const kube::Client& client_;
  std::string scheduler_name_;
  std::string instance_;
};

}  // namespace keelson::schedule
