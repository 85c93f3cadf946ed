#include "docs/pod_describe.h"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "docs/json_fields.h"
#include "docs/pod_documents.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// QoS

bool isQosResource(std::string_view name) { return name == "cpu" || name == "memory"; }

// Adds `list`'s positive cpu and memory quantities to `sum`; returns the names added.
std::set<std::string, std::less<>> addQosQuantities(const kube::ResourceList& list,
                                                    kube::ResourceList& sum) {
  std::set<std::string, std::less<>> found;
  for (const auto& [name, quantity] : list) {
    if (!isQosResource(name) || quantity.milliValue() <= 0) continue;
    found.insert(name);
    auto [it, inserted] = sum.try_emplace(name, quantity);
    if (!inserted) it->second += quantity;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Document pieces

json stateJson(const kube::ContainerState& state) {
  using Kind = kube::ContainerState::Kind;
  switch (state.kind) {
    case Kind::kRunning:
      return {{"running", {{"startedAt", kube::formatTime(state.started_at)}}}};
    case Kind::kWaiting:
      return {{"waiting", {{"reason", state.reason}, {"message", state.message}}}};
    case Kind::kTerminated:
      return {{"terminated",
               {{"reason", state.reason},
                {"exitCode", state.exit_code},
                {"signal", state.signal},
                {"startedAt", kube::formatTime(state.started_at)},
                {"finishedAt", kube::formatTime(state.finished_at)},
                {"message", state.message}}}};
    case Kind::kNone:
      break;
  }
  return json::object();
}

const char* probeType(kube::Probe::Type type) {
  switch (type) {
    case kube::Probe::Type::kHttpGet:
      return "httpGet";
    case kube::Probe::Type::kTcpSocket:
      return "tcpSocket";
    case kube::Probe::Type::kExec:
      return "exec";
    case kube::Probe::Type::kGrpc:
      return "grpc";
    case kube::Probe::Type::kNone:
      break;
  }
  return "unknown";
}

json probeJson(const kube::Probe& probe) {
  return {{"description", describeProbe(probe)},
          {"type", probeType(probe.type)},
          {"target", probe.target},
          {"initialDelaySeconds", probe.initial_delay_seconds},
          {"timeoutSeconds", probe.timeout_seconds},
          {"periodSeconds", probe.period_seconds},
          {"successThreshold", probe.success_threshold},
          {"failureThreshold", probe.failure_threshold}};
}

std::string envSource(const kube::EnvVar& env) {
  const char* kind = nullptr;
  switch (env.source) {
    case kube::EnvSource::kValue:
      return "value";  // never the value itself
    case kube::EnvSource::kOther:
      return "valueFrom";
    case kube::EnvSource::kFieldRef:
      return fmt::format("fieldRef({})", env.ref_name);
    case kube::EnvSource::kResourceFieldRef:
      return fmt::format("resourceFieldRef({})", env.ref_name);
    case kube::EnvSource::kConfigMapKey:
      kind = "configMapKeyRef";
      break;
    case kube::EnvSource::kSecretKey:
      kind = "secretKeyRef";
      break;
    case kube::EnvSource::kFileKey:
      kind = "fileKeyRef";
      break;
  }
  return fmt::format("{}({}.{}){}", kind, env.ref_name, env.ref_key,
                     env.optional ? " optional" : "");
}

json containerJson(const kube::Container& container, const kube::List<kube::ContainerStatus>& all,
                   bool init) {
  const kube::ContainerStatus* status = nullptr;
  for (const auto& s : all) {
    if (s.name == container.name) status = &s;
  }
  json out = {{"name", container.name}, {"image", container.image}};
  out["imageID"] = status ? status->image_id : "";
  if (status && !status->container_id.empty()) out["containerID"] = status->container_id;
  json ports = json::array();
  for (const auto& port : container.ports) {
    ports.push_back({{"name", port.name},
                     {"containerPort", port.container_port},
                     {"protocol", port.protocol.empty() ? "TCP" : port.protocol},
                     {"hostPort", port.host_port}});
  }
  out["ports"] = std::move(ports);
  out["ready"] = status != nullptr && status->ready;
  out["started"] = status != nullptr && status->started;
  out["restartCount"] = status ? status->restart_count : 0;
  out["state"] = status ? stateJson(status->state) : json::object();
  out["lastState"] = status ? stateJson(status->last_state) : json::object();
  out["resources"] = {{"requests", quantities(container.resources.requests)},
                      {"limits", quantities(container.resources.limits)}};
  json probes = json::object();
  if (container.liveness_probe) probes["liveness"] = probeJson(*container.liveness_probe);
  if (container.readiness_probe) probes["readiness"] = probeJson(*container.readiness_probe);
  if (container.startup_probe) probes["startup"] = probeJson(*container.startup_probe);
  out["probes"] = std::move(probes);
  json env = json::array();
  for (const auto& var : container.env)
    env.push_back({{"name", var.name}, {"source", envSource(var)}});
  out["environment"] = std::move(env);
  json env_from = json::array();
  for (const auto& from : container.env_from) {
    env_from.push_back({{"type", from.secret ? "secretRef" : "configMapRef"},
                        {"name", from.name},
                        {"prefix", from.prefix},
                        {"optional", from.optional}});
  }
  out["envFrom"] = std::move(env_from);
  json mounts = json::array();
  for (const auto& mount : container.volume_mounts) {
    mounts.push_back({{"name", mount.name},
                      {"mountPath", mount.mount_path},
                      {"subPath", mount.sub_path},
                      {"readOnly", mount.read_only}});
  }
  out["mounts"] = std::move(mounts);
  if (init) out["sidecar"] = container.isRestartable();
  return out;
}

// The volume source's display type, as kubectl names it: the field name with an upper-case
// first letter, acronyms in capitals.
std::string volumeType(std::string_view field) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kAcronyms = {{
      {"csi", "CSI"},
      {"nfs", "NFS"},
      {"iscsi", "ISCSI"},
      {"fc", "FC"},
      {"rbd", "RBD"},
      {"cephfs", "CephFS"},
      {"downwardAPI", "DownwardAPI"},
      {"gcePersistentDisk", "GCEPersistentDisk"},
      {"awsElasticBlockStore", "AWSElasticBlockStore"},
  }};
  for (const auto& [name, type] : kAcronyms) {
    if (field == name) return std::string(type);
  }
  std::string out(field);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

// The name of the field holding a volume source's main reference (kube::Volume::reference).
std::string_view referenceField(std::string_view type) {
  if (type == "configMap") return "name";
  if (type == "secret") return "secretName";
  if (type == "persistentVolumeClaim") return "claimName";
  if (type == "csi") return "driver";
  if (type == "hostPath" || type == "local") return "path";
  if (type == "nfs") return "serverPath";
  return "reference";
}

json volumeJson(const kube::Volume& volume) {
  json source = json::object();
  if (!volume.reference.empty()) source[referenceField(volume.type)] = volume.reference;
  if (volume.read_only) source["readOnly"] = true;
  if (volume.type == "emptyDir") {
    source["medium"] = volume.medium;
    source["sizeLimit"] =
        volume.size_limit.isZero() ? json(nullptr) : json(volume.size_limit.format());
  }
  return {{"name", volume.name},
          {"type", volumeType(volume.type)},
          {"source", {{volume.type, std::move(source)}}}};
}

json eventJson(const kube::Event& event) {
  // As kubectl describe's "From": the component; with the reporting node when the event names
  // one (source.host, e.g. the kubelet's node), in the spec's "component/host" form.
  const std::string& component =
      event.source_component.empty() ? event.reporting_controller : event.source_component;
  const std::string& host = event.source_host;
  return {{"type", event.type},
          {"reason", event.reason},
          {"message", event.message},
          {"firstTimestamp", kube::formatTime(event.first_time)},
          {"lastTimestamp", kube::formatTime(event.last_time)},
          {"count", event.count},
          {"source", host.empty() || host == component ? component : component + "/" + host}};
}

// ---------------------------------------------------------------------------------------------
// Text rendering

const json& member(const json& doc, std::string_view key) {
  static const json kNull;
  const auto it = doc.find(key);
  return it == doc.end() ? kNull : *it;
}

// Lines of "Label:   value" with values aligned at `width`, like kubectl's tabbed output.
class Lines {
 public:
  void field(int indent, std::string_view label, std::string_view value, int width = 18) {
    const std::string head = fmt::format("{:{}}{}:", "", indent, label);
    out_ += fmt::format("{:<{}} {}\n", head, width, value.empty() ? "<none>" : value);
  }
  void heading(int indent, std::string_view label) {
    out_ += fmt::format("{:{}}{}:\n", "", indent, label);
  }
  void line(int indent, std::string_view text) {
    out_ += fmt::format("{:{}}{}\n", "", indent, text);
  }
  // A map as "key=value" lines, the first beside the label.
  void mapField(int indent, std::string_view label, const json& map, int width = 18) {
    if (!map.is_object() || map.empty()) return field(indent, label, "<none>", width);
    bool first = true;
    for (const auto& [key, value] : map.items()) {
      const std::string text =
          fmt::format("{}={}", key, value.is_string() ? value.get<std::string>() : value.dump());
      if (first) {
        field(indent, label, text, width);
      } else {
        out_ += fmt::format("{:{}} {}\n", "", width, text);
      }
      first = false;
    }
  }
  // A section heading for a non-empty array; "Label: <none>" and false for an empty one.
  bool section(int indent, std::string_view label, const json& list) {
    if (!list.is_array() || list.empty()) {
      field(indent, label, "<none>");
      return false;
    }
    heading(indent, label);
    return true;
  }
  // A list of strings, the first beside the label.
  void listField(int indent, std::string_view label, const std::vector<std::string>& items,
                 int width = 18) {
    if (items.empty()) return field(indent, label, "<none>", width);
    field(indent, label, items.front(), width);
    for (std::size_t i = 1; i < items.size(); ++i)
      out_ += fmt::format("{:{}} {}\n", "", width, items[i]);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string capitalizedBool(const json& value) {
  return value.is_boolean() && value.get<bool>() ? "True" : "False";
}

void renderState(Lines& lines, std::string_view label, const json& state) {
  if (!state.is_object() || state.empty()) return lines.field(4, label, "<none>");
  const auto first = state.begin();
  const std::string kind = first.key();  // "running", "waiting" or "terminated"
  const json& detail = first.value();
  std::string name = kind;
  if (!name.empty() && name[0] >= 'a' && name[0] <= 'z') {
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
  }
  lines.field(4, label, name);
  if (kind == "running") return lines.field(6, "Started", fieldText(detail, "startedAt"));
  if (!fieldText(detail, "reason").empty()) lines.field(6, "Reason", fieldText(detail, "reason"));
  if (!fieldText(detail, "message").empty())
    lines.field(6, "Message", fieldText(detail, "message"));
  if (kind == "terminated") {
    lines.field(6, "Exit Code", fieldText(detail, "exitCode"));
    if (fieldText(detail, "signal") != "0") lines.field(6, "Signal", fieldText(detail, "signal"));
    lines.field(6, "Started", fieldText(detail, "startedAt"));
    lines.field(6, "Finished", fieldText(detail, "finishedAt"));
  }
}

void renderContainer(Lines& lines, const json& c) {
  lines.heading(2, fieldText(c, "name"));
  if (c.contains("containerID")) lines.field(4, "Container ID", fieldText(c, "containerID"));
  lines.field(4, "Image", fieldText(c, "image"));
  lines.field(4, "Image ID", fieldText(c, "imageID"));
  std::vector<std::string> ports;
  for (const auto& port : member(c, "ports")) {
    std::string text =
        fmt::format("{}/{}", fieldText(port, "containerPort"), fieldText(port, "protocol"));
    if (!fieldText(port, "name").empty()) text += fmt::format(" ({})", fieldText(port, "name"));
    ports.push_back(std::move(text));
  }
  lines.listField(4, "Ports", ports);
  if (member(c, "sidecar").is_boolean() && member(c, "sidecar").get<bool>()) {
    lines.field(4, "Restart Policy", "Always (sidecar)");
  }
  renderState(lines, "State", member(c, "state"));
  renderState(lines, "Last State", member(c, "lastState"));
  lines.field(4, "Ready", capitalizedBool(member(c, "ready")));
  lines.field(4, "Started", capitalizedBool(member(c, "started")));
  lines.field(4, "Restart Count", fieldText(c, "restartCount"));
  const json& resources = member(c, "resources");
  for (const auto& [label, key] :
       {std::pair{"Limits", "limits"}, std::pair{"Requests", "requests"}}) {
    const json& list = member(resources, key);
    if (!list.is_object() || list.empty()) continue;
    lines.heading(4, label);
    for (const auto& [name, quantity] : list.items()) {
      lines.field(6, name, quantity.is_string() ? quantity.get<std::string>() : quantity.dump());
    }
  }
  const json& probes = member(c, "probes");
  for (const auto& [label, key] :
       {std::pair{"Liveness", "liveness"}, std::pair{"Readiness", "readiness"},
        std::pair{"Startup", "startup"}}) {
    if (probes.is_object() && probes.contains(key)) {
      lines.field(4, label, fieldText(probes[key], "description"));
    }
  }
  const json& env_from = member(c, "envFrom");
  if (env_from.is_array() && !env_from.empty()) {
    lines.heading(4, "Environment Variables from");
    for (const auto& from : env_from) {
      const std::string kind = fieldText(from, "type") == "secretRef" ? "Secret" : "ConfigMap";
      std::string text = fmt::format("{}  {}  Optional: {}", fieldText(from, "name"), kind,
                                     fieldText(from, "optional"));
      if (!fieldText(from, "prefix").empty())
        text += fmt::format("  Prefix: {}", fieldText(from, "prefix"));
      lines.line(6, text);
    }
  }
  const json& env = member(c, "environment");
  if (lines.section(4, "Environment", env)) {
    for (const auto& var : env)
      lines.field(6, fieldText(var, "name"), fmt::format("<{}>", fieldText(var, "source")));
  }
  const json& mounts = member(c, "mounts");
  if (lines.section(4, "Mounts", mounts)) {
    for (const auto& mount : mounts) {
      std::string text =
          fmt::format("{} from {} ({})", fieldText(mount, "mountPath"), fieldText(mount, "name"),
                      capitalizedBool(member(mount, "readOnly")) == "True" ? "ro" : "rw");
      if (!fieldText(mount, "subPath").empty()) {
        text.insert(text.size() - 1, fmt::format(",path=\"{}\"", fieldText(mount, "subPath")));
      }
      lines.line(6, text);
    }
  }
}

}  // namespace

std::string podQosClass(const kube::Pod& pod) {
  kube::ResourceList requests;
  kube::ResourceList limits;
  bool guaranteed = true;
  const auto& pod_level = pod.spec.resources;
  if (!pod_level.requests.empty() || !pod_level.limits.empty()) {
    addQosQuantities(pod_level.requests, requests);
    const auto found = addQosQuantities(pod_level.limits, limits);
    // A pod without pod-level limits stays "guaranteed" here and fails the equality check below.
    if (!pod_level.limits.empty() && (!found.contains("cpu") || !found.contains("memory"))) {
      guaranteed = false;
    }
  } else {
    for (const auto* list : {&pod.spec.containers, &pod.spec.init_containers}) {
      for (const auto& container : *list) {
        addQosQuantities(container.resources.requests, requests);
        const auto found = addQosQuantities(container.resources.limits, limits);
        if (!found.contains("cpu") || !found.contains("memory")) guaranteed = false;
      }
    }
  }
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [name, request] : requests) {
      const auto it = limits.find(name);
      if (it == limits.end() || it->second != request) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
}

std::string describeProbe(const kube::Probe& probe) {
  const std::string attrs =
      fmt::format("delay={}s timeout={}s period={}s #success={} #failure={}",
                  probe.initial_delay_seconds, probe.timeout_seconds, probe.period_seconds,
                  probe.success_threshold, probe.failure_threshold);
  switch (probe.type) {
    case kube::Probe::Type::kHttpGet:
      return fmt::format("http-get {} {}", probe.target, attrs);
    case kube::Probe::Type::kTcpSocket:
      return fmt::format("tcp-socket {} {}", probe.target, attrs);
    case kube::Probe::Type::kExec:
      return fmt::format("exec [{}] {}", probe.target, attrs);
    case kube::Probe::Type::kGrpc: {
      // kubectl prints "grpc <pod>:PORT SERVICE attrs", SERVICE "" when unset.
      const std::string_view target = probe.target;
      const auto space = target.find(' ');
      const std::string_view port = target.substr(0, space);
      const std::string_view service =
          space == std::string_view::npos ? "" : target.substr(space + 1);
      return fmt::format("grpc <pod>{} {} {}", port, service, attrs);
    }
    case kube::Probe::Type::kNone:
      break;
  }
  return fmt::format("unknown {}", attrs);
}

std::string describeToleration(const kube::Toleration& t) {
  std::string out = t.key;
  if (!t.value.empty()) out += "=" + t.value;
  if (!t.effect.empty()) out += ":" + t.effect;
  // operator Exists with no value; with neither key nor effect it tolerates everything.
  if (t.op == "Exists" && t.value.empty()) out += out.empty() ? "op=Exists" : " op=Exists";
  if (t.toleration_seconds) out += fmt::format(" for {}s", *t.toleration_seconds);
  return out;
}

nlohmann::json podDescribeDocument(const kube::Pod& pod, const std::vector<kube::Event>& events) {
  const kube::ObjectMeta& meta = pod.metadata;
  json doc = {{"name", meta.name},
              {"namespace", meta.namespace_name},
              {"uid", meta.uid},
              {"creationTimestamp", kube::formatTime(meta.creation_timestamp)},
              {"deletionTimestamp", kube::isSet(meta.deletion_timestamp)
                                        ? json(kube::formatTime(meta.deletion_timestamp))
                                        : json(nullptr)},
              {"labels", stringMap(meta.labels)},
              {"annotations", stringMap(meta.annotations)}};
  doc["status"] = {{"phase", pod.status.phase},
                   {"podIP", pod.status.pod_ip},
                   {"podIPs", pod.status.pod_ips},
                   {"hostIP", pod.status.host_ip},
                   {"reason", pod.status.reason},
                   {"message", pod.status.message},
                   {"startTime", kube::formatTime(pod.status.start_time)}};
  doc["node"] = pod.spec.node_name;
  doc["priority"] = pod.spec.priority;
  doc["priorityClassName"] = pod.spec.priority_class_name;
  doc["serviceAccount"] = pod.spec.service_account_name;
  try {
    doc["qosClass"] = podQosClass(pod);
  } catch (const Error&) {
    doc["qosClass"] = pod.status.qos_class;  // a sum overflowed; the API server's word
  }
  const kube::OwnerReference* owner = kube::controllerOf(meta);
  doc["controlledBy"] = owner ? json(owner->kind + "/" + owner->name) : json(nullptr);
  json containers = json::array();
  for (const auto& c : pod.spec.containers) {
    containers.push_back(containerJson(c, pod.status.container_statuses, false));
  }
  doc["containers"] = std::move(containers);
  json init = json::array();
  for (const auto& c : pod.spec.init_containers) {
    init.push_back(containerJson(c, pod.status.init_container_statuses, true));
  }
  doc["initContainers"] = std::move(init);
  json conditions = json::array();
  for (const auto& condition : pod.status.conditions) {
    conditions.push_back({{"type", condition.type},
                          {"status", condition.status},
                          {"lastTransitionTime", kube::formatTime(condition.last_transition_time)},
                          {"reason", condition.reason},
                          {"message", condition.message}});
  }
  doc["conditions"] = std::move(conditions);
  json volumes = json::array();
  for (const auto& volume : pod.spec.volumes) volumes.push_back(volumeJson(volume));
  doc["volumes"] = std::move(volumes);
  doc["nodeSelector"] = stringMap(pod.spec.node_selector);
  json tolerations = json::array();
  for (const auto& t : pod.spec.tolerations) {
    tolerations.push_back(
        {{"key", t.key},
         {"operator", t.op.empty() ? "Equal" : t.op},
         {"value", t.value},
         {"effect", t.effect},
         {"tolerationSeconds", t.toleration_seconds ? json(*t.toleration_seconds) : json(nullptr)},
         {"description", describeToleration(t)}});
  }
  doc["tolerations"] = std::move(tolerations);
  json event_list = json::array();
  for (const auto& event : events) event_list.push_back(eventJson(event));
  doc["events"] = std::move(event_list);
  return doc;
}

std::string renderPodDescription(const nlohmann::json& doc) {
  Lines lines;
  lines.field(0, "Name", fieldText(doc, "name"));
  lines.field(0, "Namespace", fieldText(doc, "namespace"));
  lines.field(0, "Priority", fieldText(doc, "priority"));
  if (!fieldText(doc, "priorityClassName").empty()) {
    lines.field(0, "Priority Class Name", fieldText(doc, "priorityClassName"));
  }
  lines.field(0, "Service Account", fieldText(doc, "serviceAccount"));
  const json& status = member(doc, "status");
  const std::string node = fieldText(doc, "node");
  const std::string host_ip = fieldText(status, "hostIP");
  lines.field(0, "Node", node.empty() ? "<none>" : host_ip.empty() ? node : node + "/" + host_ip);
  lines.field(0, "Start Time", fieldText(status, "startTime"));
  lines.mapField(0, "Labels", member(doc, "labels"));
  lines.mapField(0, "Annotations", member(doc, "annotations"));
  const std::string deleted = fieldText(doc, "deletionTimestamp");
  lines.field(0, "Status",
              deleted.empty() ? fieldText(status, "phase")
                              : fmt::format("Terminating (since {})", deleted));
  if (!fieldText(status, "reason").empty()) lines.field(0, "Reason", fieldText(status, "reason"));
  if (!fieldText(status, "message").empty())
    lines.field(0, "Message", fieldText(status, "message"));
  lines.field(0, "IP", fieldText(status, "podIP"));
  if (!fieldText(doc, "controlledBy").empty())
    lines.field(0, "Controlled By", fieldText(doc, "controlledBy"));
  for (const auto& [label, key] :
       {std::pair{"Init Containers", "initContainers"}, std::pair{"Containers", "containers"}}) {
    const json& list = member(doc, key);
    if (!list.is_array() || list.empty()) continue;
    lines.heading(0, label);
    for (const auto& c : list) renderContainer(lines, c);
  }
  const json& conditions = member(doc, "conditions");
  if (conditions.is_array() && !conditions.empty()) {
    lines.heading(0, "Conditions");
    lines.line(2, fmt::format("{:<28} {}", "Type", "Status"));
    for (const auto& c : conditions) {
      lines.line(2, fmt::format("{:<28} {}", fieldText(c, "type"), fieldText(c, "status")));
    }
  }
  const json& volumes = member(doc, "volumes");
  if (lines.section(0, "Volumes", volumes)) {
    for (const auto& v : volumes) {
      lines.heading(2, fieldText(v, "name"));
      lines.field(4, "Type", fieldText(v, "type"));
      const json& source = member(v, "source");
      if (source.is_object() && !source.empty()) {
        for (const auto& [field, value] : source.begin().value().items()) {
          lines.field(4, field, value.is_string() ? value.get<std::string>() : value.dump());
        }
      }
    }
  }
  lines.field(0, "QoS Class", fieldText(doc, "qosClass"));
  lines.mapField(0, "Node-Selectors", member(doc, "nodeSelector"));
  std::vector<std::string> tolerations;
  for (const auto& t : member(doc, "tolerations"))
    tolerations.push_back(fieldText(t, "description"));
  lines.listField(0, "Tolerations", tolerations);
  const json& events = member(doc, "events");
  if (lines.section(0, "Events", events)) {
    lines.line(2, fmt::format("{:<8} {:<20} {:<21} {:<6} {:<24} {}", "Type", "Reason", "Last Seen",
                              "Count", "From", "Message"));
    for (const auto& e : events) {
      lines.line(
          2, fmt::format("{:<8} {:<20} {:<21} {:<6} {:<24} {}", fieldText(e, "type"),
                         fieldText(e, "reason"), fieldText(e, "lastTimestamp"),
                         fieldText(e, "count"), fieldText(e, "source"), fieldText(e, "message")));
    }
  }
  return lines.take();
}

}  // namespace keelson::docs
