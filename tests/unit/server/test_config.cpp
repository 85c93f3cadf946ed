#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/error.h"
#include "server/config.h"

namespace keelson::server {
namespace {

using std::chrono::milliseconds;

TEST(ServerConfig, ParsesGoDurations) {
  EXPECT_EQ(parseDuration("10s"), milliseconds(10000));
  EXPECT_EQ(parseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(parseDuration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parseDuration("2h"), milliseconds(7200000));
  EXPECT_EQ(parseDuration("1500us"), milliseconds(1));
  EXPECT_EQ(parseDuration("0"), milliseconds(0));
  for (const char* bad : {"", "10", "s", "-1s", "10x", "1..5s", "ms5"}) {
    EXPECT_THROW(parseDuration(bad), Error) << bad;
  }
}

TEST(ServerConfig, AppliesEnvironment) {
  std::map<std::string, std::string> env = {
      {"PORT", "9090"}, {"READ_TIMEOUT", "3s"}, {"WRITE_TIMEOUT", "250ms"}};
  const auto lookup = [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  const auto options = applyEnvironment(ServerOptions{}, lookup);
  EXPECT_EQ(options.port, 9090);
  EXPECT_EQ(options.read_timeout, milliseconds(3000));
  EXPECT_EQ(options.write_timeout, milliseconds(250));

  env.clear();
  const auto defaults = applyEnvironment(ServerOptions{}, lookup);
  EXPECT_EQ(defaults.port, 8080);
  EXPECT_EQ(defaults.read_timeout, milliseconds(10000));

  env = {{"PORT", "70000"}};
  EXPECT_THROW(applyEnvironment(ServerOptions{}, lookup), Error);
  env = {{"READ_TIMEOUT", "soon"}};
  try {
    applyEnvironment(ServerOptions{}, lookup);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("READ_TIMEOUT"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace keelson::server
