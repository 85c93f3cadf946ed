#include "api/utilization.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "core/error.h"
#include "kube/list.h"
#include "kube/names.h"
#include "kube/objects.h"

namespace keelson::api {
namespace {

using server::Request;
using server::Response;

std::optional<core::Quantity> lookup(const kube::ResourceList& list, std::string_view name) {
  const auto it = list.find(name);
  if (it == list.end()) return std::nullopt;
  return it->second;
}

nlohmann::json quantityOrNull(const std::optional<core::Quantity>& q) {
  return q ? nlohmann::json(q->format()) : nlohmann::json();
}

nlohmann::json percent(const std::optional<core::Quantity>& used,
                       const std::optional<core::Quantity>& of) {
  if (!used || !of || of->milliValue() <= 0) return nullptr;
  const double value =
      100.0 * static_cast<double>(used->milliValue()) / static_cast<double>(of->milliValue());
  return std::round(value * 100.0) / 100.0;  // two decimals, as a number
}

void addResource(nlohmann::json& doc, const std::string& prefix, std::string_view resource,
                 const kube::Node& node, const kube::NodeMetrics& metrics) {
  const auto usage = lookup(metrics.usage, resource);
  const auto capacity = lookup(node.status.capacity, resource);
  const auto allocatable = lookup(node.status.allocatable, resource);
  doc[prefix + "Usage"] = quantityOrNull(usage);
  doc[prefix + "Capacity"] = quantityOrNull(capacity);
  doc[prefix + "Allocatable"] = quantityOrNull(allocatable);
  doc[prefix + "Percentage"] = percent(usage, capacity);
  doc[prefix + "AllocatablePercentage"] = percent(usage, allocatable);
}

Response unavailable(std::string details) {
  return Response::failure(503, "SERVICE_UNAVAILABLE", "Metrics API not available",
                           std::move(details));
}

Response utilization(const kube::ClusterCache& cache, const NodeMetricsSource& source,
                     const Request& request) {
  const std::string& name = request.param("node");
  if (!kube::isDnsSubdomain(name)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("node name '{}' is not a valid name (RFC 1123 subdomain: at most 253 "
                            "of a-z, 0-9, '-' and '.')",
                            name));
  }
  if (!cache.hasSynced()) {
    throw Error(ErrorCode::kUnavailable, "the cluster cache has not synced yet");
  }
  const auto nodes = cache.nodes().snapshot();
  const kube::Node* node = nodes->get("", name);
  if (node == nullptr) {
    if (name != cache.nodeName()) cache.requireClusterMode(fmt::format("node '{}'", name));
    return Response::failure(404, "RESOURCE_NOT_FOUND", "Node not found",
                             fmt::format("Node '{}' not found", name));
  }
  const auto sample = source ? source() : nullptr;
  if (!sample) return unavailable("the first metrics.k8s.io listing has not completed yet");
  if (!sample->error.empty()) return unavailable(sample->error);
  const kube::NodeMetrics* metrics = sample->find(name);
  if (metrics == nullptr) {
    return unavailable(fmt::format(
        "metrics.k8s.io has no sample for node '{}' yet (new node, or its kubelet is not scraped)",
        name));
  }
  return Response::ok(utilizationDocument(*node, *metrics, sample->fetched_at));
}

}  // namespace

const kube::NodeMetrics* NodeMetricsSample::find(std::string_view node_name) const noexcept {
  const auto it = std::lower_bound(
      nodes.begin(), nodes.end(), node_name,
      [](const kube::NodeMetrics& m, std::string_view n) { return m.metadata.name < n; });
  return it != nodes.end() && it->metadata.name == node_name ? &*it : nullptr;
}

NodeMetricsSample sampleNodeMetrics(const kube::Client& client, const std::string& node_name) {
  NodeMetricsSample sample;
  try {
    kube::ListOptions options;
    if (!node_name.empty()) options.field_selector = "metadata.name=" + node_name;
    sample.nodes =
        kube::listAll<kube::NodeMetrics>(client, "/apis/metrics.k8s.io/v1beta1/nodes", options)
            .items;
    std::sort(sample.nodes.begin(), sample.nodes.end(),
              [](const auto& a, const auto& b) { return a.metadata.name < b.metadata.name; });
  } catch (const Error& e) {
    // The aggregation layer answers 404 when no APIService serves the group and 503 when its
    // backend (metrics-server) is down.
    const bool not_served = e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kUnavailable;
    sample.error = not_served ? fmt::format(
                                    "metrics.k8s.io is not served (is metrics-server "
                                    "installed and running?): {}",
                                    e.what())
                              : std::string(e.what());
  }
  sample.fetched_at = std::chrono::system_clock::now();
  return sample;
}

nlohmann::json utilizationDocument(const kube::Node& node, const kube::NodeMetrics& metrics,
                                   std::chrono::system_clock::time_point fetched_at) {
  nlohmann::json doc;
  doc["nodeName"] = node.metadata.name;
  addResource(doc, "cpu", "cpu", node, metrics);
  addResource(doc, "memory", "memory", node, metrics);
  doc["timestamp"] = kube::formatTime(metrics.timestamp);
  const double window_seconds = static_cast<double>(metrics.window.count()) / 1000.0;
  doc["window"] = fmt::format("{:g}s", window_seconds);
  doc["windowSeconds"] = window_seconds;
  doc["fetchedAt"] = kube::formatTime(fetched_at);
  return doc;
}

void addUtilizationRoute(server::Router& router, const kube::ClusterCache& cache,
                         NodeMetricsSource metrics) {
  router.get("/api/v1/nodes/{node}/utilization",
             [&cache, metrics = std::move(metrics)](const Request& r) {
               return utilization(cache, metrics, r);
             },
             {.lane = server::Lane::kStandard, .open = false, .access = [](const Request& r) {
                return std::vector<server::AccessAttributes>{
                    server::ResourceAttributes{.verb = "get",
                                               .group = "",
                                               .version = "v1",
                                               .resource = "nodes",
                                               .subresource = "",
                                               .namespace_name = "",
                                               .name = r.param("node")}};
              }});
}

}  // namespace keelson::api
