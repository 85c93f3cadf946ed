#include "host/host_json.h"

#include <fmt/format.h>

#include <ctime>

#include "core/terminal_text.h"

namespace keelson::host {
namespace {

using nlohmann::json;

template <typename T>
json orNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

// Replaces invalid UTF-8 in every string of `value` with U+FFFD, in place.
void makeValidUtf8(json& value) {
  if (value.is_string()) {
    auto& text = value.get_ref<std::string&>();
    std::string fixed;
    bool changed = false;
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t length = core::utf8SequenceLength(text, i);
      if (length == 0) {
        if (!changed) fixed.assign(text, 0, i);
        changed = true;
        fixed += "\xEF\xBF\xBD";
        ++i;
        continue;
      }
      if (changed) fixed.append(text, i, length);
      i += length;
    }
    if (changed) text = std::move(fixed);
  } else if (value.is_object() || value.is_array()) {
    for (auto& item : value) makeValidUtf8(item);
  }
}

json usageJson(const CpuUsage& usage) {
  return {{"usage_percent", usage.usage_percent}, {"user_percent", usage.user_percent},
          {"nice_percent", usage.nice_percent},   {"system_percent", usage.system_percent},
          {"idle_percent", usage.idle_percent},   {"iowait_percent", usage.iowait_percent},
          {"irq_percent", usage.irq_percent},     {"softirq_percent", usage.softirq_percent},
          {"steal_percent", usage.steal_percent}, {"guest_percent", usage.guest_percent}};
}

json systemJson(const SystemInfo& system) {
  json os = json::object();
  for (const auto& [key, value] : system.os.fields) os[key] = value;
  json result = {{"hostname", system.hostname},
                 {"hostname_source", system.hostname_source},
                 {"kernel_release", system.kernel_release},
                 {"kernel_version", system.kernel_version},
                 {"os_pretty_name", system.os.get("PRETTY_NAME", system.os.get("NAME", "Linux"))},
                 {"os_release", os},
                 {"uptime_seconds", system.uptime_seconds},
                 {"boot_time_unix_seconds", orNull(system.boot_time_unix_seconds)},
                 {"boot_time", nullptr}};
  if (system.boot_time_unix_seconds) {
    result["boot_time"] = formatRfc3339(std::chrono::system_clock::time_point(
        std::chrono::seconds(*system.boot_time_unix_seconds)));
  }
  return result;
}

json cpuJson(const CpuStats& cpu) {
  json result = {{"model", cpu.topology.model_name},
                 {"sockets", cpu.topology.sockets},
                 {"cores", cpu.topology.cores},
                 {"threads", cpu.topology.threads},
                 {"online_cpus", cpu.topology.online_cpus},
                 {"topology_source", cpu.topology.source},
                 {"context_switches_per_second", orNull(cpu.context_switches_per_second)},
                 {"procs_running", orNull(cpu.procs_running)},
                 {"procs_blocked", orNull(cpu.procs_blocked)}};
  result["total"] = cpu.total ? usageJson(*cpu.total) : json(nullptr);
  json per_core = json::array();
  for (const auto& core : cpu.per_core) {
    auto item = usageJson(core.usage);
    item["cpu"] = core.cpu;
    per_core.push_back(std::move(item));
  }
  result["per_core"] = std::move(per_core);
  if (cpu.load) {
    result["load_average"] = {{"load1", cpu.load->load1},
                              {"load5", cpu.load->load5},
                              {"load15", cpu.load->load15},
                              {"runnable_entities", cpu.load->runnable_entities},
                              {"scheduling_entities", cpu.load->scheduling_entities}};
  } else {
    result["load_average"] = nullptr;
  }
  return result;
}

json memoryJson(const MemoryStats& memory) {
  json meminfo = json::object();
  for (const auto& field : memory.meminfo.fields) {
    const auto key = meminfoKey(field.name) + (field.is_bytes ? "_bytes" : "");
    if (!meminfo.contains(key)) meminfo[key] = field.value;
  }
  return {{"total_bytes", memory.total_bytes},
          {"available_bytes", memory.available_bytes},
          {"available_estimated", memory.available_estimated},
          {"used_bytes", memory.used_bytes},
          {"free_bytes", memory.free_bytes},
          {"buffers_bytes", memory.buffers_bytes},
          {"cached_bytes", memory.cached_bytes},
          {"usage_percent", memory.usage_percent},
          {"meminfo", std::move(meminfo)}};
}

json swapJson(const MemoryStats& memory) {
  return {{"total_bytes", memory.swap_total_bytes},
          {"used_bytes", memory.swap_used_bytes},
          {"free_bytes", memory.swap_free_bytes},
          {"usage_percent", memory.swap_usage_percent}};
}

json filesystemsJson(const std::vector<Filesystem>& filesystems) {
  json result = json::array();
  for (const auto& filesystem : filesystems) {
    json item = {{"device", filesystem.device},
                 {"mount_point", filesystem.mount_point},
                 {"fs_type", filesystem.fs_type},
                 {"mount_options", filesystem.mount_options},
                 {"read_only", filesystem.read_only},
                 {"device_number", fmt::format("{}:{}", filesystem.major, filesystem.minor)},
                 {"stale", filesystem.stale},
                 {"error", filesystem.error.empty() ? json(nullptr) : json(filesystem.error)}};
    const auto& usage = filesystem.usage;
    item["total_bytes"] = usage ? json(usage->total_bytes) : json(nullptr);
    item["used_bytes"] = usage ? json(usage->used_bytes) : json(nullptr);
    item["available_bytes"] = usage ? json(usage->available_bytes) : json(nullptr);
    item["free_bytes"] = usage ? json(usage->free_bytes) : json(nullptr);
    item["usage_percent"] = usage ? orNull(usage->usage_percent) : json(nullptr);
    item["inodes_total"] = usage ? json(usage->inodes_total) : json(nullptr);
    item["inodes_used"] = usage ? json(usage->inodes_used) : json(nullptr);
    item["inodes_free"] = usage ? json(usage->inodes_free) : json(nullptr);
    item["inodes_usage_percent"] = usage ? orNull(usage->inodes_usage_percent) : json(nullptr);
    result.push_back(std::move(item));
  }
  return result;
}

json disksJson(const std::vector<DiskIo>& disks) {
  json result = json::array();
  for (const auto& disk : disks) {
    const auto& c = disk.counters;
    result.push_back({{"name", c.name},
                      {"device_number", fmt::format("{}:{}", c.major, c.minor)},
                      {"reads_completed", c.reads_completed},
                      {"writes_completed", c.writes_completed},
                      {"read_bytes", disk.read_bytes},
                      {"written_bytes", disk.written_bytes},
                      {"read_time_ms", c.read_time_ms},
                      {"write_time_ms", c.write_time_ms},
                      {"io_time_ms", c.io_time_ms},
                      {"weighted_io_time_ms", c.weighted_io_time_ms},
                      {"ios_in_progress", c.ios_in_progress},
                      {"discards_completed", c.discards_completed},
                      {"flushes_completed", c.flushes_completed},
                      {"reads_per_second", orNull(disk.reads_per_second)},
                      {"writes_per_second", orNull(disk.writes_per_second)},
                      {"read_bytes_per_second", orNull(disk.read_bytes_per_second)},
                      {"write_bytes_per_second", orNull(disk.write_bytes_per_second)},
                      {"io_utilization_percent", orNull(disk.io_utilization_percent)}});
  }
  return result;
}

json networkJson(const std::vector<InterfaceIo>& interfaces) {
  json result = json::array();
  for (const auto& interface : interfaces) {
    const auto& c = interface.counters;
    result.push_back({{"interface", c.interface},
                      {"rx_bytes", c.rx_bytes},
                      {"rx_packets", c.rx_packets},
                      {"rx_errors", c.rx_errors},
                      {"rx_drops", c.rx_drops},
                      {"tx_bytes", c.tx_bytes},
                      {"tx_packets", c.tx_packets},
                      {"tx_errors", c.tx_errors},
                      {"tx_drops", c.tx_drops},
                      {"rx_bytes_per_second", orNull(interface.rx_bytes_per_second)},
                      {"tx_bytes_per_second", orNull(interface.tx_bytes_per_second)},
                      {"rx_packets_per_second", orNull(interface.rx_packets_per_second)},
                      {"tx_packets_per_second", orNull(interface.tx_packets_per_second)},
                      {"rx_errors_per_second", orNull(interface.rx_errors_per_second)},
                      {"tx_errors_per_second", orNull(interface.tx_errors_per_second)},
                      {"rx_drops_per_second", orNull(interface.rx_drops_per_second)},
                      {"tx_drops_per_second", orNull(interface.tx_drops_per_second)}});
  }
  return result;
}

json socketsJson(const std::optional<SocketCounts>& counts, bool tcp) {
  if (!counts) return nullptr;
  json result = {{"total", counts->total}};
  json states = json::object();
  for (int state = 1; state <= kMaxTcpState; ++state) {
    // TCP lists every state (zeros included) so dashboards see stable keys; UDP only uses
    // ESTABLISHED (connected) and CLOSE (unconnected).
    const auto n = counts->by_state[static_cast<std::size_t>(state)];
    if (tcp || n != 0) states[std::string(tcpStateName(state))] = n;
  }
  if (counts->by_state[0] != 0) states["UNKNOWN"] = counts->by_state[0];
  result["states"] = std::move(states);
  return result;
}

json connectionsJson(const ConnectionStats& connections) {
  return {{"tcp", socketsJson(connections.tcp, true)},
          {"tcp6", socketsJson(connections.tcp6, true)},
          {"udp", socketsJson(connections.udp, false)},
          {"udp6", socketsJson(connections.udp6, false)}};
}

json processJson(const ProcessInfo& process) {
  return {{"pid", process.pid},
          {"ppid", process.ppid},
          {"command", process.command},
          {"cmdline", process.cmdline},
          {"uid", orNull(process.uid)},
          {"user", process.user},
          {"state", std::string(1, process.state)},
          {"cpu_percent", orNull(process.cpu_percent)},
          {"rss_bytes", process.rss_bytes},
          {"threads", process.threads}};
}

json processesJson(const ProcessStats& processes) {
  json states = json::object();
  for (const auto& [state, count] : processes.by_state) {
    auto& slot = states[std::string(processStateName(state))];
    slot = (slot.is_null() ? 0 : slot.get<std::uint64_t>()) + count;
  }
  json top_cpu = json::array();
  for (const auto& process : processes.top_cpu) top_cpu.push_back(processJson(process));
  json top_rss = json::array();
  for (const auto& process : processes.top_rss) top_rss.push_back(processJson(process));
  return {{"total", processes.total},
          {"threads", processes.threads},
          {"states", std::move(states)},
          {"top_cpu", std::move(top_cpu)},
          {"top_rss", std::move(top_rss)}};
}

json connectivityJson(const Connectivity& connectivity) {
  json interfaces = json::array();
  for (const auto& i : connectivity.interfaces) {
    interfaces.push_back({{"name", i.name},
                          {"operstate", i.operstate},
                          {"admin_up", i.admin_up},
                          {"carrier", orNull(i.carrier)},
                          {"up", i.up},
                          {"loopback", i.loopback},
                          {"type", orNull(i.type)},
                          {"mtu", orNull(i.mtu)},
                          {"address", i.address},
                          {"vpn_kind", i.vpn_kind.empty() ? json(nullptr) : json(i.vpn_kind)}});
  }
  json routes = json::array();
  for (const auto& r : connectivity.default_routes) {
    routes.push_back({{"family", r.ipv6 ? "ipv6" : "ipv4"},
                      {"interface", r.interface},
                      {"gateway", orNull(r.gateway)},
                      {"metric", r.metric}});
  }
  json lookups = json::array();
  for (const auto& l : connectivity.dns) {
    lookups.push_back({{"name", l.name},
                       {"addresses", l.addresses},
                       {"duration_seconds", l.duration_seconds},
                       {"error", l.error.empty() ? json(nullptr) : json(l.error)}});
  }
  json targets = json::array();
  for (const auto& t : connectivity.targets) {
    targets.push_back({{"target", t.target.text()},
                       {"host", t.target.host},
                       {"port", t.target.port},
                       {"role", t.role},
                       {"reachable", t.reachable},
                       {"address", t.address.empty() ? json(nullptr) : json(t.address)},
                       {"latency_seconds", orNull(t.latency_seconds)},
                       {"error", t.error.empty() ? json(nullptr) : json(t.error)}});
  }
  json vpn = json::array();
  for (const auto& v : connectivity.vpn) {
    vpn.push_back({{"interface", v.interface}, {"kind", v.kind}, {"up", v.up}});
  }
  json up = json::array();
  for (const auto& i : connectivity.interfaces) {
    if (i.up && !i.loopback) up.push_back(i.name);
  }
  return {
      {"status", connectivity.status},
      {"problems", connectivity.problems},
      {"interfaces_up", std::move(up)},
      {"interfaces", std::move(interfaces)},
      {"default_routes", std::move(routes)},
      {"dns",
       {{"nameservers", connectivity.nameservers},
        {"search", connectivity.search},
        {"resolv_conf_error", connectivity.resolv_conf_error.empty()
                                  ? json(nullptr)
                                  : json(connectivity.resolv_conf_error)},
        {"lookups", std::move(lookups)}}},
      {"targets", std::move(targets)},
      {"api_server_error",
       connectivity.api_server_error.empty() ? json(nullptr) : json(connectivity.api_server_error)},
      {"vpn", std::move(vpn)}};
}

template <typename T, typename Fn>
json sectionJson(const Section<T>& section, const char* name, json& errors, Fn&& convert) {
  if (section.ok()) return convert(*section.value);
  if (section.disabled) return disabledSectionJson();
  errors[name] = {{"code", errorCodeName(section.error_code.value_or(ErrorCode::kInternal))},
                  {"message", section.error}};
  return nullptr;
}

}  // namespace

