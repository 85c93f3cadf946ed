#pragma once

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "core/error.h"

// Helpers for the kube client integration tests: files, environment, expected errors; running
// programs and the fake API server come from tests/common.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/child_process.h"
#include "common/expect_error.h"
#include "common/fake_apiserver.h"
#include "common/files.h"

namespace keelson::kube::testing {

using keelson::testing::ChildProcess;
using keelson::testing::CommandResult;
using keelson::testing::expectError;
using keelson::testing::FakeApiserver;
using keelson::testing::readFile;
using keelson::testing::runCommand;
using keelson::testing::TempDir;
inline void writeFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

/// The value of environment variable `name`, or `fallback`.
inline std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace keelson::kube::testing
