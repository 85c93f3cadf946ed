#pragma once

// The plain-language explanation of a scheduling verdict (GET
// /api/v1/pods/{ns}/{pod}/scheduling/explain, `keelson diagnose pod --explain`): what the
// scheduling document (pod_documents.h) says, in sentences an operator can act on. Built from
// that document alone, so the explanation never disagrees with the /scheduling route. Pure.

#include <nlohmann/json.hpp>
#include <string>

namespace keelson::docs {

/// The explanation of `scheduling` (a schedulingDocument): {podName, namespace, status
/// ("Scheduled" or "Pending"), verdict (one sentence), reasons (one sentence per kube-scheduler
/// reason, the reason affecting most nodes first, each with its node count and an example
/// node's numbers; for a scheduled pod, why its node fits), suggestions (what would let the pod
/// schedule, one per reason; empty for a scheduled pod), scheduler (kube-scheduler's latest
/// FailedScheduling message compared with this analysis: {message, timestamp, agrees (the same
/// node count and the same count per reason), note}, or null when the scheduler has said nothing
/// or the pod is scheduled), explanation (verdict, reasons, scheduler note and suggestions as one
/// paragraph)}. Tolerates missing fields (they read as empty).
nlohmann::json schedulingExplanation(const nlohmann::json& scheduling);

/// Plain text of a schedulingExplanation. Tolerates missing fields.
std::string schedulingExplanationText(const nlohmann::json& explanation);

}  // namespace keelson::docs