std::string meminfoKey(std::string_view name) {
  std::string key;
  key.reserve(name.size() + 4);
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool upper = c >= 'A' && c <= 'Z';
    const bool alnum = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) {
      if (!key.empty() && key.back() != '_') key.push_back('_');
      continue;
    }
    if (upper && i > 0) {
      const char previous = name[i - 1];
      if (previous >= 'a' && previous <= 'z' && key.back() != '_') key.push_back('_');
    }
    key.push_back(upper ? static_cast<char>(c - 'A' + 'a') : c);
  }
  while (!key.empty() && key.back() == '_') key.pop_back();
  return key.empty() ? std::string("field") : key;
}

std::string formatRfc3339(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const auto t = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

nlohmann::json disabledSectionJson() { return {{"state", "disabled"}}; }

nlohmann::json toJson(const HostSnapshot& snapshot) {
  json errors = json::object();
  json document = {{"timestamp", formatRfc3339(snapshot.timestamp)},
                   {"host_root", snapshot.host_root},
                   {"interval_seconds", snapshot.interval_seconds}};
  document["system"] = sectionJson(snapshot.system, "system", errors, systemJson);
  document["cpu"] = sectionJson(snapshot.cpu, "cpu", errors, cpuJson);
  document["memory"] = sectionJson(snapshot.memory, "memory", errors, memoryJson);
  document["swap"] = snapshot.memory.ok()       ? swapJson(*snapshot.memory.value)
                     : snapshot.memory.disabled ? disabledSectionJson()
                                                : json(nullptr);
  document["filesystems"] =
      sectionJson(snapshot.filesystems, "filesystems", errors, filesystemsJson);
  document["disks"] = sectionJson(snapshot.disks, "disks", errors, disksJson);
  document["network"] = sectionJson(snapshot.network, "network", errors, networkJson);
  document["connections"] =
      sectionJson(snapshot.connections, "connections", errors, connectionsJson);
  document["processes"] = sectionJson(snapshot.processes, "processes", errors, processesJson);
  document["connectivity"] =
      sectionJson(snapshot.connectivity, "connectivity", errors, connectivityJson);
  document["errors"] = std::move(errors);
  // Keys need no check: meminfo keys are [a-z0-9_] and os-release names [A-Za-z0-9_].
  makeValidUtf8(document);
  return document;
}

}  // namespace keelson::host
