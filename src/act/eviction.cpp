#include "act/eviction.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace keelson::act {

namespace {

// The API server's DisruptionBudget cause reads "The disruption budget NAME needs N healthy
// pods and has M currently".
std::string budgetName(const kube::StatusCause& cause, const std::string& namespace_name) {
  static constexpr std::string_view kPrefix = "The disruption budget ";
  std::string_view message = cause.message;
  if (!message.starts_with(kPrefix)) return {};
  message.remove_prefix(kPrefix.size());
  return fmt::format("{}/{}", namespace_name, message.substr(0, message.find(' ')));
}

}  // namespace

EvictionRefusal classifyEviction(const kube::ApiError& error, const std::string& namespace_name) {
  EvictionRefusal refusal;
  const auto& causes = error.causes();
  if (error.code() == ErrorCode::kNotFound) {
    refusal.kind = EvictionRefusal::Kind::kGone;
  } else if (error.code() == ErrorCode::kTooManyRequests) {
    refusal.kind = EvictionRefusal::Kind::kBlocked;
    for (const kube::StatusCause& cause : causes) {
      if (cause.reason == "DisruptionBudget" && refusal.budget.empty()) {
        refusal.budget = budgetName(cause, namespace_name);
      }
      if (!cause.message.empty()) {
        refusal.detail += refusal.detail.empty() ? "" : "; ";
        refusal.detail += cause.message;
      }
    }
  } else if (error.code() == ErrorCode::kForbidden &&
             std::any_of(causes.begin(), causes.end(), [](const kube::StatusCause& c) {
               return c.reason == "NamespaceTerminating";
             })) {
    refusal.kind = EvictionRefusal::Kind::kTerminating;
  }
  return refusal;
}

std::string blockedMessage(const kube::ApiError& error, const EvictionRefusal& refusal) {
  std::string message = error.serverMessage().empty() ? error.what() : error.serverMessage();
  if (!refusal.detail.empty()) {
    message += fmt::format(" (PodDisruptionBudget {}: {})",
                           refusal.budget.empty() ? "unknown" : refusal.budget, refusal.detail);
  }
  return message;
}

}  // namespace keelson::act
