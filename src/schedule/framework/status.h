#pragma once

// A Filter plugin's verdict on one node (kube-scheduler's framework.Status). Pure value types;
// thread-compatible.

#include <string>
#include <string_view>
#include <vector>

namespace keelson::schedule::framework {

/// kube-scheduler's status codes (framework.Code) that PreFilter and Filter plugins return.
enum class Code {
  kSuccess,        ///< The node fits (Filter) or every node may be tried (PreFilter).
  kUnschedulable,  ///< Rejected, but preempting pods on the node could make it fit.
  /// Rejected, and preemption would not help (a taint, a label, a missing volume...).
  kUnschedulableAndUnresolvable,
};

/// One reason a plugin rejects a node (or, from PreFilter, every node).
struct Reason {
  /// kube-scheduler's reason string, as its FailedScheduling message counts it:
  /// "Insufficient cpu", "node(s) had untolerated taint(s)", ...
  std::string category;
  /// The same with the numbers behind it, e.g. "Insufficient memory: requested 2Gi, free 1Gi of
  /// 8Gi allocatable" (quantities formatted as Kubernetes writes them: cpu in cores or millicores
  /// ("500m"), memory and storage in bytes with binary suffixes).
  std::string message;
};

/// What a plugin returned: Success, or a rejection with the plugin's name and its reasons.
struct Status {
  Code code = Code::kSuccess;
  std::string plugin;           ///< The plugin's name ("NodeResourcesFit"); "" for Success.
  std::vector<Reason> reasons;  ///< Empty for Success; in the order the plugin found them.

  /// True for Code::kSuccess.
  bool isSuccess() const { return code == Code::kSuccess; }

  /// A Status with Code::kSuccess.
  static Status success() { return Status{}; }
  /// A rejection by `plugin` with `code` (not kSuccess) and `reasons` (at least one).
  static Status reject(Code code, std::string_view plugin, std::vector<Reason> reasons);
};

}  // namespace keelson::schedule::framework
