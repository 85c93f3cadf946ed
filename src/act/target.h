#pragma once

// The objects the verbs act on, named as kubectl names them on the command line (KIND/NAME with
// kubectl's short names: node/no, pod/po, deployment/deploy, statefulset/sts, replicaset/rs,
// daemonset/ds; plural and `.apps` forms too, case-insensitive) and printed back
// ("deployment.apps/web").

#include <string>
#include <string_view>
#include <vector>

namespace keelson::act {

/// One kind of object the actuator knows: where it lives in the API.
struct Kind {
  std::string kind;      ///< "Deployment"
  std::string resource;  ///< "deployments"
  std::string group;     ///< "apps"; "" for the core group.
  bool namespaced = true;

  /// kubectl's printed name: "deployment.apps", "node", "pod".
  std::string displayName() const;
  /// The collection's API path prefix: "/apis/apps/v1" or "/api/v1".
  std::string apiPrefix() const;
};

/// An object: its kind, namespace ("" for nodes) and name.
struct ObjectRef {
  Kind kind;
  std::string namespace_name;
  std::string name;

  /// The object's API path: "/apis/apps/v1/namespaces/shop/deployments/web", "/api/v1/nodes/n1".
  std::string path() const;
  /// kubectl's "deployment.apps/web".
  std::string display() const;
};

/// The kinds a verb accepts.
enum class KindSet {
  kAny,          ///< node, pod and the four workload kinds (label).
  kWorkloads,    ///< deployment, statefulset, replicaset, daemonset (set resources).
  kScalable,     ///< deployment, statefulset, replicaset (the /scale subresource).
  kRestartable,  ///< deployment, statefulset, daemonset (rollout restart).
};

/// Parses "KIND/NAME" for a verb that accepts `allowed`; a namespaced kind gets
/// `namespace_name`. Throws Error(kBadInput) naming the text and what is expected: a missing
/// "/", an unknown kind, a kind this verb does not take (listing the ones it does), or an
/// invalid name.
ObjectRef parseObjectRef(std::string_view text, KindSet allowed, const std::string& namespace_name);

/// The Node kind (cordon, drain) and the Pod kind (evict, restart pod).
Kind nodeKind();
Kind podKind();

}  // namespace keelson::act
