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

std::string keyOf(const kube::Pod& pod) {
  return pod.metadata.namespace_name + "/" + pod.metadata.name;
}

void warn(std::string_view what, const std::string& pod, std::string_view error) {
  core::logEvent(spdlog::level::warn, what, {{"pod", pod}, {"error", error}});
}

}  // namespace

ApiSchedulerSink::ApiSchedulerSink(const kube::Client& client, std::string scheduler_name,
                                   std::string instance)
    : client_(client), scheduler_name_(std::move(scheduler_name)), instance_(std::move(instance)) {}

ApiSchedulerSink::~ApiSchedulerSink() {
  closing_ = true;
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
      warn("scheduler: pod condition not updated", keyOf(pod), e.what());
    }
  } catch (const std::exception&) {
  }
}

void ApiSchedulerSink::event(const kube::Pod& pod, std::string_view type, std::string_view reason,
                             std::string_view action, const std::string& note) noexcept {
  try {
    json event = {
        {"apiVersion", "events.k8s.io/v1"},
        {"kind", "Event"},
        {"metadata", {{"name", eventName(pod)}, {"namespace", pod.metadata.namespace_name}}},
        {"eventTime", kube::formatMicroTime(std::chrono::system_clock::now())},
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
    if (queued_events_.fetch_add(1) >= kMaxQueuedEvents) {
      queued_events_.fetch_sub(1);
      warn("scheduler: event dropped", keyOf(pod),
           fmt::format("{} events already wait for the API server", kMaxQueuedEvents));
      return;
    }
    boost::asio::post(recorder_, [this, event = std::move(event)] {
      if (!closing_) send(event);
      queued_events_.fetch_sub(1);
    });
  } catch (const std::exception&) {
  }
}

void ApiSchedulerSink::send(const json& event) const noexcept {
  try {
    const json& regarding = event["regarding"];
    const auto& ns = regarding["namespace"].get_ref<const std::string&>();
    try {
      client_.send("POST", fmt::format("/apis/events.k8s.io/v1/namespaces/{}/events", ns),
                   event.dump());
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) {
        warn("scheduler: event not recorded",
             ns + "/" + regarding["name"].get_ref<const std::string&>(), e.what());
      }
    }
  } catch (const std::exception&) {
  }
}

}  // namespace keelson::schedule
