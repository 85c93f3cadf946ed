#pragma once

// The write verbs of the Kubernetes API over a Client: patch, update (PUT), delete, and the
// subresources the actuator uses (pods/eviction, */scale). Each takes the query parameters every
// kubectl write carries (dryRun=All, fieldManager) and throws ApiError for a non-2xx answer
// (kube/api_error.h), so a 409, 429 or 403 reaches the caller with its Status and causes.
//
// Thread-safety: free functions over a thread-safe Client.

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "kube/client.h"

namespace keelson::kube {

/// Query parameters of a write (the API conventions' CreateOptions/PatchOptions/UpdateOptions).
struct WriteParams {
  bool dry_run = false;       ///< dryRun=All: admission and validation run, nothing persists.
  std::string field_manager;  ///< fieldManager; "" leaves it to the server.
};

/// `path` with the query parameters of `params` appended ("?dryRun=All&fieldManager=keelson").
std::string writePath(std::string_view path, const WriteParams& params);

/// The patch formats the API server accepts, by Content-Type.
enum class PatchType {
  kMerge,           ///< application/merge-patch+json (RFC 7386).
  kStrategicMerge,  ///< application/strategic-merge-patch+json (lists merged by key, e.g. name).
  kJson,            ///< application/json-patch+json (RFC 6902).
};

/// PATCHes the object at `path` (no query) and returns the object the server answered with.
/// Sent once (a PATCH is not idempotent). Throws ApiError for a non-2xx answer, Error
/// (kUnavailable/kTimeout) when the server cannot be reached.
std::string patch(const Client& client, std::string_view path, PatchType type,
                  std::string_view body, const WriteParams& params, std::stop_token stop = {});

/// PUTs `body` to `path` (no query), e.g. a Scale with metadata.resourceVersion set, and returns
/// the server's object. A stale resourceVersion is ApiError kConflict (409). Throws like patch().
std::string update(const Client& client, std::string_view path, std::string_view body,
                   const WriteParams& params, std::stop_token stop = {});

/// POSTs `body` to the collection or subresource at `path` (no query), e.g. a Pod to
/// /api/v1/namespaces/NS/pods, and returns the server's answer. Sent once. An object that exists
/// is ApiError kConflict (409, AlreadyExists). Throws like patch().
std::string create(const Client& client, std::string_view path, std::string_view body,
                   const WriteParams& params, std::stop_token stop = {});

/// The pod to bind and where: a Binding's metadata and target.
struct BindingTarget {
  std::string namespace_name;
  std::string name;
  std::string uid;  ///< metadata.uid: binds only this incarnation; "" binds any.
  std::string node;
};

/// Binds a pod to a node as a scheduler does: POST /api/v1/namespaces/NS/pods/NAME/binding with
/// a core/v1 Binding. Sent once. A pod already bound is ApiError kConflict (409), a pod gone (or
/// of another uid) kNotFound/kConflict. Throws like patch().
void bindPod(const Client& client, const BindingTarget& binding, const WriteParams& params,
             std::stop_token stop = {});

/// metav1.DeleteOptions as a delete or an eviction carries them.
struct DeleteOptions {
  /// gracePeriodSeconds; nullopt: the pod's own terminationGracePeriodSeconds.
  std::optional<std::int64_t> grace_period_seconds;
  bool dry_run = false;          ///< dryRun: ["All"].
  std::string precondition_uid;  ///< preconditions.uid: delete only this incarnation.
};

/// The DeleteOptions JSON object ({"kind":"DeleteOptions","apiVersion":"v1",...}).
std::string deleteOptionsJson(const DeleteOptions& options);

/// DELETEs the object at `path` with `options` in the body and returns the server's answer (the
/// object marked for deletion, or a Status). Throws like patch() (404: ApiError kNotFound).
std::string remove(const Client& client, std::string_view path, const DeleteOptions& options,
                   std::stop_token stop = {});

/// Evicts pod `namespace_name`/`name`: POST /api/v1/namespaces/NS/pods/NAME/eviction with a
/// policy/v1 Eviction carrying `options`. Sent once; the caller decides about retries. Refusals
/// are ApiError: 429 TooManyRequests when a PodDisruptionBudget forbids it (causes() has a
/// "DisruptionBudget" cause naming it), 500 when several PDBs match the pod, 404 when the pod is
/// gone, 403 in a terminating namespace (cause "NamespaceTerminating").
void evict(const Client& client, std::string_view namespace_name, std::string_view name,
           const DeleteOptions& options, std::stop_token stop = {});

}  // namespace keelson::kube
