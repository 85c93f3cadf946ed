#pragma once

// Typed lists: Client::listPages (pagination, restart on an expired continue token) joined with
// decodeList (simdjson decoding of each page in place).

#include <stop_token>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/client.h"
#include "kube/decode.h"

namespace keelson::kube {

/// Lists every object at `path` (e.g. "/api/v1/pods", "/api/v1/namespaces/ns/pods",
/// "/apis/metrics.k8s.io/v1beta1/nodes"), following `continue` tokens page by page, and decodes
/// each page as it arrives. Returns the items and the list's resourceVersion (the point a watch
/// would start from). Throws what Client::listPages throws (ApiError for API failures,
/// Error(kUnavailable) when the server cannot be reached) and Error(kBadInput) for a page that
/// does not decode. Thread-safe as the client is.
template <Decodable T>
ObjectList<T> listAll(const Client& client, std::string_view path, ListOptions options = {},
                      std::stop_token stop = {}) {
  ObjectList<T> out;
  options.on_restart = [&out] { out.items.clear(); };
  out.resource_version = client.listPages(
      path, options,
      [&out](std::string_view page) {
        auto decoded = decodeList<T>(PaddedJson(page, page.size() + kJsonPadding));
        out.items.insert(out.items.end(), std::make_move_iterator(decoded.items.begin()),
                         std::make_move_iterator(decoded.items.end()));
      },
      stop);
  return out;
}

}  // namespace keelson::kube
