#pragma once

// Asserting on the keelson::Error a call throws.

#include <gtest/gtest.h>

#include "core/error.h"

namespace keelson::testing {

/// Runs `fn` and returns the keelson::Error it throws; a test failure (and an kInternal error
/// "none") when it throws none. Other exception types propagate and fail the test.
template <typename Fn>
Error expectError(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no keelson::Error thrown";
  return Error(ErrorCode::kInternal, "none");
}

}  // namespace keelson::testing
