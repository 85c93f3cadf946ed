#pragma once

// A test whose prerequisite (the test control plane, the NAB data, a tool the bootstrap script
// installs) is missing skips with the reason on a developer's machine, and fails under CI=true:
// there the prerequisite is an install step that went wrong, and a skip would hide it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace keelson::testing {

/// True when the environment has CI=true (as .ci/run and most CI systems set it).
inline bool runningInCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace keelson::testing

/// Skips the current test with `message` (anything that streams into a gtest message), or
/// fails it under CI=true. Returns from the enclosing void function (a TEST body or SetUp).
#define KEELSON_MISSING_PREREQUISITE(message)                            \
  do {                                                                   \
    if (::keelson::testing::runningInCi()) {                             \
      GTEST_FAIL() << "prerequisite missing under CI=true: " << message; \
    }                                                                    \
    GTEST_SKIP() << message;                                             \
  } while (false)
