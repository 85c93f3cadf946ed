#pragma once

#include <cstddef>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>

namespace keelson {

/// What kind of failure an Error reports. Kubernetes API failures map onto these codes by HTTP
/// status (see kube/api_error.h); host and input failures use kBadInput, kUnavailable, kTimeout.
enum class ErrorCode {
  kBadInput,         ///< The caller's input (a flag, a file, a document) is malformed.
  kNotFound,         ///< The thing asked for does not exist (HTTP 404).
  kUnauthorized,     ///< No or bad credentials (HTTP 401).
  kForbidden,        ///< Credentials are good but not allowed (HTTP 403).
  kConflict,         ///< The object changed or already exists (HTTP 409).
  kGone,             ///< A watch or list resourceVersion is too old (HTTP 410).
  kTooManyRequests,  ///< Throttled by the server (HTTP 429).
  kTimeout,          ///< A deadline passed (HTTP 504, curl timeouts, statvfs deadlines).
  kUnavailable,      ///< The peer or resource cannot be reached right now (HTTP 503, refused).
  kInternal,         ///< A failure that is nobody's input: an unexpected server error, a bug.
};

/// The stable name of a code: "BadInput", "NotFound", ... (used in JSON error documents).
std::string_view errorCodeName(ErrorCode code) noexcept;

/// The one exception type for expected failures (I/O, the API, bad input). Catch it at a
/// boundary (one collector, one report section, one request); programming errors use assert.
/// The message names the input and what was expected, e.g.
/// `kubeconfig /x/config: context "prod" not found (have: dev, ci)`.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}

  /// The failure's kind.
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

/// Cooperative cancellation: throws Error(kTimeout) "<what> cancelled" once stop was requested on
/// `token` (a request past its deadline, a closed connection). Call it in long loops and before
/// any write. Thread-safe.
void throwIfCancelled(const std::stop_token& token, std::string_view what);

/// How many objects a loop over a cache or a snapshot handles between two throwIfCancelled
/// checks: often enough that a stopped request ends within milliseconds at 10,000 pods, rarely
/// enough that the check costs nothing measurable.
inline constexpr std::size_t kCancelCheckStride = 256;

}  // namespace keelson
