#include "app/diagnose.h"

#include <fmt/format.h>

#include <functional>
#include <utility>

#include "api/cache_documents.h"
#include "app/cluster_access.h"
#include "core/error.h"
#include "docs/diagnose_documents.h"
#include "docs/pod_documents.h"
#include "docs/scheduling_explanation.h"
#include "kube/cluster_cache.h"

namespace keelson::app {
namespace {

PodSections allIfNone(PodSections sections) {
  if (!sections.scheduling && !sections.events && !sections.resources && !sections.health &&
      !sections.explain) {
    return {true, true, true, true, false};
  }
  return sections;
}

int chosen(PodSections s) {
  return int{s.scheduling} + int{s.events} + int{s.resources} + int{s.health} + int{s.explain};
}

// Runs `body` against a synced cache of the target cluster; the cache is stopped afterwards.
nlohmann::json withSyncedCache(
    const DiagnoseTarget& target,
    const std::function<nlohmann::json(const kube::ClusterCache&)>& body) {
  const ClusterAccess access(target.kube, ClientProfile::kService, target.api_timeout);
  const auto cache_owner = access.makeCache();
  kube::ClusterCache& cache = *cache_owner;
  cache.start();
  struct Stop {
    kube::ClusterCache& cache;
    ~Stop() { cache.stop(); }
  } stop{cache};
  if (!cache.waitForSync(target.api_timeout)) {
    std::string pending;
    for (const auto& status : cache.statuses()) {
      if (status.has_synced) continue;
      pending += fmt::format("\n  {}: {}", status.resource,
                             status.last_error.empty() ? "not listed yet" : status.last_error);
    }
    throw Error(ErrorCode::kUnavailable,
                fmt::format("API server {}: the cluster cache did not sync within {} ms:{}",
                            access.config().server, target.api_timeout.count(), pending));
  }
  return body(cache);
}

}  // namespace

nlohmann::json diagnosePod(const DiagnoseTarget& target, const std::string& namespace_name,
                           const std::string& name, PodSections sections) {
  sections = allIfNone(sections);
  return withSyncedCache(target, [&](const kube::ClusterCache& cache) {
    const auto pod = api::cachedPod(cache, namespace_name, name);
    if (!pod) {
      throw Error(ErrorCode::kNotFound,
                  fmt::format("pod '{}' not found in namespace '{}'", name, namespace_name));
    }
    nlohmann::json out = nlohmann::json::object();
    if (sections.scheduling || sections.explain) {
      nlohmann::json scheduling = api::cachedSchedulingDocument(cache, *pod);
      if (sections.explain) out["explain"] = docs::schedulingExplanation(scheduling);
      if (sections.scheduling) out["scheduling"] = std::move(scheduling);
    }
    if (sections.events) {
      out["events"] =
          api::cachedFailureEventsDocument(cache, *pod, std::chrono::system_clock::now());
    }
    if (sections.resources) out["resources"] = docs::resourcesDocument(*pod);
    if (sections.health) {
      out["health"] = api::cachedHealthScoreDocument(cache, *pod, std::chrono::system_clock::now());
    }
    if (chosen(sections) == 1) return nlohmann::json(out.begin().value());
    return out;
  });
}

std::string diagnosePodText(const nlohmann::json& doc, PodSections sections) {
  sections = allIfNone(sections);
  const bool single = chosen(sections) == 1;
  const auto section = [&](const char* key) -> const nlohmann::json& {
    static const nlohmann::json kEmpty = nlohmann::json::object();
    if (single) return doc;
    const auto it = doc.find(key);
    return it == doc.end() ? kEmpty : *it;
  };
  std::string out;
  const auto add = [&out](const std::string& text) {
    if (!out.empty()) out += "\n";
    out += text;
  };
  if (sections.scheduling) add(docs::schedulingText(section("scheduling")));
  if (sections.events) add(docs::failureEventsText(section("events")));
  if (sections.resources) add(docs::resourcesText(section("resources")));
  if (sections.health) add(docs::healthScoreText(section("health")));
  if (sections.explain) add(docs::schedulingExplanationText(section("explain")));
  return out;
}

nlohmann::json diagnoseNamespace(const DiagnoseTarget& target, const std::string& namespace_name,
                                 const analysis::NamespaceErrorOptions& options) {
  return withSyncedCache(target, [&](const kube::ClusterCache& cache) {
    auto doc = api::cachedNamespaceErrorDocument(cache, namespace_name, options,
                                                 std::chrono::system_clock::now());
    if (!doc) {
      throw Error(ErrorCode::kNotFound, fmt::format("namespace '{}' not found", namespace_name));
    }
    return std::move(*doc);
  });
}

nlohmann::json diagnosePodIssues(const DiagnoseTarget& target, const std::string& namespace_name,
                                 const analysis::NamespaceErrorOptions& options,
                                 const analysis::PodIssueFilter& filter) {
  return withSyncedCache(target, [&](const kube::ClusterCache& cache) {
    return api::cachedClusterPodIssuesDocument(cache, namespace_name, options, filter, {},
                                               std::chrono::system_clock::now());
  });
}

}  // namespace keelson::app
