#pragma once
// The cryptographic primitives of the backend link, on OpenSSL: HMAC-SHA256 for signed
// messages, a constant-time comparison for checking them, and random bytes for nonces.

#include <cstddef>
#include <string>
#include <string_view>

namespace keelson::net {

/// HMAC-SHA256 (RFC 2104) of `message` under `key` (OpenSSL's HMAC with EVP_sha256), as 64
/// lowercase hex digits. Throws Error(kInternal) when OpenSSL fails. Thread-safe.
std::string hmacSha256Hex(std::string_view key, std::string_view message);

/// Whether `a` and `b` hold the same bytes. The time taken depends on their lengths only, never
/// on where they differ (CRYPTO_memcmp), so comparing a received MAC leaks nothing about the
/// expected one. Thread-safe.
bool constantTimeEquals(std::string_view a, std::string_view b) noexcept;

/// `bytes` bytes from OpenSSL's CSPRNG (RAND_bytes), as 2 * `bytes` lowercase hex digits.
/// Throws Error(kInternal) when the generator fails (it is never replaced by a weaker one).
/// Thread-safe.
std::string randomHex(std::size_t bytes);

}  // namespace keelson::net
