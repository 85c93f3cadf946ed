#include "app/monitor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/container/static_vector.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

#include "analysis/insight_tracker.h"
#include "analysis/pod_sample.h"
#include "app/cluster_access.h"
#include "app/health_endpoints.h"
#include "app/monitor_metrics.h"
#include "app/monitor_network.h"
#include "core/error.h"
#include "core/log.h"
#include "core/memory.h"
#include "detect/anomaly_detector.h"
#include "docs/insights_file.h"
#include "docs/monitor_dataset.h"
#include "kube/client.h"
#include "kube/decode.h"
#include "kube/list.h"
#include "server/server.h"
#include "store/csv_dataset.h"
#include "store/history_store.h"

namespace keelson::app {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::size_t kRecentValues = 20;       // Values kept per series as evidence.
constexpr std::size_t kCheckpointBatch = 1000;  // Detector states per checkpoint transaction.

std::int64_t unixMillis(kube::Time t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// Everything listed from the API server in one tick.
struct ClusterData {
  analysis::ClusterState state;
  std::vector<kube::Event> events;
  std::string metrics_error;
};

std::string namespacedPath(const std::string& namespace_name, const std::string& resource) {
  return namespace_name.empty() ? "/api/v1/" + resource
                                : "/api/v1/namespaces/" + namespace_name + "/" + resource;
}

ClusterData listCluster(const kube::Client& client, const std::string& namespace_name) {
  ClusterData out;
  // Every pod: node figures need all namespaces; the scope narrows the rows afterwards.
  out.state = listClusterState(client, out.metrics_error);
  kube::ListOptions warnings;
  warnings.field_selector = "type=Warning";
  out.events =
      kube::listAll<kube::Event>(client, namespacedPath(namespace_name, "events"), warnings).items;
  return out;
}

std::optional<double> usageOf(const std::optional<analysis::Usage>& usage, const char* resource,
                              bool bytes) {
  if (!usage) return std::nullopt;
  const auto it = usage->usage.find(resource);
  if (it == usage->usage.end()) return std::nullopt;
  return bytes ? static_cast<double>(it->second.value())
               : static_cast<double>(it->second.milliValue());
}

// What a series is about: kind ("pod", "node" or "host"), namespace (pods) and name.
using SubjectKey = analysis::Subject;

// A SubjectKey to look up without copying its strings.
struct SubjectRef {
  std::string_view kind;
  std::string_view namespace_name;
  std::string_view name;
  friend bool operator<(const SubjectRef& a, const SubjectRef& b) {
    return std::tie(a.kind, a.namespace_name, a.name) < std::tie(b.kind, b.namespace_name, b.name);
  }
};

SubjectRef refOf(const SubjectRef& ref) { return ref; }
SubjectRef refOf(const SubjectKey& key) { return {key.kind, key.namespace_name, key.name}; }

// Orders SubjectKeys (and SubjectRefs, for lookups) by kind, namespace, name.
struct SubjectLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return refOf(a) < refOf(b);
  }
};

store::SeriesKey seriesKey(const SubjectKey& subject, std::string_view metric) {
  return {subject.kind, subject.namespace_name, subject.name, std::string(metric)};
}

std::string seriesId(const store::SeriesKey& key) {
  return key.subject_kind + "/" + key.namespace_name + "/" + key.name + "/" + key.metric;
}

}  // namespace

