#pragma once
// Where the tests find the source tree (tests/data, test/cluster scripts, deploy/) and the built
// keelson binary: from the environment, which ctest sets for every test (KEELSON_SOURCE_DIR and
// KEELSON_BINARY, see keelson_test in cmake/KeelsonModule.cmake). They are not compiled in, so a
// test executable does not depend on where its tree was cloned. To run one by hand, export both.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "common/files.h"

namespace keelson::testing {

/// The value of the environment variable `name`. Unset or empty, the test cannot find its files:
/// prints which variable is missing and exits with 2, rather than failing later on a bad path.
inline std::string requiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr,
                 "%s is not set: run the tests with ctest, which sets it "
                 "(cmake/KeelsonModule.cmake), or export it\n",
                 name);
    std::exit(2);
  }
  return value;
}

/// The repository's root directory.
inline std::string sourceDir() { return requiredEnv("KEELSON_SOURCE_DIR"); }

/// tests/data in the source tree: captured samples and API documents.
inline std::string testDataDir() { return sourceDir() + "/tests/data"; }

/// The bytes of tests/data/<relative>. Throws std::runtime_error naming the path when the file
/// cannot be opened, so a missing fixture fails the test that reads it, by name.
inline std::string readTestData(const std::string& relative) {
  const std::string path = testDataDir() + "/" + relative;
  if (!std::ifstream(path)) throw std::runtime_error("cannot read the test data file " + path);
  return readFile(path);
}

/// A recorded API server answer: tests/data/kube/api/<name>.
inline std::string apiFixture(const std::string& name) { return readTestData("kube/api/" + name); }

/// The keelson binary built beside the tests.
inline std::string keelsonBinary() { return requiredEnv("KEELSON_BINARY"); }

}  // namespace keelson::testing
