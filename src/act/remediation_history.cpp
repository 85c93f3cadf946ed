#include "act/remediation_history.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "docs/insights_file.h"

namespace keelson::act {
namespace {

using nlohmann::json;

constexpr const char* kKind = "RemediationHistory";
constexpr const char* kApiVersion = "keelson/v1";

json parameters(const ProposedAction& action) {
  json out = json::object();
  switch (action.kind) {
    case ActionKind::kSetResources:
      out = {{"container", action.resources.container},
             {"limits", action.resources.limits},
             {"requests", action.resources.requests}};
      break;
    case ActionKind::kRestartPod:
      out = {{"force", action.force}};
      break;
    case ActionKind::kDrain:
      out = {{"ignoreDaemonsets", action.drain.filters.ignore_daemonsets},
             {"deleteEmptydirData", action.drain.filters.delete_emptydir_data},
             {"timeoutSeconds", action.drain.timeout.count() / 1000.0}};
      break;
    case ActionKind::kScale:
      if (action.replicas) out = {{"replicas", *action.replicas}};
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

std::string_view decisionName(Decision decision) noexcept {
  switch (decision) {
    case Decision::kApproved:
      return "approved";
    case Decision::kDeclined:
      return "declined";
    case Decision::kSkipped:
      return "skipped";
    case Decision::kRefusedByPolicy:
      return "refused-by-policy";
    case Decision::kDryRun:
      return "dry-run";
    case Decision::kNoAction:
      return "no-action";
    case Decision::kBelowThreshold:
      return "below-threshold";
  }
  return "no-action";
}

json proposalJson(const Proposal& proposal) {
  const bool none = proposal.action.kind == ActionKind::kNone;
  return {{"action", actionKindName(proposal.action.kind)},
          {"target", none ? "" : proposal.action.target.display()},
          {"namespace", none ? "" : proposal.action.target.namespace_name},
          {"command", describeAction(proposal.action)},
          {"parameters", parameters(proposal.action)},
          {"reason", proposal.reason},
          {"changes", proposal.changes}};
}

json historyItem(const analysis::TrackedFinding& finding, const Proposal& proposal,
                 Decision decision, const std::string& reason, core::WallTime now) {
  return {{"finding", docs::findingJson(finding)},
          {"confidence", proposal.confidence},
          {"proposal", proposalJson(proposal)},
          {"llm_explanation", nullptr},
          {"decision", decisionName(decision)},
          {"decision_reason", reason},
          {"decided_at", kube::formatTime(now)},
          {"dry_run_result", nullptr},
          {"result", nullptr},
          {"outcome", nullptr}};
}

RemediationHistory RemediationHistory::load(const std::filesystem::path& path) {
  RemediationHistory history;
  history.path_ = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return history;
  std::ifstream in(path);
  if (!in) {
    throw Error(ErrorCode::kUnavailable,
                "history file " + path.string() + ": cannot open: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    const json doc = json::parse(text.str());
    if (doc.at("kind") != kKind) throw std::runtime_error("kind is not " + std::string(kKind));
    for (const json& item : doc.at("items")) {
      item.at("finding").at("id").get<std::string>();
      item.at("decision").get<std::string>();
      history.items_.push_back(item);
    }
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kBadInput,
                "history file " + path.string() +
                    ": not a keelson remediation history (move it away or pass another "
                    "--history-file): " +
                    e.what());
  }
  return history;
}

std::size_t RemediationHistory::append(json item) {
  items_.push_back(std::move(item));
  return items_.size() - 1;
}

bool RemediationHistory::actedOn(const std::string& id, const std::string& first_seen) const {
  for (const json& item : items_) {
    const json& finding = item["finding"];
    if (finding.value("id", "") != id || finding.value("first_seen", "") != first_seen) continue;
    if (item.value("decision", "") != decisionName(Decision::kApproved)) continue;
    const json& result = item["result"];
    if (result.is_object() && result.value("outcome", "") != "refused") return true;
  }
  return false;
}

json RemediationHistory::document() const {
  return {{"kind", kKind}, {"apiVersion", kApiVersion}, {"items", items_}};
}

void RemediationHistory::save() const {
  core::writeFileAtomically(path_, document().dump(2) + "\n", "history file");
}

}  // namespace keelson::act