struct Monitor::State {
  MonitorOptions options;
  std::unique_ptr<ClusterAccess> access;       // The API client (ClientProfile::kService).
  std::unique_ptr<kube::Client> proxy_client;  // Node proxy: short timeout, no retries.
  std::unique_ptr<NetworkSource> network;
  store::CsvDataset dataset;
  std::optional<store::HistoryStore> history;
  // One series: its metric, its detector, its last values (an alert's evidence) and the tick it
  // was last observed in.
  struct Series {
    Series(std::string_view m, const detect::AnomalyDetector& d) : metric(m), detector(d) {}
    std::string_view metric;  // One of the string literals observe() is called with.
    detect::AnomalyDetector detector;
    // The last kRecentValues values, oldest first, inline (no allocation of their own).
    boost::container::static_vector<double, kRecentValues> recent;
    std::uint64_t seen_tick = 0;         // tick_number of its last observation.
    std::optional<std::uint64_t> share;  // Checkpoint share; set at the end of its first tick.
  };
  // The series by subject (a pod has 3, a node and the host 2), each subject's in one
  // allocation: 10,000 pods cost 10,000 map nodes, and the node's key is the only copy of the
  // pod's names.
  using SubjectSeries = std::pair<const SubjectKey, std::vector<Series>>;
  std::map<SubjectKey, std::vector<Series>, SubjectLess> series;
  // This tick's new series, in creation order (their subject's series and their index there).
  std::vector<std::pair<std::vector<Series>*, std::size_t>> created;
  std::uint64_t tick_number = 0;
  analysis::PreviousTick previous;
  std::map<std::string, analysis::PodHistory> pod_history;  // By pod uid.
  analysis::InsightTracker tracker;
  kube::Time last_tick;  // the latest tick written (the insights' generated_at)

  // The tick's outputs, gathered while the series are scored.
  std::vector<store::Point> points;
  std::vector<std::pair<store::SeriesKey, std::string>> states;
  std::vector<analysis::AnomalyAlert> alerts;

  State(MonitorOptions o, std::unique_ptr<ClusterAccess> a, std::unique_ptr<kube::Client> proxy,
        store::CsvDataset d)
      : options(std::move(o)),
        access(std::move(a)),
        proxy_client(std::move(proxy)),
        dataset(std::move(d)) {
    if (options.prometheus_url.empty()) {
      network = std::make_unique<KubeletNetworkSource>(*proxy_client);
    } else {
      network =
          std::make_unique<PrometheusNetworkSource>(options.prometheus_url, options.api_timeout);
    }
  }

  // A subject's entry in `series`; a new one has room for `metrics` series (one allocation).
  SubjectSeries& subjectFor(std::string_view kind, std::string_view namespace_name,
                            std::string_view name, std::size_t metrics) {
    auto it = series.find(SubjectRef{kind, namespace_name, name});
    if (it == series.end()) {
      SubjectKey key{std::string(kind), std::string(namespace_name), std::string(name)};
      it = series.try_emplace(std::move(key)).first;
      it->second.reserve(metrics);
    }
    return *it;
  }

  std::size_t seriesCount() const {
    std::size_t n = 0;
    for (const auto& [subject, of_subject] : series) n += of_subject.size();
    return n;
  }

  Series& seriesFor(SubjectSeries& subject, std::string_view metric, bool counter) {
    auto& of_subject = subject.second;
    for (Series& entry : of_subject) {
      if (entry.metric == metric) return entry;
    }
    of_subject.emplace_back(metric, makeDetector(seriesKey(subject.first, metric), counter));
    created.emplace_back(&of_subject, of_subject.size() - 1);
    return of_subject.back();
  }

  // The detector saved for the series in the history store, else a new one.
  detect::AnomalyDetector makeDetector(const store::SeriesKey& key, bool counter) {
    if (history) {
      try {
        if (auto saved = history->loadDetectorState(key)) {
          return detect::AnomalyDetector::loadState(*saved);
        }
      } catch (const Error& e) {
        core::logEvent(spdlog::level::warn, "history: detector state is unusable, starting afresh",
                       {{"detector", seriesId(key)}, {"error", e.what()}});
      }
    }
    detect::DetectorOptions detector_options;
    detector_options.monotonic_counter = counter;
    return detect::AnomalyDetector(detector_options);
  }

  std::uint64_t checkpointEvery() const {
    return static_cast<std::uint64_t>(std::max(1, options.checkpoint_ticks));
  }

  // Each series' state is written every checkpoint_ticks ticks, a different share of the series
  // each tick, so that no tick writes them all (and at shutdown, checkpoint()). A series gets
  // its share at the end of the tick that created it.
  bool checkpointDue(const Series& entry) const {
    return entry.share && (*entry.share + tick_number) % checkpointEvery() == 0;
  }

