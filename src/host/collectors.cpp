#include "host/collectors.h"

#include <string>

#include "core/error.h"

namespace keelson::host {
namespace {

constexpr std::array<CollectorInfo, kCollectorCount> kCollectors{{
    {Collector::kCpu, "cpu", true, "CPU usage, load and topology"},
    {Collector::kMemory, "memory", true, "memory and swap"},
    {Collector::kFilesystems, "filesystems", true, "mounted filesystems' usage"},
    {Collector::kDisks, "disks", true, "block device I/O"},
    {Collector::kNetwork, "network", true, "network interface traffic"},
    {Collector::kConnections, "connections", true, "sockets by protocol and state"},
    {Collector::kProcesses, "processes", true, "process counts and top lists"},
    {Collector::kConnectivity, "connectivity", true,
     "interfaces, default routes, DNS and TCP reachability (--probe-target), VPN interfaces"},
    {Collector::kGluster, "gluster", false,
     "GlusterFS state from the gluster CLI (also GLUSTER_MONITORING_ENABLED)"},
}};

}  // namespace

std::span<const CollectorInfo> collectorRegistry() noexcept { return kCollectors; }

EnabledCollectors::EnabledCollectors() noexcept {
  for (const auto& info : kCollectors) set(info.id, info.enabled_by_default);
}

std::optional<bool> parseBoolEnv(std::string_view variable, const char* value) {
  if (value == nullptr || *value == '\0') return std::nullopt;
  const std::string_view text(value);
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  throw Error(ErrorCode::kBadInput, std::string(variable) + "=\"" + std::string(text) +
                                        "\": expected true, false, 1 or 0");
}

}  // namespace keelson::host
