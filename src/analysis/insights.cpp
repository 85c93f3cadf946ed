#include "analysis/insights.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "core/quantity.h"

namespace keelson::analysis {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

Subject podSubject(const PodSample& pod) {
  return {"pod", pod.summary.namespace_name, pod.summary.name};
}

std::string findingId(std::string_view kind, const Subject& subject, std::string_view detail = {}) {
  std::string id =
      fmt::format("{}/{}/{}/{}", kind, subject.kind, subject.namespace_name, subject.name);
  if (!detail.empty()) id += fmt::format("/{}", detail);
  return id;
}

std::string humanDuration(seconds d) {
  const auto s = d.count();
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m", s / 60);
  return fmt::format("{:.1f}h", static_cast<double>(s) / 3600.0);
}

std::string bytesText(double bytes) {
  return core::formatBytes(static_cast<std::int64_t>(std::llround(bytes)));
}

std::optional<std::int64_t> resource(const kube::ResourceList& list, const char* name) {
  const auto it = list.find(name);
  if (it == list.end() || it->second.isZero()) return std::nullopt;
  return it->second.milliValue();
}

const PodHistory* historyOf(const InsightInputs& in, const PodSample& pod) {
  if (in.history == nullptr) return nullptr;
  const auto it = in.history->find(pod.uid);
  return it == in.history->end() ? nullptr : &it->second;
}

std::vector<double> restartValues(const PodHistory* history) {
  std::vector<double> out;
  if (history != nullptr) {
    for (const auto& p : *history) out.push_back(p.restarts);
  }
  return out;
}

std::vector<double> memoryValues(const PodHistory* history) {
  std::vector<double> out;
  if (history != nullptr) {
    for (const auto& p : *history) {
      if (p.hasMemory()) out.push_back(p.memory_bytes);
    }
  }
  return out;
}

// "app=CrashLoopBackOff" → ("app", "CrashLoopBackOff")
std::pair<std::string, std::string> splitReason(const std::string& tagged) {
  const auto eq = tagged.rfind('=');
  return {tagged.substr(0, eq), tagged.substr(eq + 1)};
}

std::string lastTermination(const PodSample& pod, const std::string& container) {
  for (const auto& tagged : pod.last_terminated_reasons) {
    auto [name, reason] = splitReason(tagged);
    if (name == container) return reason;
  }
  return {};
}

class Rules {
 public:
  Rules(const InsightInputs& in, const RuleOptions& options) : in_(in), options_(options) {}

  std::vector<Finding> run() {
    if (in_.pods != nullptr) {
      for (const auto& pod : *in_.pods) podRules(pod);
    }
    if (in_.nodes != nullptr) {
      for (const auto& node : *in_.nodes) nodeRules(node);
    }
    if (in_.filesystems != nullptr) filesystemRules();
    for (const auto& alert : in_.anomalies) anomaly(alert);
    std::sort(out_.begin(), out_.end(),
              [](const Finding& a, const Finding& b) { return a.id < b.id; });
    out_.erase(std::unique(out_.begin(), out_.end(),
                           [](const Finding& a, const Finding& b) { return a.id == b.id; }),
               out_.end());
    return std::move(out_);
  }

 private:
  void podRules(const PodSample& pod) {
    for (const auto& tagged : pod.waiting_reasons) waitingReason(pod, tagged);
    restartBurst(pod);
    oomRisk(pod);
    throttling(pod);
    pendingTooLong(pod);
  }

  void waitingReason(const PodSample& pod, const std::string& tagged) {
    const auto [container, reason] = splitReason(tagged);
    const Subject subject = podSubject(pod);
    if (reason == "CrashLoopBackOff") {
      const std::string last = lastTermination(pod, container);
      Finding f{findingId("crash_loop", subject, container),
                "crash_loop",
                subject,
                "critical",
                {"restarts_total",
                 restartValues(historyOf(in_, pod)),
                 std::nullopt,
                 std::nullopt,
                 {{"container", container}, {"last_termination_reason", last}}},
                fmt::format("Container {} of pod {}/{} keeps crashing (CrashLoopBackOff, {} "
                            "restarts{}); the kubelet waits longer before each restart.",
                            container, subject.namespace_name, subject.name, pod.summary.restarts,
                            last.empty() ? "" : ", last exit: " + last),
                {}};
      f.suggested_action =
          last == "OOMKilled"
              ? SuggestedAction{"set_resources",
                                "The container was OOM-killed: raise its memory limit or fix "
                                "the leak."}
              : SuggestedAction{"inspect",
                                fmt::format("Read the crash: kubectl logs -n {} {} -c {} "
                                            "--previous",
                                            subject.namespace_name, subject.name, container)};
      out_.push_back(std::move(f));
    } else if (reason == "ImagePullBackOff" || reason == "ErrImagePull" ||
               reason == "InvalidImageName" || reason == "ErrImageNeverPull") {
      out_.push_back({findingId("image_pull_failure", subject, container),
                      "image_pull_failure",
                      subject,
                      "critical",
                      {"waiting_reason",
                       {},
                       std::nullopt,
                       std::nullopt,
                       {{"container", container}, {"reason", reason}}},
                      fmt::format("Container {} of pod {}/{} cannot start: its image cannot be "
                                  "pulled ({}).",
                                  container, subject.namespace_name, subject.name, reason),
                      {"fix_image",
                       "Check the image name and tag, that the registry is reachable from the "
                       "node, and the pod's imagePullSecrets."}});
    }
  }

