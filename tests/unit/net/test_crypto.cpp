// HMAC-SHA256 against RFC 4231's test vectors, the constant-time comparison, random hex.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "net/crypto.h"

namespace keelson::net {
namespace {

TEST(HmacSha256, Rfc4231TestCases) {
  // Test case 1: a 20-byte key of 0x0b.
  EXPECT_EQ(hmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key, hashed first.
  EXPECT_EQ(hmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, EmptyKeyAndMessageAreValid) {
  EXPECT_EQ(hmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEquals, ComparesBytesAndLengths) {
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "ab"));
  EXPECT_FALSE(constantTimeEquals("", "a"));
  EXPECT_TRUE(constantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RandomHex, LengthAlphabetAndNoRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string value = randomHex(16);
    ASSERT_EQ(value.size(), 32U);
    EXPECT_EQ(value.find_first_not_of("0123456789abcdef"), std::string::npos) << value;
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 1000U);
  EXPECT_EQ(randomHex(0), "");
}

}  // namespace
}  // namespace keelson::net
