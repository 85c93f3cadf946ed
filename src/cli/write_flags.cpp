#include "cli/write_flags.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "app/write_session.h"
#include "cli/commands.h"
#include "store/audit_log.h"

namespace keelson::cli {

void WriteFlags::add(CLI::App& command) {
  command
      .add_flag("--dry-run{client}", dry_run,
                "--dry-run=none: act; client (a bare --dry-run): only print what would change; "
                "server: send with dryRun=All (the API server validates and admits, persists "
                "nothing)")
      ->check(CLI::IsMember({"none", "client", "server"}))
      ->capture_default_str();
  command.add_option("--field-manager", field_manager, "the field manager of every write")
      ->capture_default_str();
  state.add(command);
  output.add(command, {"text", "json", "yaml"});
}

act::WriteOptions WriteFlags::writeOptions() const {
  return {act::parseDryRun(dry_run), field_manager};
}

ResultText renderResult(const act::ActionResult& result) {
  ResultText text;
  for (const std::string& warning : result.warnings) text.err += "Warning: " + warning + "\n";
  if (result.outcome != act::Outcome::kSucceeded) {
    text.err += "error: " + result.error + "\n";
    return text;
  }
  text.out +=
      fmt::format("{} {}{}\n", result.target, result.summary, act::dryRunSuffix(result.dry_run));
  if (result.dry_run_diff.is_array()) {
    for (const auto& op : result.dry_run_diff) {
      text.out += fmt::format("  {} {}{}\n", op.value("op", ""), op.value("path", ""),
                              op.contains("value") ? ": " + op["value"].dump() : "");
    }
  }
  return text;
}

std::unique_ptr<app::WriteSession> openWriteSession(const KubeFlags& kube,
                                                    const WriteFlags& flags) {
  auto session = std::make_unique<app::WriteSession>(
      kube.configOptions(), kube.requestTimeout(std::chrono::seconds(30)),
      flags.state.auditLogPath(), act::Requester{"user", app::localUser()});
  for (const store::AuditRecord& record : session->unknownOutcomes()) {
    std::cerr << fmt::format(
        "Warning: audit: {} {} (record {}, pid {}) has an unknown outcome: its process ended "
        "before recording one\n",
        record.intent.verb, record.intent.target, record.id, record.pid);
  }
  return session;
}

int runWrite(const KubeFlags& kube, const WriteFlags& flags,
             const std::function<act::ActionResult(act::Actuator&)>& action,
             const ResultRenderer& render) {
  const auto session = openWriteSession(kube, flags);
  const act::ActionResult result = action(session->actuator());
  const ResultText text = render(result);
  std::cerr << text.err;
  flags.output.write(act::toJson(result), [&text](const std::string&) { return text.out; });
  return result.outcome == act::Outcome::kSucceeded ? kExitOk : kExitFailure;
}

}  // namespace keelson::cli
