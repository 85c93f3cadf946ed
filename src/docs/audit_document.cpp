#include "docs/audit_document.h"

#include <chrono>

#include "core/csv.h"
#include "core/duration.h"
#include "core/terminal_text.h"
#include "docs/table.h"
#include "kube/objects.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

std::string timeMillis(std::int64_t ms) {
  return kube::formatTimeMillis(kube::Time(std::chrono::milliseconds(ms)));
}

// Stored JSON text as a value: `empty` for "", the text itself when it does not parse (a row
// keelson did not write; show it rather than hide it).
json parsed(const std::string& text, json empty) {
  if (text.empty()) return empty;
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? json(text) : value;
}

json statusCodes(const AuditEntry& entry) {
  json codes = parsed(entry.status_codes_json, json::array());
  return codes.is_array() ? codes : json::array({codes});
}

std::string compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string codesText(const AuditEntry& entry) {
  std::string text;
  for (const json& code : statusCodes(entry)) {
    text +=
        (text.empty() ? "" : ",") + (code.is_string() ? code.get<std::string>() : compact(code));
  }
  return text.empty() ? "-" : text;
}

}  // namespace

json auditDocument(const std::vector<AuditEntry>& entries) {
  json items = json::array();
  for (const AuditEntry& e : entries) {
    items.push_back({
        {"id", e.id},
        {"startedAt", timeMillis(e.started_ms)},
        {"finishedAt", e.finished_ms ? json(timeMillis(*e.finished_ms)) : json(nullptr)},
        {"requester", {{"kind", e.requester_kind}, {"id", e.requester_id}}},
        {"verb", e.verb},
        {"target", e.target},
        {"namespace", e.namespace_name},
        {"dryRun", e.dry_run},
        {"request", parsed(e.request_json, json::object())},
        {"outcome", e.outcome},
        {"statusCodes", statusCodes(e)},
        {"result", parsed(e.result_json, nullptr)},
        {"error", e.error.empty() ? json(nullptr) : json(e.error)},
    });
  }
  return {{"kind", "AuditLog"}, {"items", std::move(items)}};
}

std::string renderAuditTable(const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return "";
  Table table({"STARTED", "REQUESTER", "VERB", "TARGET", "NAMESPACE", "DRY-RUN", "OUTCOME", "CODES",
               "DURATION"});
  for (const AuditEntry& e : entries) {
    const std::string requester =
        e.requester_id.empty() ? e.requester_kind : e.requester_kind + "/" + e.requester_id;
    const std::string duration =
        e.finished_ms
            ? core::formatDuration(std::chrono::milliseconds(*e.finished_ms - e.started_ms))
            : "-";
    table.add({kube::formatTime(kube::Time(std::chrono::milliseconds(e.started_ms))),
               core::terminalSafe(requester), core::terminalSafe(e.verb),
               core::terminalSafe(e.target),
               e.namespace_name.empty() ? "-" : core::terminalSafe(e.namespace_name),
               core::terminalSafe(e.dry_run), core::terminalSafe(e.outcome),
               core::terminalSafe(codesText(e)), duration});
  }
  return table.render();
}

std::string renderAuditCsv(const std::vector<AuditEntry>& entries) {
  std::string out = core::csvRecord({"id", "started_at", "finished_at", "requester_kind",
                                     "requester_id", "verb", "target", "namespace", "dry_run",
                                     "outcome", "status_codes", "error", "request", "result"});
  for (const AuditEntry& e : entries) {
    const json result = parsed(e.result_json, nullptr);
    out += core::csvRecord(
        {std::to_string(e.id), timeMillis(e.started_ms),
         e.finished_ms ? timeMillis(*e.finished_ms) : "", e.requester_kind, e.requester_id, e.verb,
         e.target, e.namespace_name, e.dry_run, e.outcome, compact(statusCodes(e)), e.error,
         compact(parsed(e.request_json, json::object())), result.is_null() ? "" : compact(result)});
  }
  return out;
}

}  // namespace keelson::docs
