#include "schedule/framework/node_ports.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace keelson::schedule::framework {
namespace {

std::vector<kube::ContainerPort> hostPorts(const kube::Pod& pod) {
  std::vector<kube::ContainerPort> out;
  auto collect = [&](const kube::Container& c) {
    for (const auto& p : c.ports) {
      if (p.host_port > 0) out.push_back(p);
    }
  };
  for (const auto& c : pod.spec.init_containers) {
    if (c.isRestartable()) collect(c);
  }
  for (const auto& c : pod.spec.containers) collect(c);
  return out;
}

bool portsConflict(const kube::ContainerPort& a, const kube::ContainerPort& b) {
  const std::string pa = a.protocol.empty() ? "TCP" : a.protocol;
  const std::string pb = b.protocol.empty() ? "TCP" : b.protocol;
  if (a.host_port != b.host_port || pa != pb) return false;
  auto wildcard = [](const std::string& ip) { return ip.empty() || ip == "0.0.0.0"; };
  return wildcard(a.host_ip) || wildcard(b.host_ip) || a.host_ip == b.host_ip;
}

}  // namespace

Status NodePorts::filter(const PodInfo& pod, const NodeInfo& node,
                         const PluginState* /*state*/) const {
  const auto wanted = hostPorts(pod.pod());
  if (wanted.empty()) return Status::success();
  std::vector<std::string> clashes;
  for (const kube::Pod* existing : node.pods) {
    for (const auto& used : hostPorts(*existing)) {
      for (const auto& want : wanted) {
        if (!portsConflict(want, used)) continue;
        clashes.push_back(fmt::format("{}/{} used by {}/{}", want.host_port,
                                      want.protocol.empty() ? "TCP" : want.protocol,
                                      existing->metadata.namespace_name, existing->metadata.name));
      }
    }
  }
  if (clashes.empty()) return Status::success();
  std::string msg = "host port(s) in use: ";
  for (size_t i = 0; i < clashes.size(); ++i) msg += (i ? ", " : "") + clashes[i];
  return Status::reject(Code::kUnschedulable, kName, {{std::string(kReason), std::move(msg)}});
}

}  // namespace keelson::schedule::framework
