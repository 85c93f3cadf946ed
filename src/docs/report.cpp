#include "docs/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/quantity.h"
#include "core/terminal_text.h"
#include "docs/table.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

// A member as text, or "-" when the document lacks it (a failed or absent section). Values come
// from the host and the cluster (process names, mount points, object names), so control
// characters are shown escaped: a process named "\x1b]0;..." must not drive the terminal.
std::string text(const json& doc, std::string_view key) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return "-";
  return core::terminalSafe(it->is_string()
                                ? it->get<std::string>()
                                : it->dump(-1, ' ', false, json::error_handler_t::replace));
}

double number(const json& doc, std::string_view key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string bytes(const json& doc, std::string_view key) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return "-";
  return core::formatBytes(static_cast<int64_t>(it->get<double>()));
}

std::string pct(const json& doc, std::string_view key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_number() ? fmt::format("{:.1f}%", it->get<double>()) : "-";
}

// The section's value, or null when the host snapshot reports it as failed.
const json& section(const json& host, std::string_view name) {
  static const json kNull;
  const auto it = host.find(name);
  return it == host.end() ? kNull : *it;
}

std::string sectionError(const json& host, std::string_view name) {
  const auto errors = host.find("errors");
  if (errors == host.end() || !errors->is_object()) return "";
  const auto it = errors->find(name);
  return it == errors->end() ? "" : text(*it, "message");
}

std::string failedLine(const json& host, std::string_view name) {
  const std::string error = sectionError(host, name);
  return fmt::format("  {:<12} unavailable: {}\n", name, error.empty() ? "not collected" : error);
}

// The section's lines: `render(host)`, or one "disabled" line when its collector is off.
std::string sectionLines(const json& host, std::string_view name,
                         std::string (*render)(const json&)) {
  const json& value = section(host, name);
  if (value.is_object() && value.value("state", "") == "disabled") {
    return fmt::format("  {:<12} disabled\n", name);
  }
  return render(host);
}

std::string uptime(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  return fmt::format("{}d {}h {}m", s / 86400, (s % 86400) / 3600, (s % 3600) / 60);
}

std::string systemLines(const json& host) {
  const json& sys = section(host, "system");
  if (!sys.is_object()) return failedLine(host, "system");
  return fmt::format("  {:<12} {}  {}  kernel {}  up {}\n", "system", text(sys, "hostname"),
                     text(sys, "os_pretty_name"), text(sys, "kernel_release"),
                     uptime(number(sys, "uptime_seconds")));
}

std::string cpuLines(const json& host) {
  const json& cpu = section(host, "cpu");
  if (!cpu.is_object()) return failedLine(host, "cpu");
  const json& total = cpu.value("total", json::object());
  const json& load = cpu.value("load_average", json::object());
  return fmt::format(
      "  {:<12} {} used (user {}, system {}, iowait {}, steal {}); {} online CPUs, {} sockets, "
      "{} cores, {} threads; {}\n  {:<12} {} {} {}\n",
      "cpu", pct(total, "usage_percent"), pct(total, "user_percent"), pct(total, "system_percent"),
      pct(total, "iowait_percent"), pct(total, "steal_percent"),
      cpu.value("online_cpus", json::array()).size(), text(cpu, "sockets"), text(cpu, "cores"),
      text(cpu, "threads"), text(cpu, "model"), "load", text(load, "load1"), text(load, "load5"),
      text(load, "load15"));
}

std::string memoryLines(const json& host) {
  const json& mem = section(host, "memory");
  if (!mem.is_object()) return failedLine(host, "memory");
  const json& swap = section(host, "swap");
  return fmt::format("  {:<12} {} of {} used ({}), {} available\n  {:<12} {} of {} used\n",
                     "memory", bytes(mem, "used_bytes"), bytes(mem, "total_bytes"),
                     pct(mem, "usage_percent"), bytes(mem, "available_bytes"), "swap",
                     bytes(swap, "used_bytes"), bytes(swap, "total_bytes"));
}

