#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <nlohmann/json.hpp>
#include <sstream>

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

TEST(LogFormat, UnknownFormatIsAnError) {
  EXPECT_THROW((void)makeLogFormatter("xml"), Error);
  EXPECT_THROW(setupLogging("loud", "text"), Error);
}

}  // namespace
}  // namespace keelson::core
