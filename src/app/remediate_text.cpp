#include "app/remediate_text.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "core/terminal_text.h"

namespace keelson::app {
namespace {

std::string number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{:.0f}", value);
  }
  return fmt::format("{:.3g}", value);
}

// Every line of `text`, made terminal-safe, indented by `indent`.
std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    out += indent + core::terminalSafe(line) + "\n";
  }
  return out;
}

}  // namespace

std::string renderActionResult(const act::ActionResult& result, const std::string& indent) {
  std::string out;
  for (const std::string& warning : result.warnings) {
    out += indent + "Warning: " + core::terminalSafe(warning) + "\n";
  }
  if (result.outcome != act::Outcome::kSucceeded) {
    return out + indent + "error: " + core::terminalSafe(result.error) + "\n";
  }
  out += fmt::format("{}{} {}{}\n", indent, result.target, result.summary,
                     act::dryRunSuffix(result.dry_run));
  // A server dry run shows the server's own diff; otherwise what the verb changed.
  if (!result.dry_run_diff.is_array()) {
    for (const std::string& change : result.changes) {
      out += indent + "  " + core::terminalSafe(change) + "\n";
    }
  } else {
    for (const auto& op : result.dry_run_diff) {
      out += fmt::format("{}  {} {}{}\n", indent, op.value("op", ""),
                         core::terminalSafe(op.value("path", "")),
                         op.contains("value") ? ": " + core::terminalSafe(op["value"].dump()) : "");
    }
  }
  return out;
}

std::string renderProposal(const analysis::TrackedFinding& finding, const act::Proposal& proposal,
                           const std::optional<act::ActionResult>& dry_run,
                           const std::optional<LlmText>& llm) {
  const analysis::Finding& f = finding.finding;
  std::string out =
      fmt::format("Finding {} ({}, confidence {:.2f}, open since {})\n", core::terminalSafe(f.id),
                  f.severity, proposal.confidence, kube::formatTime(finding.first_seen));
  out += "  " + core::terminalSafe(f.explanation) + "\n";
  std::string evidence = "  Evidence: " + core::terminalSafe(f.evidence.series);
  if (!f.evidence.recent_values.empty()) {
    std::string values;
    for (double v : f.evidence.recent_values) values += (values.empty() ? "" : ", ") + number(v);
    evidence += " [" + values + "]";
  }
  if (f.evidence.expected_range) {
    evidence += fmt::format(", expected {} to {}", number(f.evidence.expected_range->first),
                            number(f.evidence.expected_range->second));
  }
  if (f.evidence.score) evidence += fmt::format(", score {:.2f}", *f.evidence.score);
  for (const auto& [name, value] : f.evidence.details) {
    if (!value.empty()) evidence += "; " + name + "=" + core::terminalSafe(value);
  }
  out += evidence + "\n";
  out += "  Proposal: " + act::describeAction(proposal.action) + "\n";
  out += indented(proposal.reason, "    ");
  for (const std::string& change : proposal.changes) {
    out += "    " + core::terminalSafe(change) + "\n";
  }
  if (dry_run) out += "  Server dry run:\n" + renderActionResult(*dry_run, "    ");
  if (llm) {
    out += "  " + act::llmLabel(core::terminalSafe(llm->model)) + "\n";
    out += indented(llm->text, "    ");
  }
  return out;
}

}  // namespace keelson::app