std::string filesystemLines(const json& host) {
  const json& list = section(host, "filesystems");
  if (!list.is_array()) return failedLine(host, "filesystems");
  Table table({"MOUNT", "TYPE", "DEVICE", "SIZE", "USED", "AVAIL", "USE%", "INODES%"});
  for (const auto& fs : list) {
    if (fs.value("stale", false)) {
      table.add({text(fs, "mount_point"), text(fs, "fs_type"), text(fs, "device"), "stale",
                 text(fs, "error")});
      continue;
    }
    table.add({text(fs, "mount_point"), text(fs, "fs_type"), text(fs, "device"),
               bytes(fs, "total_bytes"), bytes(fs, "used_bytes"), bytes(fs, "available_bytes"),
               pct(fs, "usage_percent"), pct(fs, "inodes_usage_percent")});
  }
  return "  filesystems\n" + table.render("    ");
}

std::string diskLines(const json& host) {
  const json& list = section(host, "disks");
  if (!list.is_array()) return failedLine(host, "disks");
  Table table({"DEVICE", "READS/S", "WRITES/S", "READ/S", "WRITE/S", "UTIL%"});
  for (const auto& d : list) {
    table.add({text(d, "name"), fmt::format("{:.1f}", number(d, "reads_per_second")),
               fmt::format("{:.1f}", number(d, "writes_per_second")),
               bytes(d, "read_bytes_per_second"), bytes(d, "write_bytes_per_second"),
               pct(d, "io_utilization_percent")});
  }
  return "  disks\n" + table.render("    ");
}

std::string networkLines(const json& host) {
  const json& list = section(host, "network");
  if (!list.is_array()) return failedLine(host, "network");
  Table table({"INTERFACE", "RX/S", "TX/S", "RX TOTAL", "TX TOTAL", "ERRORS", "DROPS"});
  for (const auto& n : list) {
    table.add({text(n, "interface"), bytes(n, "rx_bytes_per_second"),
               bytes(n, "tx_bytes_per_second"), bytes(n, "rx_bytes"), bytes(n, "tx_bytes"),
               fmt::format("{}", number(n, "rx_errors") + number(n, "tx_errors")),
               fmt::format("{}", number(n, "rx_drops") + number(n, "tx_drops"))});
  }
  return "  network\n" + table.render("    ");
}

std::string statesText(const json& states) {
  std::string out;
  if (!states.is_object()) return out;
  for (const auto& [state, count] : states.items()) {
    if (count.is_number() && count.get<double>() == 0) continue;  // only states that occur
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", core::terminalSafe(state), count.dump());
  }
  return out;
}

std::string connectionLines(const json& host) {
  const json& conns = section(host, "connections");
  if (!conns.is_object()) return failedLine(host, "connections");
  std::string out;
  for (const char* proto : {"tcp", "tcp6", "udp", "udp6"}) {
    const json& p = conns.value(proto, json::object());
    const std::string states = statesText(p.value("states", json::object()));
    out += fmt::format("  {:<12} {} sockets{}\n", proto, text(p, "total"),
                       states.empty() ? "" : " (" + states + ")");
  }
  return out;
}

std::string processTable(const json& list, std::string_view title) {
  Table table({"PID", "USER", "CPU%", "RSS", "COMMAND"});
  if (list.is_array()) {
    for (const auto& p : list) {
      table.add({text(p, "pid"), text(p, "user"), pct(p, "cpu_percent"), bytes(p, "rss_bytes"),
                 text(p, "command")});
    }
  }
  return fmt::format("  {}\n", title) + table.render("    ");
}

std::string processLines(const json& host) {
  const json& procs = section(host, "processes");
  if (!procs.is_object()) return failedLine(host, "processes");
  return fmt::format("  {:<12} {} total, {} threads ({})\n", "processes", text(procs, "total"),
                     text(procs, "threads"), statesText(procs.value("states", json::object()))) +
         processTable(procs.value("top_cpu", json::array()), "top by CPU") +
         processTable(procs.value("top_rss", json::array()), "top by RSS");
}

