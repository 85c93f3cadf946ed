#pragma once

// The JSON documents of the diagnosis endpoints (/api/v1/pods/{ns}/{pod}/failure-events and
// /health-score, /api/v1/namespace/{ns}/error, /api/v1/cluster/pod-issues), in the spec's shape and
// camelCase names, and their plain-text rendering for `keelson diagnose`. The text is rendered from
// the same document the server returns, so the command and the server never disagree. Pure.

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/cluster_pod_issues.h"
#include "analysis/failure_events.h"
#include "analysis/health_score.h"
#include "analysis/namespace_errors.h"

namespace keelson::docs {

/// The failure-events document: {podName, namespace, totalEvents, failureEvents: [{type,
/// reason, message, firstTimestamp, lastTimestamp, count, source ("component/host" or
/// "component"), category, severity, isRecurring, recurrenceRate ("6.0 times per hour", null
/// when seen once), timeSinceFirst ("1h25m"), possibleCauses, suggestedAction}],
/// eventCategories {category: count}, criticalEvents, warningEvents, mostRecentIssue ({reason,
/// message, lastTimestamp} or null), ongoingIssues, podPhase, podStatus}. Timestamps are RFC
/// 3339 UTC with second precision.
nlohmann::json failureEventsDocument(const analysis::FailureEventsAnalysis& analysis);

/// The namespace error document: {namespace, analysisTime, totalPodsAnalyzed,
/// problematicPodsCount, healthyPodsCount, restartThresholdUsed, summary: [{issueType, count,
/// description, affectedPods}], problematicPods: [{name, namespace, ownerKind, ownerName, phase,
/// restartCount, age ("2h30m"), issues: [{type, description, severity, details}],
/// recentEvents: [{type, reason, message, lastTimestamp, count}] (its newest Warning events)}],
/// criticalIssuesCount,
/// warningIssuesCount}.
nlohmann::json namespaceErrorDocument(const analysis::NamespaceErrorAnalysis& analysis);

/// The cluster pod-issues document (GET /api/v1/cluster/pod-issues): {namespace (the scope, null
/// for every namespace), severity ("critical", "warning" or null), issueType (the filter, or
/// null), analysisTime, restartThresholdUsed, totalPodsAnalyzed, problematicPodsCount,
/// criticalIssuesCount, warningIssuesCount, summary: [{issueType, description, count (issues),
/// podCount}], problematicPods (this page, by namespace then name; each as in
/// namespaceErrorDocument, ownerKind and ownerName null for a pod without a controller),
/// continue (the token of the next page, or null on the last), remainingItemCount}. The counts
/// and summary cover every page.
nlohmann::json clusterPodIssuesDocument(const analysis::ClusterPodIssues& analysis,
                                        const std::string& namespace_name,
                                        const analysis::PodIssueFilter& filter);

/// Plain text of a clusterPodIssuesDocument. Tolerates missing fields.
std::string clusterPodIssuesText(const nlohmann::json& doc);

/// The health-score document: {podName, namespace, phase, evaluatedAt, score (0-100), status
/// ("healthy", "degraded", "unhealthy" or "critical"), bands {healthy, degraded, unhealthy}
/// (each band's lowest score), components {restarts, containerStates, conditions,
/// warningEvents}, each {score, weight, weightedScore (score × weight / 100, two decimals),
/// evidence}}. Evidence: restarts {restartCount, restartsPerHour (two decimals), podAge
/// ("1h25m"), podAgeSeconds}; containerStates {containers: [{name, init, state, reason (null
/// unless waiting or terminated), exitCode (null unless terminated), ready, restartCount,
/// score}]}; conditions {conditions: [{type, status (null when the pod lacks it), reason,
/// message, points}]} for PodScheduled, ContainersReady and Ready; warningEvents
/// {windowSeconds, warningEvents (distinct events), occurrences, events: [{reason, message,
/// count, lastTimestamp}]}. Timestamps are RFC 3339 UTC with second precision.
nlohmann::json healthScoreDocument(const analysis::HealthScore& score);

/// Plain text of a healthScoreDocument. Tolerates missing fields.
std::string healthScoreText(const nlohmann::json& doc);

/// Plain text of a failureEventsDocument. Tolerates missing fields.
std::string failureEventsText(const nlohmann::json& doc);

/// Plain text of a namespaceErrorDocument. Tolerates missing fields.
std::string namespaceErrorText(const nlohmann::json& doc);

/// Plain text of a scheduling document (app::schedulingDocument). Tolerates missing fields.
std::string schedulingText(const nlohmann::json& doc);

/// Plain text of a resources document (app::resourcesDocument). Tolerates missing fields.
std::string resourcesText(const nlohmann::json& doc);

}  // namespace keelson::docs
