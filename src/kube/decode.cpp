#include "kube/decode.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "kube/decode_internal.h"

namespace keelson::kube {
namespace {

namespace od = detail::od;

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

// The name a kind has in "kind" and in error messages.
template <class T>
constexpr std::string_view kKindName = "";
template <>
constexpr std::string_view kKindName<Pod> = "Pod";
template <>
constexpr std::string_view kKindName<Node> = "Node";
template <>
constexpr std::string_view kKindName<Namespace> = "Namespace";
template <>
constexpr std::string_view kKindName<Event> = "Event";
template <>
constexpr std::string_view kKindName<Deployment> = "Deployment";
template <>
constexpr std::string_view kKindName<ReplicaSet> = "ReplicaSet";
template <>
constexpr std::string_view kKindName<StatefulSet> = "StatefulSet";
template <>
constexpr std::string_view kKindName<DaemonSet> = "DaemonSet";
template <>
constexpr std::string_view kKindName<Job> = "Job";
template <>
constexpr std::string_view kKindName<PodDisruptionBudget> = "PodDisruptionBudget";
template <>
constexpr std::string_view kKindName<PersistentVolume> = "PersistentVolume";
template <>
constexpr std::string_view kKindName<PersistentVolumeClaim> = "PersistentVolumeClaim";
template <>
constexpr std::string_view kKindName<StorageClass> = "StorageClass";
template <>
constexpr std::string_view kKindName<NodeMetrics> = "NodeMetrics";
template <>
constexpr std::string_view kKindName<PodMetrics> = "PodMetrics";
template <>
constexpr std::string_view kKindName<StatsSummary> = "Summary";

// This thread's padded copy of the document being decoded (grown as needed, then reused).
struct PaddedBuffer {
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;
};
thread_local PaddedBuffer padded_buffer;

// Copies `json` into this thread's padded buffer.
simdjson::padded_string_view padded(std::string_view json) {
  auto& [buffer, capacity] = padded_buffer;
  const std::size_t needed = json.size() + kJsonPadding;
  if (capacity < needed) {
    buffer = std::make_unique_for_overwrite<char[]>(needed);
    capacity = needed;
  }
  if (!json.empty()) std::memcpy(buffer.get(), json.data(), json.size());
  std::memset(buffer.get() + json.size(), 0, kJsonPadding);
  return simdjson::padded_string_view(buffer.get(), json.size(), capacity);
}

simdjson::padded_string_view padded(PaddedJson json) {
  return simdjson::padded_string_view(json.json().data(), json.json().size(), json.capacity());
}

[[noreturn]] void throwDecodeError(std::string_view what, const detail::DecodeFailure& failure,
                                   od::document& doc, std::string_view json) {
  std::string location;
  const char* at = nullptr;
  if (failure.malformed_json && !doc.current_location().get(at) && at >= json.data() &&
      at <= json.data() + json.size()) {
    location = fmt::format(" (near byte {})", at - json.data());
  }
  throw Error(ErrorCode::kBadInput,
              fmt::format("decode {}: {}{}{}{}", what, failure.path,
                          failure.path.empty() ? "" : ": ", failure.message, location));
}

// Parses `json` and hands the root object to fn; turns every failure into Error(kBadInput)
// naming `what` ("PodList").
template <class Fn>
auto decodeDocument(simdjson::padded_string_view json, std::string_view what, Fn&& fn) {
  od::document doc;
  if (auto ec = detail::threadParser().iterate(json).get(doc)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("decode {}: malformed JSON: {}", what, simdjson::error_message(ec)));
  }
  try {
    od::value root;
    if (auto ec = doc.get_value().get(root)) {
      if (ec == simdjson::SCALAR_DOCUMENT_AS_VALUE) detail::fail("expected a JSON object");
      detail::failJson(ec);
    }
    od::json_type type{};
    if (auto ec = root.type().get(type)) detail::failJson(ec);
    if (type != od::json_type::object) {
      detail::failRead(simdjson::INCORRECT_TYPE, root, "a JSON object");
    }
    auto result = fn(od::value(root));
    // The On-Demand iterator stops at the end of the root; anything after it is an error.
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) detail::fail("unexpected content after the document");
    return result;
  } catch (const detail::DecodeFailure& failure) {
    throwDecodeError(what, failure, doc, json);
  }
}

