#include "act/target.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/error.h"
#include "kube/names.h"

namespace keelson::act {

namespace {

struct KnownKind {
  Kind kind;
  std::array<std::string_view, 4> names;  // lower-case spellings kubectl accepts
  bool workload;
  bool scalable;
  bool restartable;
};

const std::vector<KnownKind>& knownKinds() {
  static const std::vector<KnownKind> kinds = {
      {{"Node", "nodes", "", false}, {"node", "nodes", "no", ""}, false, false, false},
      {{"Pod", "pods", "", true}, {"pod", "pods", "po", ""}, false, false, false},
      {{"Deployment", "deployments", "apps", true},
       {"deployment", "deployments", "deploy", ""},
       true,
       true,
       true},
      {{"StatefulSet", "statefulsets", "apps", true},
       {"statefulset", "statefulsets", "sts", ""},
       true,
       true,
       true},
      {{"ReplicaSet", "replicasets", "apps", true},
       {"replicaset", "replicasets", "rs", ""},
       true,
       true,
       false},
      {{"DaemonSet", "daemonsets", "apps", true},
       {"daemonset", "daemonsets", "ds", ""},
       true,
       false,
       true},
  };
  return kinds;
}

bool accepts(const KnownKind& known, KindSet allowed) {
  switch (allowed) {
    case KindSet::kAny:
      return true;
    case KindSet::kWorkloads:
      return known.workload;
    case KindSet::kScalable:
      return known.scalable;
    case KindSet::kRestartable:
      return known.restartable;
  }
  return false;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "deployments.apps" names the same kind as "deployments" when the group matches.
const KnownKind* findKind(std::string_view spelled) {
  for (const KnownKind& known : knownKinds()) {
    for (std::string_view name : known.names) {
      if (name.empty()) continue;
      if (spelled == name) return &known;
      if (!known.kind.group.empty() && spelled == fmt::format("{}.{}", name, known.kind.group)) {
        return &known;
      }
    }
  }
  return nullptr;
}

std::string acceptedNames(KindSet allowed) {
  std::string names;
  for (const KnownKind& known : knownKinds()) {
    if (!accepts(known, allowed)) continue;
    if (!names.empty()) names += ", ";
    names += known.names[0];
  }
  return names;
}

}  // namespace

std::string Kind::displayName() const {
  std::string name = lower(kind);
  return group.empty() ? name : fmt::format("{}.{}", name, group);
}

std::string Kind::apiPrefix() const {
  return group.empty() ? "/api/v1" : fmt::format("/apis/{}/v1", group);
}

std::string ObjectRef::path() const {
  if (!kind.namespaced) return fmt::format("{}/{}/{}", kind.apiPrefix(), kind.resource, name);
  return fmt::format("{}/namespaces/{}/{}/{}", kind.apiPrefix(), namespace_name, kind.resource,
                     name);
}

std::string ObjectRef::display() const { return fmt::format("{}/{}", kind.displayName(), name); }

ObjectRef parseObjectRef(std::string_view text, KindSet allowed,
                         const std::string& namespace_name) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("\"{}\": expected KIND/NAME, e.g. deployment/web (kinds: {})", text,
                            acceptedNames(allowed)));
  }
  const KnownKind* known = findKind(lower(text.substr(0, slash)));
  if (known == nullptr || !accepts(*known, allowed)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("\"{}\": {} kind \"{}\" (expected one of: {})", text,
                            known == nullptr ? "unknown" : "this command does not take the",
                            text.substr(0, slash), acceptedNames(allowed)));
  }
  ObjectRef ref{known->kind, known->kind.namespaced ? namespace_name : "",
                std::string(text.substr(slash + 1))};
  if (!kube::isDnsSubdomain(ref.name)) {
    throw Error(
        ErrorCode::kBadInput,
        fmt::format("\"{}\": \"{}\" is not a valid object name (lower-case letters, digits, "
                    "'-' and '.', at most 253 characters)",
                    text, ref.name));
  }
  if (known->kind.namespaced) kube::requireNamespaceName(ref.namespace_name);
  return ref;
}

Kind nodeKind() { return knownKinds()[0].kind; }
Kind podKind() { return knownKinds()[1].kind; }

}  // namespace keelson::act
