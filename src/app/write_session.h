#pragma once

// What a command that writes to the cluster runs with: the cluster client (app::ClusterAccess),
// the audit log in the state directory, and an actuator that records every action under one
// requester. The CLI's verbs and `keelson remediate` build one; nothing else writes.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "act/actuator.h"
#include "app/cluster_access.h"
#include "store/audit_log.h"

namespace keelson::app {

/// Thread-safety: actuator() is thread-safe; the session is immutable after construction.
class WriteSession {
 public:
  /// Loads the cluster configuration (throws what ClusterAccess throws) and opens the audit log
  /// at `audit_path` for writing (throws what store::AuditLog::open throws: then nothing can be
  /// done, since nothing may act unaudited).
  WriteSession(const kube::ConfigOptions& options, std::chrono::milliseconds request_timeout,
               const std::filesystem::path& audit_path, act::Requester requester);

  /// The actuator.
  act::Actuator& actuator() noexcept { return *actuator_; }
  /// The cluster client, for reads (every write goes through an actuator).
  const kube::Client& client() const noexcept { return access_.client(); }
  /// The audit log, for an actuator with another requester (remediation names each finding)
  /// and for reading what was done.
  store::AuditLog& auditLog() noexcept { return audit_; }
  /// The cluster configuration (e.g. the context's namespace).
  const kube::ClusterConfig& config() const noexcept { return access_.config(); }
  /// Earlier actions the audit log found without an outcome (their process died).
  const std::vector<store::AuditRecord>& unknownOutcomes() const noexcept {
    return audit_.unknownOutcomes();
  }

 private:
  ClusterAccess access_;
  store::AuditLog audit_;
  std::unique_ptr<act::Actuator> actuator_;
};

/// The local user for the audit log: the effective user's name from the password database
/// ("alice"), or "uid 1000" when it has none.
std::string localUser();

}  // namespace keelson::app
