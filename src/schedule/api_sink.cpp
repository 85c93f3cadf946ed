#include "schedule/api_sink.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/error.h"
#include "core/log.h"
#include "kube/objects.h"
#include "kube/write.h"

namespace keelson::schedule {
namespace {

using nlohmann::json;

std::string podPath(const kube::Pod& pod) {
  return fmt::format("/api/v1/namespaces/{}/pods/{}", pod.metadata.namespace_name,
                     pod.metadata.name);
}

/// A unique event name: "<pod>.<hex nanoseconds><hex counter>", as the recorder names them.
std::string eventName(const kube::Pod& pod) {
  static std::atomic<unsigned> counter{0};
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  return fmt::format("{}.{:x}{:x}", pod.metadata.name, nanos, counter.fetch_add(1) % 4096);
}

void warn(std::string_view what, const std::string& pod, std::string_view error) {
  core::logEvent(spdlog::level::warn, what, {{"pod", pod}, {"error", error}});
}

}  // namespace

ApiSchedulerSink::ApiSchedulerSink(const kube::Client& client, std::string scheduler_name,
                                   std::string instance)
    : client_(client), scheduler_name_(std::move(scheduler_name)), instance_(std::move(instance)) {
  boost::asio::post(recorder_, [this] { sweepEvery(kSweepPeriod); });
}

ApiSchedulerSink::~ApiSchedulerSink() {
  closing_ = true;
  boost::asio::post(recorder_, [this] { sweep_timer_.cancel(); });
  recorder_.join();
}

void ApiSchedulerSink::bind(const kube::Pod& pod, const std::string& node) {
  kube::bindPod(client_, {pod.metadata.namespace_name, pod.metadata.name, pod.metadata.uid, node},
                {});
}

void ApiSchedulerSink::scheduled(const kube::Pod& pod, const std::string& node) noexcept {
  event(pod, "Normal", "Scheduled", "Binding",
        fmt::format("Successfully assigned {}/{} to {}", pod.metadata.namespace_name,
                    pod.metadata.name, node));
}

void ApiSchedulerSink::failed(const kube::Pod& pod, const std::string& message,
                              bool error) noexcept {
  event(pod, "Warning", "FailedScheduling", "Scheduling", message);
  try {
    const json patch = {
        {"status",
         {{"conditions",
           {{{"type", "PodScheduled"},
             {"status", "False"},
             {"reason", error ? "SchedulerError" : "Unschedulable"},
             {"message", message},
             {"lastProbeTime", nullptr},
             {"lastTransitionTime", kube::formatTime(std::chrono::system_clock::now())}}}}}}};
    client_.send("PATCH", podPath(pod) + "/status", patch.dump(),
                 "application/strategic-merge-patch+json");
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) {
      warn("scheduler: pod condition not updated", podKey(pod), e.what());
    }
  } catch (const std::exception&) {
  }
}

void ApiSchedulerSink::event(const kube::Pod& pod, std::string_view type, std::string_view reason,
                             std::string_view action, const std::string& note) noexcept {
  try {
    const auto now = std::chrono::system_clock::now();
    json event = {
        {"apiVersion", "events.k8s.io/v1"},
        {"kind", "Event"},
        {"metadata", {{"name", eventName(pod)}, {"namespace", pod.metadata.namespace_name}}},
        {"eventTime", kube::formatMicroTime(now)},
        {"reportingController", scheduler_name_},
        {"reportingInstance", instance_},
        {"action", action},
        {"reason", reason},
        {"type", type},
        {"note", note},
        {"regarding",
         {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"namespace", pod.metadata.namespace_name},
          {"name", pod.metadata.name},
          {"uid", pod.metadata.uid}}},
    };
    // Isomorphic events: the same pod (uid included), type, reason, action and note.
    std::string key = fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}", pod.metadata.namespace_name,
                                  pod.metadata.name, pod.metadata.uid, type, reason, action, note);
    if (queued_events_.fetch_add(1) >= kMaxQueuedEvents) {
      queued_events_.fetch_sub(1);
      warn("scheduler: event dropped", podKey(pod),
           fmt::format("{} events already wait for the API server", kMaxQueuedEvents));
      return;
    }
    boost::asio::post(recorder_, [this, key = std::move(key), event = std::move(event), now] {
      if (!closing_) record(key, event, now);
      queued_events_.fetch_sub(1);
    });
  } catch (const std::exception&) {
  }
}

void ApiSchedulerSink::record(const std::string& key, const json& event,
                              std::chrono::system_clock::time_point now) noexcept {
  try {
    const json& meta = event["metadata"];
    const kube::EventDecision decision = series_.observe(key, meta["namespace"].get<std::string>(),
                                                         meta["name"].get<std::string>(), now);
    bool sent = true;
    if (decision.kind == kube::EventDecision::Kind::kCreate) {
      sent =
          send("POST",
               fmt::format("/apis/events.k8s.io/v1/namespaces/{}/events", decision.namespace_name),
               event);
    } else if (decision.kind == kube::EventDecision::Kind::kPatch) {
      sent = patchSeries(decision);
    }
    // Not recorded: a later isomorphic event starts afresh rather than patching nothing.
    if (!sent) series_.forget(key);
  } catch (const std::exception&) {
  }
}

bool ApiSchedulerSink::patchSeries(const kube::EventDecision& decision) const {
  return send("PATCH",
              fmt::format("/apis/events.k8s.io/v1/namespaces/{}/events/{}", decision.namespace_name,
                          decision.name),
              json{{"series",
                    {{"count", decision.count},
                     {"lastObservedTime", kube::formatMicroTime(decision.last_observed)}}}});
}

bool ApiSchedulerSink::send(const std::string& method, const std::string& path,
                            const json& body) const {
  try {
    client_.send(method, path, body.dump(),
                 method == "PATCH" ? "application/strategic-merge-patch+json" : "application/json");
    return true;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) {
      core::logEvent(spdlog::level::warn, "scheduler: event not recorded",
                     {{"method", method}, {"path", path}, {"error", e.what()}});
    }
    return false;
  }
}

void ApiSchedulerSink::sweepEvery(std::chrono::seconds period) {
  sweep_timer_.expires_after(period);
  sweep_timer_.async_wait([this, period](const boost::system::error_code& error) {
    if (error || closing_) return;
    try {
      for (const kube::EventDecision& d : series_.sweep(std::chrono::system_clock::now())) {
        patchSeries(d);
      }
    } catch (const std::exception&) {
    }
    sweepEvery(period);
  });
}

}  // namespace keelson::schedule
