#include "app/monitor_remediate.h"

#include <exception>
#include <thread>

#include "app/findings_source.h"

namespace keelson::app {

MonitorRemediateResult runMonitorWithRemediation(const MonitorOptions& monitor,
                                                 const RemediateOptions& remediate,
                                                 Approver* approver, std::ostream& out,
                                                 std::stop_source& stop) {
  MonitorRemediateResult result;
  FindingsFeed feed;
  std::exception_ptr remediation_error;
  std::thread remediation;
  // Remediation starts with the first tick's findings.
  const TickObserver after_tick = [&](const Monitor& m) {
    feed.publish(m.insights());
    if (remediation.joinable()) return;
    remediation = std::thread([&] {
      try {
        result.remediation = runRemediate(remediate, feed, approver, out, stop.get_token());
      } catch (...) {
        remediation_error = std::current_exception();
      }
      stop.request_stop();  // a person quit, or remediation failed: the monitor stops too
    });
  };
  const auto finish = [&] {
    stop.request_stop();
    if (remediation.joinable()) remediation.join();
  };
  try {
    result.failed_ticks = runMonitor(monitor, false, stop.get_token(), after_tick);
  } catch (...) {
    finish();
    throw;
  }
  finish();
  if (remediation_error) std::rethrow_exception(remediation_error);
  return result;
}

}  // namespace keelson::app