  // Gives this tick's new series their shares: runs of series created together (adjacent rows
  // of the store's detector_state), starting at a share that moves with the tick so that small
  // batches (a new pod's series) spread over every share too.
  void assignShares() {
    for (std::size_t i = 0; i < created.size(); ++i) {
      const auto& [of_subject, index] = created[i];
      (*of_subject)[index].share =
          (store::detectorCheckpointShare(i, created.size(), checkpointEvery()) + tick_number) %
          checkpointEvery();
    }
    created.clear();
  }

  // Records one value of one of a subject's series: history point, detector score, evidence,
  // alert. `metric` is a string literal (Series::metric keeps a view of it).
  void observe(SubjectSeries& subject_series, const char* metric, std::optional<double> value,
               kube::Time now, bool counter = false) {
    if (!value) return;
    const std::int64_t ts = unixMillis(now);
    Series& entry = seriesFor(subject_series, metric, counter);
    const SubjectKey& subject = subject_series.first;
    entry.seen_tick = tick_number;
    const double score = entry.detector.update(ts, *value);
    if (entry.recent.size() == kRecentValues) entry.recent.erase(entry.recent.begin());
    entry.recent.push_back(*value);
    if (score >= options.alert_threshold) {
      alerts.push_back({subject, metric, score, {entry.recent.begin(), entry.recent.end()}});
    }
    if (history) {
      store::SeriesKey key = seriesKey(subject, metric);
      if (checkpointDue(entry)) states.emplace_back(key, entry.detector.saveState());
      points.push_back({std::move(key), ts, *value});
    }
  }

  void observePods(const std::vector<analysis::PodSample>& samples, kube::Time now) {
    for (const auto& pod : samples) {
      const auto& s = pod.summary;
      SubjectSeries& subject = subjectFor("pod", s.namespace_name, s.name, 3);
      observe(subject, "cpu_usage_millicores", usageOf(s.usage, "cpu", false), now);
      observe(subject, "memory_usage_bytes", usageOf(s.usage, "memory", true), now);
      observe(subject, "restarts_total", static_cast<double>(s.restarts), now, true);
    }
  }

  void observeNodes(const analysis::ClusterSummary& summary, kube::Time now) {
    for (const auto& node : summary.nodes) {
      SubjectSeries& subject = subjectFor("node", "", node.name, 2);
      observe(subject, "cpu_usage_millicores", usageOf(node.usage, "cpu", false), now);
      observe(subject, "memory_usage_bytes", usageOf(node.usage, "memory", true), now);
    }
  }

  void observeHost(const host::HostSnapshot& snapshot, kube::Time now) {
    const std::string name = snapshot.system.ok() ? snapshot.system.value->hostname : "host";
    SubjectSeries& subject = subjectFor("host", "", name, 2);
    if (snapshot.cpu.ok() && snapshot.cpu.value->total) {
      observe(subject, "cpu_usage_percent", snapshot.cpu.value->total->usage_percent, now);
    }
    if (snapshot.memory.ok()) {
      observe(subject, "memory_usage_percent", snapshot.memory.value->usage_percent, now);
    }
  }

  // Forgets the series that were not observed this tick (deleted pods).
  void forgetUnseen() {
    for (auto it = series.begin(); it != series.end();) {
      std::erase_if(it->second, [&](const Series& e) { return e.seen_tick != tick_number; });
      it = it->second.empty() ? series.erase(it) : std::next(it);
    }
  }
};

Monitor::Monitor(MonitorOptions options) {
  auto access =
      std::make_unique<ClusterAccess>(options.kube, ClientProfile::kService, options.api_timeout);
  auto proxy_client = access->makeClient(ClientProfile::kNodeProxy, options.api_timeout);
  auto dataset = store::CsvDataset::open(options.output_file, docs::datasetColumns());
  state_ = std::make_unique<State>(std::move(options), std::move(access), std::move(proxy_client),
                                   std::move(dataset));
  State& s = *state_;
  if (s.options.history_path) {
    store::HistoryOptions history_options;
    history_options.retention = s.options.retention;
    s.history.emplace(store::HistoryStore::open(*s.options.history_path, history_options));
    s.history->setSetting("detector_checkpoint_ticks", std::to_string(s.options.checkpoint_ticks));
  }
  docs::loadInsightsFile(s.options.insights_file, s.tracker);
  s.previous.timestamp = std::chrono::system_clock::now() - s.options.interval;
  // Each tick's host rates run from the last tick's samples: the counters are read once a tick.
  s.options.host.collector = std::make_shared<host::HostCollector>();
}

