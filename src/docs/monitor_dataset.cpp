#include "docs/monitor_dataset.h"

#include <fmt/format.h>

namespace keelson::docs {
namespace {

using Cell = std::optional<std::string>;

std::optional<core::Quantity> find(const kube::ResourceList& list, const char* name) {
  const auto it = list.find(name);
  if (it == list.end()) return std::nullopt;
  return it->second;
}

Cell millicores(const std::optional<core::Quantity>& q) {
  if (!q) return std::nullopt;
  return std::to_string(q->milliValue());
}

Cell bytes(const std::optional<core::Quantity>& q) {
  if (!q) return std::nullopt;
  return std::to_string(q->value());
}

// usage ÷ whole × 100, from exact milli-values; empty when either side is missing or whole is 0.
Cell percent(const std::optional<core::Quantity>& usage,
             const std::optional<core::Quantity>& whole) {
  if (!usage || !whole || whole->isZero()) return std::nullopt;
  return fmt::format("{:.2f}", 100.0 * static_cast<double>(usage->milliValue()) /
                                   static_cast<double>(whole->milliValue()));
}

Cell joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ';';
    out += v;
  }
  return out;
}

template <class T>
Cell number(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  return std::to_string(*value);
}

}  // namespace

const std::vector<std::string>& datasetColumns() {
  static const std::vector<std::string> columns = {
      "timestamp",
      "namespace",
      "pod",
      "node",
      "phase",
      "cpu_usage_millicores",
      "memory_usage_bytes",
      "usage_timestamp",
      "usage_window_seconds",
      "cpu_request_millicores",
      "cpu_limit_millicores",
      "memory_request_bytes",
      "memory_limit_bytes",
      "cpu_percent_of_request",
      "cpu_percent_of_limit",
      "memory_percent_of_request",
      "memory_percent_of_limit",
      "restarts_total",
      "restarts_since_last_tick",
      "ready_containers",
      "total_containers",
      "waiting_reasons",
      "terminated_reasons",
      "last_terminated_reasons",
      "warning_events",
      "network_rx_bytes",
      "network_tx_bytes",
      "network_rx_errors",
      "network_tx_errors",
  };
  return columns;
}

std::vector<Cell> datasetRow(const analysis::PodSample& pod, kube::Time tick) {
  const auto& s = pod.summary;
  std::optional<core::Quantity> cpu;
  std::optional<core::Quantity> memory;
  Cell usage_timestamp;
  Cell usage_window;
  if (s.usage) {
    cpu = find(s.usage->usage, "cpu");
    memory = find(s.usage->usage, "memory");
    usage_timestamp = kube::formatTime(s.usage->timestamp);
    usage_window = fmt::format("{:g}", static_cast<double>(s.usage->window.count()) / 1000.0);
  }
  const auto cpu_request = find(s.requests, "cpu");
  const auto cpu_limit = find(s.limits, "cpu");
  const auto memory_request = find(s.requests, "memory");
  const auto memory_limit = find(s.limits, "memory");
  std::optional<std::uint64_t> rx_bytes;
  std::optional<std::uint64_t> tx_bytes;
  std::optional<std::uint64_t> rx_errors;
  std::optional<std::uint64_t> tx_errors;
  if (pod.network) {
    rx_bytes = pod.network->rx_bytes;
    tx_bytes = pod.network->tx_bytes;
    rx_errors = pod.network->rx_errors;
    tx_errors = pod.network->tx_errors;
  }
  return {
      kube::formatTimeMillis(tick),  // ticks closer than a second apart stay distinct
      s.namespace_name,
      s.name,
      s.node,
      s.phase,
      millicores(cpu),
      bytes(memory),
      usage_timestamp,
      usage_window,
      millicores(cpu_request),
      millicores(cpu_limit),
      bytes(memory_request),
      bytes(memory_limit),
      percent(cpu, cpu_request),
      percent(cpu, cpu_limit),
      percent(memory, memory_request),
      percent(memory, memory_limit),
      std::to_string(s.restarts),
      number(pod.restarts_since_last_tick),
      std::to_string(s.ready_containers),
      std::to_string(s.total_containers),
      joined(pod.waiting_reasons),
      joined(pod.terminated_reasons),
      joined(pod.last_terminated_reasons),
      std::to_string(pod.warning_events),
      number(rx_bytes),
      number(tx_bytes),
      number(rx_errors),
      number(tx_errors),
  };
}

}  // namespace keelson::docs
