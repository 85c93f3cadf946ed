#include "net/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <random>
#include <utility>

#include "core/error.h"
#include "core/log.h"

#ifndef KEELSON_VERSION
#define KEELSON_VERSION "0.0.0"
#endif

namespace keelson::net {

namespace {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

struct CurlUrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;

struct CurlFreeDeleter {
  void operator()(char* p) const noexcept { curl_free(p); }
};
using CurlCharPtr = std::unique_ptr<char, CurlFreeDeleter>;

// curl_easy_setopt is a variadic macro; a failure here is a programming error or a libcurl
// built without a feature we rely on, so it is reported as kInternal.
template <typename T>
void setOpt(CURL* handle, CURLoption option, T value, const char* name) {
  const CURLcode code = curl_easy_setopt(handle, option, value);
  if (code != CURLE_OK) {
    throw Error(ErrorCode::kInternal,
                fmt::format("curl_easy_setopt({}) failed: {}", name, curl_easy_strerror(code)));
  }
}
#define KEELSON_SETOPT(handle, option, value) setOpt(handle, option, value, #option)

void appendHeader(CurlSlistPtr& list, const std::string& line) {
  curl_slist* appended = curl_slist_append(list.get(), line.c_str());
  if (appended == nullptr) throw Error(ErrorCode::kInternal, "curl_slist_append: out of memory");
  static_cast<void>(list.release());
  list.reset(appended);
}

std::string_view trim(std::string_view s) noexcept {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Sleeps for `duration` unless `stop` is requested first; returns false when stopped.
bool sleepFor(std::chrono::milliseconds duration, const std::stop_token& stop) {
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  cv.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

double unitRandom() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

enum class TransferFailure { kBeforeSend, kDuringTransfer, kPermanent };

// Whether a failed transfer may be retried: failures before any byte was sent are safe for
// every method; later ones only for reads; TLS and configuration problems never.
TransferFailure classify(CURLcode code) noexcept {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return TransferFailure::kBeforeSend;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransferFailure::kDuringTransfer;
    default:
      return TransferFailure::kPermanent;
  }
}

ErrorCode errorCodeForCurl(CURLcode code) noexcept {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorCode::kTimeout;
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorCode::kBadInput;  // our configuration, not the server
    default:
      return ErrorCode::kUnavailable;
  }
}

// Base URL without a trailing '/'; only http and https.
std::string normalizeBaseUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("server URL {}: only https:// and http:// are supported", url));
  }
  return url;
}

}  // namespace

std::string withDefaultScheme(std::string url) {
  if (url.find("://") == std::string::npos) url = "https://" + url;
  return url;
}

void ensureCurlGlobalInit() {
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (result != CURLE_OK) {
    throw Error(ErrorCode::kInternal,
                fmt::format("curl_global_init failed: {}", curl_easy_strerror(result)));
  }
}

namespace detail {

struct CurlHandle {
  CurlEasyPtr easy;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
};

struct CurlAttempt {
  CURLcode code = CURLE_OK;
  std::string error;  // curl's error buffer, or curl_easy_strerror
  HttpResponse response;
  bool stopped = false;
  bool delivered = false;  // a chunk reached the stream handler
  std::exception_ptr handler_error;
  // Callback context.
  const ChunkHandler* on_chunk = nullptr;
  const std::stop_token* stop = nullptr;
};

}  // namespace detail

