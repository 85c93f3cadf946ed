#include "net/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>

#include "core/error.h"

namespace keelson::net {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

}  // namespace

std::optional<std::string_view> findHeader(const std::vector<HttpHeader>& headers,
                                           std::string_view name) noexcept {
  for (const auto& h : headers) {
    if (equalsIgnoreCase(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const noexcept {
  return findHeader(headers, name);
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value) noexcept {
  const auto first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  const auto last = value.find_last_not_of(" \t");
  value = value.substr(first, last - first + 1);
  long long seconds = 0;
  const auto* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
  if (ec != std::errc() || ptr != end || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::chrono::milliseconds backoffDelay(const RetryLimits& limits, int retry,
                                       double unit_random) noexcept {
  const double initial = static_cast<double>(limits.initial_backoff.count());
  const double cap = static_cast<double>(limits.max_backoff.count());
  const int exponent = std::clamp(retry - 1, 0, 62);
  const double capped = std::min(cap, initial * std::ldexp(1.0, exponent));
  const double jitter = std::clamp(limits.jitter, 0.0, 1.0);
  const double u = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(capped * (1.0 - jitter * u)));
}

bool isIdempotent(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

bool isRetryableStatus(int status, std::string_view method, bool has_retry_after) noexcept {
  if (status == 429) return true;
  if (status >= 500 && status < 600) return isIdempotent(method) || has_retry_after;
  return false;
}

RetryPolicy RetryPolicy::none() {
  RetryPolicy policy;
  policy.max_attempts = 1;
  return policy;
}

RetryPolicy RetryPolicy::idempotent() {
  RetryPolicy policy;
  policy.retry_response = [](const HttpResponse& response) {
    return response.status == 429 || (response.status >= 500 && response.status < 600);
  };
  policy.retry_connect_failures = true;
  policy.retry_transfer_failures = true;
  return policy;
}

RetryPolicy RetryPolicy::forMethod(std::string_view method) {
  return isIdempotent(method) ? idempotent() : none();
}

ErrorCode errorCodeForHttpStatus(int status) noexcept {
  switch (status) {
    case 400:
    case 405:
    case 406:
    case 413:
    case 415:
    case 422:
      return ErrorCode::kBadInput;
    case 401:
      return ErrorCode::kUnauthorized;
    case 403:
      return ErrorCode::kForbidden;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 410:
      return ErrorCode::kGone;
    case 429:
      return ErrorCode::kTooManyRequests;
    case 500:
      return ErrorCode::kInternal;
    case 504:
      return ErrorCode::kTimeout;
    default:
      break;
  }
  if (status >= 500 && status < 600) return ErrorCode::kUnavailable;
  if (status >= 400 && status < 500) return ErrorCode::kBadInput;
  return ErrorCode::kInternal;
}

std::string urlEncode(std::string_view value) {
  if (value.empty()) return {};
  // Since curl 7.82 the handle argument of curl_easy_escape is unused, so no handle is needed.
  const std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size())), &curl_free);
  if (!escaped) throw Error(ErrorCode::kInternal, "curl_easy_escape failed (out of memory)");
  return std::string(escaped.get());
}

}  // namespace keelson::net
