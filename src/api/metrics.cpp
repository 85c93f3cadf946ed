#include "api/metrics.h"

#include <chrono>
#include <set>
#include <utility>
#include <vector>

namespace keelson::api {
namespace {

using server::GaugeSample;

void addGrowth(server::CounterFamily& counter, const std::string& resource, std::uint64_t now,
               std::uint64_t& seen) {
  // The informers' counts only grow. Adding 0 makes the series exist from the first scrape.
  counter.inc({resource}, now > seen ? static_cast<double>(now - seen) : 0.0);
  seen = now;
}

double unixSeconds(std::chrono::system_clock::time_point time) {
  if (time == std::chrono::system_clock::time_point{}) return 0;
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

template <class Field>
std::vector<GaugeSample> perInformer(const kube::ClusterCache& cache, Field field) {
  std::vector<GaugeSample> out;
  for (const auto& status : cache.statuses()) {
    out.emplace_back(server::LabelValues{status.resource}, field(status));
  }
  return out;
}

bool nodeReady(const kube::Node& node) {
  for (const auto& condition : node.status.conditions) {
    if (condition.type == "Ready") return condition.status == "True";
  }
  return false;
}

// The number of objects in an informer's current snapshot.
template <class T>
double objectCount(const kube::Informer<T>& informer) {
  const auto snapshot = informer.snapshot();
  return static_cast<double>(snapshot->size());
}

// A gauge of the cached nodes for which `counted` is true.
void nodeCountGauge(server::Registry& registry, const std::string& name, const std::string& help,
                    const kube::ClusterCache& cache,
                    std::function<bool(const kube::Node&)> counted) {
  registry.callbackGauge(name, help, {}, [&cache, counted = std::move(counted)] {
    double count = 0;
    const auto nodes = cache.nodes().snapshot();
    for (const auto& node : nodes->all()) count += counted(*node) ? 1 : 0;
    return std::vector<GaugeSample>{{{}, count}};
  });
}

// The cached pods by status.phase (every phase, 0 when none), each sample's labels `labels`
// followed by the phase.
std::vector<GaugeSample> podsByPhase(const kube::ClusterCache& cache,
                                     const server::LabelValues& labels) {
  std::map<std::string, double> by_phase;
  for (const char* phase : {"Pending", "Running", "Succeeded", "Failed", "Unknown"}) {
    by_phase[phase] = 0;
  }
  const auto pods = cache.pods().snapshot();
  for (const auto& pod : pods->all()) {
    ++by_phase[pod->status.phase.empty() ? "Unknown" : pod->status.phase];
  }
  std::vector<GaugeSample> out;
  out.reserve(by_phase.size());
  for (auto& [phase, count] : by_phase) {
    server::LabelValues values = labels;
    values.push_back(phase);
    out.emplace_back(std::move(values), count);
  }
  return out;
}

// Cluster mode: aggregates over the whole cluster, which only the cluster-wide agent exports (a
// DaemonSet exporting them would multiply every sum() by the node count).
void registerClusterGauges(server::Registry& registry, const kube::ClusterCache& cache) {
  registry.callbackGauge("keelson_cluster_nodes", "Nodes in the cluster (cache).", {}, [&cache] {
    return std::vector<GaugeSample>{{{}, objectCount(cache.nodes())}};
  });
  nodeCountGauge(registry, "keelson_cluster_nodes_ready", "Nodes whose Ready condition is True.",
                 cache, nodeReady);
  nodeCountGauge(registry, "keelson_cluster_nodes_unschedulable",
                 "Nodes marked unschedulable (cordoned).", cache,
                 [](const kube::Node& node) { return node.spec.unschedulable; });
  registry.callbackGauge("keelson_cluster_pods", "Pods in the cache by status.phase.", {"phase"},
                         [&cache] { return podsByPhase(cache, {}); });
  registry.callbackGauge("keelson_cluster_namespaces", "Namespaces in the cluster (cache).", {},
                         [&cache] {
                           return std::vector<GaugeSample>{{{}, objectCount(*cache.namespaces())}};
                         });
}

// Node mode: the agent's own node, labelled with its name.
void registerNodeGauges(server::Registry& registry, const kube::ClusterCache& cache) {
  registry.callbackGauge(
      "keelson_node_pods", "Pods bound to this agent's node, by status.phase (node mode).",
      {"node", "phase"}, [&cache] { return podsByPhase(cache, {cache.nodeName()}); });
}

// One host gauge: `value` maps the capture to samples (none when the section failed).
void hostGauge(server::Registry& registry, const std::string& name, const std::string& help,
               const std::vector<std::string>& labels, const LatestHostCapture& latest,
               std::function<void(const host::HostSnapshot&, std::vector<GaugeSample>&)> value) {
  registry.callbackGauge(name, help, labels, [latest, value = std::move(value)] {
    std::vector<GaugeSample> out;
    if (const auto capture = latest ? latest() : nullptr) value(capture->snapshot, out);
    return out;
  });
}

}  // namespace

void registerHostGauges(server::Registry& registry, LatestHostCapture latest) {
  using host::HostSnapshot;
  using Out = std::vector<GaugeSample>;
  hostGauge(registry, "keelson_host_capture_timestamp_seconds",
            "Unix time of the latest host capture.", {}, latest,
            [](const HostSnapshot& s, Out& out) {
              out.push_back({{}, unixSeconds(s.timestamp)});
            });
  hostGauge(registry, "keelson_host_cpu_usage_percent",
            "Busy share of all online CPUs over the capture's interval (0-100).", {}, latest,
            [](const HostSnapshot& s, Out& out) {
              if (s.cpu.ok() && s.cpu.value->total) {
                out.push_back({{}, s.cpu.value->total->usage_percent});
              }
            });
  hostGauge(registry, "keelson_host_load_average", "/proc/loadavg load averages.", {"period"},
            latest, [](const HostSnapshot& s, Out& out) {
              if (!s.cpu.ok() || !s.cpu.value->load) return;
              const auto& load = *s.cpu.value->load;
              out.push_back({{"1m"}, load.load1});
              out.push_back({{"5m"}, load.load5});
              out.push_back({{"15m"}, load.load15});
            });
  const auto memory = [&](const std::string& name, const std::string& help,
                          std::uint64_t host::MemoryStats::*field) {
    hostGauge(registry, name, help, {}, latest, [field](const HostSnapshot& s, Out& out) {
      if (s.memory.ok()) out.push_back({{}, static_cast<double>((*s.memory.value).*field)});
    });
  };
  memory("keelson_host_memory_total_bytes", "MemTotal.", &host::MemoryStats::total_bytes);
  memory("keelson_host_memory_available_bytes", "MemAvailable.",
         &host::MemoryStats::available_bytes);
  memory("keelson_host_memory_used_bytes", "MemTotal - MemAvailable.",
         &host::MemoryStats::used_bytes);
  memory("keelson_host_swap_used_bytes", "SwapTotal - SwapFree.",
         &host::MemoryStats::swap_used_bytes);
  const auto filesystem = [&](const std::string& name, const std::string& help,
                              std::uint64_t host::FsUsage::*field) {
    hostGauge(registry, name, help, {"mountpoint", "device", "fstype"}, latest,
              [field](const HostSnapshot& s, Out& out) {
                if (!s.filesystems.ok()) return;
                // A mount point can be stacked (the same labels twice); a scrape must not
                // carry a series twice, so the first mount listed wins.
                std::set<server::LabelValues> seen;
                for (const auto& fs : *s.filesystems.value) {
                  if (!fs.usage || !seen.insert({fs.mount_point, fs.device, fs.fs_type}).second) {
                    continue;
                  }
                  out.push_back({{fs.mount_point, fs.device, fs.fs_type},
                                 static_cast<double>((*fs.usage).*field)});
                }
              });
  };
  filesystem("keelson_host_filesystem_size_bytes", "Filesystem size (statvfs).",
             &host::FsUsage::total_bytes);
  filesystem("keelson_host_filesystem_available_bytes",
             "Filesystem space available to unprivileged users (statvfs).",
             &host::FsUsage::available_bytes);
}

CacheMetrics::CacheMetrics(server::Registry& registry, const kube::ClusterCache& cache)
    : cache_(cache),
      watch_restarts_(registry.counter("keelson_informer_watch_restarts_total",
                                       "Watches an informer started after its first one.",
                                       {"resource"})),
      relists_(registry.counter("keelson_informer_relists_total",
                                "Successful lists after the first one (410 Gone, errors).",
                                {"resource"})),
      failures_(registry.counter("keelson_informer_failures_total",
                                 "Failed list or watch attempts (each one backs off).",
                                 {"resource"})),
      decode_errors_(registry.counter("keelson_informer_decode_errors_total",
                                      "Watch events whose object did not decode (skipped).",
                                      {"resource"})),
      handler_errors_(registry.counter("keelson_informer_handler_errors_total",
                                       "Event handler calls that threw (logged, then ignored).",
                                       {"resource"})) {
  registry.callbackGauge(
      "keelson_cache_objects", "Objects held in the cache per resource.", {"resource"}, [&cache] {
        return perInformer(
            cache, [](const kube::InformerStatus& s) { return static_cast<double>(s.objects); });
      });
  registry.callbackGauge(
      "keelson_informer_synced", "1 once the informer has listed successfully, else 0.",
      {"resource"}, [&cache] {
        return perInformer(cache,
                           [](const kube::InformerStatus& s) { return s.has_synced ? 1.0 : 0.0; });
      });
  registry.callbackGauge("keelson_informer_consecutive_failures",
                         "Failed attempts since the informer's last success.", {"resource"},
                         [&cache] {
                           return perInformer(cache, [](const kube::InformerStatus& s) {
                             return static_cast<double>(s.consecutive_failures);
                           });
                         });
  registry.callbackGauge(
      "keelson_informer_last_contact_timestamp_seconds",
      "Unix time of the informer's last successful contact (0: never).", {"resource"}, [&cache] {
        return perInformer(
            cache, [](const kube::InformerStatus& s) { return unixSeconds(s.last_contact); });
      });
  if (cache.nodeMode()) {
    registerNodeGauges(registry, cache);
  } else {
    registerClusterGauges(registry, cache);
  }
  update();
}

void CacheMetrics::update() {
  const std::vector<kube::InformerStatus> statuses = cache_.statuses();
  const std::lock_guard lock(mutex_);
  for (const auto& status : statuses) {
    Seen& seen = seen_[status.resource];
    addGrowth(watch_restarts_, status.resource, status.watch_restarts, seen.watch_restarts);
    addGrowth(relists_, status.resource, status.relists, seen.relists);
    addGrowth(failures_, status.resource, status.failures, seen.failures);
    addGrowth(decode_errors_, status.resource, status.decode_errors, seen.decode_errors);
    addGrowth(handler_errors_, status.resource, status.handler_errors, seen.handler_errors);
  }
}

}  // namespace keelson::api
