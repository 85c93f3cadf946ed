// Shared decoding: scalars, maps, ObjectMeta, conditions, references, selectors, volume sources.
#include <fmt/format.h>

#include <limits>
#include <string>
#include <string_view>

#include "core/error.h"
#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

std::string_view typeName(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "array";
    case od::json_type::object:
      return "object";
    case od::json_type::number:
      return "number";
    case od::json_type::string:
      return "string";
    case od::json_type::boolean:
      return "boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

std::string_view trimSpace(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// The string, or nullopt for null; throws for other types.
std::optional<std::string_view> stringOrNull(od::value& value) {
  std::string_view s;
  if (auto ec = value.get_string().get(s)) {
    if (isNull(value)) return std::nullopt;
    failRead(ec, value, "a string");
  }
  return s;
}

void decodeOwnerReference(od::value value, OwnerReference& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "apiVersion") return read(field, out.api_version);
    if (key == "kind") return read(field, out.kind);
    if (key == "name") return read(field, out.name);
    if (key == "uid") return read(field, out.uid);
    if (key == "controller") return read(field, out.controller);
    if (key == "blockOwnerDeletion") return read(field, out.block_owner_deletion);
  });
}

void decodeLabelSelectorRequirement(od::value value, LabelSelectorRequirement& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "key") return read(field, out.key);
    if (key == "operator") return read(field, out.op);
    if (key == "values") return read(field, out.values);
  });
}

void decodeNodeSelectorRequirement(od::value value, NodeSelectorRequirement& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "key") return read(field, out.key);
    if (key == "operator") return read(field, out.op);
    if (key == "values") return read(field, out.values);
  });
}

}  // namespace

void fail(std::string message) { throw DecodeFailure{std::move(message), {}, false}; }

void failJson(simdjson::error_code ec) {
  throw DecodeFailure{simdjson::error_message(ec), {}, true};
}

void failRead(simdjson::error_code ec, od::value& value, std::string_view expected) {
  if (ec == simdjson::INCORRECT_TYPE) {
    od::json_type type{};
    if (!value.type().get(type)) fail(fmt::format("expected {}, got {}", expected, typeName(type)));
  }
  if (ec == simdjson::NUMBER_OUT_OF_RANGE || ec == simdjson::NUMBER_ERROR ||
      ec == simdjson::INCORRECT_TYPE) {
    fail(fmt::format("expected {}: {}", expected, simdjson::error_message(ec)));
  }
  failJson(ec);
}

bool isNull(od::value& value) {
  bool null = false;
  return !value.is_null().get(null) && null;
}

void prependField(DecodeFailure& failure, std::string_view key) {
  failure.path.insert(0, fmt::format(".{}", key));
}

void prependIndex(DecodeFailure& failure, std::size_t index) {
  failure.path.insert(0, fmt::format("[{}]", index));
}

void read(od::value value, std::string& out) {
  if (auto s = stringOrNull(value)) out.assign(s->data(), s->size());
}

void read(od::value value, InternedString& out) {
  if (auto s = stringOrNull(value)) out = InternedString(*s);
}

void read(od::value value, std::optional<std::string>& out) {
  if (auto s = stringOrNull(value)) {
    out.emplace(*s);
  } else {
    out.reset();
  }
}

void read(od::value value, bool& out) {
  if (auto ec = value.get_bool().get(out)) {
    if (isNull(value)) return;
    failRead(ec, value, "a boolean");
  }
}

void read(od::value value, int64_t& out) {
  if (auto ec = value.get_int64().get(out)) {
    if (isNull(value)) return;
    failRead(ec, value, "an integer");
  }
}

void read(od::value value, int32_t& out) {
  int64_t wide = out;
  read(value, wide);
  if (wide < std::numeric_limits<int32_t>::min() || wide > std::numeric_limits<int32_t>::max()) {
    fail(fmt::format("integer {} out of int32 range", wide));
  }
  out = static_cast<int32_t>(wide);
}

void read(od::value value, std::optional<int32_t>& out) {
  if (isNull(value)) return out.reset();
  read(value, out.emplace());
}

void read(od::value value, std::optional<int64_t>& out) {
  if (isNull(value)) return out.reset();
  read(value, out.emplace());
}

void read(od::value value, core::Quantity& out) {
  // Quantities are JSON strings; Quantity.UnmarshalJSON also takes bare numbers and trims
  // spaces.
  std::string_view text;
  if (auto ec = value.get_string().get(text)) {
    od::json_type type{};
    if (auto type_ec = value.type().get(type)) failJson(type_ec);
    if (type == od::json_type::null) {
      out = {};
      return;
    }
    if (type != od::json_type::number) failRead(ec, value, "a quantity string");
    text = value.raw_json_token();
  }
  try {
    out = core::Quantity::parse(trimSpace(text));
  } catch (const Error& e) {
    fail(e.what());
  }
}

void read(od::value value, Time& out) {
  const auto s = stringOrNull(value);
  if (!s || s->empty()) return;  // null, or "" from some older writers
  try {
    out = parseTime(*s);
  } catch (const Error& e) {
    fail(e.what());
  }
}