  void restartBurst(const PodSample& pod) {
    const PodHistory* history = historyOf(in_, pod);
    if (history == nullptr || history->empty()) return;
    const auto since = in_.now - options_.restart_window;
    // The restarts within the window: now's total minus the total at the window's start (the
    // oldest sample inside it, or the one just before it).
    int base = history->front().restarts;
    for (const auto& p : *history) {
      if (p.timestamp > since) break;
      base = p.restarts;
    }
    const int restarts = pod.summary.restarts - base;
    if (restarts < options_.restart_burst) return;
    const Subject subject = podSubject(pod);
    out_.push_back(
        {findingId("restart_burst", subject),
         "restart_burst",
         subject,
         "warning",
         {"restarts_total",
          restartValues(history),
          std::nullopt,
          std::nullopt,
          {{"restarts_in_window", std::to_string(restarts)},
           {"window_seconds", std::to_string(options_.restart_window.count())}}},
         fmt::format("Pod {}/{} restarted {} times in the last {}.", subject.namespace_name,
                     subject.name, restarts, humanDuration(options_.restart_window)),
         {"inspect", "Look at the containers' last termination reasons and logs."}});
  }

  void oomRisk(const PodSample& pod) {
    const auto limit = resource(pod.summary.limits, "memory");
    if (!limit || !pod.summary.usage) return;
    const auto used = resource(pod.summary.usage->usage, "memory");
    if (!used) return;
    const double limit_bytes = static_cast<double>(*limit) / 1000.0;
    const double used_bytes = static_cast<double>(*used) / 1000.0;
    const double percent = 100.0 * used_bytes / limit_bytes;
    const PodHistory* history = historyOf(in_, pod);
    // Plain values rather than the optional: GCC 12 misreads the optional's payload as possibly
    // uninitialized under -O2.
    OomForecast forecast;
    bool soon = false;
    if (history != nullptr) {
      if (const auto f = forecastOom(*history, limit_bytes)) {
        forecast = *f;
        soon = forecast.time_to_limit < options_.oom_horizon;
      }
    }
    if (!soon && percent < 90.0) return;
    const Subject subject = podSubject(pod);
    Finding f{
        findingId("oom_risk", subject),
        "oom_risk",
        subject,
        percent >= 95.0 || (soon && forecast.time_to_limit < seconds(900)) ? "critical" : "warning",
        {"memory_usage_bytes",
         memoryValues(history),
         std::pair{0.0, limit_bytes},
         std::nullopt,
         {{"limit_bytes", fmt::format("{:.0f}", limit_bytes)},
          {"usage_bytes", fmt::format("{:.0f}", used_bytes)},
          {"percent_of_limit", fmt::format("{:.1f}", percent)}}},
        {},
        {"set_resources", "Raise the memory limit (and request) or find what keeps allocating."}};
    if (soon) {
      f.evidence.details["slope_bytes_per_second"] =
          fmt::format("{:.1f}", forecast.slope_bytes_per_second);
      f.evidence.details["time_to_limit_seconds"] = std::to_string(forecast.time_to_limit.count());
      f.explanation = fmt::format(
          "Pod {}/{} uses {} of its {} memory limit ({:.0f}%) and is growing by {}/min: at this "
          "rate it reaches the limit in about {} and will be OOM-killed.",
          subject.namespace_name, subject.name, bytesText(used_bytes), bytesText(limit_bytes),
          percent, bytesText(forecast.slope_bytes_per_second * 60.0),
          humanDuration(forecast.time_to_limit));
    } else {
      f.explanation = fmt::format(
          "Pod {}/{} uses {} of its {} memory limit ({:.0f}%); a little more and it is "
          "OOM-killed.",
          subject.namespace_name, subject.name, bytesText(used_bytes), bytesText(limit_bytes),
          percent);
    }
    out_.push_back(std::move(f));
  }

