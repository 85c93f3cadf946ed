#pragma once
// Pod network counters for `keelson monitor`. Two sources, each optional:
// - the kubelet Summary API, read through the API server's node proxy
//   (GET /api/v1/nodes/{node}/proxy/stats/summary; RBAC: get nodes/proxy);
// - a Prometheus server that scrapes cAdvisor (--prometheus-url): the instant vectors
//   sum by (namespace, pod) (container_network_{receive,transmit}_{bytes,errors}_total).
// Pods the source has nothing for get no counters; their columns stay empty.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/stats_summary.h"
#include "net/http_client.h"

namespace keelson::app {

/// Which pods a tick wants counters for.
struct NetworkScope {
  std::set<std::string> nodes;  ///< Nodes running pods in scope.
  std::string namespace_name;   ///< "" for every namespace.
};

/// A source of pod network counters, asked once per tick. Not thread-safe.
class NetworkSource {
 public:
  virtual ~NetworkSource() = default;
  /// Counters by "namespace/name". Failures are appended to `unavailable` ("network: ...") and
  /// leave the affected pods without counters; never throws Error.
  virtual std::map<std::string, kube::NetworkCounters> collect(
      const NetworkScope& scope, std::vector<std::string>& unavailable) = 0;
};

/// The kubelet Summary API of each node in scope. A node whose Summary cannot be read (RBAC
/// forbids nodes/proxy, the kubelet is unreachable, or it is not a real kubelet) is skipped for
/// the next `skip_ticks` ticks, so one bad node does not slow every tick.
class KubeletNetworkSource : public NetworkSource {
 public:
  /// `client` must outlive this object; requests use its transport (timeouts, retries).
  explicit KubeletNetworkSource(const kube::Client& client, int skip_ticks = 10);
  std::map<std::string, kube::NetworkCounters> collect(
      const NetworkScope& scope, std::vector<std::string>& unavailable) override;

 private:
  const kube::Client& client_;
  int skip_ticks_;
  std::map<std::string, int> skipping_;  ///< Node → ticks left to skip.
};

/// A Prometheus server's HTTP API (GET /api/v1/query) over net::HttpClient, no credentials.
/// A pod gets counters only when all four series exist for it. A query that fails (transfer
/// error, non-2xx answer, malformed body) leaves every pod without counters for this tick.
class PrometheusNetworkSource : public NetworkSource {
 public:
  /// `url` is the server's base URL ("http://prometheus:9090"; "https://" is assumed without a
  /// scheme); TLS is verified against the system store for https. `timeout` bounds each
  /// attempt; a query is tried at most twice. Throws Error(kBadInput) for a URL that is not
  /// http(s).
  PrometheusNetworkSource(std::string url, std::chrono::milliseconds timeout);
  ~PrometheusNetworkSource() override;
  std::map<std::string, kube::NetworkCounters> collect(
      const NetworkScope& scope, std::vector<std::string>& unavailable) override;

 private:
  /// The body of a 2xx answer to GET /api/v1/query?query=<query>; throws Error otherwise.
  std::string instantQuery(const std::string& query);

  net::HttpClient http_;
};

/// Parses the body of a Prometheus instant query (resultType "vector") whose series carry
/// "namespace" and "pod" labels: "namespace/pod" → value. Throws Error(kBadInput) when the body
/// is not a successful vector result.
std::map<std::string, double> parsePrometheusVector(std::string_view body);

}  // namespace keelson::app
