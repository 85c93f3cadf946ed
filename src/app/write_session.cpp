#include "app/write_session.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <utility>

namespace keelson::app {

WriteSession::WriteSession(const kube::ConfigOptions& options,
                           std::chrono::milliseconds request_timeout,
                           const std::filesystem::path& audit_path, act::Requester requester)
    : access_(options, ClientProfile::kInteractive, request_timeout),
      audit_(store::AuditLog::open(audit_path)),
      actuator_(std::make_unique<act::Actuator>(access_.client(), audit_, std::move(requester))) {}

std::string localUser() {
  const uid_t uid = geteuid();
  passwd entry{};
  passwd* found = nullptr;
  std::array<char, 4096> buffer{};
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr) {
    return found->pw_name;
  }
  return "uid " + std::to_string(uid);
}

}  // namespace keelson::app