Monitor::~Monitor() = default;

TickResult Monitor::tick() {
  State& s = *state_;
  TickResult result;
  const kube::Time now = std::chrono::system_clock::now();
  result.timestamp = now;
  ++s.tick_number;
  s.points.clear();
  // Points are gathered for the history store only: as many as last tick's series, reserved.
  if (s.history) s.points.reserve(s.seriesCount());
  s.states.clear();
  s.alerts.clear();

  HostCaptureOptions host_options = s.options.host;
  host_options.collectors.set(host::Collector::kGluster, false);  // no GlusterFS metrics here
  std::future<docs::HostCapture> host;
  if (s.options.sample_host) {
    host = std::async(std::launch::async, [&host_options] { return captureHost(host_options); });
  }

  std::optional<ClusterData> cluster;
  try {
    cluster = listCluster(s.access->client(), s.options.namespace_name);
  } catch (const Error& e) {
    result.errors.push_back(std::string("cluster: ") + e.what());
  }
  std::optional<docs::HostCapture> host_capture;
  try {
    if (host.valid()) host_capture = host.get();
  } catch (const Error& e) {
    result.errors.push_back(std::string("host: ") + e.what());
  }

  std::vector<analysis::PodSample> samples;
  std::optional<analysis::ClusterSummary> summary;
  if (cluster) {
    if (!cluster->metrics_error.empty()) {
      result.unavailable.push_back("metrics.k8s.io: " + cluster->metrics_error);
    }
    analysis::PodScope scope;
    scope.namespace_name = s.options.namespace_name;
    summary = analysis::summarizeCluster(cluster->state, scope);
    NetworkScope network_scope;
    network_scope.namespace_name = s.options.namespace_name;
    for (const auto& pod : summary->pods) {
      if (!pod.node.empty() && pod.phase == "Running") network_scope.nodes.insert(pod.node);
    }
    const auto network = s.network->collect(network_scope, result.unavailable);
    analysis::SampleInputs inputs;
    inputs.events = &cluster->events;
    inputs.network = &network;
    inputs.now = now;
    samples = analysis::samplePods(cluster->state, *summary, s.previous, inputs);
    // The samples hold what the rest of the tick needs of the pods: release them (the largest
    // part of a tick's memory) before the series grow.
    std::vector<kube::Pod>().swap(cluster->state.pods);
    cluster->state.pod_metrics.reset();
    analysis::advanceTick(s.previous, samples, now);
    s.observePods(samples, now);
    s.observeNodes(*summary, now);
  }
  if (host_capture) s.observeHost(host_capture->snapshot, now);
  s.assignShares();

  std::vector<std::vector<std::optional<std::string>>> rows;
  rows.reserve(samples.size());
  for (const auto& pod : samples) rows.push_back(docs::datasetRow(pod, now));
  s.dataset.appendRows(rows);
  result.pods = static_cast<int>(rows.size());

  if (s.history) {
    s.history->appendTick(s.points, s.states, unixMillis(now));
    result.points = static_cast<int>(s.points.size());
    // Not kept between ticks: a point per series (~4 MB at 30,000 series).
    std::vector<store::Point>().swap(s.points);
  }
  result.alerts = static_cast<int>(s.alerts.size());

  if (cluster) {
    // Pods only: without a cluster listing, keep the previous findings rather than closing all.
    analysis::recordHistory(s.pod_history, samples, now);
    analysis::InsightInputs inputs;
    inputs.now = now;
    inputs.pods = &samples;
    inputs.history = &s.pod_history;
    inputs.nodes = &cluster->state.nodes;
    if (host_capture && host_capture->snapshot.filesystems.ok()) {
      inputs.filesystems = &*host_capture->snapshot.filesystems.value;
    }
    inputs.anomalies = s.alerts;
    analysis::RuleOptions rules = s.options.rules;
    if (rules.host_node_name.empty() && host_capture && host_capture->snapshot.system.ok()) {
      rules.host_node_name = host_capture->snapshot.system.value->hostname;
    }
    s.tracker.update(analysis::evaluateInsights(inputs, rules), now);
    s.tracker.forgetClosedBefore(now - s.options.keep_closed);
    s.forgetUnseen();
  }
  docs::writeInsightsFile(s.options.insights_file, s.tracker, now);
  s.last_tick = now;
  for (const auto& [id, t] : s.tracker.findings()) result.open_findings += t.open() ? 1 : 0;
  return result;
}

