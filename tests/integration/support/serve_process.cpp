#include "support/serve_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/test_env.h"

namespace keelson::testing {

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

HttpAnswer httpGet(int port, const std::string& path) {
  return curlGet("http://127.0.0.1:" + std::to_string(port) + path);
}

HttpAnswer curlGet(const std::string& url, const std::vector<std::string>& curl_args) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"};
  argv.insert(argv.end(), curl_args.begin(), curl_args.end());
  argv.push_back(url);
  const auto out = run(argv);
  HttpAnswer answer;
  const auto nl = out.out.rfind('\n');
  if (out.exit_code != 0 || nl == std::string::npos) return answer;
  answer.body = out.out.substr(0, nl);
  answer.status = std::stoi(out.out.substr(nl + 1));
  return answer;
}

bool ServeProcess::start(const TestCluster& cluster, const std::vector<std::string>& extra_args) {
  port_ = freePort();
  std::vector<std::string> args = {keelson::testing::keelsonBinary(),
                                   "serve",
                                   "--kubeconfig",
                                   cluster.kubeconfig,
                                   "--address",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(port_)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // Tests of the documents run without authentication; the auth tests choose it explicitly.
  const bool chose_authentication =
      std::any_of(extra_args.begin(), extra_args.end(),
                  [](const std::string& arg) { return arg.starts_with("--authentication"); });
  if (!chose_authentication) args.emplace_back("--authentication=none");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setenv("LOG_LEVEL", "info", 1);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid_ > 0;
}

void ServeProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ServeProcess::signalAndWait(int signal, std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

HttpAnswer ServeProcess::get(const std::string& path, const std::string& bearer) const {
  std::vector<std::string> args = curl_args_;
  if (!bearer.empty()) args.insert(args.end(), {"-H", "Authorization: Bearer " + bearer});
  return curlGet(scheme_ + "://127.0.0.1:" + std::to_string(port_) + path, args);
}

HttpAnswer ServeProcess::waitFor(const std::string& path, int status, std::chrono::seconds timeout,
                                 const std::string& bearer) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpAnswer answer;
  while (std::chrono::steady_clock::now() < deadline) {
    answer = get(path, bearer);
    if (answer.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return answer;
}

}  // namespace keelson::testing
