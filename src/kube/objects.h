#pragma once

// Types shared by every typed Kubernetes object view: metadata, references, conditions,
// selectors, timestamps. The views keep only what keelson uses (never managedFields, never
// the raw JSON); see decode.h for how they are filled from API JSON.

#include <boost/container/flat_map.hpp>
#include <boost/container/options.hpp>
#include <boost/container/vector.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/interned_string.h"
#include "core/quantity.h"
#include "core/shared.h"

namespace keelson::kube {

/// A point in time from the API: metav1.Time ("2024-01-15T10:30:00Z", second precision) or
/// metav1.MicroTime ("2024-01-15T10:30:00.123456Z"). A default-constructed Time (the Unix epoch)
/// means the field was absent or null; test it with isSet().
using Time = std::chrono::system_clock::time_point;

/// True when `time` holds a timestamp (the API never sends the epoch itself).
constexpr bool isSet(Time time) noexcept { return time != Time{}; }

/// Parses an RFC 3339 timestamp as the API writes it ("2024-01-15T10:30:00Z",
/// "2024-01-15T10:30:00.123456Z", "2024-01-15T12:30:00+02:00"), keeping up to nanoseconds.
/// Throws Error(kBadInput) naming the text if it is not one.
Time parseTime(std::string_view text);

/// Formats `time` as RFC 3339 in UTC with second precision ("2024-01-15T10:30:00Z"), like
/// metav1.Time; "" for an unset Time.
std::string formatTime(Time time);

/// Formats `time` as RFC 3339 in UTC with millisecond precision ("2024-01-15T10:30:00.250Z"),
/// like metav1.MicroTime truncated to milliseconds; "" for an unset Time.
std::string formatTimeMillis(Time time);

/// Formats `time` as a metav1.MicroTime: RFC 3339 in UTC with microseconds
/// ("2024-01-15T10:30:00.123456Z"; sub-microsecond digits dropped, rounded towards the past), as
/// Lease and events.k8s.io/v1 Event times are written. The epoch formats like any other time.
std::string formatMicroTime(Time time);

/// Go time.Duration text, e.g. metrics.k8s.io's `window` ("20.035s"): see core/duration.h.
using core::parseDuration;

/// The string type of cached objects' fields: 8 bytes, one copy of each distinct text
/// (core/interned_string.h).
using core::InternedString;

/// The array type of cached objects' fields: std::vector's interface (Boost.Container's vector)
/// with a 32-bit size and capacity, so 16 bytes instead of std::vector's 24. A cached pod holds
/// about twenty of them. Its iterators are random-access; for a std::span use
/// `{list.data(), list.size()}`. Throws std::length_error past 2^32 - 1 elements.
template <class T>
using List = boost::container::vector<
    T, void, boost::container::vector_options_t<boost::container::stored_size<std::uint32_t>>>;

/// A string map (labels, annotations, nodeSelector, matchLabels), ordered, with lookup by
/// string_view. A sorted List (Boost.Container's flat_map), not a tree: cached objects hold
/// thousands of small maps, at 16 bytes an entry (two InternedStrings). Inserting or erasing
/// invalidates iterators and references into the map.
using StringMap = boost::container::flat_map<InternedString, InternedString, std::less<>,
                                             List<std::pair<InternedString, InternedString>>>;

/// core/v1 ResourceList: resource name ("cpu", "memory", "ephemeral-storage", "pods",
/// "nvidia.com/gpu", "hugepages-2Mi", ...) to an exact quantity. A sorted List, like StringMap.
using ResourceList = boost::container::flat_map<InternedString, core::Quantity, std::less<>,
                                                List<std::pair<InternedString, core::Quantity>>>;

/// A List or map that the cached objects holding an identical one share (core/shared.h): 8
/// bytes, read like the container, changed through edit() or the forwarded modifiers. The decoder
/// interns what it reads, so that pods of one workload hold one copy of their labels,
/// annotations, tolerations, container ports, env, requests and limits.
using core::Shared;

/// metadata.ownerReferences[] (meta/v1 OwnerReference).
struct OwnerReference {
  InternedString api_version;         ///< "apps/v1"
  InternedString kind;                ///< "ReplicaSet"
  InternedString name;                ///< The owner's name (same namespace as the object).
  InternedString uid;                 ///< The owner's metadata.uid.
  bool controller = false;            ///< True for the managing controller (at most one).
  bool block_owner_deletion = false;  ///< Foreground deletion waits for this object.
};

/// meta/v1 ObjectMeta, minus managedFields, selfLink and the like.
struct ObjectMeta {  // NOLINT(bugprone-exception-escape): flat_map moves never throw
  InternedString name;
  InternedString namespace_name;  ///< metadata.namespace; "" for cluster-scoped objects.
  InternedString uid;
  InternedString resource_version;  ///< Opaque; compare for equality only.
  InternedString generate_name;
  int64_t generation = 0;   ///< Spec generation (workloads compare it to observedGeneration).
  Time creation_timestamp;  ///< Unset only for objects not yet stored.
  Time deletion_timestamp;  ///< Set once deletion was requested (the object is terminating).
  std::optional<int64_t> deletion_grace_period_seconds;
  Shared<StringMap> labels;
  /// Annotations, except kubectl.kubernetes.io/last-applied-configuration, which holds a copy
  /// of the whole object and is dropped while decoding to keep snapshots small.
  Shared<StringMap> annotations;
  List<OwnerReference> owner_references;
  List<InternedString> finalizers;
};

/// The owner reference with controller=true, or nullptr (metav1.GetControllerOf).
const OwnerReference* controllerOf(const ObjectMeta& meta) noexcept;

/// A status condition. One struct serves Pod, Node, Deployment, Job, PDB, PVC and the other
/// kinds' conditions: the fields they share. The timestamps only some kinds have (a node's
/// lastHeartbeatTime, a pod's or job's lastProbeTime, a deployment's lastUpdateTime) are not
/// kept: nothing reads them, and every cached pod would pay 24 bytes a condition for them.
struct Condition {
  InternedString type;    ///< "Ready", "PodScheduled", "MemoryPressure", "Available", ...
  InternedString status;  ///< "True", "False" or "Unknown".
  InternedString reason;
  InternedString message;
  Time last_transition_time;  ///< When status last changed.

