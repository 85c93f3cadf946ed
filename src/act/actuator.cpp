#include "act/actuator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "act/cordon.h"
#include "act/restart.h"
#include "core/error.h"
#include "core/log.h"

namespace keelson::act {

namespace {

std::int64_t epochMillis(core::WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

ActionResult failedResult(const ActionSpec& spec, const std::exception& e) {
  ActionResult result;
  result.verb = spec.verb;
  result.target = spec.target;
  result.namespace_name = spec.namespace_name;
  result.dry_run = spec.options.dry_run;
  result.outcome = Outcome::kFailed;
  result.error = e.what();
  return result;
}

nlohmann::json durationJson(std::chrono::milliseconds duration) {
  return static_cast<double>(duration.count()) / 1000.0;
}

}  // namespace

Actuator::Actuator(const kube::Client& client, store::AuditLog& audit, Requester requester,
                   std::shared_ptr<const core::Clock> clock)
    : client_(client), audit_(audit), requester_(std::move(requester)), clock_(std::move(clock)) {}

ActionResult Actuator::run(const ActionSpec& spec,
                           const std::function<ActionResult(ActionContext&)>& body,
                           std::stop_token stop) {
  store::AuditIntent intent;
  intent.started_ms = epochMillis(clock_->wallNow());
  intent.requester = {requester_.kind, requester_.id};
  intent.verb = spec.verb;
  intent.target = spec.target;
  intent.namespace_name = spec.namespace_name;
  intent.dry_run = std::string(dryRunName(spec.options.dry_run));
  intent.request_json = spec.request.dump();
  std::int64_t id = 0;
  try {
    id = audit_.recordIntent(intent);
  } catch (const Error& e) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("{} {}: not attempted, the audit log cannot record it: {}", spec.verb,
                            spec.target, e.what()));
  }

  ActionContext context(client_, spec.options, std::move(stop));
  ActionResult result;
  try {
    result = body(context);
  } catch (const std::exception& e) {
    result = failedResult(spec, e);
  }
  result.calls = context.calls();

  store::AuditOutcome outcome;
  outcome.finished_ms = epochMillis(clock_->wallNow());
  outcome.outcome = std::string(outcomeName(result.outcome));
  nlohmann::json codes = nlohmann::json::array();
  for (const ApiCall& call : result.calls) codes.push_back(call.status);
  outcome.status_codes_json = codes.dump();
  outcome.result_json = toJson(result).dump();
  outcome.error = result.error;
  try {
    audit_.recordOutcome(id, outcome);
  } catch (const Error& e) {
    // The intent stays without an outcome: the next start reports it as "unknown".
    core::logEvent(spdlog::level::err, "audit: cannot record an outcome",
                   {{"verb", spec.verb}, {"target", spec.target}, {"error", e.what()}});
    result.warnings.push_back(
        fmt::format("the audit log could not record the outcome: {}", e.what()));
  }
  return result;
}

ActionResult Actuator::cordon(const std::string& node, const WriteOptions& options) {
  return run({"cordon", "node/" + node, "", options, nlohmann::json::object()},
             [&](ActionContext& context) { return setUnschedulable(context, node, true); });
}

ActionResult Actuator::uncordon(const std::string& node, const WriteOptions& options) {
  return run({"uncordon", "node/" + node, "", options, nlohmann::json::object()},
             [&](ActionContext& context) { return setUnschedulable(context, node, false); });
}

ActionResult Actuator::drain(const std::string& node, const DrainOptions& drain_options,
                             const WriteOptions& options, const DrainObserver& observer,
                             std::stop_token stop) {
  const DrainFilterOptions& filters = drain_options.filters;
  nlohmann::json request = {
      {"ignoreDaemonsets", filters.ignore_daemonsets},
      {"deleteEmptydirData", filters.delete_emptydir_data},
      {"force", filters.force},
      {"disableEviction", drain_options.disable_eviction},
      {"gracePeriodSeconds", drain_options.grace_period_seconds
                                 ? nlohmann::json(*drain_options.grace_period_seconds)
                                 : nlohmann::json()},
      {"timeoutSeconds", durationJson(drain_options.timeout)},
      {"podSelector", drain_options.pod_selector},
      {"skipWaitForDeleteTimeoutSeconds", filters.skip_wait_for_delete_timeout_seconds},
      {"chunkSize", drain_options.chunk_size}};
  return run(
      {"drain", "node/" + node, "", options, std::move(request)},
      [&](ActionContext& context) { return act::drain(context, node, drain_options, observer); },
      std::move(stop));
}

ActionResult Actuator::evict(const std::string& namespace_name, const std::string& name,
                             const EvictOptions& evict_options, const WriteOptions& options,
                             std::stop_token stop) {
  nlohmann::json request = {
      {"gracePeriodSeconds", evict_options.grace_period_seconds
                                 ? nlohmann::json(*evict_options.grace_period_seconds)
                                 : nlohmann::json()},
      {"timeoutSeconds", durationJson(evict_options.timeout)}};
  return run(
      {"evict", "pod/" + name, namespace_name, options, std::move(request)},
      [&](ActionContext& context) {
        return evictPod(context, namespace_name, name, evict_options);
      },
      std::move(stop));
}

ActionResult Actuator::scale(const ObjectRef& ref, const ScaleOptions& scale_options,
                             const WriteOptions& options) {
  nlohmann::json request = {{"replicas", scale_options.replicas}};
  if (scale_options.current_replicas) request["currentReplicas"] = *scale_options.current_replicas;
  if (!scale_options.resource_version.empty()) {
    request["resourceVersion"] = scale_options.resource_version;
  }
  return run({"scale", ref.display(), ref.namespace_name, options, std::move(request)},
             [&](ActionContext& context) { return act::scale(context, ref, scale_options); });
}

ActionResult Actuator::rolloutRestart(const ObjectRef& ref, const WriteOptions& options) {
  return run(
      {"rollout restart", ref.display(), ref.namespace_name, options, nlohmann::json::object()},
      [&](ActionContext& context) { return act::rolloutRestart(context, ref, clock_->wallNow()); });
}

ActionResult Actuator::restartPod(const std::string& namespace_name, const std::string& name,
                                  bool force, const WriteOptions& options) {
  return run({"restart pod", "pod/" + name, namespace_name, options, {{"force", force}}},
             [&](ActionContext& context) {
               return act::restartPod(context, namespace_name, name, force);
             });
}

ActionResult Actuator::label(const ObjectRef& ref, const LabelChanges& changes,
                             const LabelOptions& label_options, const WriteOptions& options) {
  nlohmann::json request = {
      {"set", changes.set}, {"remove", changes.remove}, {"overwrite", label_options.overwrite}};
  if (!label_options.resource_version.empty()) {
    request["resourceVersion"] = label_options.resource_version;
  }
  return run(
      {"label", ref.display(), ref.namespace_name, options, std::move(request)},
      [&](ActionContext& context) { return act::label(context, ref, changes, label_options); });
}

ActionResult Actuator::setResources(const ObjectRef& ref, const ResourcesOptions& resources,
                                    const WriteOptions& options) {
  nlohmann::json request = {{"container", resources.container},
                            {"limits", resources.limits},
                            {"requests", resources.requests}};
  return run({"set resources", ref.display(), ref.namespace_name, options, std::move(request)},
             [&](ActionContext& context) { return act::setResources(context, ref, resources); });
}

}  // namespace keelson::act
