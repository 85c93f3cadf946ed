#include "app/monitor_network.h"

#include <simdjson.h>

#include <array>
#include <cmath>

#include "core/error.h"
#include "kube/decode.h"
#include "kube/transport.h"
#include "net/http.h"

namespace keelson::app {

KubeletNetworkSource::KubeletNetworkSource(const kube::Client& client, int skip_ticks)
    : client_(client), skip_ticks_(skip_ticks) {}

std::map<std::string, kube::NetworkCounters> KubeletNetworkSource::collect(
    const NetworkScope& scope, std::vector<std::string>& unavailable) {
  std::map<std::string, kube::NetworkCounters> out;
  for (const auto& node : scope.nodes) {
    if (auto it = skipping_.find(node); it != skipping_.end()) {
      if (--it->second > 0) continue;
      skipping_.erase(it);
    }
    try {
      const auto summary = kube::decodeObject<kube::StatsSummary>(
          client_.get("/api/v1/nodes/" + node + "/proxy/stats/summary"));
      for (const auto& pod : summary.pods) {
        if (pod.network) out[pod.namespace_name + "/" + pod.name] = *pod.network;
      }
    } catch (const Error& e) {
      skipping_[node] = skip_ticks_;
      unavailable.push_back("network: node " + node + ": kubelet Summary API: " + e.what());
    }
  }
  return out;
}

std::map<std::string, double> parsePrometheusVector(std::string_view body) {
  simdjson::dom::parser parser;
  std::map<std::string, double> out;
  try {
    const simdjson::dom::element doc = parser.parse(simdjson::padded_string(body));
    if (std::string_view(doc["status"]) != "success") {
      throw Error(ErrorCode::kBadInput, "query failed: " + std::string(body.substr(0, 200)));
    }
    const simdjson::dom::element data = doc["data"];
    if (std::string_view(data["resultType"]) != "vector") {
      throw Error(ErrorCode::kBadInput, "expected a vector result");
    }
    for (const simdjson::dom::element series : simdjson::dom::array(data["result"])) {
      const simdjson::dom::element labels = series["metric"];
      std::string_view ns;
      std::string_view pod;
      if (labels["namespace"].get(ns) || labels["pod"].get(pod)) continue;
      // "value": [<unix seconds>, "<sample as text>"]
      const simdjson::dom::array value = series["value"];
      const std::string text(std::string_view(value.at(1)));
      const double sample = std::stod(text);
      if (!std::isfinite(sample) || sample < 0) continue;
      out[std::string(ns) + "/" + std::string(pod)] = sample;
    }
  } catch (const simdjson::simdjson_error& e) {
    throw Error(ErrorCode::kBadInput, std::string("malformed query response: ") + e.what());
  } catch (const std::logic_error& e) {  // std::stod
    throw Error(ErrorCode::kBadInput, std::string("malformed sample value: ") + e.what());
  }
  return out;
}

PrometheusNetworkSource::PrometheusNetworkSource(std::string url,
                                                 std::chrono::milliseconds timeout) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  kube::ClusterConfig config;
  config.server = url;
  config.source = "--prometheus-url " + url;
  kube::TransportOptions transport;
  transport.request_timeout = timeout;
  transport.retry.max_attempts = 2;
  client_ = std::make_unique<kube::Client>(config, transport);
}

PrometheusNetworkSource::~PrometheusNetworkSource() = default;

std::map<std::string, kube::NetworkCounters> PrometheusNetworkSource::collect(
    const NetworkScope& scope, std::vector<std::string>& unavailable) {
  using Field = std::uint64_t kube::NetworkCounters::*;
  static constexpr std::array<std::pair<const char*, Field>, 4> kSeries = {{
      {"container_network_receive_bytes_total", &kube::NetworkCounters::rx_bytes},
      {"container_network_transmit_bytes_total", &kube::NetworkCounters::tx_bytes},
      {"container_network_receive_errors_total", &kube::NetworkCounters::rx_errors},
      {"container_network_transmit_errors_total", &kube::NetworkCounters::tx_errors},
  }};
  const std::string selector =
      scope.namespace_name.empty() ? "" : "{namespace=\"" + scope.namespace_name + "\"}";
  std::map<std::string, kube::NetworkCounters> counters;
  std::map<std::string, int> found;  // Series found per pod.
  for (const auto& [metric, field] : kSeries) {
    const std::string query = std::string("sum by (namespace, pod) (") + metric + selector + ")";
    try {
      const auto values =
          parsePrometheusVector(client_->get("/api/v1/query?query=" + net::urlEncode(query)));
      for (const auto& [pod, value] : values) {
        counters[pod].*field = static_cast<std::uint64_t>(std::llround(value));
        ++found[pod];
      }
    } catch (const Error& e) {
      unavailable.push_back(std::string("network: prometheus: ") + metric + ": " + e.what());
      return {};
    }
  }
  std::erase_if(counters, [&](const auto& entry) { return found[entry.first] != 4; });
  return counters;
}

}  // namespace keelson::app
