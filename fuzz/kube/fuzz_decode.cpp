// The API JSON decoders on arbitrary bytes: each call either returns or throws keelson::Error.
// Built as one target per kind with KEELSON_FUZZ_KIND (e.g. Pod: decodeList and decodeObject
// of that kind), or without it as fuzz_decode_objects, where the first byte picks the kind.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/error.h"
#include "kube/decode.h"
#include "kube/event.h"
#include "kube/metrics.h"
#include "kube/node.h"
#include "kube/pod.h"
#include "kube/resources.h"
#include "kube/storage.h"
#include "kube/workloads.h"

namespace {

using namespace keelson::kube;  // NOLINT(google-build-using-namespace)

template <class T>
void touch(const T& object) {
  // The requests rule sums decoded quantities; an overflow must surface as Error too.
  if constexpr (std::is_same_v<T, Pod>) {
    (void)podRequests(object);
    (void)podLimits(object);
  }
}

template <class T>
void fuzzKind(std::string_view json) {
  try {
    for (const T& item : decodeList<T>(json).items) touch(item);
  } catch (const keelson::Error&) {
  }
  try {
    touch(decodeObject<T>(json));
  } catch (const keelson::Error&) {
  }
  // The in-place path must behave the same on a buffer with spare capacity.
  std::string padded;
  padded.reserve(json.size() + kJsonPadding);
  padded.assign(json);
  try {
    (void)decodeList<T>(PaddedJson(padded));
  } catch (const keelson::Error&) {
  }
}

using AllKinds = std::tuple<Pod, Node, Namespace, Event, Deployment, ReplicaSet, StatefulSet,
                            DaemonSet, Job, PodDisruptionBudget, PersistentVolume,
                            PersistentVolumeClaim, StorageClass, NodeMetrics, PodMetrics>;

template <std::size_t... I>
void fuzzNth(std::size_t n, std::string_view json, std::index_sequence<I...>) {
  ((n == I ? fuzzKind<std::tuple_element_t<I, AllKinds>>(json) : void()), ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
#ifdef KEELSON_FUZZ_KIND
  fuzzKind<KEELSON_FUZZ_KIND>(json);
#else
  if (json.empty()) return 0;
  const std::size_t kind = static_cast<unsigned char>(json[0]) % std::tuple_size_v<AllKinds>;
  json.remove_prefix(1);
  fuzzNth(kind, json, std::make_index_sequence<std::tuple_size_v<AllKinds>>{});
#endif
  return 0;
}
