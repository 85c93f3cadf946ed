// keelson audit: the audit log (every write keelson made to a cluster: who asked, what, and how
// it ended), read-only, as a table, JSON, YAML or CSV.
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "core/error.h"
#include "docs/audit_document.h"
#include "store/audit_log.h"

namespace keelson::cli {
namespace {

docs::AuditEntry toEntry(const store::AuditRecord& record) {
  const store::AuditIntent& intent = record.intent;
  const std::optional<store::AuditOutcome>& outcome = record.outcome;
  const bool finished = outcome && outcome->outcome != "unknown";
  return {.id = record.id,
          .started_ms = intent.started_ms,
          .finished_ms = finished ? std::optional(outcome->finished_ms) : std::nullopt,
          .requester_kind = intent.requester.kind,
          .requester_id = intent.requester.id,
          .verb = intent.verb,
          .target = intent.target,
          .namespace_name = intent.namespace_name,
          .dry_run = intent.dry_run,
          .request_json = intent.request_json,
          .outcome = outcome ? outcome->outcome : "running",
          .status_codes_json = outcome ? outcome->status_codes_json : "",
          .result_json = outcome ? outcome->result_json : "",
          .error = outcome ? outcome->error : ""};
}

struct AuditCommand {
  StateFlags state;
  std::string since;
  OutputFlags output;

  int run() const {
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    const std::int64_t since_ms =
        since.empty() ? 0 : now_ms - parseDurationFlag("--since", since).count();
    const std::filesystem::path dir = state.path();
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("--state-dir {}: not a directory", dir.string()));
    }
    const std::filesystem::path path = state.auditLogPath();
    std::vector<docs::AuditEntry> entries;
    try {
      // Read-only: `keelson audit` never creates the log; the first audited write does.
      const store::AuditLog log = store::AuditLog::openReadOnly(path);
      for (const store::AuditRecord& record : log.list(since_ms)) {
        entries.push_back(toEntry(record));
      }
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
    }
    output.write(docs::auditDocument(entries), [&](const std::string& format) {
      return format == "csv" ? docs::renderAuditCsv(entries) : docs::renderAuditTable(entries);
    });
    if (entries.empty() && output.format == "text") {
      std::cerr << "No audit records in " << path.string()
                << (since.empty() ? "" : " started within --since " + since) << "\n";
    }
    return kExitOk;
  }
};

}  // namespace

void addAuditCommand(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "audit",
      "show the audit log: every write keelson made to a cluster (who asked, the verb and "
      "target, dry run or not, the outcome and the API's status codes), oldest first");
  auto c = std::make_shared<AuditCommand>();
  c->state.add(*cmd);
  cmd->add_option("--since", c->since,
                  "only actions started within this long before now (e.g. 30m, 1h, 7d; "
                  "default: all)")
      ->check(durationValidator("--since"));
  c->output.add(*cmd, {"text", "json", "yaml", "csv"});
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
