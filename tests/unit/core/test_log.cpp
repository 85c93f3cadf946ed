#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdlib>
#include <ctime>
#include <mutex>
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

// One line logged with logEvent through a logger with makeLogFormatter(format).
std::string eventLine(std::string_view format, std::string_view msg,
                      std::initializer_list<LogField> fields) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("keelson", sink);
  logger.set_formatter(makeLogFormatter(format));
  logEvent(logger, spdlog::level::warn, msg, fields);
  return out.str();
}

TEST(LogEvent, TextIsLogfmtInTheCallersOrder) {
  const std::string line = eventLine(
      "text", "informer: skipping event",
      {{"resource", "pods"}, {"count", 3}, {"ratio", 0.5}, {"ok", true}, {"error", "bad \"x\""}});
  EXPECT_NE(line.find(" warning informer: skipping event resource=pods count=3 ratio=0.5 ok=true "
                      "error=\"bad \\\"x\\\"\"\n"),
            std::string::npos)
      << line;
}

TEST(LogEvent, JsonFieldsAreKeysOfTheLine) {
  const json line = json::parse(eventLine(
      "json", "informer: skipping event",
      {{"resource", "pods"}, {"count", std::size_t{3}}, {"ok", false}, {"level", "forged"}}));
  EXPECT_EQ(line["msg"], "informer: skipping event");
  EXPECT_EQ(line["resource"], "pods");
  EXPECT_EQ(line["count"], 3);
  EXPECT_EQ(line["ok"], false);
  EXPECT_EQ(line["level"], "warning");
}

TEST(LogEvent, LogfmtQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(formatLogfmtValue("plain/value:1"), "plain/value:1");
  EXPECT_EQ(formatLogfmtValue(""), "\"\"");
  EXPECT_EQ(formatLogfmtValue("a b"), "\"a b\"");
  EXPECT_EQ(formatLogfmtValue("k=v"), "\"k=v\"");
  EXPECT_EQ(formatLogfmtValue("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(formatLogfmtValue("C:\\dir"), R"("C:\\dir")");
  EXPECT_EQ(formatLogfmtValue("two\nlines\ttab"), R"("two\nlines\ttab")");
}

TEST(LogEvent, TextRendersAStructuredPayloadOfAnyLogger) {
  const std::string line = logLine("text", R"({"msg":"http request","status":404,"path":"/x y"})");
  EXPECT_NE(line.find(" info http request status=404 path=\"/x y\"\n"), std::string::npos) << line;
}

// A sink that counts what reaches it.
class CountingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  int lines = 0;

 protected:
  void sink_it_(const spdlog::details::log_msg& /*msg*/) override { ++lines; }
  void flush_() override {}
};

TEST(LogEvent, NothingIsLoggedBelowTheLevel) {
  auto sink = std::make_shared<CountingSink>();
  spdlog::logger logger("keelson", sink);
  logger.set_level(spdlog::level::warn);
  logEvent(logger, spdlog::level::debug, "not shown", {{"key", "value"}});
  EXPECT_EQ(sink->lines, 0);
  logEvent(logger, spdlog::level::err, "shown", {{"key", "value"}});
  EXPECT_EQ(sink->lines, 1);
  logger.set_level(spdlog::level::off);
  logEvent(logger, spdlog::level::critical, "off", {{"key", "value"}});
  EXPECT_EQ(sink->lines, 1);
}

TEST(LogFormat, UnknownFormatIsAnError) {
  EXPECT_THROW((void)makeLogFormatter("xml"), Error);
  EXPECT_THROW(setupLogging("loud", "text"), Error);
}

}  // namespace
}  // namespace keelson::core
