#include "act/action.h"

#include <fmt/format.h>

#include "core/error.h"

namespace keelson::act {

std::string_view dryRunName(DryRun mode) noexcept {
  switch (mode) {
    case DryRun::kNone:
      return "none";
    case DryRun::kClient:
      return "client";
    case DryRun::kServer:
      return "server";
  }
  return "none";
}

DryRun parseDryRun(std::string_view text) {
  if (text == "none") return DryRun::kNone;
  if (text == "client") return DryRun::kClient;
  if (text == "server") return DryRun::kServer;
  throw Error(ErrorCode::kBadInput,
              fmt::format("--dry-run: \"{}\" is not one of none, client, server", text));
}

std::string_view dryRunSuffix(DryRun mode) noexcept {
  switch (mode) {
    case DryRun::kNone:
      return "";
    case DryRun::kClient:
      return " (dry run)";
    case DryRun::kServer:
      return " (server dry run)";
  }
  return "";
}

std::string_view outcomeName(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::kSucceeded:
      return "succeeded";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kFailed:
      return "failed";
  }
  return "failed";
}

nlohmann::json toJson(const ActionResult& result) {
  nlohmann::json skipped = nlohmann::json::array();
  for (const Skipped& item : result.skipped) {
    skipped.push_back({{"target", item.target}, {"reason", item.reason}});
  }
  nlohmann::json calls = nlohmann::json::array();
  for (const ApiCall& call : result.calls) {
    calls.push_back({{"method", call.method}, {"path", call.path}, {"status", call.status}});
  }
  nlohmann::json doc = {{"kind", "ActionResult"},
                        {"verb", result.verb},
                        {"target", result.target},
                        {"namespace", result.namespace_name},
                        {"dryRun", dryRunName(result.dry_run)},
                        {"outcome", outcomeName(result.outcome)},
                        {"summary", result.summary},
                        {"changes", result.changes},
                        {"skipped", std::move(skipped)},
                        {"warnings", result.warnings},
                        {"apiCalls", std::move(calls)},
                        {"dryRunDiff", result.dry_run_diff},
                        {"error", result.error},
                        {"errors", result.errors}};
  return doc;
}

}  // namespace keelson::act
