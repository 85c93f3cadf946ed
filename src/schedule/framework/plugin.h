#pragma once

// The one interface every Filter plugin implements (kube-scheduler's PreFilterPlugin +
// FilterPlugin). A plugin is an immutable object: what it learns about one pod lives in the
// PluginState its preFilter returns, which the framework hands back to its filter for every
// node. Score plugins will take the same PodInfo, NodeInfo and state.

#include <cassert>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "schedule/framework/snapshot.h"
#include "schedule/framework/status.h"

namespace keelson::schedule::framework {

/// What a plugin's preFilter computes once per pod for its filter (kube-scheduler's
/// framework.StateData). Each plugin derives its own type.
class PluginState {
 public:
  virtual ~PluginState() = default;
};

/// The outcome of one plugin's preFilter.
struct PreFilterResult {
  /// Not Success: the pod fits no node (the scheduler stops at the first such plugin).
  Status status;
  /// The only nodes worth filtering (kube-scheduler's PreFilterResult.NodeNames); nullopt: all.
  std::optional<std::set<std::string, std::less<>>> node_names;
  /// Why a node outside `node_names` does not fit, e.g. "required node affinity pins other node
  /// names (matchFields metadata.name)"; "" when node_names is nullopt.
  std::string node_names_message;
  /// Handed back to filter(); nullptr for plugins without state. Set even when `status` rejects,
  /// so a pod that is already bound can still be explained.
  std::unique_ptr<const PluginState> state;
};

/// A Filter plugin: decides whether one node can take the pod. Implementations are immutable
/// and their const methods may be called from several threads at once. Pure: no I/O.
class FilterPlugin {
 public:
  virtual ~FilterPlugin() = default;

  /// kube-scheduler's plugin name, exactly ("NodeResourcesFit", "TaintToleration", ...).
  virtual std::string_view name() const = 0;

  /// Once per pod, before any filter(): checks that hold for every node alike and precomputes
  /// state from the whole snapshot. The default passes every node and keeps no state.
  virtual PreFilterResult preFilter(const PodInfo& pod, const Snapshot& snapshot) const;

  /// Whether `node` can take `pod`: Success, or a rejection naming this plugin with its reasons.
  /// `state` is what this plugin's preFilter returned for the same pod and snapshot.
  virtual Status filter(const PodInfo& pod, const NodeInfo& node,
                        const PluginState* state) const = 0;
};

/// `state` as the plugin's own state type T (what its preFilter returned; must not be null).
template <typename T>
const T& stateAs(const PluginState* state) {
  assert(dynamic_cast<const T*>(state) != nullptr);
  return static_cast<const T&>(*state);
}

}  // namespace keelson::schedule::framework
