#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "host/host_snapshot.h"

namespace keelson::host {

/// The snapshot as a JSON document with snake_case keys and units in the key names
/// (`total_bytes`, `usage_percent`, `rx_bytes_per_second`, `uptime_seconds`). Top-level keys:
/// timestamp (RFC 3339 UTC), host_root, interval_seconds, system, cpu, memory, swap,
/// filesystems, disks, network, connections, processes, connectivity, errors (swap is part of the
/// memory section: null, with errors.memory, when it failed). A failed section is null and
/// `errors.<section>` holds {"code": "NotFound", "message": "..."}; `errors` is {} when all
/// succeeded. A section whose collector is switched off is {"state":"disabled"} (swap follows
/// memory) and is not an error. Values that cannot be computed (a rate over an empty interval) are
/// null. Strings read from the host are made valid UTF-8 (bad bytes become U+FFFD), so dump()
/// cannot throw.
///
/// `connectivity` is {status: "ok"|"degraded"|"failed", problems: [text], interfaces_up: [name]
/// (loopback aside), interfaces: [{name, operstate, admin_up, carrier (bool|null), up,
/// loopback, type (ARPHRD number|null), mtu (bytes|null), address, vpn_kind (string|null)}],
/// default_routes: [{family: "ipv4"|"ipv6", interface, gateway (string|null), metric}], dns:
/// {nameservers, search, resolv_conf_error (string|null), lookups: [{name, addresses,
/// duration_seconds, error (string|null)}]}, targets: [{target ("host:port"), host, port, role:
/// "api_server"|"probe_target", reachable, address (string|null), latency_seconds
/// (number|null), error (string|null)}], api_server_error (string|null: KUBECONFIG named a
/// configuration that cannot be used), vpn: [{interface, kind, up}]}.
nlohmann::json toJson(const HostSnapshot& snapshot);

/// What a section whose collector is switched off reads as: {"state":"disabled"}.
nlohmann::json disabledSectionJson();

/// A /proc/meminfo field name as a JSON key: snake_case, e.g. "MemTotal" -> "mem_total",
/// "Active(anon)" -> "active_anon", "HugePages_Total" -> "huge_pages_total",
/// "SReclaimable" -> "sreclaimable", "DirectMap4k" -> "direct_map4k". Pure.
std::string meminfoKey(std::string_view name);

/// Formats a time as RFC 3339 UTC with milliseconds: "2025-11-20T23:45:01.123Z". Pure.
std::string formatRfc3339(std::chrono::system_clock::time_point time);

}  // namespace keelson::host
