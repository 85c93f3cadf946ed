#include "kube/names.h"

#include <fmt/format.h>

#include "core/error.h"

namespace keelson::kube {
namespace {

bool alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, without a length limit.
bool labelCharacters(std::string_view label) noexcept {
  if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
  for (const char c : label) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

bool isDnsLabel(std::string_view name) noexcept {
  return name.size() <= 63 && labelCharacters(name);
}

bool isDnsSubdomain(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!labelCharacters(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

void requireNamespaceName(std::string_view namespace_name) {
  if (!isDnsLabel(namespace_name)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("namespace '{}' is not a valid name (RFC 1123 label: at most 63 of "
                            "a-z, 0-9 and '-')",
                            namespace_name));
  }
}

void validatePodName(std::string_view namespace_name, std::string_view name) {
  requireNamespaceName(namespace_name);
  if (!isDnsSubdomain(name)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("pod name '{}' is not a valid name (RFC 1123 subdomain: at most 253 "
                            "of a-z, 0-9, '-' and '.')",
                            name));
  }
}

}  // namespace keelson::kube
