#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace keelson::kube::detail {

/// Reads a whole small file (kubeconfig, certificate, key, token). Returns nullopt and sets
/// `error` (strerror text, or "larger than N bytes") when it cannot be read or exceeds
/// `max_bytes`. Thread-safe.
std::optional<std::string> readSmallFile(const std::filesystem::path& path, std::string& error,
                                         std::size_t max_bytes = std::size_t{16} << 20);

}  // namespace keelson::kube::detail
