#pragma once

// The audit log as `keelson audit` shows it: a JSON document ({"kind": "AuditLog", "items":
// [...]}), a table in kubectl's style, and CSV. Pure: the records come in as AuditEntry values
// (the CLI converts the store's AuditRecords; docs does not read the store).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace keelson::docs {

/// One audited action, as the document shows it.
struct AuditEntry {
  std::int64_t id = 0;                      ///< The audit log's id of the action.
  std::int64_t started_ms = 0;              ///< Unix epoch milliseconds.
  std::optional<std::int64_t> finished_ms;  ///< nullopt while it runs, and when "unknown".
  std::string requester_kind;               ///< "user", "remediation" or "backend".
  std::string requester_id;                 ///< User name, finding id or backend action id.
  std::string verb;                         ///< "cordon", "drain", "scale", ...
  std::string target;                       ///< kubectl's resource/name: "node/kwok-1".
  std::string namespace_name;               ///< "" for cluster-scoped targets.
  std::string dry_run;                      ///< "none", "client" or "server".
  std::string request_json;                 ///< The action's parameters (a JSON object).
  /// "succeeded", "failed", "refused", "unknown" (its process died before the outcome was
  /// written) or "running".
  std::string outcome;
  std::string status_codes_json;  ///< JSON array of the API calls' HTTP statuses; "" = [].
  std::string result_json;        ///< The action's result document; "" = none.
  std::string error;              ///< Why it failed or was refused; "" = none.
};

/// {"kind": "AuditLog", "items": [{"id", "startedAt" and "finishedAt" (RFC 3339 UTC with
/// milliseconds; finishedAt null when there is none), "requester": {"kind", "id"}, "verb",
/// "target", "namespace", "dryRun", "request" (the parsed JSON), "outcome", "statusCodes" (an
/// array), "result" (the parsed JSON, or null), "error" (null when there is none)}]}, in the
/// order given. A stored JSON text that does not parse is shown as a string. Pure.
nlohmann::json auditDocument(const std::vector<AuditEntry>& entries);

/// The table: STARTED (RFC 3339, seconds), REQUESTER (kind/id), VERB, TARGET, NAMESPACE ("-"
/// for none), DRY-RUN, OUTCOME, CODES (the statuses joined by commas, "-" for none), DURATION
/// (Go's duration text, "-" while running and when unknown). Values are made terminal-safe.
/// "" for no entries (the caller says so on stderr, as kubectl's "No resources found"). Pure.
std::string renderAuditTable(const std::vector<AuditEntry>& entries);

/// CSV (core/csv.h) with the header id, started_at, finished_at, requester_kind, requester_id,
/// verb, target, namespace, dry_run, outcome, status_codes, error, request, result: times as in
/// the JSON ("" for none), the JSON columns as compact JSON ("" for no result). Just the header
/// for no entries. Pure.
std::string renderAuditCsv(const std::vector<AuditEntry>& entries);

}  // namespace keelson::docs
