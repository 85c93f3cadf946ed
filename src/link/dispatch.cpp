#include "link/dispatch.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <limits>
#include <map>
#include <set>

#include "act/target.h"
#include "core/duration.h"
#include "core/error.h"

namespace keelson::link {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const Action& action, const std::string& what) {
  throw Error(ErrorCode::kBadInput, fmt::format("action {}: {}", action.verb, what));
}

// Reads the params of one action, refusing any it does not know.
class Params {
 public:
  Params(const Action& action, std::set<std::string> known) : action_(action) {
    known.insert("dryRun");
    for (const auto& [name, value] : action.params.items()) {
      if (!known.contains(name)) {
        bad(action, fmt::format("unknown param \"{}\" (known: {})", name, fmt::join(known, ", ")));
      }
    }
  }

  bool flag(const char* name) const {
    const json* v = find(name);
    if (v == nullptr) return false;
    if (!v->is_boolean()) bad(action_, fmt::format("param {} is not a boolean", name));
    return v->get<bool>();
  }

  std::optional<std::int64_t> integer(const char* name, std::int64_t min) const {
    const json* v = find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_integer() || v->get<std::int64_t>() < min ||
        v->get<std::int64_t>() > std::numeric_limits<std::int32_t>::max()) {
      bad(action_, fmt::format("param {} is not an integer >= {}", name, min));
    }
    return v->get<std::int64_t>();
  }

  std::string text(const char* name) const {
    const json* v = find(name);
    if (v == nullptr) return "";
    if (!v->is_string()) bad(action_, fmt::format("param {} is not a string", name));
    return v->get<std::string>();
  }

  std::chrono::milliseconds duration(const char* name) const {
    const std::string value = text(name);
    if (value.empty()) return std::chrono::milliseconds(0);
    try {
      const auto d = core::parseDuration(value);
      if (d.count() < 0) bad(action_, fmt::format("param {} is negative", name));
      return std::chrono::ceil<std::chrono::milliseconds>(d);
    } catch (const Error& e) {
      bad(action_, fmt::format("param {}: {}", name, e.what()));
    }
  }

  std::vector<std::string> strings(const char* name) const {
    const json* v = find(name);
    if (v == nullptr) return {};
    if (!v->is_array()) bad(action_, fmt::format("param {} is not an array of strings", name));
    std::vector<std::string> out;
    for (const json& item : *v) {
      if (!item.is_string()) bad(action_, fmt::format("param {} is not an array of strings", name));
      out.push_back(item.get<std::string>());
    }
    return out;
  }

 private:
  const json* find(const char* name) const {
    const auto it = action_.params.find(name);
    return it == action_.params.end() || it->is_null() ? nullptr : &*it;
  }

  const Action& action_;
};

act::ObjectRef objectRef(const Action& action, act::KindSet kinds) {
  const std::string& ns = action.target.namespace_name;
  act::ObjectRef ref;
  try {
    // A placeholder namespace, so that a missing one is reported as missing, not as invalid.
    ref = act::parseObjectRef(action.target.kind + "/" + action.target.name, kinds,
                              ns.empty() ? "default" : ns);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kBadInput) throw;
    bad(action, e.what());
  }
  if (ref.kind.namespaced && ns.empty()) {
    bad(action, fmt::format("the target {} has no namespace", ref.display()));
  }
  return ref;
}

// The node a node verb acts on.
std::string nodeName(const Action& action) {
  if (action.target.kind != "Node") {
    bad(action, fmt::format("the target kind is {}, expected Node", action.target.kind));
  }
  return objectRef(action, act::KindSet::kAny).name;
}

// The pod a pod verb acts on: {namespace, name}.
act::ObjectRef podRef(const Action& action) {
  if (action.target.kind != "Pod") {
    bad(action, fmt::format("the target kind is {}, expected Pod", action.target.kind));
  }
  return objectRef(action, act::KindSet::kAny);
}

act::DrainOptions drainOptions(const Action& action) {
  const Params p(action,
                 {"ignoreDaemonSets", "deleteEmptyDirData", "force", "gracePeriod", "timeout",
                  "podSelector", "disableEviction", "skipWaitForDeleteTimeout", "chunkSize"});
  act::DrainOptions drain;
  drain.filters.ignore_daemonsets = p.flag("ignoreDaemonSets");
  drain.filters.delete_emptydir_data = p.flag("deleteEmptyDirData");
  drain.filters.force = p.flag("force");
  drain.filters.skip_wait_for_delete_timeout_seconds =
      static_cast<int>(p.integer("skipWaitForDeleteTimeout", 0).value_or(0));
  drain.grace_period_seconds = p.integer("gracePeriod", 0);
  drain.timeout = p.duration("timeout");
  drain.pod_selector = p.text("podSelector");
  drain.disable_eviction = p.flag("disableEviction");
  drain.chunk_size = p.integer("chunkSize", 0).value_or(drain.chunk_size);
  return drain;
}

// One verb: checks the action (throws kBadInput) and returns how to run it.
using Runner = std::function<act::ActionResult(act::Actuator&, const act::WriteOptions&,
                                               const std::stop_token&)>;

