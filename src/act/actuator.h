#pragma once

// The actuator: the one way keelson writes to a cluster. Every action, whoever asks for it (the
// CLI, remediation, the backend link), runs through Actuator::run: the intent is recorded in the
// audit log first (and nothing is attempted if that fails), the verb runs with its own
// ActionContext, and the outcome (result, API status codes, error) is recorded after.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>

#include "act/action.h"
#include "act/context.h"
#include "act/drain.h"
#include "act/evict.h"
#include "act/label.h"
#include "act/scale.h"
#include "act/set_resources.h"
#include "act/target.h"
#include "core/clock.h"
#include "kube/client.h"
#include "store/audit_log.h"

namespace keelson::act {

/// What is about to run, for the audit log.
struct ActionSpec {
  std::string verb;            ///< "cordon", "drain", ...
  std::string target;          ///< "node/n1", "deployment.apps/web".
  std::string namespace_name;  ///< "" for nodes.
  WriteOptions options;
  nlohmann::json request = nlohmann::json::object();  ///< The verb's parameters.
};

/// Runs actions against one cluster for one requester.
///
/// Thread-safety: thread-safe (the client and the audit log are); actions may run concurrently.
class Actuator {
 public:
  /// `client` and `audit` must outlive the actuator.
  Actuator(const kube::Client& client, store::AuditLog& audit, Requester requester,
           std::shared_ptr<const core::Clock> clock = core::systemClock());

  /// Records the intent of `spec`, runs `body`, records the outcome, and returns the result.
  /// A body that throws (ApiError: 403, 404, 409, ...; Error: unreachable) gives a kFailed
  /// result with the error's message; nothing is thrown for it. Throws Error(kUnavailable) when
  /// the intent cannot be recorded: then nothing was attempted.
  ActionResult run(const ActionSpec& spec, const std::function<ActionResult(ActionContext&)>& body,
                   std::stop_token stop = {});

  /// The verbs, each through run(); see their headers for what they do.
  ActionResult cordon(const std::string& node, const WriteOptions& options);
  ActionResult uncordon(const std::string& node, const WriteOptions& options);
  ActionResult drain(const std::string& node, const DrainOptions& drain,
                     const WriteOptions& options, const DrainObserver& observer = {},
                     std::stop_token stop = {});
  ActionResult evict(const std::string& namespace_name, const std::string& name,
                     const EvictOptions& evict, const WriteOptions& options,
                     std::stop_token stop = {});
  ActionResult scale(const ObjectRef& ref, const ScaleOptions& scale, const WriteOptions& options);
  ActionResult rolloutRestart(const ObjectRef& ref, const WriteOptions& options);
  ActionResult restartPod(const std::string& namespace_name, const std::string& name, bool force,
                          const WriteOptions& options);
  ActionResult label(const ObjectRef& ref, const LabelChanges& changes, const LabelOptions& label,
                     const WriteOptions& options);
  ActionResult setResources(const ObjectRef& ref, const ResourcesOptions& resources,
                            const WriteOptions& options);

 private:
  const kube::Client& client_;
  store::AuditLog& audit_;
  Requester requester_;
  std::shared_ptr<const core::Clock> clock_;
};

}  // namespace keelson::act
