#include "kube/client.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "kube/api_error.h"
#include "kube/decode_internal.h"
#include "net/http.h"

namespace keelson::kube {

namespace {

using QueryParams = std::vector<std::pair<std::string_view, std::string>>;

std::string withQuery(std::string_view path, const QueryParams& params) {
  std::string url(path);
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    url += separator;
    url += name;
    url += '=';
    url += net::urlEncode(value);
    separator = '&';
  }
  return url;
}

bool isSuccess(int status) noexcept { return status >= 200 && status < 300; }

struct ListMeta {
  std::string continue_token;
  std::string resource_version;
};

// Reads metadata.continue and metadata.resourceVersion of a list page. `body` gets
// SIMDJSON_PADDING bytes of spare capacity first, which PageHandler documents.
ListMeta parseListMeta(std::string& body, std::string_view context) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::parser& parser = detail::threadParser();  // The decoders' parser.
  const auto bad = [&](simdjson::error_code error) {
    return Error(ErrorCode::kInternal, fmt::format("{}: response is not a JSON list: {}", context,
                                                   simdjson::error_message(error)));
  };
  simdjson::ondemand::document doc;
  if (auto error = parser.iterate(body).get(doc)) throw bad(error);
  simdjson::ondemand::object metadata;
  if (auto error = doc.find_field_unordered("metadata").get_object().get(metadata)) {
    throw bad(error);
  }
  ListMeta meta;
  // metadata holds few fields; iterate them once instead of searching twice.
  for (auto field : metadata) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) throw bad(error);
    std::string_view value;
    if (key == "continue") {
      if (auto error = field.value().get_string().get(value)) throw bad(error);
      meta.continue_token = value;
    } else if (key == "resourceVersion") {
      if (auto error = field.value().get_string().get(value)) throw bad(error);
      meta.resource_version = value;
    }
  }
  return meta;
}

}  // namespace

Client::Client(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {
  if (!transport_) throw Error(ErrorCode::kInternal, "kube::Client: no transport");
}

Client::Client(const ClusterConfig& config, TransportOptions options)
    : transport_(std::make_shared<CurlTransport>(config, std::move(options))) {}

std::string Client::get(std::string_view path, std::stop_token stop) const {
  HttpRequest request;
  request.path = std::string(path);
  request.stop = std::move(stop);
  HttpResponse response = transport_->request(request);
  if (!isSuccess(response.status)) {
    throw makeApiError(fmt::format("GET {}", path), response.status, response.body);
  }
  return std::move(response.body);
}

std::string Client::send(std::string_view method, std::string_view path, std::string_view body,
                         std::string_view content_type, std::stop_token stop) const {
  SendOptions options;
  options.content_type = std::string(content_type);
  return send(method, path, body, options, std::move(stop));
}

std::string Client::send(std::string_view method, std::string_view path, std::string_view body,
                         const SendOptions& options, std::stop_token stop) const {
  HttpRequest request;
  request.method = std::string(method);
  request.path = std::string(path);
  request.body = std::string(body);
  if (!options.content_type.empty()) {
    request.headers.push_back({"Content-Type", options.content_type});
  }
  request.retry = options.retry;
  request.timeout = options.timeout;
  request.stop = std::move(stop);
  HttpResponse response = transport_->request(request);
  if (!isSuccess(response.status)) {
    throw makeApiError(fmt::format("{} {}", method, path), response.status, response.body);
  }
  return std::move(response.body);
}

std::string Client::listPages(std::string_view path, const ListOptions& options,
                              const PageHandler& on_page, std::stop_token stop) const {
  bool restarted = false;
  std::string continue_token;
  for (;;) {
    QueryParams params;
    if (options.limit > 0) params.emplace_back("limit", std::to_string(options.limit));
    if (!options.label_selector.empty()) {
      params.emplace_back("labelSelector", options.label_selector);
    }
    if (!options.field_selector.empty()) {
      params.emplace_back("fieldSelector", options.field_selector);
    }
    if (continue_token.empty()) {
      // The API server rejects resourceVersion together with continue: the token pins it.
      if (!options.resource_version.empty()) {
        params.emplace_back("resourceVersion", options.resource_version);
      }
    } else {
      params.emplace_back("continue", continue_token);
    }
    HttpRequest request;
    request.path = withQuery(path, params);
    request.stop = stop;
    HttpResponse response = transport_->request(request);
    const std::string context = fmt::format("GET {}", request.path);
    if (!isSuccess(response.status)) {
      ApiError error = makeApiError(context, response.status, response.body);
      if (error.code() == ErrorCode::kGone && !continue_token.empty() && !restarted) {
        // The snapshot behind the continue token was compacted away: list again from the start.
        core::logEvent(spdlog::level::info,
                       "kube: list continue token expired; listing again from the start",
                       {{"path", path}});
        restarted = true;
        continue_token.clear();
        if (options.on_restart) options.on_restart();
        continue;
      }
      throw error;
    }
    ListMeta meta = parseListMeta(response.body, context);
    on_page(std::string_view(response.body));
    if (meta.continue_token.empty()) return std::move(meta.resource_version);
    continue_token = std::move(meta.continue_token);
  }
}

WatchResult Client::watch(std::string_view path, const WatchOptions& options,
                          const WatchHandler& on_event, std::stop_token stop) const {
  QueryParams params;
  params.emplace_back("watch", "true");
  if (options.allow_bookmarks) params.emplace_back("allowWatchBookmarks", "true");
  if (!options.resource_version.empty()) {
    params.emplace_back("resourceVersion", options.resource_version);
  }
  if (options.timeout_seconds > 0) {
    params.emplace_back("timeoutSeconds", std::to_string(options.timeout_seconds));
  }
  if (!options.label_selector.empty()) params.emplace_back("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) params.emplace_back("fieldSelector", options.field_selector);

  HttpRequest request;
  request.path = withQuery(path, params);
  request.stop = std::move(stop);
  if (options.timeout_seconds > 0) {
    // The server ends the stream after timeout_seconds; silence well beyond that is a dead peer.
    request.idle_timeout = std::chrono::seconds(options.timeout_seconds + 30);
  }
  const std::string context = fmt::format("WATCH {}", request.path);

  WatchResult result;
  result.resource_version = options.resource_version;
  LineSplitter splitter;
  WatchEventParser parser;
  const std::function<void(std::string_view)> on_line = [&](std::string_view line) {
    WatchEvent event;
    try {
      event = parser.parse(line);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInternal, fmt::format("{}: {}", context, e.what()));
    }
    if (event.type == WatchEventType::kError) {
      const auto status = parseStatus(event.object_json);
      if (!status) throw makeApiError(context, 500, event.object_json);
      throw makeApiError(context, *status);
    }
    if (!event.resource_version.empty()) result.resource_version = event.resource_version;
    on_event(event);
  };
  const StreamResult stream =
      transport_->stream(request, [&](std::string_view chunk) { splitter.feed(chunk, on_line); });
  if (stream.stopped) {
    result.stopped = true;
    return result;
  }
  if (!isSuccess(stream.response.status)) {
    throw makeApiError(context, stream.response.status, stream.response.body);
  }
  splitter.finish(on_line);
  return result;
}

}  // namespace keelson::kube
