#include "app/monitor_metrics.h"

#include <map>
#include <string>
#include <utility>

#include "app/monitor.h"

namespace keelson::app {
namespace {

double unixSeconds(kube::Time t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

MonitorMetrics::MonitorMetrics(server::Registry& registry, std::chrono::seconds interval)
    : ticks_(registry.counter("keelson_monitor_ticks_total",
                              "Ticks written by keelson monitor; degraded: a section failed",
                              {"result"})),
      tick_duration_(registry.histogram("keelson_monitor_tick_duration_seconds",
                                        "Time one tick took: sampling, scoring and writing", {},
                                        server::exponentialBuckets(0.05, 2, 10))) {
  registry.callbackGauge("keelson_insights",
                         "Open findings of keelson monitor by kind and severity",
                         {"kind", "severity"}, [this] { return insightCounts(); });
  registry.callbackGauge(
      "keelson_insight_open", "1 for each open finding of keelson monitor (see its insights file)",
      {"id", "kind", "severity", "subject_kind", "subject_namespace", "subject_name"},
      [this] { return openInsights(); });
  registry.callbackGauge("keelson_monitor_last_tick_timestamp_seconds",
                         "Unix time of the latest tick keelson monitor wrote", {},
                         [this] { return lastTick(); });
  registry.gauge("keelson_monitor_interval_seconds", "Time between the starts of two ticks")
      .set({}, static_cast<double>(interval.count()));
  for (const char* result : {"ok", "degraded"}) ticks_.inc({result}, 0);
}

void MonitorMetrics::observe(const TickResult& tick, std::chrono::duration<double> took,
                             const std::vector<analysis::TrackedFinding>& findings) {
  const bool degraded = !tick.errors.empty();
  ticks_.inc({degraded ? "degraded" : "ok"});
  tick_duration_.observe({}, took.count());
  std::vector<analysis::Finding> open;
  for (const analysis::TrackedFinding& f : findings) {
    if (f.open()) open.push_back(f.finding);
  }
  const std::lock_guard lock(mutex_);
  open_ = std::move(open);
  last_tick_ = tick.timestamp;
  ++tick_count_;
  degraded_ticks_ += degraded ? 1 : 0;
}

Readiness MonitorMetrics::readiness() const {
  const std::lock_guard lock(mutex_);
  nlohmann::json body = {{"ticks", tick_count_},
                         {"degraded_ticks", degraded_ticks_},
                         {"last_tick", nullptr},
                         {"open_findings", open_.size()}};
  if (last_tick_) body["last_tick"] = kube::formatTime(*last_tick_);
  return {last_tick_.has_value(), std::move(body)};
}

std::vector<server::GaugeSample> MonitorMetrics::insightCounts() const {
  std::map<std::pair<std::string, std::string>, double> counts;
  for (std::string_view kind : analysis::kFindingKinds) {
    for (std::string_view severity : analysis::kSeverities) {
      counts[{std::string(kind), std::string(severity)}] = 0;
    }
  }
  const std::lock_guard lock(mutex_);
  for (const analysis::Finding& f : open_) counts[{f.kind, f.severity}] += 1;
  std::vector<server::GaugeSample> samples;
  samples.reserve(counts.size());
  for (const auto& [key, count] : counts) samples.push_back({{key.first, key.second}, count});
  return samples;
}

std::vector<server::GaugeSample> MonitorMetrics::openInsights() const {
  const std::lock_guard lock(mutex_);
  std::vector<server::GaugeSample> samples;
  samples.reserve(open_.size());
  for (const analysis::Finding& f : open_) {
    samples.push_back(
        {{f.id, f.kind, f.severity, f.subject.kind, f.subject.namespace_name, f.subject.name},
         1.0});
  }
  return samples;
}

std::vector<server::GaugeSample> MonitorMetrics::lastTick() const {
  const std::lock_guard lock(mutex_);
  if (!last_tick_) return {};
  return {{{}, unixSeconds(*last_tick_)}};
}

}  // namespace keelson::app