  void throttling(const PodSample& pod) {
    const auto limit = resource(pod.summary.limits, "cpu");
    if (!limit || !pod.summary.usage) return;
    const auto used = resource(pod.summary.usage->usage, "cpu");
    if (!used) return;
    const double percent = 100.0 * static_cast<double>(*used) / static_cast<double>(*limit);
    if (percent < options_.throttling_percent) return;
    const Subject subject = podSubject(pod);
    out_.push_back(
        {findingId("throttling", subject),
         "throttling",
         subject,
         "warning",
         {"cpu_usage_millicores",
          {},
          std::pair{0.0, static_cast<double>(*limit)},
          std::nullopt,
          {{"limit_millicores", std::to_string(*limit)},
           {"usage_millicores", std::to_string(*used)},
           {"percent_of_limit", fmt::format("{:.1f}", percent)}}},
         fmt::format("Pod {}/{} uses {}m CPU of its {}m limit ({:.0f}%): the kernel's CFS quota "
                     "is throttling it, which shows up as latency.",
                     subject.namespace_name, subject.name, *used, *limit, percent),
         {"set_resources", "Raise the CPU limit, or remove it and rely on the request."}});
  }

  void pendingTooLong(const PodSample& pod) {
    if (pod.summary.phase != "Pending") return;
    const kube::Time since = pod.unschedulable && pod.scheduled_condition_since != kube::Time{}
                                 ? std::min(pod.scheduled_condition_since, pod.created)
                                 : pod.created;
    if (since == kube::Time{}) return;
    const auto age = duration_cast<seconds>(in_.now - since);
    if (age < options_.pending_after) return;
    const Subject subject = podSubject(pod);
    const std::string why = pod.unschedulable ? "kube-scheduler cannot place it"
                            : pod.summary.node.empty()
                                ? "it is not scheduled yet"
                                : "its containers have not started on " + pod.summary.node;
    out_.push_back(
        {findingId("pending_too_long", subject),
         "pending_too_long",
         subject,
         "warning",
         {"pending_seconds",
          {static_cast<double>(age.count())},
          std::nullopt,
          std::nullopt,
          {{"unschedulable", pod.unschedulable ? "true" : "false"}, {"node", pod.summary.node}}},
         fmt::format("Pod {}/{} has been Pending for {}: {}.", subject.namespace_name, subject.name,
                     humanDuration(age), why),
         {"inspect", fmt::format("See why: kubectl describe pod -n {} {} (its FailedScheduling "
                                 "events)",
                                 subject.namespace_name, subject.name)}});
  }

  void nodeRules(const kube::Node& node) {
    const Subject subject{"node", "", node.metadata.name};
    for (const auto& c : node.status.conditions) {
      const bool pressure =
          (c.type == "MemoryPressure" || c.type == "DiskPressure" || c.type == "PIDPressure") &&
          c.status == "True";
      const bool not_ready = c.type == "Ready" && c.status != "True";
      if (!pressure && !not_ready) continue;
      const std::string condition = not_ready ? "NotReady" : c.type;
      out_.push_back(
          {findingId("node_pressure", subject, condition),
           "node_pressure",
           subject,
           "critical",
           {"node_condition",
            {},
            std::nullopt,
            std::nullopt,
            {{"condition", c.type},
             {"status", c.status},
             {"reason", c.reason},
             {"message", c.message}}},
           fmt::format("Node {} reports {}{}: the kubelet {}.", node.metadata.name, condition,
                       c.reason.empty() ? "" : " (" + c.reason + ")",
                       not_ready ? "is not posting a healthy status; its pods may be evicted"
                                 : "may evict pods to reclaim resources"),
           {not_ready ? "inspect" : "cordon",
            not_ready ? "Check the node's kubelet and container runtime."
                      : "Cordon the node and move or shrink the heaviest pods."}});
    }
  }

