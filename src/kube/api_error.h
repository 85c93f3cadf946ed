#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace keelson::kube {

/// One entry of a Status' details.causes: e.g. reason "DisruptionBudget" with the message "The
/// disruption budget web needs 2 healthy pods and has 2 currently".
struct StatusCause {
  std::string reason;   ///< CauseType: "DisruptionBudget", "FieldValueInvalid", ... (may be empty).
  std::string message;  ///< Human-readable (may be empty).
  std::string field;    ///< The field it concerns, e.g. "spec.replicas" (may be empty).
};

/// A Kubernetes `Status` object (kind: Status), as the API server sends it in the body of a
/// failed request and as the `object` of a watch ERROR event.
struct ApiStatus {
  int code = 0;  ///< HTTP status code the server put in the Status (0 when absent).
  std::string
      reason;  ///< Machine-readable StatusReason: "NotFound", "Expired", ... (may be empty).
  std::string message;              ///< Human-readable description from the server (may be empty).
  std::vector<StatusCause> causes;  ///< details.causes, in the server's order.
};

/// Parses a `Status` JSON document. Returns std::nullopt when `json` is not a JSON object whose
/// `kind` is "Status" (an HTML page from a proxy, plain text, truncated JSON). Pure; never
/// throws; thread-safe.
std::optional<ApiStatus> parseStatus(std::string_view json) noexcept;

/// Maps a Kubernetes StatusReason and an HTTP status onto an ErrorCode. The reason wins when it
/// is a known one (AlreadyExists -> kConflict, Expired -> kGone, ...); otherwise the HTTP status
/// decides: 400/405/406/413/415/422 -> kBadInput, 401 -> kUnauthorized, 403 -> kForbidden,
/// 404 -> kNotFound, 409 -> kConflict, 410 -> kGone, 429 -> kTooManyRequests, 504 -> kTimeout,
/// 500 -> kInternal, other 5xx -> kUnavailable, anything else -> kInternal. Pure; thread-safe.
ErrorCode errorCodeForStatus(int http_status, std::string_view reason) noexcept;

/// A failed Kubernetes API call: the server answered with a non-2xx status (or a watch stream
/// carried an ERROR event). code() is mapped by errorCodeForStatus; what() reads like
/// `GET /api/v1/namespaces/x/pods/y: 404 NotFound: pods "y" not found`.
class ApiError : public Error {
 public:
  /// Builds an error; `what` is the full message returned by what().
  ApiError(ErrorCode code, int http_status, std::string reason, std::string server_message,
           const std::string& what, std::vector<StatusCause> causes = {})
      : Error(code, what),
        http_status_(http_status),
        reason_(std::move(reason)),
        server_message_(std::move(server_message)),
        causes_(std::move(causes)) {}

  /// The HTTP status of the response, or the Status `code` of a watch ERROR event.
  int httpStatus() const noexcept { return http_status_; }
  /// The server's StatusReason ("NotFound", "Expired", ...); empty when the body had no Status.
  const std::string& reason() const noexcept { return reason_; }
  /// The server's own message (Status.message, or the start of a non-Status body).
  const std::string& serverMessage() const noexcept { return server_message_; }
  /// The Status' details.causes (e.g. the PodDisruptionBudget that refused an eviction).
  const std::vector<StatusCause>& causes() const noexcept { return causes_; }

 private:
  int http_status_;
  std::string reason_;
  std::string server_message_;
  std::vector<StatusCause> causes_;
};

/// Builds the ApiError for a non-2xx response. `context` names the request, e.g.
/// "GET /api/v1/pods"; `body` is the response body, parsed as a Status when it is one, else
/// quoted (trimmed, at most 200 bytes) as the server message. Pure; thread-safe.
ApiError makeApiError(std::string_view context, int http_status, std::string_view body);

/// Builds the ApiError for a Status carried by a watch ERROR event (`http_status` is the
/// Status code, 500 when the Status has none). Pure; thread-safe.
ApiError makeApiError(std::string_view context, const ApiStatus& status);

}  // namespace keelson::kube
