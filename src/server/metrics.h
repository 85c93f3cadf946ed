#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, serialized in the
// text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keelson::server {

/// Label values of one series, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

/// One sample produced by a callback gauge: label values and the value.
using GaugeSample = std::pair<LabelValues, double>;

/// The content type of Registry::serialize()'s output.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

/// The common part of a metric family: name, help, label names. Thread-safe.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::string type,
               std::vector<std::string> label_names);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& type() const noexcept { return type_; }
  const std::vector<std::string>& labelNames() const noexcept { return label_names_; }

  /// Appends "# HELP", "# TYPE" and every series' lines to `out`.
  void serialize(std::string& out) const;

 protected:
  /// Throws Error(kBadInput) unless `values` has one value per label name.
  void checkArity(const LabelValues& values) const;
  /// `name{a="x",b="y"[,extra]}` with escaped label values.
  std::string seriesName(std::string_view suffix, const LabelValues& values,
                         std::string_view extra_label = {}) const;
  virtual void serializeSeries(std::string& out) const = 0;

  mutable std::mutex mutex_;

 private:
  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> label_names_;
};

/// A family with one number per label set (counters and gauges). Thread-safe.
class ScalarFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  /// The series' current value (0 when never set).
  double value(const LabelValues& labels = {}) const;

 protected:
  /// Adds `amount` to the series `labels` (created at 0).
  void add(const LabelValues& labels, double amount);
  std::map<LabelValues, double> values_;  ///< Guarded by mutex_.

 private:
  void serializeSeries(std::string& out) const override;
};

/// A monotonically increasing count per label set ("..._total"). Thread-safe.
class CounterFamily final : public ScalarFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  /// Adds `amount` (>= 0, else Error(kBadInput)) to the series `labels`.
  void inc(const LabelValues& labels = {}, double amount = 1.0);
};

/// A value that goes up and down per label set. Thread-safe.
class GaugeFamily final : public ScalarFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void set(const LabelValues& labels, double value);
  void inc(const LabelValues& labels = {}, double amount = 1.0);
  void dec(const LabelValues& labels = {}, double amount = 1.0);
  /// Removes a series (e.g. a node that left the cluster).
  void remove(const LabelValues& labels);
};

/// A gauge whose samples are produced by a callback at scrape time (cache sizes, cluster
/// gauges). The callback runs on the scraping thread and must be thread-safe.
class CallbackGaugeFamily final : public MetricFamily {
 public:
  CallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                      std::function<std::vector<GaugeSample>()> callback);

 private:
  void serializeSeries(std::string& out) const override;
  std::function<std::vector<GaugeSample>()> callback_;
};

/// Observations in cumulative buckets with sum and count per label set. Thread-safe.
class HistogramFamily final : public MetricFamily {
 public:
  /// `buckets`: finite, strictly increasing upper bounds (+Inf is implicit).
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> buckets);
  void observe(const LabelValues& labels, double value);
  /// Number of observations of a series (0 when none).
  std::uint64_t count(const LabelValues& labels = {}) const;
  const std::vector<double>& buckets() const noexcept { return buckets_; }

 private:
  struct Series {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative; last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  void serializeSeries(std::string& out) const override;
  std::vector<double> buckets_;
  std::map<LabelValues, Series> series_;
};

/// Prometheus' default latency buckets (seconds): 0.005 ... 10.
std::vector<double> defaultBuckets();

/// `count` buckets from `start` (> 0), each `factor` (> 1) times the previous one, as the
/// Prometheus clients' ExponentialBuckets (e.g. 0.001, 2, 15: 1 ms ... 16.4 s).
std::vector<double> exponentialBuckets(double start, double factor, int count);

/// A set of metric families, serialized sorted by name. Registering a name again with the same
/// type and label names returns the existing family; a different type or labels, or a name or
/// label name that breaks Prometheus' naming rules, throws Error(kBadInput). Counter names must
/// end in "_total". Families live as long as the registry; references stay valid. Thread-safe.
class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help,
                         const std::vector<std::string>& label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names = {},
                             std::vector<double> buckets = defaultBuckets());
  /// Registers a gauge computed at scrape time; a second registration of the name throws. The
  /// callback runs inside serialize() with the registry locked: it must not call the registry.
  void callbackGauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names,
                     std::function<std::vector<GaugeSample>()> callback);

  /// The text exposition format 0.0.4 of every family (see kPrometheusContentType).
  std::string serialize() const;

 private:
  template <typename Family, typename... Args>
  Family& getOrAdd(const std::string& name, const std::string& help,
                   const std::vector<std::string>& label_names, Args&&... args);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<MetricFamily>> families_;
};

/// True when `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*.
bool isValidMetricName(std::string_view name) noexcept;
/// True when `name` matches [a-zA-Z_][a-zA-Z0-9_]* and does not start with "__".
bool isValidLabelName(std::string_view name) noexcept;
/// A sample value as Prometheus writes it: "+Inf", "-Inf", "NaN", or the shortest exact decimal.
std::string formatSampleValue(double value);

}  // namespace keelson::server
