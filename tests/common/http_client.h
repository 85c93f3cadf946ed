#pragma once
// Test helpers for HTTP servers on loopback: a libcurl client (keep-alive, headers, status), a raw
// TCP connection for what curl hides (bytes after a response, partial requests), and the check
// of the spec's error envelope. Header-only; link CURL::libcurl, nlohmann_json and GTest.

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace keelson::testing {

using Clock = std::chrono::steady_clock;

// One process-wide curl_global_init, before any test thread makes a handle.
inline const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

struct HttpResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  long new_connects = 0;
  long local_port = 0;

  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// A libcurl easy handle; requests on one Client reuse its connection (keep-alive).
class Client {
 public:
  Client() : curl_(curl_easy_init()) {
    if (!kCurlReady || curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
  }
  ~Client() { curl_easy_cleanup(curl_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  HttpResult request(const std::string& method, const std::string& url,
                     const std::vector<std::string>& headers = {}) {
    HttpResult result;
    curl_slist* list = nullptr;
    for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Client::onBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &result);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &Client::onHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &result);
    result.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &result.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &result.new_connects);
    curl_easy_getinfo(curl_, CURLINFO_LOCAL_PORT, &result.local_port);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(list);
    return result;
  }

 private:
  static size_t onBody(char* data, size_t size, size_t n, void* user) {
    static_cast<HttpResult*>(user)->body.append(data, size * n);
    return size * n;
  }
  static size_t onHeader(char* data, size_t size, size_t n, void* user) {
    const std::string line(data, size * n);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      value.erase(value.find_last_not_of("\r\n") + 1);
      static_cast<HttpResult*>(user)->headers[name] = value;
    }
    return size * n;
  }
  CURL* curl_;
};

// A plain TCP connection, for what curl hides: bytes written after a response, partial requests.
// `source` (a loopback address such as "127.0.0.2") is the local address to connect from.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port, const char* source = nullptr)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  // True when the server closed the connection within `wait` (EOF or reset, nothing unread).
  bool closedByPeer(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char byte;
    return ::recv(fd_, &byte, 1, MSG_PEEK) <= 0;
  }
  void send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  // Reads one response (headers and a Content-Length body); "" on EOF or after `timeout`.
  std::string readResponse(std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    for (;;) {
      const auto end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::smatch m;
        const std::string head = pending_.substr(0, end);
        std::size_t length = 0;
        if (std::regex_search(head, m, std::regex("Content-Length: (\\d+)", std::regex::icase))) {
          length = std::stoul(m[1]);
        }
        if (pending_.size() >= end + 4 + length) {
          std::string response = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return response;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0 || !readSome(left)) return {};
    }
  }
  // Bytes arriving within `wait` (not part of any response already read).
  std::string drain(std::chrono::milliseconds wait) {
    const auto until = Clock::now() + wait;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0 || !readSome(left)) break;
    }
    std::string out;
    out.swap(pending_);
    return out;
  }

 private:
  bool readSome(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
  int fd_;
  bool connected_ = false;
  std::string pending_;
};

inline void expectErrorEnvelope(const HttpResult& result, long status, const std::string& code) {
  EXPECT_EQ(result.status, status) << result.body;
  const auto doc = result.json();
  EXPECT_EQ(doc["error"]["code"], code) << result.body;
  EXPECT_TRUE(doc["error"]["message"].is_string());
  EXPECT_EQ(doc["metadata"]["requestId"], result.headers.at("x-request-id"));
  EXPECT_TRUE(doc["metadata"]["timestamp"].is_string());
  EXPECT_FALSE(doc.contains("data"));
}

}  // namespace keelson::testing