void Monitor::checkpoint() {
  State& s = *state_;
  if (!s.history) return;
  // In batches, one transaction each: 30,000 series' states at once would hold another copy of
  // every detector (~50 MB) in memory just to write it.
  std::vector<std::pair<store::SeriesKey, std::string>> states;
  states.reserve(std::min(s.seriesCount(), kCheckpointBatch));
  for (const auto& [subject, of_subject] : s.series) {
    for (const auto& entry : of_subject) {
      states.emplace_back(seriesKey(subject, entry.metric), entry.detector.saveState());
      if (states.size() == kCheckpointBatch) {
        s.history->saveDetectorStates(states, unixMillis(s.last_tick));
        states.clear();
      }
    }
  }
  if (!states.empty()) s.history->saveDetectorStates(states, unixMillis(s.last_tick));
}

docs::InsightsSnapshot Monitor::insights() const {
  docs::InsightsSnapshot snapshot{state_->last_tick, {}};
  for (const auto& [id, tracked] : state_->tracker.findings()) snapshot.findings.push_back(tracked);
  return snapshot;
}

int runMonitor(const MonitorOptions& options, bool once, std::stop_token stop,
               const TickObserver& after_tick) {
  // A tick's listing (every pod) is freed at its end: large buffers go back to the kernel then,
  // and the rest is returned after each tick, so RSS between ticks is what the series hold.
  core::mapLargeAllocations(core::kLargeAllocationBytes);
  Monitor monitor(options);
  const auto registry = std::make_shared<server::Registry>();
  MonitorMetrics metrics(*registry, options.interval);
  std::unique_ptr<server::Server> health;
  if (options.port) {
    health = std::make_unique<server::Server>(
        healthServerOptions(options.address, *options.port, registry),
        healthRoutes([&metrics] { return metrics.readiness(); }, registry));
    health->start();
    core::logEvent(
        spdlog::level::info, "monitor: serving /healthz, /readyz and /metrics",
        {{"address", options.address}, {"port", static_cast<std::int64_t>(health->port())}});
  }
  int failed_ticks = 0;
  std::set<std::string> reported;
  std::mutex mutex;
  std::condition_variable_any wake;
  auto next = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    const auto started = std::chrono::steady_clock::now();
    const TickResult r = monitor.tick();
    kube::releaseDecodeBuffers();  // sized for a page of the listing: ~15 MB until the next tick
    core::releaseFreedMemory();
    metrics.observe(r, std::chrono::steady_clock::now() - started, monitor.insights().findings);
    for (const auto& e : r.errors)
      core::logEvent(spdlog::level::warn, "monitor: tick error", {{"error", e}});
    // Unavailable sources are reported when they change, not every tick.
    std::set<std::string> unavailable(r.unavailable.begin(), r.unavailable.end());
    for (const auto& u : unavailable) {
      if (!reported.contains(u)) {
        core::logEvent(spdlog::level::warn, "monitor: unavailable, columns left empty",
                       {{"source", u}});
      }
    }
    reported = std::move(unavailable);
    failed_ticks += r.errors.empty() ? 0 : 1;
    if (after_tick) after_tick(monitor);
    core::logEvent(spdlog::level::info, "monitor: tick",
                   {{"at", kube::formatTime(r.timestamp)},
                    {"pods", r.pods},
                    {"points", r.points},
                    {"alerts", r.alerts},
                    {"open_findings", r.open_findings}});
    if (once) break;
    // A tick that overran the interval starts the next one at once, without a burst of
    // catch-up ticks after it.
    next = std::max(next + options.interval, std::chrono::steady_clock::now());
    std::unique_lock lock(mutex);
    wake.wait_until(lock, stop, next, [] { return false; });
  }
  monitor.checkpoint();
  if (health) health->stop(std::chrono::seconds(1));
  return failed_ticks;
}

}  // namespace keelson::app