// "a, b, c" of a string array ("none" when empty).
std::string joined(const json& list) {
  std::string out;
  if (list.is_array()) {
    for (const auto& item : list) {
      if (!item.is_string()) continue;
      out += (out.empty() ? "" : ", ") + core::terminalSafe(item.get<std::string>());
    }
  }
  return out.empty() ? "none" : out;
}

std::string connectivityLines(const json& host) {
  const json& c = section(host, "connectivity");
  if (!c.is_object()) return failedLine(host, "connectivity");
  std::string routes;
  for (const auto& r : c.value("default_routes", json::array())) {
    const bool gateway = r.value("gateway", json()).is_string();
    routes += fmt::format("{}{}dev {}", routes.empty() ? "" : ", ",
                          gateway ? "via " + text(r, "gateway") + " " : std::string(),
                          text(r, "interface"));
  }
  const json& dns = c.value("dns", json::object());
  std::string out = fmt::format(
      "  {:<12} {}; interfaces up: {}; default route: {}; nameservers: {}\n", "connectivity",
      text(c, "status"), joined(c.value("interfaces_up", json::array())),
      routes.empty() ? "none" : routes, joined(dns.value("nameservers", json::array())));
  std::string vpn;
  for (const auto& v : c.value("vpn", json::array())) {
    vpn += fmt::format("{}{} ({}, {})", vpn.empty() ? "" : ", ", text(v, "interface"),
                       text(v, "kind"), v.value("up", false) ? "up" : "down");
  }
  if (!vpn.empty()) out += fmt::format("  {:<12} {}\n", "vpn", vpn);
  for (const auto& l : dns.value("lookups", json::array())) {
    const bool failed = l.value("error", json()).is_string();
    out += fmt::format("  {:<12} {} -> {}\n", "dns", text(l, "name"),
                       failed ? text(l, "error") : joined(l.value("addresses", json())));
  }
  const json& targets = c.value("targets", json::array());
  if (!targets.empty()) {
    Table table({"TARGET", "ROLE", "REACHABLE", "ADDRESS", "LATENCY", "ERROR"});
    for (const auto& t : targets) {
      const auto latency = t.find("latency_seconds");
      const bool timed = latency != t.end() && latency->is_number();
      table.add({text(t, "target"), text(t, "role"), t.value("reachable", false) ? "yes" : "no",
                 text(t, "address"),
                 timed ? fmt::format("{:.1f} ms", latency->get<double>() * 1000.0) : "-",
                 text(t, "error")});
    }
    out += table.render("    ");
  }
  for (const auto& p : c.value("problems", json::array())) {
    if (p.is_string()) out += "    problem: " + core::terminalSafe(p.get<std::string>()) + "\n";
  }
  return out;
}

std::string glusterLines(const json& host) {
  const json& g = section(host, "glusterfs");
  if (!g.is_object()) return "";
  std::string out = fmt::format("  {:<12} {}", "glusterfs", text(g, "state"));
  if (g.value("state", "") != "ok") {
    const std::string error = text(g, "error");
    return out + (error == "-" ? "" : ": " + error) + "\n";
  }
  out += fmt::format(", {} peers\n", g.value("peers", json::array()).size());
  Table table({"VOLUME", "TYPE", "STATUS", "BRICKS", "REPLICA"});
  for (const auto& v : g.value("volumes", json::array())) {
    table.add({text(v, "name"), text(v, "type"), text(v, "status"), text(v, "brick_count"),
               text(v, "replica_count")});
  }
  return out + table.render("    ");
}

std::string resource(const json& list, std::string_view name) {
  return list.is_object() ? core::terminalSafe(list.value(std::string(name), "0")) : "-";
}

