#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace keelson::server {
namespace {

bool isNameStart(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

// HELP text escapes backslash and newline; label values also escape the double quote.
void appendEscaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

Error badInput(const std::string& message) { return Error(ErrorCode::kBadInput, message); }

}  // namespace

bool isValidMetricName(std::string_view name) noexcept {
  if (name.empty() || !(isNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return isNameStart(c) || isDigit(c) || c == ':'; });
}

bool isValidLabelName(std::string_view name) noexcept {
  if (name.empty() || !isNameStart(name[0]) || name.substr(0, 2) == "__") return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return isNameStart(c) || isDigit(c); });
}

std::string formatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

std::vector<double> defaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> exponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  for (double bound = start; static_cast<int>(out.size()) < count; bound *= factor) {
    out.push_back(bound);
  }
  return out;
}

// --- MetricFamily -------------------------------------------------------------------------------

MetricFamily::MetricFamily(std::string name, std::string help, std::string type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)) {}

void MetricFamily::serialize(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  appendEscaped(out, help_, false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_;
  out += '\n';
  serializeSeries(out);
}

void MetricFamily::checkArity(const LabelValues& values) const {
  if (values.size() != label_names_.size()) {
    throw badInput(fmt::format("metric {}: {} label values given, expected {}", name_,
                               values.size(), label_names_.size()));
  }
}

std::string MetricFamily::seriesName(std::string_view suffix, const LabelValues& values,
                                     std::string_view extra_label) const {
  std::string out = name_;
  out += suffix;
  if (values.empty() && extra_label.empty()) return out;
  out += '{';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names_[i];
    out += "=\"";
    appendEscaped(out, values[i], true);
    out += '"';
  }
  if (!extra_label.empty()) {
    if (!values.empty()) out += ',';
    out += extra_label;
  }
  out += '}';
  return out;
}

// --- Counter and gauge --------------------------------------------------------------------------

double ScalarFamily::value(const LabelValues& labels) const {
  const std::lock_guard lock(mutex_);
  const auto it = values_.find(labels);
  return it == values_.end() ? 0.0 : it->second;
}

void ScalarFamily::add(const LabelValues& labels, double amount) {
  checkArity(labels);
  const std::lock_guard lock(mutex_);
  values_[labels] += amount;
}

void ScalarFamily::serializeSeries(std::string& out) const {
  const std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : values_) {
    out += seriesName("", labels);
    out += ' ';
    out += formatSampleValue(value);
    out += '\n';
  }
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : ScalarFamily(std::move(name), std::move(help), "counter", std::move(label_names)) {}

void CounterFamily::inc(const LabelValues& labels, double amount) {
  checkArity(labels);
  if (!(amount >= 0)) throw badInput(fmt::format("counter {}: negative increment", name()));
  add(labels, amount);
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : ScalarFamily(std::move(name), std::move(help), "gauge", std::move(label_names)) {}

void GaugeFamily::set(const LabelValues& labels, double value) {
  checkArity(labels);
  const std::lock_guard lock(mutex_);
  values_[labels] = value;
}

void GaugeFamily::inc(const LabelValues& labels, double amount) { add(labels, amount); }

void GaugeFamily::dec(const LabelValues& labels, double amount) { add(labels, -amount); }

void GaugeFamily::remove(const LabelValues& labels) {
  const std::lock_guard lock(mutex_);
  values_.erase(labels);
}

// --- Callback gauge -----------------------------------------------------------------------------

CallbackGaugeFamily::CallbackGaugeFamily(std::string name, std::string help,
                                         std::vector<std::string> label_names,
                                         std::function<std::vector<GaugeSample>()> callback)
    : MetricFamily(std::move(name), std::move(help), "gauge", std::move(label_names)),
      callback_(std::move(callback)) {}

void CallbackGaugeFamily::serializeSeries(std::string& out) const {
  auto samples = callback_();
  // Sorted and unique, so the output is stable and has no duplicate series.
  std::sort(samples.begin(), samples.end(),
            [](const GaugeSample& a, const GaugeSample& b) { return a.first < b.first; });
  const LabelValues* previous = nullptr;
  for (const auto& [labels, value] : samples) {
    if (labels.size() != labelNames().size()) continue;
    if (previous != nullptr && *previous == labels) continue;
    previous = &labels;
    out += seriesName("", labels);
    out += ' ';
    out += formatSampleValue(value);
    out += '\n';
  }
}

// --- Histogram ----------------------------------------------------------------------------------

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), "histogram", std::move(label_names)),
      buckets_(std::move(buckets)) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (!std::isfinite(buckets_[i]) || (i > 0 && !(buckets_[i] > buckets_[i - 1]))) {
      throw badInput(fmt::format("histogram {}: buckets must be finite and strictly increasing",
                                 this->name()));
    }
  }
  for (const auto& label : labelNames()) {
    if (label == "le") throw badInput(fmt::format("histogram {}: label \"le\" is reserved", name));
  }
}

