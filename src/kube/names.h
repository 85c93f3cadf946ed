#pragma once
// Kubernetes object-name validation, as the API server applies it (apimachinery's
// validation.IsDNS1123Label / IsDNS1123Subdomain), so bad names are refused before any request.

#include <string_view>

namespace keelson::kube {

/// True when `name` is an RFC 1123 label as Kubernetes checks namespace names: 1-63 characters of
/// [a-z0-9-], starting and ending with [a-z0-9]. Pure, thread-safe.
bool isDnsLabel(std::string_view name) noexcept;

/// True when `name` is an RFC 1123 subdomain as Kubernetes checks pod and node names: at most 253
/// characters, dot-separated labels of [a-z0-9-] each starting and ending with [a-z0-9]. Pure,
/// thread-safe.
bool isDnsSubdomain(std::string_view name) noexcept;

/// Throws Error(kBadInput) naming the text when `namespace_name` is not a DNS label.
void requireNamespaceName(std::string_view namespace_name);

/// Throws Error(kBadInput) naming the rule when `namespace_name` is not a DNS label or `name` (a
/// pod name) not a DNS subdomain; returns otherwise.
void validatePodName(std::string_view namespace_name, std::string_view name);

}  // namespace keelson::kube