namespace {

using detail::CurlAttempt;
using detail::CurlHandle;

size_t onHeader(char* data, size_t size, size_t count, void* user) noexcept {
  auto* response = static_cast<HttpResponse*>(user);
  const std::string_view line = trim(std::string_view(data, size * count));
  try {
    if (line.rfind("HTTP/", 0) == 0) {
      // A new response starts (after "100 Continue" or a proxy's CONNECT answer).
      response->headers.clear();
      const auto space = line.find(' ');
      int status = 0;
      if (space != std::string_view::npos) {
        const auto code = line.substr(space + 1, 3);
        std::from_chars(code.data(), code.data() + code.size(), status);
      }
      response->status = status;
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      response->headers.push_back(
          {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
    }
  } catch (...) {
    return 0;  // out of memory: abort the transfer
  }
  return size * count;
}

size_t onBody(char* data, size_t size, size_t count, void* user) noexcept {
  auto* attempt = static_cast<CurlAttempt*>(user);
  const size_t bytes = size * count;
  const bool success = attempt->response.status >= 200 && attempt->response.status < 300;
  try {
    if (attempt->on_chunk != nullptr && success) {
      (*attempt->on_chunk)(std::string_view(data, bytes));
      attempt->delivered = true;
    } else {
      attempt->response.body.append(data, bytes);
    }
  } catch (...) {
    // Exceptions must not cross libcurl's C frames: keep it and abort the transfer.
    attempt->handler_error = std::current_exception();
    return CURL_WRITEFUNC_ERROR;
  }
  return bytes;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) noexcept {
  auto* attempt = static_cast<CurlAttempt*>(user);
  if (attempt->stop->stop_requested()) {
    attempt->stopped = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

}  // namespace

HttpClient::HttpClient(Endpoint endpoint, HttpClientOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)) {
  ensureCurlGlobalInit();
  endpoint_.base_url = normalizeBaseUrl(std::move(endpoint_.base_url));
  url_base_ = endpoint_.base_url;
  if (options_.user_agent.empty()) options_.user_agent = "keelson/" KEELSON_VERSION;
  const std::string& server = endpoint_.base_url;
  const std::string& tls_server_name = endpoint_.tls_server_name;
  if (!tls_server_name.empty()) {
    // libcurl verifies the certificate against the URL's host, so the URL names the TLS server
    // name and CURLOPT_CONNECT_TO sends the connection to the configured address.
    CurlUrlPtr url(curl_url());
    if (!url || curl_url_set(url.get(), CURLUPART_URL, server.c_str(), 0) != CURLUE_OK) {
      throw Error(ErrorCode::kBadInput, fmt::format("server URL {}: malformed", server));
    }
    char* host_raw = nullptr;
    char* port_raw = nullptr;
    if (curl_url_get(url.get(), CURLUPART_HOST, &host_raw, 0) != CURLUE_OK ||
        curl_url_get(url.get(), CURLUPART_PORT, &port_raw, CURLU_DEFAULT_PORT) != CURLUE_OK) {
      curl_free(host_raw);
      throw Error(ErrorCode::kBadInput, fmt::format("server URL {}: no host or port", server));
    }
    const CurlCharPtr host(host_raw);
    const CurlCharPtr port(port_raw);
    char* rewritten_raw = nullptr;
    if (curl_url_set(url.get(), CURLUPART_HOST, tls_server_name.c_str(), 0) != CURLUE_OK ||
        curl_url_get(url.get(), CURLUPART_URL, &rewritten_raw, 0) != CURLUE_OK) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("tls-server-name {}: not a valid host name", tls_server_name));
    }
    const CurlCharPtr rewritten(rewritten_raw);
    url_base_ = normalizeBaseUrl(rewritten.get());
    connect_to_ = fmt::format("{}:{}:{}:{}", tls_server_name, port.get(), host.get(), port.get());
  }
}

HttpClient::~HttpClient() = default;

std::unique_ptr<detail::CurlHandle> HttpClient::acquireHandle() {
  {
    const std::lock_guard lock(pool_mutex_);
    if (!idle_handles_.empty()) {
      auto handle = std::move(idle_handles_.back());
      idle_handles_.pop_back();
      return handle;
    }
  }
  auto handle = std::make_unique<CurlHandle>();
  handle->easy.reset(curl_easy_init());
  if (!handle->easy) throw Error(ErrorCode::kInternal, "curl_easy_init failed");
  return handle;
}

void HttpClient::releaseHandle(std::unique_ptr<CurlHandle> handle) noexcept {
  const std::lock_guard lock(pool_mutex_);
  if (idle_handles_.size() < options_.max_idle_handles) {
    try {
      idle_handles_.push_back(std::move(handle));
    } catch (...) {
      // Out of memory: dropping the handle only costs a reconnect.
    }
  }
}

CurlAttempt HttpClient::perform(CurlHandle& handle, const HttpRequest& request,
                                const ChunkHandler* on_chunk) {
  CURL* easy = handle.easy.get();
  // Reset options but keep the handle's connection cache, TLS session cache and DNS cache.
  curl_easy_reset(easy);
  handle.error_buffer[0] = '\0';

  CurlAttempt attempt;
  attempt.on_chunk = on_chunk;
  attempt.stop = &request.stop;

  const std::string url = url_base_ + request.path;
  KEELSON_SETOPT(easy, CURLOPT_URL, url.c_str());
  KEELSON_SETOPT(easy, CURLOPT_PROTOCOLS_STR, "https,http");
  KEELSON_SETOPT(easy, CURLOPT_NOSIGNAL, 1L);
  KEELSON_SETOPT(easy, CURLOPT_ERRORBUFFER, handle.error_buffer.data());
  KEELSON_SETOPT(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  KEELSON_SETOPT(easy, CURLOPT_FOLLOWLOCATION, 0L);
  KEELSON_SETOPT(easy, CURLOPT_ACCEPT_ENCODING, "");  // gzip for large lists
  KEELSON_SETOPT(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  KEELSON_SETOPT(easy, CURLOPT_TCP_KEEPIDLE, 30L);
  KEELSON_SETOPT(easy, CURLOPT_TCP_KEEPINTVL, 15L);
  KEELSON_SETOPT(easy, CURLOPT_CONNECTTIMEOUT_MS,
                 static_cast<long>(options_.connect_timeout.count()));

  if (on_chunk == nullptr) {
    const auto timeout = request.timeout.count() > 0 ? request.timeout : options_.request_timeout;
    KEELSON_SETOPT(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  } else {
    KEELSON_SETOPT(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    const auto idle =
        request.idle_timeout.count() > 0 ? request.idle_timeout : options_.stream_idle_timeout;
    if (idle.count() > 0) {
      KEELSON_SETOPT(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
      KEELSON_SETOPT(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(idle.count()));
    }
  }

  // Method and body. The body string outlives curl_easy_perform (it is the caller's).
  if (request.method == "GET") {
    KEELSON_SETOPT(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    KEELSON_SETOPT(easy, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method != "POST") {
      KEELSON_SETOPT(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty() || request.method == "POST") {
      KEELSON_SETOPT(easy, CURLOPT_POSTFIELDS, request.body.data());
      KEELSON_SETOPT(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    }
  }

  CurlSlistPtr headers;
  appendHeader(headers, "Expect:");  // no 100-continue round trip
  for (const auto& header : request.headers) {
    appendHeader(headers, header.name + ": " + header.value);
  }
  KEELSON_SETOPT(easy, CURLOPT_HTTPHEADER, headers.get());

  // TLS. Verification is on unless the endpoint explicitly turned it off.
  KEELSON_SETOPT(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (endpoint_.insecure_skip_tls_verify) {
    KEELSON_SETOPT(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    KEELSON_SETOPT(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    KEELSON_SETOPT(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    KEELSON_SETOPT(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (!endpoint_.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(endpoint_.ca_pem.data()), endpoint_.ca_pem.size(),
                   CURL_BLOB_COPY};
    KEELSON_SETOPT(easy, CURLOPT_CAINFO_BLOB, &blob);
    // Trust only the configured CA, like client-go: no system CA directory on top of it.
    KEELSON_SETOPT(easy, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  } else if (!endpoint_.ca_file.empty()) {
    KEELSON_SETOPT(easy, CURLOPT_CAINFO, endpoint_.ca_file.c_str());
    KEELSON_SETOPT(easy, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  }
  if (!endpoint_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(endpoint_.client_cert_pem.data()),
                   endpoint_.client_cert_pem.size(), CURL_BLOB_COPY};
    KEELSON_SETOPT(easy, CURLOPT_SSLCERT_BLOB, &cert);
    KEELSON_SETOPT(easy, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!endpoint_.client_key_pem.empty()) {
    curl_blob key{const_cast<char*>(endpoint_.client_key_pem.data()),
                  endpoint_.client_key_pem.size(), CURL_BLOB_COPY};
    KEELSON_SETOPT(easy, CURLOPT_SSLKEY_BLOB, &key);
    KEELSON_SETOPT(easy, CURLOPT_SSLKEYTYPE, "PEM");
  }
  CurlSlistPtr connect_to;
  if (!connect_to_.empty()) {
    appendHeader(connect_to, connect_to_);
    KEELSON_SETOPT(easy, CURLOPT_CONNECT_TO, connect_to.get());
  }

  KEELSON_SETOPT(easy, CURLOPT_HEADERFUNCTION, &onHeader);
  KEELSON_SETOPT(easy, CURLOPT_HEADERDATA, &attempt.response);
  KEELSON_SETOPT(easy, CURLOPT_WRITEFUNCTION, &onBody);
  KEELSON_SETOPT(easy, CURLOPT_WRITEDATA, &attempt);
  if (request.stop.stop_possible()) {
    KEELSON_SETOPT(easy, CURLOPT_NOPROGRESS, 0L);
    KEELSON_SETOPT(easy, CURLOPT_XFERINFOFUNCTION, &onProgress);
    KEELSON_SETOPT(easy, CURLOPT_XFERINFODATA, &attempt);
  }

  attempt.code = curl_easy_perform(easy);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0) attempt.response.status = static_cast<int>(status);
  if (attempt.code != CURLE_OK) {
    attempt.error = handle.error_buffer[0] != '\0' ? std::string(handle.error_buffer.data())
                                                   : curl_easy_strerror(attempt.code);
    while (!attempt.error.empty() && attempt.error.back() == '\n') attempt.error.pop_back();
  }
  return attempt;
}

StreamResult HttpClient::run(const HttpRequest& request, const ChunkHandler* on_chunk) {
  const auto started = std::chrono::steady_clock::now();
  const RetryPolicy policy =
      request.retry ? *request.retry : RetryPolicy::forMethod(request.method);
  const std::string& server = endpoint_.base_url;
  int attempt_number = 0;
  for (;;) {
    ++attempt_number;
    auto handle = acquireHandle();
    CurlAttempt attempt = perform(*handle, request, on_chunk);
    releaseHandle(std::move(handle));

    if (attempt.handler_error) std::rethrow_exception(attempt.handler_error);
    if (attempt.code != CURLE_OK && attempt.code != CURLE_OPERATION_TIMEDOUT &&
        attempt.response.status >= 300 &&
        classify(attempt.code) == TransferFailure::kDuringTransfer) {
      // An error answer arrived and then the connection went away. kube-apiserver does this on
      // HTTP/2 after a 401 (GOAWAY, so that new credentials get a new connection), and libcurl
      // 7.88 reports it as a partial transfer. The status is the answer; the body only feeds the
      // error message.
      core::logEvent(spdlog::level::debug, "http: response followed by a transfer error",
                     {{"method", request.method},
                      {"path", request.path},
                      {"status", attempt.response.status},
                      {"error", attempt.error}});
      attempt.code = CURLE_OK;
    }
    if (attempt.stopped ||
        (attempt.code == CURLE_ABORTED_BY_CALLBACK && request.stop.stop_requested())) {
      if (on_chunk != nullptr) return StreamResult{std::move(attempt.response), true};
      throw Error(ErrorCode::kUnavailable, fmt::format("{}: request cancelled ({} {})", server,
                                                       request.method, request.path));
    }

    // The wait before the next attempt, or nullopt when this outcome is final.
    std::optional<std::chrono::milliseconds> wait;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    const bool may_retry = attempt_number < policy.max_attempts && !attempt.delivered;

    if (attempt.code != CURLE_OK) {
      const TransferFailure failure = classify(attempt.code);
      const bool retryable =
          (failure == TransferFailure::kBeforeSend && policy.retry_connect_failures) ||
          (failure == TransferFailure::kDuringTransfer && policy.retry_transfer_failures);
      if (may_retry && retryable) wait = backoffDelay(policy, attempt_number, unitRandom());
      if (!wait || elapsed + *wait > policy.max_total) {
        throw Error(
            errorCodeForCurl(attempt.code),
            fmt::format("{}: {} ({} {})", server, attempt.error, request.method, request.path));
      }
      core::logEvent(spdlog::level::debug, "http: request failed; retrying",
                     {{"method", request.method},
                      {"path", request.path},
                      {"error", attempt.error},
                      {"retry_in_ms", wait->count()},
                      {"attempt", attempt_number + 1},
                      {"max_attempts", policy.max_attempts}});
    } else {
      if (may_retry && policy.retry_response && policy.retry_response(attempt.response)) {
        // -1: no usable Retry-After (a plain integer keeps gcc's maybe-uninitialized quiet).
        long long retry_after_seconds = -1;
        if (const auto header = attempt.response.header("Retry-After");
            header && policy.honour_retry_after) {
          if (const auto parsed = parseRetryAfter(*header)) retry_after_seconds = parsed->count();
        }
        const std::chrono::milliseconds retry_after(retry_after_seconds * 1000);
        if (retry_after_seconds < 0) {
          wait = backoffDelay(policy, attempt_number, unitRandom());
        } else if (retry_after <= policy.max_backoff) {
          wait = retry_after;
        }
        // A Retry-After longer than max_backoff ends retrying: the caller sees the answer.
      }
      if (!wait || elapsed + *wait > policy.max_total) {
        return StreamResult{std::move(attempt.response), false};
      }
      core::logEvent(spdlog::level::debug, "http: retryable response; retrying",
                     {{"method", request.method},
                      {"path", request.path},
                      {"status", attempt.response.status},
                      {"retry_in_ms", wait->count()},
                      {"attempt", attempt_number + 1},
                      {"max_attempts", policy.max_attempts}});
    }
    if (!sleepFor(*wait, request.stop)) {
      if (on_chunk != nullptr) return StreamResult{HttpResponse{}, true};
      throw Error(ErrorCode::kUnavailable, fmt::format("{}: request cancelled ({} {})", server,
                                                       request.method, request.path));
    }
  }
}

HttpResponse HttpClient::request(const HttpRequest& request) {
  return run(request, nullptr).response;
}

StreamResult HttpClient::stream(const HttpRequest& request, const ChunkHandler& on_chunk) {
  return run(request, &on_chunk);
}

}  // namespace keelson::net
