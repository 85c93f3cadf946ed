#pragma once
// The rows `keelson monitor` appends to its CSV dataset (--output-file): one row per pod per tick.
//
// | column | unit / format |
// |---|---|
// | timestamp | the tick's time, RFC 3339 UTC with milliseconds ("2026-11-21T02:52:20.123Z") |
// | namespace, pod, node, phase | names; node is empty while unscheduled |
// | cpu_usage_millicores, memory_usage_bytes | metrics.k8s.io PodMetrics summed over containers
// (memory is the working set) | | usage_timestamp, usage_window_seconds | the metrics sample's own
// end time (RFC 3339) and window | | cpu_request_millicores, cpu_limit_millicores,
// memory_request_bytes, memory_limit_bytes | the pod's effective requests/limits
// (kube::podRequests); empty when not set | | cpu_percent_of_request, cpu_percent_of_limit,
// memory_percent_of_request, memory_percent_of_limit | usage ÷ request/limit × 100; empty when
// either is missing | | restarts_total | restartCount summed over the pod's containers | |
// restarts_since_last_tick | empty on the first tick that sees the pod | | ready_containers,
// total_containers | as kubectl's READY column | | waiting_reasons, terminated_reasons,
// last_terminated_reasons | "container=Reason" joined with ";" | | warning_events | Warning events
// about the pod since the previous tick | | network_rx_bytes, network_tx_bytes, network_rx_errors,
// network_tx_errors | kubelet Summary API counters; empty when no source provides them |
//
// An empty cell always means "no source had this value"; it is never written as zero.

#include <optional>
#include <string>
#include <vector>

#include "analysis/pod_sample.h"

namespace keelson::docs {

/// The dataset's header, in column order.
const std::vector<std::string>& datasetColumns();

/// One CSV row (unquoted cells; nullopt = empty) for `pod` sampled at `tick`.
std::vector<std::optional<std::string>> datasetRow(const analysis::PodSample& pod, kube::Time tick);

}  // namespace keelson::docs
