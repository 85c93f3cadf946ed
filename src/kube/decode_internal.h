#pragma once

// Internal to the decoders (decode*.cpp): simdjson On-Demand helpers and the per-kind decoder
// entry points. Not part of the public API; include kube/decode.h instead.
//
// Every helper takes an ondemand::value and either consumes it or leaves it to be skipped.
// JSON null is treated like an absent field (the default stays). Failures throw DecodeFailure,
// which records the JSON path while it unwinds through forEachField / forEachElement;
// decode.cpp turns it into Error(kBadInput).

#include <simdjson.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/event.h"
#include "kube/metrics.h"
#include "kube/node.h"
#include "kube/objects.h"
#include "kube/pod.h"
#include "kube/stats_summary.h"
#include "kube/storage.h"
#include "kube/workloads.h"

namespace keelson::kube::detail {

namespace od = simdjson::ondemand;

/// This thread's On-Demand parser, shared by every decoder and the list-metadata reader of
/// client.cpp (one set of buffers per thread, sized for the largest document it parsed; see
/// releaseDecodeBuffers). One document at a time: a document it iterates must be finished
/// before the next iterate().
od::parser& threadParser();

/// A decoding failure in flight: what went wrong and where (".items[3].spec", built on unwind).
struct DecodeFailure {
  std::string message;
  std::string path;
  bool malformed_json = false;  ///< simdjson reported a syntax or structure error.
};

/// Throws DecodeFailure{message}.
[[noreturn]] void fail(std::string message);

/// Throws for a simdjson error `ec` met while reading `value`, which should have been
/// `expected` ("a string", "an object", ...): "expected a string, got number" for a type
/// mismatch, simdjson's message (marked malformed) otherwise.
[[noreturn]] void failRead(simdjson::error_code ec, od::value& value, std::string_view expected);

/// Throws for a simdjson error that is not about one value (iteration, keys).
[[noreturn]] void failJson(simdjson::error_code ec);

/// True when `value` is JSON null (does not consume anything else).
bool isNull(od::value& value);

/// Prefixes a path segment onto `failure` (".key" or "[index]").
void prependField(DecodeFailure& failure, std::string_view key);
void prependIndex(DecodeFailure& failure, std::size_t index);

/// Calls fn(key, value) for each field of the object `value`; nothing for null. Throws if it is
/// neither. Fields fn does not consume are skipped.
template <class F>
void forEachField(od::value value, F&& fn) {
  od::object object;
  if (auto ec = value.get_object().get(object)) {
    if (isNull(value)) return;
    failRead(ec, value, "an object");
  }
  for (auto result : object) {
    od::field field;
    if (auto ec = std::move(result).get(field)) failJson(ec);
    std::string_view key;
    if (auto ec = field.unescaped_key().get(key)) failJson(ec);
    try {
      fn(key, od::value(std::move(field).value()));
    } catch (DecodeFailure& failure) {
      prependField(failure, key);
      throw;
    }
  }
}

/// Calls fn(element) for each element of the array `value`; nothing for null.
template <class F>
void forEachElement(od::value value, F&& fn) {
  od::array array;
  if (auto ec = value.get_array().get(array)) {
    if (isNull(value)) return;
    failRead(ec, value, "an array");
  }
  std::size_t index = 0;
  for (auto result : array) {
    od::value element;
    if (auto ec = std::move(result).get(element)) failJson(ec);
    try {
      fn(element);
    } catch (DecodeFailure& failure) {
      prependIndex(failure, index);
      throw;
    }
    ++index;
  }
}

/// Releases the growth slack of a vector filled element by element (cached objects keep their
/// vectors for their lifetime, so capacity beyond size is memory held for nothing).
template <class Vector>
void fitCapacity(Vector& out) {
  if (out.capacity() != out.size()) out.shrink_to_fit();
}

/// Appends one element per array element, filled by decode(element_value, element); the vector
/// (a std::vector or a List) holds no spare capacity afterwards.
template <class Vector, class F>
void readArray(od::value value, Vector& out, F&& decode) {
  forEachElement(value, [&](od::value element) { decode(element, out.emplace_back()); });
  fitCapacity(out);
}

/// readArray into a Shared field: the decoded List, interned (equal lists share one copy).
template <class Vector, class F>
void readArray(od::value value, Shared<Vector>& out, F&& decode) {
  Vector decoded;
  readArray(value, decoded, std::forward<F>(decode));
  out = Shared<Vector>::intern(std::move(decoded));
}

/// Fills `out` (a std::optional or core::Boxed) with decode(value, *out), or resets it for null.
template <class Optional, class F>
void readOptional(od::value value, Optional& out, F&& decode) {
  if (isNull(value)) {
    out.reset();
    return;
  }
  decode(value, out.emplace());
}

// Scalars and common maps. null leaves the default.
void read(od::value value, std::string& out);
void read(od::value value, InternedString& out);
void read(od::value value, std::optional<std::string>& out);  ///< null → nullopt
void read(od::value value, bool& out);
void read(od::value value, int32_t& out);  ///< Range-checked.
void read(od::value value, int64_t& out);
void read(od::value value, std::optional<int32_t>& out);
void read(od::value value, std::optional<int64_t>& out);
void read(od::value value, core::Quantity& out);  ///< A string ("100m") or a JSON number.
void read(od::value value, Time& out);            ///< RFC 3339.
void read(od::value value, StringMap& out);
void read(od::value value, ResourceList& out);
void read(od::value value, IntOrString& out);
/// A map read like its container, interned (equal maps share one copy).
template <class Map>
void read(od::value value, Shared<Map>& out) {
  Map decoded;
  read(value, decoded);
  out = Shared<Map>::intern(std::move(decoded));
}

/// An array of strings, into a std::vector or a List of std::string or InternedString elements.
template <class Vector>
requires std::same_as<typename Vector::value_type, std::string> ||
    std::same_as<typename Vector::value_type, InternedString>
void read(od::value value, Vector& out) {
  readArray(value, out,
            [](od::value element, typename Vector::value_type& text) { read(element, text); });
}

/// Throws unless the string `value` equals `kind` ("kind" of an object).
void expectKind(od::value value, std::string_view kind);

// Shared struct decoders (decode_meta.cpp).
void decodeObjectMeta(od::value value, ObjectMeta& out);
void decodeCondition(od::value value, Condition& out);
void decodeObjectReference(od::value value, ObjectReference& out);
void decodeLabelSelector(od::value value, LabelSelector& out);
void decodeNodeSelector(od::value value, NodeSelector& out);
void decodeNodeSelectorTerm(od::value value, NodeSelectorTerm& out);

/// What decodeVolumeSource extracts from a volume source object (pod volumes, PV sources).
struct VolumeSourceInfo {
  InternedString reference;  ///< claimName, name, secretName, driver, path or "server:path".
  bool read_only = false;
  InternedString medium;
  core::Quantity size_limit;
};
void decodeVolumeSource(od::value value, VolumeSourceInfo& out);

// One decoder per Decodable kind (decode_<area>.cpp); each checks "kind" when present.
void decode(od::value value, Pod& out);
void decode(od::value value, Node& out);
void decode(od::value value, Namespace& out);
void decode(od::value value, Event& out);
void decode(od::value value, Deployment& out);
void decode(od::value value, ReplicaSet& out);
void decode(od::value value, StatefulSet& out);
void decode(od::value value, DaemonSet& out);
void decode(od::value value, Job& out);
void decode(od::value value, PodDisruptionBudget& out);
void decode(od::value value, PersistentVolume& out);
void decode(od::value value, PersistentVolumeClaim& out);
void decode(od::value value, StorageClass& out);
void decode(od::value value, NodeMetrics& out);
void decode(od::value value, PodMetrics& out);
void decode(od::value value, StatsSummary& out);

}  // namespace keelson::kube::detail