  void filesystemRules() {
    const std::string node = options_.host_node_name.empty() ? "host" : options_.host_node_name;
    const Subject subject{"node", "", node};
    for (const auto& fs : *in_.filesystems) {
      if (!fs.usage || !fs.usage->usage_percent) continue;
      const double percent = *fs.usage->usage_percent;
      if (percent <= options_.filesystem_percent) continue;
      out_.push_back(
          {findingId("node_pressure", subject, "filesystem:" + fs.mount_point),
           "node_pressure",
           subject,
           percent >= 95.0 ? "critical" : "warning",
           {"filesystem_used_percent",
            {percent},
            std::pair{0.0, options_.filesystem_percent},
            std::nullopt,
            {{"mount_point", fs.mount_point},
             {"device", fs.device},
             {"available_bytes", std::to_string(fs.usage->available_bytes)}}},
           fmt::format("Filesystem {} on {} is {:.1f}% full ({} left); at 100% writes fail and "
                       "the kubelet starts evicting pods.",
                       fs.mount_point, node, percent,
                       bytesText(static_cast<double>(fs.usage->available_bytes))),
           {"free_disk", "Remove unused images and logs, or grow the filesystem."}});
    }
  }

  void anomaly(const AnomalyAlert& alert) {
    Evidence evidence{alert.series, alert.recent_values, std::nullopt, alert.score, {}};
    if (alert.recent_values.size() >= 3) {
      // Expected range: mean ± 3σ of the values before the latest one.
      const auto n = static_cast<double>(alert.recent_values.size() - 1);
      double mean = 0;
      for (std::size_t i = 0; i + 1 < alert.recent_values.size(); ++i) {
        mean += alert.recent_values[i];
      }
      mean /= n;
      double var = 0;
      for (std::size_t i = 0; i + 1 < alert.recent_values.size(); ++i) {
        var += (alert.recent_values[i] - mean) * (alert.recent_values[i] - mean);
      }
      const double sd = std::sqrt(var / n);
      evidence.expected_range = std::pair{mean - 3 * sd, mean + 3 * sd};
    }
    const std::string who =
        alert.subject.namespace_name.empty()
            ? alert.subject.kind + " " + alert.subject.name
            : alert.subject.kind + " " + alert.subject.namespace_name + "/" + alert.subject.name;
    out_.push_back({findingId("anomaly", alert.subject, alert.series),
                    "anomaly",
                    alert.subject,
                    alert.score >= 0.9 ? "critical" : "warning",
                    std::move(evidence),
                    fmt::format("{} of {} departs from its recent behaviour (anomaly score "
                                "{:.2f}).",
                                alert.series, who, alert.score),
                    {"inspect", "Compare with recent deployments, traffic and events."}});
  }

  const InsightInputs& in_;
  const RuleOptions& options_;
  std::vector<Finding> out_;
};

}  // namespace

void recordHistory(std::map<std::string, PodHistory>& history,
                   const std::vector<PodSample>& samples, kube::Time now, std::size_t max_points) {
  updateByUid(history, samples, [&](PodHistory& points, const PodSample& s) {
    points.reserve(max_points);  // once: the pod's one allocation
    // Room for this tick's point: the oldest go.
    const std::size_t keep = max_points == 0 ? 0 : max_points - 1;
    if (points.size() > keep) {
      points.erase(points.begin(), points.end() - static_cast<std::ptrdiff_t>(keep));
    }
    PodHistoryPoint p;
    p.timestamp = now;
    p.restarts = s.summary.restarts;
    if (s.summary.usage) {
      if (const auto m = resource(s.summary.usage->usage, "memory")) {
        p.memory_bytes = static_cast<float>(static_cast<double>(*m) / 1000.0);
      }
    }
    if (max_points > 0) points.push_back(p);
  });
}

std::optional<OomForecast> forecastOom(const PodHistory& history, double limit_bytes,
                                       std::size_t min_points) {
  std::vector<std::pair<double, double>> xy;  // (seconds since the first sample, bytes)
  for (const auto& p : history) {
    if (!p.hasMemory()) continue;
    xy.emplace_back(std::chrono::duration<double>(p.timestamp - history.front().timestamp).count(),
                    p.memory_bytes);
  }
  if (xy.size() < min_points || xy.back().first - xy.front().first < 60.0) return std::nullopt;
  double mx = 0;
  double my = 0;
  for (const auto& [x, y] : xy) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(xy.size());
  my /= static_cast<double>(xy.size());
  double sxy = 0;
  double sxx = 0;
  for (const auto& [x, y] : xy) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  if (sxx <= 0) return std::nullopt;
  const double slope = sxy / sxx;
  if (slope <= 0) return std::nullopt;
  const double remaining = std::max(0.0, limit_bytes - xy.back().second);
  return OomForecast{slope, seconds(static_cast<std::int64_t>(remaining / slope))};
}

std::vector<Finding> evaluateInsights(const InsightInputs& inputs, const RuleOptions& options) {
  return Rules(inputs, options).run();
}

}  // namespace keelson::analysis
