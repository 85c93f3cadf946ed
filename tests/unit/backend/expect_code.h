#pragma once

// Asserting on the code and the message of the keelson::Error a backend call throws.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string_view>

#include "common/expect_error.h"

namespace keelson::backend {

/// Runs `fn`, expecting a keelson::Error with `code` whose message contains `text`.
template <typename Fn>
void expectError(ErrorCode code, std::string_view text, Fn&& fn) {
  const Error error = testing::expectError(std::forward<Fn>(fn));
  EXPECT_EQ(error.code(), code) << error.what();
  EXPECT_THAT(error.what(), ::testing::HasSubstr(std::string(text)));
}

}  // namespace keelson::backend
