#pragma once

// A placement (schedule/placement.h) as a document and as text: which node was chosen, every
// feasible node's score per Score plugin, and why every other node was rejected.

#include <nlohmann/json.hpp>
#include <string>

#include "schedule/placement.h"

namespace keelson::docs {

/// {"chosen", "totalNodes", "feasibleNodes", "failure" (kube-scheduler's FailedScheduling
/// message; only when no node fits), "nodes": [{"name", "feasible", "score" (weighted total),
/// "scores": {"<plugin>": {"score" (0-100), "weight"}}} or {"name", "feasible": false,
/// "rejections": [{"plugin", "reasons": [{"reason", "message"}]}]}]}. Pure.
nlohmann::json placementDocument(const schedule::Placement& placement);

/// The ranking as a table (NODE, SCORE, DETAILS: each plugin's score×weight, or the
/// rejections with their numbers), then "Chosen: NODE" or the FailedScheduling message. Pure.
std::string renderPlacement(const schedule::Placement& placement);

}  // namespace keelson::docs
