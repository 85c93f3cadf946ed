#pragma once

// What an eviction's refusal means (POST pods/NAME/eviction, policy/v1), shared by drain and
// evict: the API server answers 429 while a PodDisruptionBudget forbids the disruption (naming
// it in a DisruptionBudget cause), 500 when several budgets match the pod, 404 when the pod is
// gone, and 403 with a NamespaceTerminating cause in a namespace being deleted.

#include <string>

#include "kube/api_error.h"

namespace keelson::act {

/// A refused eviction, classified.
struct EvictionRefusal {
  enum class Kind {
    kGone,         ///< 404: nothing left to evict.
    kBlocked,      ///< 429: a PodDisruptionBudget forbids it now; retry later.
    kTerminating,  ///< 403 NamespaceTerminating: retry (or wait, if the pod is being deleted).
    kFatal,        ///< Anything else (500 for several budgets, 403 RBAC, ...).
  };
  Kind kind = Kind::kFatal;
  std::string budget;  ///< kBlocked: "NS/NAME" of the blocking budget, when the server named it.
  std::string detail;  ///< kBlocked: the causes' messages ("The disruption budget web needs ...").
};

/// Classifies `error`, the answer to evicting a pod in `namespace_name`. Pure; thread-safe.
EvictionRefusal classifyEviction(const kube::ApiError& error, const std::string& namespace_name);

/// The message to show for a blocked eviction: the server's message, then the budget and its
/// state: "Cannot evict pod as it would violate the pod's disruption budget. (PodDisruptionBudget
/// shop/web: The disruption budget web needs 2 healthy pods and has 2 currently)".
std::string blockedMessage(const kube::ApiError& error, const EvictionRefusal& refusal);

}  // namespace keelson::act
