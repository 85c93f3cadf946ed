#pragma once

// Decoding API JSON into the typed views (pod.h, node.h, event.h, workloads.h, storage.h,
// metrics.h) with simdjson's On-Demand parser.
//
// Unknown fields are ignored, missing or null optional fields get their defaults, and a
// "kind" that is present must match (e.g. "PodList" or "List" for decodeList<Pod>). Malformed
// JSON, a wrong JSON type or a bad value (quantity, timestamp, int32 overflow) throws
// Error(kBadInput) naming the kind, the JSON path and what was expected:
//   decode PodList: .items[3].spec.containers[0].resources.requests.cpu: quantity "12x": ...
// On-Demand only validates what it reads: syntax errors inside skipped (unknown) fields may go
// unnoticed, as with any lazy parser.
//
// Input and copies: simdjson reads up to kJsonPadding bytes past the end of a document. The
// std::string_view overloads copy the document once into a reused per-thread padded buffer; the
// PaddedJson overloads parse the caller's buffer in place (no copy).
//
// Thread-safety: every function is safe to call from any number of threads (the parser and
// buffer are thread_local; each thread keeps capacity for the largest document it decoded,
// about six times its size, until releaseDecodeBuffers()).

#include <cassert>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

#include "kube/objects.h"

namespace keelson::kube {

struct Pod;
struct Node;
struct Namespace;
struct Event;
struct Deployment;
struct ReplicaSet;
struct StatefulSet;
struct DaemonSet;
struct Job;
struct PodDisruptionBudget;
struct PersistentVolume;
struct PersistentVolumeClaim;
struct StorageClass;
struct NodeMetrics;
struct PodMetrics;
struct StatsSummary;

/// The typed views decodeObject / decodeList produce.
template <class T>
concept Decodable = std::same_as<T, Pod> || std::same_as<T, Node> || std::same_as<T, Namespace> ||
    std::same_as<T, Event> || std::same_as<T, Deployment> || std::same_as<T, ReplicaSet> ||
    std::same_as<T, StatefulSet> || std::same_as<T, DaemonSet> || std::same_as<T, Job> ||
    std::same_as<T, PodDisruptionBudget> || std::same_as<T, PersistentVolume> ||
    std::same_as<T, PersistentVolumeClaim> || std::same_as<T, StorageClass> ||
    std::same_as<T, NodeMetrics> || std::same_as<T, PodMetrics> || std::same_as<T, StatsSummary>;

/// Bytes simdjson may read past the end of a document (SIMDJSON_PADDING). Their content does
/// not matter; they only have to be readable.
inline constexpr std::size_t kJsonPadding = 64;

/// A JSON document followed by at least kJsonPadding readable bytes, which the decoders parse
/// in place. Holds a view: the buffer must outlive it and stay unchanged while decoding.
class PaddedJson {
 public:
  /// Views `body`, first reserving kJsonPadding spare bytes of capacity if it lacks them (which
  /// may reallocate, i.e. copy once). To avoid that, reserve size + kJsonPadding before filling
  /// the body (e.g. from Content-Length).
  explicit PaddedJson(std::string& body) {
    if (body.capacity() - body.size() < kJsonPadding) body.reserve(body.size() + kJsonPadding);
    json_ = body;
    capacity_ = body.capacity();
  }

  /// Views `json`, whose buffer has `capacity` readable bytes from json.data();
  /// requires capacity >= json.size() + kJsonPadding.
  PaddedJson(std::string_view json, std::size_t capacity) noexcept
      : json_(json), capacity_(capacity) {
    assert(capacity >= json.size() + kJsonPadding);
  }

  /// The document.
  std::string_view json() const noexcept { return json_; }

  /// Readable bytes from json().data(), padding included.
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::string_view json_;
  std::size_t capacity_ = 0;
};

/// Decodes one object, e.g. the body of GET /api/v1/namespaces/{ns}/pods/{name}.
/// Throws Error(kBadInput) as described at the top of this file.
template <Decodable T>
T decodeObject(std::string_view json);

/// decodeObject on a padded buffer, without copying it.
template <Decodable T>
T decodeObject(PaddedJson json);

/// Decodes a list response, e.g. the body of GET /api/v1/pods: the items plus
/// metadata.resourceVersion and metadata.continue. Throws Error(kBadInput).
template <Decodable T>
ObjectList<T> decodeList(std::string_view json);

/// decodeList on a padded buffer, without copying it. E.g. a Client::listPages page (followed
/// by SIMDJSON_PADDING readable bytes):
///   decodeList<Pod>(PaddedJson(page_json, page_json.size() + kJsonPadding))
template <Decodable T>
ObjectList<T> decodeList(PaddedJson json);

/// Frees the calling thread's parser and padded buffer, which keep the capacity of the largest
/// document it decoded (a 500-pod list page: about 15 MB), including the list metadata
/// Client::listPages reads. For a thread that decoded a large listing and will not decode again
/// for a while (`keelson monitor` between ticks); the next decode allocates them again.
void releaseDecodeBuffers();

}  // namespace keelson::kube
