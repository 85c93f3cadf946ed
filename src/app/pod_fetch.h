#pragma once

// One pod and its events, read with direct GETs (no cache, no cluster-wide list): for CLI
// commands that look at a single pod (`keelson describe pod`, `keelson diagnose`).

#include <string_view>
#include <vector>

#include "kube/client.h"
#include "kube/event.h"
#include "kube/pod.h"

namespace keelson::app {

/// A pod and the events about it.
struct PodContext {
  kube::Pod pod;
  /// The pod's core/v1 events (podEvents, serve_pods.h: same uid when both carry one), sorted by
  /// last occurrence, oldest first.
  std::vector<kube::Event> events;
};

/// Reads pod `ns`/`name` (GET /api/v1/namespaces/{ns}/pods/{name}) and its events (GET
/// /api/v1/namespaces/{ns}/events with fieldSelector involvedObject.kind=Pod,
/// involvedObject.name={name}, paginated). Throws kube::validatePodName's Error(kBadInput)
/// (serve_routes.h) before any request, Error(kNotFound) naming the pod when it does not exist, and
/// what kube::Client and the decoder throw otherwise (ApiError for other non-2xx answers,
/// Error(kUnavailable/kTimeout) when the API server cannot be reached).
PodContext fetchPodContext(const kube::Client& client, std::string_view ns, std::string_view name);

}  // namespace keelson::app