Runner prepare(const Action& action) {
  const std::string& verb = action.verb;
  if (verb == "cordon" || verb == "uncordon") {
    const Params p(action, {});
    std::string node = nodeName(action);
    const bool cordon = verb == "cordon";
    return [node, cordon](act::Actuator& a, const act::WriteOptions& w, const std::stop_token&) {
      return cordon ? a.cordon(node, w) : a.uncordon(node, w);
    };
  }
  if (verb == "drain") {
    std::string node = nodeName(action);
    act::DrainOptions drain = drainOptions(action);
    return [node, drain](act::Actuator& a, const act::WriteOptions& w,
                         const std::stop_token& stop) { return a.drain(node, drain, w, {}, stop); };
  }
  if (verb == "evict") {
    const Params p(action, {"gracePeriod", "timeout"});
    act::ObjectRef pod = podRef(action);
    act::EvictOptions evict;
    evict.grace_period_seconds = p.integer("gracePeriod", 0);
    evict.timeout = p.duration("timeout");
    return [pod, evict](act::Actuator& a, const act::WriteOptions& w, const std::stop_token& stop) {
      return a.evict(pod.namespace_name, pod.name, evict, w, stop);
    };
  }
  if (verb == "scale") {
    const Params p(action, {"replicas", "currentReplicas", "resourceVersion"});
    act::ObjectRef ref = objectRef(action, act::KindSet::kScalable);
    act::ScaleOptions scale;
    const auto replicas = p.integer("replicas", 0);
    if (!replicas) bad(action, "param replicas is required");
    scale.replicas = static_cast<std::int32_t>(*replicas);
    if (const auto current = p.integer("currentReplicas", 0)) {
      scale.current_replicas = static_cast<std::int32_t>(*current);
    }
    scale.resource_version = p.text("resourceVersion");
    return [ref, scale](act::Actuator& a, const act::WriteOptions& w, const std::stop_token&) {
      return a.scale(ref, scale, w);
    };
  }
  if (verb == "restart") {
    const Params p(action, {});
    act::ObjectRef ref = objectRef(action, act::KindSet::kRestartable);
    return [ref](act::Actuator& a, const act::WriteOptions& w, const std::stop_token&) {
      return a.rolloutRestart(ref, w);
    };
  }
  if (verb == "restart-pod") {
    const Params p(action, {"force"});
    act::ObjectRef pod = podRef(action);
    const bool force = p.flag("force");
    return [pod, force](act::Actuator& a, const act::WriteOptions& w, const std::stop_token&) {
      return a.restartPod(pod.namespace_name, pod.name, force, w);
    };
  }
  if (verb == "label") {
    const Params p(action, {"labels", "overwrite", "resourceVersion"});
    act::ObjectRef ref = objectRef(action, act::KindSet::kAny);
    act::LabelChanges changes;
    try {
      changes = act::parseLabelArgs(p.strings("labels"));
    } catch (const Error& e) {
      bad(action, fmt::format("param labels: {}", e.what()));
    }
    act::LabelOptions label;
    label.overwrite = p.flag("overwrite");
    label.resource_version = p.text("resourceVersion");
    return
        [ref, changes, label](act::Actuator& a, const act::WriteOptions& w,
                              const std::stop_token&) { return a.label(ref, changes, label, w); };
  }
  if (verb == "set-resources") {
    const Params p(action, {"container", "limits", "requests"});
    act::ObjectRef ref = objectRef(action, act::KindSet::kWorkloads);
    act::ResourcesOptions resources;
    if (const std::string c = p.text("container"); !c.empty()) resources.container = c;
    try {
      if (const std::string l = p.text("limits"); !l.empty()) {
        resources.limits = act::parseResourceValues("limits", l);
      }
      if (const std::string r = p.text("requests"); !r.empty()) {
        resources.requests = act::parseResourceValues("requests", r);
      }
    } catch (const Error& e) {
      bad(action, e.what());
    }
    if (resources.limits.empty() && resources.requests.empty()) {
      bad(action, "params limits or requests are required");
    }
    return [ref, resources](act::Actuator& a, const act::WriteOptions& w, const std::stop_token&) {
      return a.setResources(ref, resources, w);
    };
  }
  bad(action, "unknown verb");
}

}  // namespace

act::WriteOptions writeOptions(const Action& action) {
  act::WriteOptions options;
  options.field_manager = "keelson-agent";
  if (const auto it = action.params.find("dryRun"); it != action.params.end() && !it->is_null()) {
    if (!it->is_string()) bad(action, "param dryRun is not a string");
    try {
      options.dry_run = act::parseDryRun(it->get<std::string>());
    } catch (const Error& e) {
      bad(action, e.what());
    }
  }
  return options;
}

void validateAction(const Action& action) {
  (void)writeOptions(action);
  (void)prepare(action);
}

act::ActionResult runAction(act::Actuator& actuator, const Action& action, std::stop_token stop) {
  const act::WriteOptions options = writeOptions(action);
  return prepare(action)(actuator, options, std::move(stop));
}

}  // namespace keelson::link