void HistogramFamily::observe(const LabelValues& labels, double value) {
  checkArity(labels);
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(buckets_.begin(), buckets_.end(), value) - buckets_.begin());
  const std::lock_guard lock(mutex_);
  auto& series = series_[labels];
  if (series.counts.empty()) series.counts.assign(buckets_.size() + 1, 0);
  ++series.counts[bucket];
  series.sum += value;
  ++series.count;
}

std::uint64_t HistogramFamily::count(const LabelValues& labels) const {
  const std::lock_guard lock(mutex_);
  const auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::serializeSeries(std::string& out) const {
  const std::lock_guard lock(mutex_);
  for (const auto& [labels, series] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= buckets_.size(); ++i) {
      cumulative += series.counts[i];
      const std::string le =
          i < buckets_.size() ? formatSampleValue(buckets_[i]) : std::string("+Inf");
      out += seriesName("_bucket", labels, "le=\"" + le + "\"");
      out += ' ';
      out += std::to_string(cumulative);
      out += '\n';
    }
    out += seriesName("_sum", labels);
    out += ' ';
    out += formatSampleValue(series.sum);
    out += '\n';
    out += seriesName("_count", labels);
    out += ' ';
    out += std::to_string(series.count);
    out += '\n';
  }
}

// --- Registry -----------------------------------------------------------------------------------

template <typename Family, typename... Args>
Family& Registry::getOrAdd(const std::string& name, const std::string& help,
                           const std::vector<std::string>& label_names, Args&&... args) {
  if (!isValidMetricName(name)) throw badInput("metric name \"" + name + "\" is not valid");
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    if (!isValidLabelName(label_names[i])) {
      throw badInput("metric " + name + ": label name \"" + label_names[i] + "\" is not valid");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (label_names[j] == label_names[i]) {
        throw badInput("metric " + name + ": label name \"" + label_names[i] + "\" repeated");
      }
    }
  }
  const std::lock_guard lock(mutex_);
  if (const auto it = families_.find(name); it != families_.end()) {
    auto* existing = dynamic_cast<Family*>(it->second.get());
    if (existing == nullptr || existing->labelNames() != label_names) {
      throw badInput("metric " + name + " is already registered with another type or labels");
    }
    return *existing;
  }
  auto family = std::make_unique<Family>(name, help, label_names, std::forward<Args>(args)...);
  auto& ref = *family;
  families_.emplace(name, std::move(family));
  return ref;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 const std::vector<std::string>& label_names) {
  if (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0) {
    throw badInput("counter " + name + ": counter names end in _total");
  }
  return getOrAdd<CounterFamily>(name, help, label_names);
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names) {
  return getOrAdd<GaugeFamily>(name, help, label_names);
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     const std::vector<std::string>& label_names,
                                     std::vector<double> buckets) {
  return getOrAdd<HistogramFamily>(name, help, label_names, std::move(buckets));
}

void Registry::callbackGauge(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names,
                             std::function<std::vector<GaugeSample>()> callback) {
  {
    const std::lock_guard lock(mutex_);
    if (families_.count(name) != 0) throw badInput("metric " + name + " is already registered");
  }
  getOrAdd<CallbackGaugeFamily>(name, help, label_names, std::move(callback));
}

std::string Registry::serialize() const {
  std::string out;
  const std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) family->serialize(out);
  return out;
}

}  // namespace keelson::server
