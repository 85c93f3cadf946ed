#include "docs/placement_document.h"

#include <fmt/format.h>

#include "core/terminal_text.h"
#include "docs/table.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

json nodeDocument(const schedule::NodeRanking& node) {
  json out = {{"name", node.node}, {"feasible", node.feasible}};
  if (node.feasible) {
    out["score"] = node.total;
    json scores = json::object();
    for (const auto& s : node.scores) scores[s.plugin] = {{"score", s.score}, {"weight", s.weight}};
    out["scores"] = std::move(scores);
    return out;
  }
  json rejections = json::array();
  for (const auto& status : node.rejections) {
    json reasons = json::array();
    for (const auto& r : status.reasons) {
      reasons.push_back({{"reason", r.category}, {"message", r.message}});
    }
    rejections.push_back({{"plugin", status.plugin}, {"reasons", std::move(reasons)}});
  }
  out["rejections"] = std::move(rejections);
  return out;
}

std::string details(const schedule::NodeRanking& node) {
  std::string out;
  const auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (node.feasible) {
    for (const auto& s : node.scores) add(fmt::format("{} {}x{}", s.plugin, s.score, s.weight));
    return out;
  }
  for (const auto& status : node.rejections) {
    for (const auto& r : status.reasons) add(fmt::format("{}: {}", status.plugin, r.message));
  }
  return out;
}

}  // namespace

json placementDocument(const schedule::Placement& placement) {
  json out = {{"chosen", placement.node.empty() ? json(nullptr) : json(placement.node)},
              {"totalNodes", placement.total_nodes},
              {"feasibleNodes", placement.feasible_nodes}};
  if (!placement.failure_message.empty()) out["failure"] = placement.failure_message;
  json nodes = json::array();
  for (const auto& node : placement.nodes) nodes.push_back(nodeDocument(node));
  out["nodes"] = std::move(nodes);
  return out;
}

std::string renderPlacement(const schedule::Placement& placement) {
  Table table({"NODE", "SCORE", "DETAILS"});
  for (const auto& node : placement.nodes) {
    table.add({core::terminalSafe(node.node), node.feasible ? std::to_string(node.total) : "-",
               core::terminalSafe(details(node))});
  }
  std::string out = table.render();
  if (placement.node.empty()) return out + placement.failure_message + "\n";
  return out + fmt::format("Chosen: {} ({} of {} nodes fit)\n", core::terminalSafe(placement.node),
                           placement.feasible_nodes, placement.total_nodes);
}

}  // namespace keelson::docs
