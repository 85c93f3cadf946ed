#pragma once
// Runs a verified action of the backend through the actuator (so it is audited as
// Requester{"backend", action id}), with its params named as the CLI's flags in camelCase:
//
//   verb           target kinds                        params
//   cordon         Node                                -
//   uncordon       Node                                -
//   drain          Node                                ignoreDaemonSets, deleteEmptyDirData, force,
//                                                      gracePeriod (s), timeout (Go duration),
//                                                      podSelector, disableEviction,
//                                                      skipWaitForDeleteTimeout (s), chunkSize
//   evict          Pod                                 gracePeriod (s), timeout (Go duration)
//   scale          Deployment, StatefulSet, ReplicaSet replicas (required), currentReplicas,
//                                                      resourceVersion
//   restart        Deployment, StatefulSet, DaemonSet  -   (kubectl rollout restart)
//   restart-pod    Pod                                 force
//   label          any of the above                    labels (["k=v", "k-"]), overwrite,
//                                                      resourceVersion
//   set-resources  the four workload kinds             container (default all), limits, requests
//                                                      ("cpu=200m,memory=512Mi")
//
// Every verb also takes dryRun ("none", "server", "client"; default none).

#include <stop_token>

#include "act/actuator.h"
#include "link/message.h"

namespace keelson::link {

/// The action's write options (dryRun) with the field manager "keelson-agent". Throws
/// Error(kBadInput) for a dryRun that is not none, server or client.
act::WriteOptions writeOptions(const Action& action);

/// Checks the action's target and params against the table above without running anything:
/// Throws Error(kBadInput) naming an unknown verb, a target kind the verb does not take, a
/// namespaced target without a namespace, an unknown param, or a param of the wrong type or
/// value.
void validateAction(const Action& action);

/// Runs `action` through `actuator` (validated first, as validateAction; nothing runs when that
/// throws). Returns the actuator's result: failures of the verb are a kFailed result, not
/// thrown. Throws Error(kUnavailable) when the audit log cannot record the intent.
act::ActionResult runAction(act::Actuator& actuator, const Action& action,
                            std::stop_token stop = {});

}  // namespace keelson::link
