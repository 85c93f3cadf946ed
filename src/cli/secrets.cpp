#include "cli/secrets.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace keelson::cli {

std::string readFileText(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kBadInput, flag + " " + path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  return content;
}

std::string secretFromFileOrEnv(const SecretSource& source, std::vector<std::string>& missing) {
  if (!source.file.empty()) {
    std::string secret = readFileText(source.flag, source.file);
    if (!secret.empty()) return secret;
  } else if (const char* value = std::getenv(source.env); value != nullptr && *value != '\0') {
    return value;
  }
  missing.push_back(std::string(source.env) + " (environment or " + source.flag + ")");
  return {};
}

void requireSecrets(std::string_view who, const std::vector<std::string>& missing) {
  if (missing.empty()) return;
  std::string names;
  for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
  throw Error(ErrorCode::kBadInput, std::string(who) + " needs its secrets; missing: " + names);
}

}  // namespace keelson::cli
