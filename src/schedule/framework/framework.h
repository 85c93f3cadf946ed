#pragma once

// The Filter plugins in kube-scheduler's order and the two phases that run them: preFilter once
// per pod, filter once per node. The scheduling analysis takes its verdicts from here; a
// scheduler built on the same Framework therefore cannot disagree with it.
//
// Fidelity (kube-scheduler v1.36, pkg/scheduler/framework): the default Filter plugins keelson
// models, in the default order, are NodeUnschedulable, NodeName, TaintToleration, NodeAffinity,
// NodePorts, NodeResourcesFit, VolumeBinding, VolumeZone, PodTopologySpread, InterPodAffinity.
// Not modelled: VolumeRestrictions, NodeVolumeLimits (CSI attach limits), DynamicResources,
// storage capacity tracking, nominated pods and extenders.

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "schedule/framework/plugin.h"
#include "schedule/framework/snapshot.h"
#include "schedule/framework/status.h"

namespace keelson::schedule::framework {

/// What preFilter learnt about one pod in one snapshot (kube-scheduler's CycleState and
/// PreFilterResult). Read by filter() and evaluate() of the Framework that built it.
struct CycleState {
  /// Success, or the first PreFilter rejection in plugin order: the pod fits no node.
  Status status;
  /// The nodes PreFilter plugins narrowed the pod to (their intersection); nullopt: every node.
  std::optional<std::set<std::string, std::less<>>> node_names;
  /// The verdict for a node outside `node_names`: UnschedulableAndUnresolvable, category
  /// "node(s) didn't satisfy plugin(s) [NodeAffinity]" as kube-scheduler words it.
  Status excluded;
  /// Each plugin's PreFilter state, in plugin order (nullptr for plugins without state).
  std::vector<std::unique_ptr<const PluginState>> states;
};

/// An ordered list of Filter plugins. Immutable after construction; every method is const and
/// may be called from several threads at once. Pure: no I/O.
class Framework {
 public:
  /// The plugins run in the given order.
  explicit Framework(std::vector<std::unique_ptr<const FilterPlugin>> plugins);

  /// kube-scheduler's default Filter plugins that keelson models, in the default order (see the
  /// file comment). Built once; lives for the whole process.
  static const Framework& defaultFilters();
  /// The same plugins for keelson's own scheduler: TaintToleration also refuses nodes whose
  /// conditions (NotReady, pressure) the node lifecycle controller taints (conditionTaints).
  static const Framework& schedulerFilters();

  const std::vector<std::unique_ptr<const FilterPlugin>>& plugins() const { return plugins_; }

  /// Runs every plugin's PreFilter for `pod` over `snapshot`. Unlike kube-scheduler it does not
  /// stop at a rejection, so that every plugin's state exists to explain a pod already bound.
  /// Throws only what the plugins throw (nothing for well-formed objects).
  CycleState preFilter(const PodInfo& pod, const Snapshot& snapshot) const;

  /// Runs every plugin's Filter on `node` (unlike kube-scheduler, it does not stop at the first
  /// rejection) and returns the rejections in plugin order; empty when the node fits. The
  /// scheduler counts only the first one. PreFilter's verdict is not applied: this explains a
  /// pod on a node it is already bound to.
  std::vector<Status> filter(const CycleState& cycle, const PodInfo& pod,
                             const NodeInfo& node) const;

  /// The verdict kube-scheduler reaches for a pod waiting to be scheduled: {cycle.status} when
  /// PreFilter rejected the pod, {cycle.excluded} for a node PreFilter left out, else filter().
  std::vector<Status> evaluate(const CycleState& cycle, const PodInfo& pod,
                               const NodeInfo& node) const;

  /// What kube-scheduler itself computes for a pod waiting to be scheduled: like evaluate(),
  /// but it stops at the first rejecting plugin; Success when the node fits. The scheduler's
  /// hot path.
  Status firstRejection(const CycleState& cycle, const PodInfo& pod, const NodeInfo& node) const;

 private:
  std::vector<std::unique_ptr<const FilterPlugin>> plugins_;
};

}  // namespace keelson::schedule::framework
