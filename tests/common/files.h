#pragma once

// Reading and writing whole files in tests.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace keelson::testing {

/// The whole content of `path` as bytes ("" when it is missing or unreadable).
inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  if (in) content << in.rdbuf();
  return content.str();
}

}  // namespace keelson::testing
