#pragma once

#include "common/files.h"
#include "common/temp_dir.h"
#include "common/test_env.h"

// Small helpers shared by the kubeconfig / in-cluster unit tests.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace keelson::kube::testing {

using keelson::testing::readFile;
using keelson::testing::TempDir;

/// Writes `content` to `path`, creating parent directories.
inline void writeFile(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

/// tests/data/kube/config/<name>
inline std::filesystem::path configData(const std::string& name) {
  return std::filesystem::path(keelson::testing::testDataDir()) / "kube" / "config" / name;
}

}  // namespace keelson::kube::testing
