#include "app/monitor_network.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cmath>

#include "core/error.h"
#include "kube/decode.h"
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

namespace {

net::HttpClient prometheusClient(std::string url, std::chrono::milliseconds timeout) {
  net::Endpoint endpoint;
  endpoint.base_url = net::withDefaultScheme(std::move(url));
  net::HttpClientOptions options;
  options.request_timeout = timeout;
  return net::HttpClient(std::move(endpoint), options);
}

}  // namespace

PrometheusNetworkSource::PrometheusNetworkSource(std::string url, std::chrono::milliseconds timeout)
    : http_(prometheusClient(std::move(url), timeout)) {}

PrometheusNetworkSource::~PrometheusNetworkSource() = default;

std::string PrometheusNetworkSource::instantQuery(const std::string& query) {
  net::HttpRequest request;
  request.path = "/api/v1/query?query=" + net::urlEncode(query);
  request.headers = {{"Accept", "application/json"}};
  request.retry = net::RetryPolicy::idempotent();
  request.retry->max_attempts = 2;
  net::HttpResponse response = http_.request(request);
  if (response.status < 200 || response.status >= 300) {
    // Prometheus explains a failed query in the body ({"status":"error","error":...}).
    throw Error(ErrorCode::kUnavailable,
                fmt::format("{}/api/v1/query: HTTP {}: {}", http_.baseUrl(), response.status,
                            response.body.substr(0, 200)));
  }
  return std::move(response.body);
}

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
      const auto values = parsePrometheusVector(instantQuery(query));
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