void read(od::value value, StringMap& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    // The apiserver writes map keys sorted, so hinting at the end inserts in O(1).
    auto it = out.try_emplace(out.end(), InternedString(key));
    read(field, it->second);
  });
  out.shrink_to_fit();
}

void read(od::value value, ResourceList& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    auto it = out.try_emplace(out.end(), InternedString(key));
    read(field, it->second);
  });
  out.shrink_to_fit();
}

void read(od::value value, IntOrString& out) {
  int64_t number = 0;
  if (!value.get_int64().get(number)) {
    if (number < std::numeric_limits<int32_t>::min() ||
        number > std::numeric_limits<int32_t>::max()) {
      fail(fmt::format("integer {} out of int32 range", number));
    }
    out = IntOrString{false, static_cast<int32_t>(number), {}};
    return;
  }
  std::string_view text;
  if (auto ec = value.get_string().get(text)) {
    if (isNull(value)) return;
    failRead(ec, value, "an integer or a string");
  }
  out = IntOrString{true, 0, std::string(text)};
}

void expectKind(od::value value, std::string_view kind) {
  std::string_view actual;
  if (auto ec = value.get_string().get(actual)) failRead(ec, value, "a string");
  if (actual != kind) fail(fmt::format("expected kind \"{}\", got \"{}\"", kind, actual));
}

void decodeObjectMeta(od::value value, ObjectMeta& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    if (key == "namespace") return read(field, out.namespace_name);
    if (key == "uid") return read(field, out.uid);
    if (key == "resourceVersion") return read(field, out.resource_version);
    if (key == "generateName") return read(field, out.generate_name);
    if (key == "generation") return read(field, out.generation);
    if (key == "creationTimestamp") return read(field, out.creation_timestamp);
    if (key == "deletionTimestamp") return read(field, out.deletion_timestamp);
    if (key == "deletionGracePeriodSeconds") return read(field, out.deletion_grace_period_seconds);
    if (key == "labels") return read(field, out.labels);
    if (key == "annotations") {
      StringMap annotations;
      forEachField(field, [&](std::string_view name, od::value annotation) {
        if (name == kLastApplied) return;  // a full copy of the object; skipped unread
        auto it = annotations.try_emplace(annotations.end(), InternedString(name));
        read(annotation, it->second);
      });
      annotations.shrink_to_fit();
      out.annotations = Shared<StringMap>::intern(std::move(annotations));
      return;
    }
    if (key == "ownerReferences")
      return readArray(field, out.owner_references, decodeOwnerReference);
    if (key == "finalizers") return read(field, out.finalizers);
    // managedFields, selfLink and the rest are skipped without being read.
  });
}

void decodeCondition(od::value value, Condition& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "type") return read(field, out.type);
    if (key == "status") return read(field, out.status);
    if (key == "reason") return read(field, out.reason);
    if (key == "message") return read(field, out.message);
    if (key == "lastTransitionTime") return read(field, out.last_transition_time);
  });
}

void decodeObjectReference(od::value value, ObjectReference& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "kind") return read(field, out.kind);
    if (key == "namespace") return read(field, out.namespace_name);
    if (key == "name") return read(field, out.name);
    if (key == "uid") return read(field, out.uid);
    if (key == "apiVersion") return read(field, out.api_version);
    if (key == "resourceVersion") return read(field, out.resource_version);
    if (key == "fieldPath") return read(field, out.field_path);
  });
}

void decodeLabelSelector(od::value value, LabelSelector& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "matchLabels") return read(field, out.match_labels);
    if (key == "matchExpressions") {
      return readArray(field, out.match_expressions, decodeLabelSelectorRequirement);
    }
  });
}

void decodeNodeSelectorTerm(od::value value, NodeSelectorTerm& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "matchExpressions") {
      return readArray(field, out.match_expressions, decodeNodeSelectorRequirement);
    }
    if (key == "matchFields")
      return readArray(field, out.match_fields, decodeNodeSelectorRequirement);
  });
}

void decodeNodeSelector(od::value value, NodeSelector& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "nodeSelectorTerms") {
      return readArray(field, out.node_selector_terms, decodeNodeSelectorTerm);
    }
  });
}

void decodeVolumeSource(od::value value, VolumeSourceInfo& out) {
  std::string server;
  std::string path;
  forEachField(value, [&](std::string_view key, od::value field) {
    // The field naming each source's main reference, across the volume source types.
    if (key == "claimName" || key == "secretName" || key == "driver" || key == "name" ||
        key == "volumeID" || key == "pdName" || key == "diskName" || key == "shareName") {
      return read(field, out.reference);
    }
    if (key == "path") return read(field, path);
    if (key == "server") return read(field, server);
    if (key == "readOnly") return read(field, out.read_only);
    if (key == "medium") return read(field, out.medium);
    if (key == "sizeLimit") return read(field, out.size_limit);
  });
  if (!server.empty()) {
    out.reference = fmt::format("{}:{}", server, path);
  } else if (out.reference.empty()) {
    out.reference = path;
  }
}

}  // namespace keelson::kube::detail