template <class T>
T objectFrom(simdjson::padded_string_view json) {
  return decodeDocument(json, kKindName<T>, [](od::value root) {
    T object;
    detail::decode(root, object);
    return object;
  });
}

template <class T>
ObjectList<T> listFrom(simdjson::padded_string_view json) {
  const std::string list_kind = fmt::format("{}List", kKindName<T>);
  return decodeDocument(json, list_kind, [&](od::value root) {
    ObjectList<T> list;
    detail::forEachField(root, [&](std::string_view key, od::value field) {
      if (key == "items") {
        return detail::readArray(field, list.items,
                                 [](od::value item, T& out) { detail::decode(item, out); });
      }
      if (key == "metadata") {
        return detail::forEachField(field, [&](std::string_view name, od::value v) {
          if (name == "resourceVersion") return detail::read(v, list.resource_version);
          if (name == "continue") return detail::read(v, list.continue_token);
        });
      }
      if (key == "kind") {
        std::string kind;
        detail::read(field, kind);
        if (kind != list_kind && kind != "List") {
          detail::fail(fmt::format("expected kind \"{}\", got \"{}\"", list_kind, kind));
        }
      }
    });
    return list;
  });
}

}  // namespace

namespace detail {

od::parser& threadParser() {
  thread_local od::parser parser;
  return parser;
}

}  // namespace detail

void releaseDecodeBuffers() {
  detail::threadParser() = od::parser{};
  padded_buffer = PaddedBuffer{};
}

template <Decodable T>
T decodeObject(std::string_view json) {
  return objectFrom<T>(padded(json));
}

template <Decodable T>
T decodeObject(PaddedJson json) {
  return objectFrom<T>(padded(json));
}

template <Decodable T>
ObjectList<T> decodeList(std::string_view json) {
  return listFrom<T>(padded(json));
}

template <Decodable T>
ObjectList<T> decodeList(PaddedJson json) {
  return listFrom<T>(padded(json));
}

// The decoders exist for exactly the Decodable kinds.
#define KEELSON_INSTANTIATE_DECODERS(T)                   \
  template T decodeObject<T>(std::string_view);           \
  template T decodeObject<T>(PaddedJson);                 \
  template ObjectList<T> decodeList<T>(std::string_view); \
  template ObjectList<T> decodeList<T>(PaddedJson);

KEELSON_INSTANTIATE_DECODERS(Pod)
KEELSON_INSTANTIATE_DECODERS(Node)
KEELSON_INSTANTIATE_DECODERS(Namespace)
KEELSON_INSTANTIATE_DECODERS(Event)
KEELSON_INSTANTIATE_DECODERS(Deployment)
KEELSON_INSTANTIATE_DECODERS(ReplicaSet)
KEELSON_INSTANTIATE_DECODERS(StatefulSet)
KEELSON_INSTANTIATE_DECODERS(DaemonSet)
KEELSON_INSTANTIATE_DECODERS(Job)
KEELSON_INSTANTIATE_DECODERS(PodDisruptionBudget)
KEELSON_INSTANTIATE_DECODERS(PersistentVolume)
KEELSON_INSTANTIATE_DECODERS(PersistentVolumeClaim)
KEELSON_INSTANTIATE_DECODERS(StorageClass)
KEELSON_INSTANTIATE_DECODERS(NodeMetrics)
KEELSON_INSTANTIATE_DECODERS(PodMetrics)
KEELSON_INSTANTIATE_DECODERS(StatsSummary)

#undef KEELSON_INSTANTIATE_DECODERS

}  // namespace keelson::kube
