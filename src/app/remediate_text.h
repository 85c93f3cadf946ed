#pragma once
// What `keelson remediate` shows a person: a block per proposal (the finding, its evidence, the
// proposed action and why, the API server's dry-run diff, an LLM explanation when asked for),
// and a line per result. Pure; every value from the cluster or a model is made terminal-safe.

#include <optional>
#include <string>

#include "act/action.h"
#include "act/llm_explainer.h"
#include "act/proposal.h"
#include "analysis/insight_tracker.h"

namespace keelson::app {

/// An LLM's answer and the model that gave it.
struct LlmText {
  std::string model;
  std::string text;
};

/// The block for one proposal, ending with a newline. `dry_run` is the server dry run's result
/// when one ran. Pure.
std::string renderProposal(const analysis::TrackedFinding& finding, const act::Proposal& proposal,
                           const std::optional<act::ActionResult>& dry_run,
                           const std::optional<LlmText>& llm);

/// One result as kubectl prints it ("deployment.apps/web restarted", "... (server dry run)"),
/// its server dry-run diff indented below, or "error: ..." with the error; each line indented
/// by `indent`, ending with a newline. Pure.
std::string renderActionResult(const act::ActionResult& result, const std::string& indent);

}  // namespace keelson::app