  /// True when status is "True".
  bool isTrue() const noexcept { return status == "True"; }
};

/// The condition of `type` in `conditions`, or nullptr.
const Condition* findCondition(const List<Condition>& conditions, std::string_view type) noexcept;

/// core/v1 ObjectReference (Event.involvedObject / regarding, PV claimRef).
struct ObjectReference {
  InternedString kind;
  InternedString namespace_name;  ///< .namespace
  InternedString name;
  InternedString uid;
  InternedString api_version;
  InternedString resource_version;
  InternedString field_path;  ///< e.g. "spec.containers{app}" for container events.
};

/// meta/v1 LabelSelectorRequirement.
struct LabelSelectorRequirement {
  InternedString key;
  InternedString op;  ///< .operator: "In", "NotIn", "Exists" or "DoesNotExist".
  List<InternedString> values;
};

/// meta/v1 LabelSelector. An empty selector ({}) selects everything; a missing one is modelled
/// as std::nullopt where the API distinguishes the two.
struct LabelSelector {
  StringMap match_labels;
  List<LabelSelectorRequirement> match_expressions;
};

/// core/v1 NodeSelectorRequirement (matchExpressions on node labels, matchFields on node
/// fields such as metadata.name).
struct NodeSelectorRequirement {
  InternedString key;
  InternedString op;  ///< .operator: "In", "NotIn", "Exists", "DoesNotExist", "Gt" or "Lt".
  List<InternedString> values;
};

/// core/v1 NodeSelectorTerm: the requirements are ANDed.
struct NodeSelectorTerm {
  List<NodeSelectorRequirement> match_expressions;
  List<NodeSelectorRequirement> match_fields;
};

/// core/v1 NodeSelector: the terms are ORed.
struct NodeSelector {
  List<NodeSelectorTerm> node_selector_terms;
};

/// util/intstr IntOrString ("maxUnavailable": 1 or "25%").
struct IntOrString {
  bool is_string = false;
  int32_t int_value = 0;        ///< When !is_string.
  InternedString string_value;  ///< When is_string, e.g. "25%".

  /// The value against `total` like intstr.GetScaledValueFromIntOrPercent: an int as is, a
  /// percentage of `total` rounded up or down. Throws Error(kBadInput) for a string that is not
  /// "<int>%".
  int32_t scaledValue(int32_t total, bool round_up) const;
};

/// One page of a list response: `items` plus the list's metadata.resourceVersion (to start a
/// watch from) and metadata.continue (non-empty when more pages remain).
template <class T>
struct ObjectList {
  std::vector<T> items;
  std::string resource_version;
  std::string continue_token;
};

}  // namespace keelson::kube
