// The compression of stored blobs: round trips of every size, the saving on a repetitive blob
// (a detector state), and stored bytes that are not a compressed blob refused with the name of
// what was being read.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/error.h"
#include "store/blob_compression.h"

namespace keelson::store {
namespace {

constexpr std::size_t kMaxBlobBytes = 1 << 20;

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

TEST(BlobCompression, RoundTripsEverySize) {
  for (const std::string& raw :
       {std::string(), std::string("x"), std::string("\x00\x01\xff binary\x00tail", 15),
        std::string(1702, '\0'), randomBytes(1702, 1), randomBytes(70000, 2)}) {
    EXPECT_EQ(decompressBlob(compressBlob(raw), kMaxBlobBytes, "blob"), raw)
        << raw.size() << " bytes";
  }
}

TEST(BlobCompression, ARepetitiveBlobShrinksAndARandomOneBarelyGrows) {
  EXPECT_LT(compressBlob(std::string(1702, '\0')).size(), 40U);
  EXPECT_LE(compressBlob(randomBytes(1702, 3)).size(), 1702U + 4 + 11);
}

void expectRefused(const std::string& stored, std::size_t max_bytes, const std::string& why) {
  try {
    decompressBlob(stored, max_bytes, "history: detector state of pod ns/p cpu");
    FAIL() << "accepted: " << why;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput) << why;
    EXPECT_NE(std::string(e.what()).find("detector state of pod ns/p cpu"), std::string::npos)
        << why << ": " << e.what();
  }
}

TEST(BlobCompression, RefusesWhatIsNotACompressedBlob) {
  const std::string raw = randomBytes(500, 4) + std::string(500, 'a');
  const std::string good = compressBlob(raw);
  expectRefused("", kMaxBlobBytes, "empty");
  expectRefused("abc", kMaxBlobBytes, "shorter than the size");
  expectRefused("KADS\x02\0\0\0", kMaxBlobBytes, "an uncompressed detector state");
  expectRefused(good, raw.size() - 1, "larger than allowed");
  expectRefused(good.substr(0, good.size() / 2), kMaxBlobBytes, "truncated");
  std::string corrupt = good;
  corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x55);
  expectRefused(corrupt, kMaxBlobBytes, "a flipped byte");
  std::string longer = good;
  longer[0] = static_cast<char>(longer[0] + 1);
  expectRefused(longer, kMaxBlobBytes, "states one byte more than it holds");
  std::string shorter = good;
  shorter[0] = static_cast<char>(shorter[0] - 1);
  expectRefused(shorter, kMaxBlobBytes, "states one byte less than it holds");
}

}  // namespace
}  // namespace keelson::store
