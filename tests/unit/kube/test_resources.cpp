// podRequests / podLimits against the rule of k8s.io/component-helpers/resource (PodRequests,
// PodLimits) and its table tests' shapes: sidecars, init containers bigger than the apps,
// overhead, missing requests, pod-level resources.
#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>

#include "common/test_env.h"
#include "kube/decode.h"
#include "kube/resources.h"

namespace keelson::kube {
namespace {

using core::Quantity;

ResourceList rl(std::initializer_list<std::pair<const char*, const char*>> items) {
  ResourceList list;
  for (const auto& [name, value] : items) list.emplace(name, Quantity::parse(value));
  return list;
}

Container app(std::string name, ResourceList requests, ResourceList limits = {}) {
  Container c;
  c.name = std::move(name);
  c.resources.requests = std::move(requests);
  c.resources.limits = std::move(limits);
  return c;
}

Container sidecar(std::string name, ResourceList requests, ResourceList limits = {}) {
  Container c = app(std::move(name), std::move(requests), std::move(limits));
  c.restart_policy = "Always";
  return c;
}

struct Case {
  const char* name;
  List<Container> init;
  List<Container> containers;
  ResourceList overhead;
  ResourceList expected_requests;
  ResourceList expected_limits;
};

TEST(PodResources, TableOfShapes) {
  const std::vector<Case> cases = {
      {"apps only: sum",
       {},
       {app("a", rl({{"cpu", "100m"}, {"memory", "64Mi"}}), rl({{"cpu", "1"}})),
        app("b", rl({{"cpu", "200m"}, {"memory", "128Mi"}}), rl({{"cpu", "500m"}}))},
       {},
       rl({{"cpu", "300m"}, {"memory", "192Mi"}}),
       rl({{"cpu", "1500m"}})},
      {"init container bigger than the apps",
       {app("init", rl({{"cpu", "2"}, {"memory", "10Mi"}}), rl({{"cpu", "2"}}))},
       {app("a", rl({{"cpu", "500m"}, {"memory", "1Gi"}}), rl({{"cpu", "1"}}))},
       {},
       rl({{"cpu", "2"}, {"memory", "1Gi"}}),
       rl({{"cpu", "2"}})},
      {"sidecars add to the apps and to later init containers only",
       {sidecar("s1", rl({{"cpu", "100m"}})), app("i2", rl({{"cpu", "700m"}})),
        sidecar("s3", rl({{"cpu", "200m"}}))},
       {app("a", rl({{"cpu", "300m"}}))},
       {},
       // apps+sidecars = 300+100+200 = 600m; init phase max = i2 700m + s1 100m = 800m.
       rl({{"cpu", "800m"}}),
       {}},
      {"sidecars: the steady state wins",
       {sidecar("s1", rl({{"cpu", "100m"}})), app("i2", rl({{"cpu", "500m"}})),
        sidecar("s3", rl({{"cpu", "200m"}}))},
       {app("a", rl({{"cpu", "300m"}}))},
       {},
       rl({{"cpu", "600m"}}),
       {}},
      {"a sidecar's own init-phase footprint counts (cumulative sidecars)",
       {sidecar("s1", rl({{"memory", "1Gi"}})), sidecar("s2", rl({{"memory", "1Gi"}}))},
       {app("a", rl({{"cpu", "100m"}}))},
       {},
       rl({{"cpu", "100m"}, {"memory", "2Gi"}}),
       {}},
      {"overhead is added to requests and to set limits only",
       {},
       {app("a", rl({{"cpu", "1"}, {"memory", "1Gi"}}), rl({{"memory", "2Gi"}}))},
       rl({{"cpu", "250m"}, {"memory", "120Mi"}}),
       rl({{"cpu", "1250m"}, {"memory", "1144Mi"}}),
       rl({{"memory", "2168Mi"}})},
      {"missing requests stay absent; a resource named anywhere appears",
       {app("init", rl({{"ephemeral-storage", "1Gi"}}))},
       {app("a", {}), app("b", rl({{"memory", "64Mi"}})),
        app("c", rl({{"nvidia.com/gpu", "1"}}), rl({{"nvidia.com/gpu", "1"}}))},
       {},
       rl({{"ephemeral-storage", "1Gi"}, {"memory", "64Mi"}, {"nvidia.com/gpu", "1"}}),
       rl({{"nvidia.com/gpu", "1"}})},
      {"nothing requested", {}, {app("a", {})}, {}, {}, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Pod pod;
    pod.spec.init_containers = c.init;
    pod.spec.containers = c.containers;
    pod.spec.overhead = c.overhead;
    EXPECT_EQ(podRequests(pod), c.expected_requests);
    EXPECT_EQ(podLimits(pod), c.expected_limits);
  }
}

TEST(PodResources, ExcludeOverheadAndDefaults) {
  Pod pod;
  pod.spec.containers = {app("a", rl({{"cpu", "0"}})), app("b", {})};
  pod.spec.overhead = rl({{"cpu", "100m"}});
  PodResourcesOptions options;
  options.exclude_overhead = true;
  EXPECT_EQ(podRequests(pod, options), rl({{"cpu", "0"}}));
  // Scheduler scoring defaults: only containers that omit a resource get them (a's explicit 0
  // stays), as applyNonMissing does.
  options.non_missing_container_requests = rl({{"cpu", "100m"}, {"memory", "200Mi"}});
  EXPECT_EQ(podRequests(pod, options), rl({{"cpu", "100m"}, {"memory", "400Mi"}}));
}

TEST(PodResources, PodLevelResourcesReplaceContainerSums) {
  Pod pod;
  pod.spec.containers = {app("a", rl({{"cpu", "100m"}, {"memory", "64Mi"}, {"example.com/x", "1"}}),
                             rl({{"memory", "128Mi"}}))};
  pod.spec.resources.requests = rl({{"cpu", "1"}});
  pod.spec.resources.limits = rl({{"cpu", "2"}, {"memory", "1Gi"}});
  pod.spec.overhead = rl({{"cpu", "10m"}});
  EXPECT_EQ(podRequests(pod), rl({{"cpu", "1010m"}, {"memory", "64Mi"}, {"example.com/x", "1"}}));
  EXPECT_EQ(podLimits(pod), rl({{"cpu", "2010m"}, {"memory", "1Gi"}}));
  PodResourcesOptions options;
  options.skip_pod_level_resources = true;
  EXPECT_EQ(podRequests(pod, options),
            rl({{"cpu", "110m"}, {"memory", "64Mi"}, {"example.com/x", "1"}}));
}

TEST(PodResources, RealPodsFromTheApi) {
  std::ifstream in(keelson::testing::testDataDir() + "/kube/api/pods.json", std::ios::binary);
  const std::string json{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto pods = decodeList<Pod>(json);
  const auto find = [&](std::string_view name) -> const Pod& {
    for (const Pod& p : pods.items) {
      if (p.metadata.name == name) return p;
    }
    throw std::runtime_error("missing pod");
  };
  // web: init migrate {cpu 1, mem 256Mi}, sidecar log-shipper {50m, 64Mi}, apps app
  // {500m, 512Mi, 1Gi eph} + grpc-health {100m, 32Mi}, overhead {250m, 120Mi}.
  // steady: cpu 650m, mem 608Mi; init phase: migrate alone (before the sidecar) 1 / 256Mi.
  EXPECT_EQ(podRequests(find("web-7b87746859-klq2s")),
            rl({{"cpu", "1250m"}, {"memory", "728Mi"}, {"ephemeral-storage", "1Gi"}}));
  // limits: migrate {mem 256Mi}; log-shipper {100m, 64Mi}; app {2, 1Gi}; overhead on set ones.
  EXPECT_EQ(podLimits(find("web-7b87746859-klq2s")), rl({{"cpu", "2350m"}, {"memory", "1208Mi"}}));
  // checkout: wait-db {200m, 32Mi}, sidecar envoy {100m, 128Mi}, warm-cache {1, 64Mi},
  // app {300m, 256Mi}, overhead {250m, 120Mi}: max(400m/384Mi, 1100m/192Mi) + overhead.
  EXPECT_EQ(podRequests(find("checkout")), rl({{"cpu", "1350m"}, {"memory", "504Mi"}}));
  EXPECT_EQ(podRequests(find("db-0")), rl({{"cpu", "2"}, {"memory", "4Gi"}}));
}

}  // namespace
}  // namespace keelson::kube
