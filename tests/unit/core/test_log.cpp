#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/log.h"

namespace keelson::core {
namespace {

using nlohmann::json;

// One line logged through a logger with makeLogFormatter(format), as written.
std::string logLine(std::string_view format, const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("keelson", sink);
  logger.set_formatter(makeLogFormatter(format));
  logger.info("{}", message);
  return out.str();
}

TEST(LogFormat, JsonQuotesAPlainMessage) {
  const json line = json::parse(logLine("json", "a \"quoted\" word\n{not json"));
  EXPECT_EQ(line["msg"], "a \"quoted\" word\n{not json");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["logger"], "keelson");
  EXPECT_EQ(line["time"].get<std::string>().back(), 'Z');
}

TEST(LogFormat, JsonMergesAStructuredMessage) {
  const json fields = {{"msg", "http request"},
                       {"status", 404},
                       {"path", "/x"},
                       {"level", "forged"},
                       {"nested", {{"a", 1}}}};
  const json line = json::parse(logLine("json", fields.dump()));
  EXPECT_EQ(line["msg"], "http request");
  EXPECT_EQ(line["status"], 404);
  EXPECT_EQ(line["path"], "/x");
  EXPECT_EQ(line["nested"]["a"], 1);
  EXPECT_EQ(line["level"], "info");  // the message cannot overwrite the line's own fields
}

TEST(LogFormat, JsonKeepsInvalidUtf8Parseable) {
  const json line = json::parse(logLine("json", std::string("bad \xff byte")));
  EXPECT_TRUE(line["msg"].is_string());
}

TEST(LogFormat, TextIsTheMessage) {
  const std::string line = logLine("text", "hello");
  EXPECT_NE(line.find(" info hello"), std::string::npos) << line;
}

// The offset is the local zone's, as the C library computes it for the same moment.
TEST(LogFormat, TextTimesCarryTheirUtcOffset) {
  const std::string line = logLine("text", "hello");
  ASSERT_TRUE(std::regex_search(
      line, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d info hello)")))
      << line;
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char offset[8];
  std::strftime(offset, sizeof offset, "%z", &local);  // "+0530"
  const std::string expected = std::string(offset, 3) + ":" + std::string(offset + 3, 2);
  EXPECT_EQ(line.substr(23, 6), expected) << line;
}

TEST(LogFormat, NoColorTurnsColoursOff) {
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_EQ(logColorMode(), spdlog::color_mode::never);
  ::setenv("NO_COLOR", "", 1);
  EXPECT_EQ(logColorMode(), spdlog::color_mode::automatic);
  ::unsetenv("NO_COLOR");
  EXPECT_EQ(logColorMode(), spdlog::color_mode::automatic);
}

TEST(LogFormat, UnknownFormatIsAnError) {
  EXPECT_THROW((void)makeLogFormatter("xml"), Error);
  EXPECT_THROW(setupLogging("loud", "text"), Error);
}

}  // namespace
}  // namespace keelson::core
