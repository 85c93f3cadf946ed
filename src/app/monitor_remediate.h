#pragma once
// `keelson monitor --remediate`: the monitor loop and remediation in one process. Each tick's
// findings go to remediation in memory (a FindingsFeed) as soon as the tick is written; the
// monitor still writes its insights file, and remediation its history file and the audit log.

#include <iosfwd>
#include <stop_token>

#include "app/monitor.h"
#include "app/remediate.h"

namespace keelson::app {

/// What a `keelson monitor --remediate` run did.
struct MonitorRemediateResult {
  int failed_ticks = 0;         ///< Monitor ticks with errors.
  RemediateResult remediation;  ///< Proposals, actions and history items of the run.
};

/// Runs the monitor loop (runMonitor, never --once) on the calling thread and remediation
/// (runRemediate over a FindingsFeed of the monitor's ticks) on a second thread, so a person
/// deciding or an action in progress never holds up sampling. Both run until `stop` is requested
/// (SIGINT, SIGTERM), a person quits remediation, or one of them fails; whichever ends first
/// requests stop on `stop`, so an `approver` waiting on a token of `stop` returns too, and the
/// other finishes what it is doing (the tick in flight, the action in flight) before this
/// returns. Throws what runMonitor or runRemediate threw (the monitor's error first).
MonitorRemediateResult runMonitorWithRemediation(const MonitorOptions& monitor,
                                                 const RemediateOptions& remediate,
                                                 Approver* approver, std::ostream& out,
                                                 std::stop_source& stop);

}  // namespace keelson::app