std::string nodeTable(const json& nodes) {
  Table table({"NODE", "READY", "SCHED", "CPU REQ/ALLOC", "MEM REQ/ALLOC", "PODS", "CPU USE",
               "MEM USE", "TAINTS"});
  for (const auto& n : nodes) {
    const json& alloc = n.value("allocatable", json::object());
    const json& req = n.value("requested", json::object());
    const json& req_pct = n.value("requested_percent", json::object());
    const json& usage = n.value("usage", json());
    std::string taints;
    for (const auto& t : n.value("taints", json::array())) {
      taints += fmt::format("{}{}={}:{}", taints.empty() ? "" : ",", text(t, "key"),
                            text(t, "value"), text(t, "effect"));
    }
    const auto use = [&usage](std::string_view r) {
      return usage.is_object() ? pct(usage.value("percent_of_allocatable", json::object()), r)
                               : std::string("-");
    };
    table.add({text(n, "name"), n.value("ready", false) ? "True" : "False",
               n.value("unschedulable", false) ? "cordoned" : "yes",
               fmt::format("{}/{} ({})", resource(req, "cpu"), resource(alloc, "cpu"),
                           pct(req_pct, "cpu")),
               fmt::format("{}/{} ({})", resource(req, "memory"), resource(alloc, "memory"),
                           pct(req_pct, "memory")),
               fmt::format("{}/{}", text(n, "pods"), resource(alloc, "pods")), use("cpu"),
               use("memory"), taints.empty() ? "-" : taints});
  }
  return table.render("  ");
}

std::string podTable(const json& pods) {
  Table table({"NAMESPACE", "NAME", "PHASE", "READY", "RESTARTS", "NODE", "CPU REQ", "MEM REQ",
               "CPU LIM", "MEM LIM"});
  for (const auto& p : pods) {
    const json& req = p.value("requests", json::object());
    const json& lim = p.value("limits", json::object());
    table.add({text(p, "namespace"), text(p, "name"), text(p, "phase"),
               fmt::format("{}/{}", text(p, "ready_containers"), text(p, "total_containers")),
               text(p, "restarts"), p.value("node", "").empty() ? "-" : text(p, "node"),
               resource(req, "cpu"), resource(req, "memory"), resource(lim, "cpu"),
               resource(lim, "memory")});
  }
  return table.render("  ");
}

std::string clusterSection(const json& cluster) {
  if (cluster.is_null()) return "CLUSTER\n  not captured (no kubeconfig; see --kubeconfig)\n";
  std::string out = fmt::format("CLUSTER {}\n", text(cluster, "server"));
  if (cluster.value("status", "") != "ok") {
    const json& error = cluster.value("error", json::object());
    return out +
           fmt::format("  unavailable ({}): {}\n", text(error, "code"), text(error, "message"));
  }
  const json& h = cluster.value("cluster_health", json::object());
  out += fmt::format("  nodes {}/{} ready ({})   pods {} ({}), {} healthy\n",
                     text(h, "ready_nodes"), text(h, "total_nodes"), pct(h, "node_health_percent"),
                     text(h, "total_pods"), statesText(h.value("pods_by_phase", json::object())),
                     pct(h, "pod_health_percent"));
  const json& metrics = cluster.value("metrics", json::object());
  if (!metrics.value("available", false)) {
    out += fmt::format("  usage unavailable: {}\n", text(metrics, "reason"));
  }
  out += nodeTable(cluster.value("nodes", json::array()));
  const json& pods = cluster.value("pods", json::array());
  if (!pods.empty()) out += "\nPODS\n" + podTable(pods);
  return out;
}

}  // namespace

std::string renderHostReport(const nlohmann::json& host) {
  return fmt::format("HOST (root {}, sampled over {:.2f} s)\n", text(host, "host_root"),
                     number(host, "interval_seconds")) +
         systemLines(host) + sectionLines(host, "cpu", cpuLines) +
         sectionLines(host, "memory", memoryLines) +
         sectionLines(host, "filesystems", filesystemLines) +
         sectionLines(host, "disks", diskLines) + sectionLines(host, "network", networkLines) +
         sectionLines(host, "connections", connectionLines) +
         sectionLines(host, "processes", processLines) +
         sectionLines(host, "connectivity", connectivityLines) + glusterLines(host);
}

std::string renderReport(const nlohmann::json& capture) {
  return fmt::format("keelson capture at {}\n\n", text(capture, "timestamp")) +
         renderHostReport(capture.value("host", json::object())) + "\n" +
         clusterSection(capture.value("cluster", json()));
}

}  // namespace keelson::docs
