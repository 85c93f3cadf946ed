#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "kube/cluster_config.h"
#include "kube/curl_transport.h"
#include "kube/transport.h"
#include "kube/watch.h"

namespace keelson::kube {

/// Options of Client::listPages (query parameters of a list request).
struct ListOptions {
  std::string label_selector;    ///< labelSelector, e.g. "app=web".
  std::string field_selector;    ///< fieldSelector, e.g. "spec.nodeName=node-1".
  std::int64_t limit = 500;      ///< Items per page (0: no paging, one response).
  std::string resource_version;  ///< resourceVersion of the first page ("" most recent; "0"
                                 ///< any, served from the API server's cache).
  /// Called before listPages starts over from the first page because the continue token
  /// expired (HTTP 410 during pagination). Pages delivered before are then stale: a caller that
  /// accumulates items must drop them here.
  std::function<void()> on_restart;
};

/// How one write is sent (Client::send).
struct SendOptions {
  std::string content_type = "application/json";  ///< e.g. "application/merge-patch+json".
  /// This request's retry rule. nullopt: the transport's rule for its method (apiRetryPolicy:
  /// POST and PATCH are tried again only on 429 or when the server sent Retry-After). An
  /// eviction, a binding or a review each brings its own.
  std::optional<net::RetryPolicy> retry;
  /// Total time of one attempt (HttpRequest::timeout); 0: the transport's request_timeout. A
  /// caller with a deadline of its own (e.g. leader election's renew deadline) bounds each
  /// request by what is left of it.
  std::chrono::milliseconds timeout{0};
};

/// Receives one page of a list: the whole response body (a `<Kind>List` JSON document). The
/// view is valid during the call and is followed by at least simdjson::SIMDJSON_PADDING
/// readable bytes, so a decoder may wrap it in a simdjson::padded_string_view without copying.
using PageHandler = std::function<void(std::string_view page_json)>;

/// A Kubernetes API client over a Transport: GET, write verbs, paginated lists and watches.
/// Non-2xx answers become ApiError (kube/api_error.h).
///
/// Thread-safety: thread-safe; the client holds no mutable state and the transport is
/// thread-safe. Many threads may share one Client (e.g. one watch per thread).
class Client {
 public:
  /// A client over `transport` (a CurlTransport in production, a fake in tests).
  explicit Client(std::shared_ptr<Transport> transport);

  /// A client over a CurlTransport for `config`. Throws what CurlTransport's constructor
  /// throws (e.g. an unreadable token file).
  explicit Client(const ClusterConfig& config, TransportOptions options = {});

  /// GETs `path` (path and query, e.g. "/api/v1/namespaces/kube-system/pods/x") and returns
  /// the body. Throws ApiError for a non-2xx answer and Error(kUnavailable/kTimeout) when the
  /// server cannot be reached.
  std::string get(std::string_view path, std::stop_token stop = {}) const;

  /// Sends `method` (POST, PUT, PATCH, DELETE) with `body` to `path` and returns the response
  /// body. `content_type` is e.g. "application/json" or "application/merge-patch+json".
  /// Throws like get().
  std::string send(std::string_view method, std::string_view path, std::string_view body,
                   std::string_view content_type = "application/json",
                   std::stop_token stop = {}) const;

  /// send() with per-request options: its content type and retry rule. Throws like get().
  std::string send(std::string_view method, std::string_view path, std::string_view body,
                   const SendOptions& options, std::stop_token stop = {}) const;

  /// Lists the collection at `path` (e.g. "/api/v1/pods") page by page: each response is
  /// handed to `on_page`, then the request is repeated with `continue=<metadata.continue>`
  /// until the token is empty. Returns the list's metadata.resourceVersion (of the last page;
  /// the snapshot every page belongs to), from which a watch can start.
  ///
  /// If the continue token expires mid-way (HTTP 410), the list starts over from the first
  /// page once (options.on_restart is called first); a second expiry, and a 410 on the first
  /// page (resourceVersion too old), throw ApiError with code kGone. Throws like get(), and
  /// rethrows what `on_page` throws; Error(kInternal) when a page is not a JSON list.
  std::string listPages(std::string_view path, const ListOptions& options,
                        const PageHandler& on_page, std::stop_token stop = {}) const;

  /// Watches the collection at `path` (e.g. "/api/v1/namespaces/x/configmaps") and calls
  /// `on_event` for every ADDED, MODIFIED, DELETED and BOOKMARK event, in order. Returns when the
  /// server closes the stream (after options.timeout_seconds) or `stop` is requested (within
  /// about a second, even when the stream is idle).
  ///
  /// Resource versions expire: a 410 answer or an ERROR event with code 410 ("too old resource
  /// version") throws ApiError with code() == ErrorCode::kGone. Then relist (listPages) and
  /// watch from the list's resourceVersion. Other ERROR events throw ApiError mapped from their
  /// Status. A broken connection throws Error(kUnavailable); resume from the last
  /// resource_version the handler saw. Rethrows what `on_event` throws.
  WatchResult watch(std::string_view path, const WatchOptions& options,
                    const WatchHandler& on_event, std::stop_token stop = {}) const;

  /// The transport, e.g. for its server URL.
  Transport& transport() const noexcept { return *transport_; }

 private:
  std::shared_ptr<Transport> transport_;
};

}  // namespace keelson::kube
