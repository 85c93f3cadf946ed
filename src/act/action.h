#pragma once

// The vocabulary every action shares: the dry-run mode, who asked, the API calls made, and the
// typed result each verb returns (what changed, what was skipped and why, what the server said).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::act {

/// kubectl's --dry-run: none (act), client (compute and print, send nothing), server (send with
/// dryRun=All: the API server runs admission and validation and persists nothing).
enum class DryRun { kNone, kClient, kServer };

/// "none", "client" or "server".
std::string_view dryRunName(DryRun mode) noexcept;

/// Parses --dry-run's value: none, client or server (kubectl's `--dry-run` with no value means
/// client; a bare "true"/"false" are not accepted, as kubectl no longer accepts them). Throws
/// Error(kBadInput) naming the flag and the allowed values.
DryRun parseDryRun(std::string_view text);

/// What kubectl appends to a line in each mode: "", " (dry run)", " (server dry run)".
std::string_view dryRunSuffix(DryRun mode) noexcept;

/// Who asked for an action (recorded in the audit log).
struct Requester {
  std::string kind = "user";  ///< "user", "remediation" or "backend".
  std::string id;             ///< User name, finding id, or backend action id.
};

/// Options every verb takes.
struct WriteOptions {
  DryRun dry_run = DryRun::kNone;
  std::string field_manager = "keelson";  ///< fieldManager of every write (kubectl's flag).
};

/// One API request an action made, in order.
struct ApiCall {
  std::string method;  ///< "GET", "PATCH", "POST", "PUT", "DELETE".
  std::string path;    ///< Path and query.
  int status = 0;      ///< HTTP status; 0 when the server could not be reached.
};

/// Something an action did not do, and why (a pod drain left alone, a label already set).
struct Skipped {
  std::string target;  ///< e.g. "pod/kube-system/kube-proxy-x".
  std::string reason;  ///< kubectl's wording where it has one.
};

/// How an action ended.
enum class Outcome {
  kSucceeded,  ///< Everything asked was done (or, in a dry run, would be).
  kRefused,    ///< Nothing was written: a precondition or kubectl's rules said no.
  kFailed,     ///< A write failed or the action timed out; `changes` says what was done before.
};

/// "succeeded", "refused" or "failed".
std::string_view outcomeName(Outcome outcome) noexcept;

/// The typed result of one action.
struct ActionResult {
  std::string verb;            ///< "cordon", "drain", ...
  std::string target;          ///< kubectl's resource/name, e.g. "node/kwok-1".
  std::string namespace_name;  ///< "" for cluster-scoped targets.
  DryRun dry_run = DryRun::kNone;
  Outcome outcome = Outcome::kSucceeded;
  /// kubectl's summary line without the dry-run suffix: "cordoned", "already cordoned",
  /// "drained", "scaled", "labeled", "restarted", "resource requirements updated".
  std::string summary;
  std::vector<std::string> changes;   ///< What was (or would be) changed, one line each.
  std::vector<Skipped> skipped;       ///< What was left alone, and why.
  std::vector<std::string> warnings;  ///< kubectl's "Warning: ..." lines.
  std::vector<ApiCall> calls;         ///< Every API request made.
  /// Server dry run: RFC 6902 JSON patch from the object before to the object the server
  /// returned (metadata.managedFields, resourceVersion and generation left out); null otherwise.
  nlohmann::json dry_run_diff;
  std::string error;  ///< Why it failed or was refused; "" when it succeeded.
  /// Each error on its own when there were several (drain: one per refusal or failed pod);
  /// `error` then joins them as kubectl does ("[a, b]").
  std::vector<std::string> errors;
};

/// The result as a JSON document (the `-o json` output and the audit log's result).
nlohmann::json toJson(const ActionResult& result);

}  // namespace keelson::act
