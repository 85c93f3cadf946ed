#include "kube/api_error.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>

#include "net/http.h"

namespace keelson::kube {

namespace {

constexpr std::size_t kMaxQuotedBody = 200;

// Trims ASCII whitespace and cuts a non-Status body to a length that keeps log lines readable.
std::string quoteBody(std::string_view body) {
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = body.find_last_not_of(" \t\r\n");
  body = body.substr(first, last - first + 1);
  if (body.size() <= kMaxQuotedBody) return std::string(body);
  return std::string(body.substr(0, kMaxQuotedBody)) + "...";
}

// Reads details.causes[] of a Status; malformed entries are skipped.
void parseCauses(simdjson::ondemand::value details, std::vector<StatusCause>& causes) noexcept {
  simdjson::ondemand::object object;
  if (details.get_object().get(object) != simdjson::SUCCESS) return;
  simdjson::ondemand::array array;
  if (object.find_field_unordered("causes").get_array().get(array) != simdjson::SUCCESS) return;
  for (auto element : array) {
    simdjson::ondemand::object entry;
    if (element.get_object().get(entry) != simdjson::SUCCESS) return;
    StatusCause cause;
    for (auto field : entry) {
      std::string_view key;
      std::string_view text;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return;
      if (field.value().get_string().get(text) != simdjson::SUCCESS) continue;
      if (key == "reason") cause.reason = text;
      if (key == "message") cause.message = text;
      if (key == "field") cause.field = text;
    }
    causes.push_back(std::move(cause));
  }
}

}  // namespace

std::optional<ApiStatus> parseStatus(std::string_view json) noexcept {
  // Status bodies are small; copying into a padded buffer keeps the caller's view untouched.
  const simdjson::padded_string padded(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return std::nullopt;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;

  ApiStatus status;
  bool is_status = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return std::nullopt;
    auto value = field.value();
    if (key == "kind") {
      std::string_view kind;
      if (value.get_string().get(kind) != simdjson::SUCCESS) return std::nullopt;
      is_status = kind == "Status";
    } else if (key == "code") {
      int64_t code = 0;
      if (value.get_int64().get(code) == simdjson::SUCCESS && code >= 0 && code < 1000) {
        status.code = static_cast<int>(code);
      }
    } else if (key == "reason") {
      std::string_view reason;
      if (value.get_string().get(reason) == simdjson::SUCCESS) status.reason = reason;
    } else if (key == "message") {
      std::string_view message;
      if (value.get_string().get(message) == simdjson::SUCCESS) status.message = message;
    } else if (simdjson::ondemand::value details;
               key == "details" && value.get(details) == simdjson::SUCCESS) {
      parseCauses(details, status.causes);
    }
    // Other fields (apiVersion, metadata, status) are skipped by the iteration.
  }
  if (!is_status) return std::nullopt;
  return status;
}

ErrorCode errorCodeForStatus(int http_status, std::string_view reason) noexcept {
  // StatusReason values from k8s.io/apimachinery/pkg/apis/meta/v1/types.go.
  if (reason == "Unauthorized") return ErrorCode::kUnauthorized;
  if (reason == "Forbidden") return ErrorCode::kForbidden;
  if (reason == "NotFound") return ErrorCode::kNotFound;
  if (reason == "AlreadyExists" || reason == "Conflict") return ErrorCode::kConflict;
  if (reason == "Gone" || reason == "Expired") return ErrorCode::kGone;
  if (reason == "Invalid" || reason == "BadRequest" || reason == "MethodNotAllowed" ||
      reason == "NotAcceptable" || reason == "UnsupportedMediaType" ||
      reason == "RequestEntityTooLarge") {
    return ErrorCode::kBadInput;
  }
  if (reason == "TooManyRequests") return ErrorCode::kTooManyRequests;
  if (reason == "Timeout" || reason == "ServerTimeout") return ErrorCode::kTimeout;
  if (reason == "ServiceUnavailable") return ErrorCode::kUnavailable;
  if (reason == "InternalError") return ErrorCode::kInternal;

  return net::errorCodeForHttpStatus(http_status);
}

ApiError makeApiError(std::string_view context, int http_status, std::string_view body) {
  if (auto status = parseStatus(body)) {
    // The HTTP status is authoritative for a response; the Status code only fills in for it.
    status->code = http_status;
    return makeApiError(context, *status);
  }
  std::string message = quoteBody(body);
  const ErrorCode code = errorCodeForStatus(http_status, {});
  std::string what = message.empty()
                         ? fmt::format("{}: HTTP {}", context, http_status)
                         : fmt::format("{}: HTTP {}: {}", context, http_status, message);
  return ApiError(code, http_status, {}, std::move(message), what);
}

ApiError makeApiError(std::string_view context, const ApiStatus& status) {
  const int http_status = status.code == 0 ? 500 : status.code;
  const ErrorCode code = errorCodeForStatus(http_status, status.reason);
  std::string what = fmt::format("{}: {}", context, http_status);
  if (!status.reason.empty()) what += fmt::format(" {}", status.reason);
  if (!status.message.empty()) what += fmt::format(": {}", status.message);
  return ApiError(code, http_status, status.reason, status.message, what, status.causes);
}

}  // namespace keelson::kube
