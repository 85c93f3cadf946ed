#include "core/error.h"

namespace keelson {

std::string_view errorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kBadInput:
      return "BadInput";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kUnauthorized:
      return "Unauthorized";
    case ErrorCode::kForbidden:
      return "Forbidden";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kGone:
      return "Gone";
    case ErrorCode::kTooManyRequests:
      return "TooManyRequests";
    case ErrorCode::kTimeout:
      return "Timeout";
    case ErrorCode::kUnavailable:
      return "Unavailable";
    case ErrorCode::kInternal:
      return "Internal";
  }
  return "Internal";
}

void throwIfCancelled(const std::stop_token& token, std::string_view what) {
  if (token.stop_requested()) throw Error(ErrorCode::kTimeout, std::string(what) + " cancelled");
}

}  // namespace keelson
