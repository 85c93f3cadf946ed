// Watch-stream framing and event parsing (kube/watch.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "kube/watch.h"

namespace keelson::kube {
namespace {

std::vector<std::string> splitInChunks(const std::string& stream, std::size_t chunk_size) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  const auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk_size) {
    splitter.feed(std::string_view(stream).substr(pos, chunk_size), collect);
  }
  splitter.finish(collect);
  return lines;
}

TEST(LineSplitter, SameLinesWhateverTheChunkBoundaries) {
  const std::string stream =
      "{\"type\":\"ADDED\",\"n\":1}\n{\"type\":\"MODIFIED\",\"n\":2}\r\n\n"
      "{\"type\":\"DELETED\",\"text\":\"multi\\nline escaped\"}\n{\"last\":true}";
  const std::vector<std::string> expected = {
      R"({"type":"ADDED","n":1})", R"({"type":"MODIFIED","n":2})",
      R"({"type":"DELETED","text":"multi\nline escaped"})", R"({"last":true})"};
  for (std::size_t size = 1; size <= stream.size(); ++size) {
    EXPECT_EQ(splitInChunks(stream, size), expected) << "chunk size " << size;
  }
}

TEST(LineSplitter, HoldsBackAnIncompleteLine) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  const auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.feed("abc", collect);
  EXPECT_TRUE(lines.empty());
  EXPECT_EQ(splitter.buffered(), 3u);
  splitter.feed("def\ngh", collect);
  EXPECT_EQ(lines, std::vector<std::string>{"abcdef"});
  EXPECT_EQ(splitter.buffered(), 2u);
}

TEST(LineSplitter, BoundsLineLength) {
  LineSplitter splitter(8);
  const auto ignore = [](std::string_view) {};
  splitter.feed("12345678\n", ignore);
  EXPECT_THROW(splitter.feed("123456789", ignore), Error);
  EXPECT_EQ(splitter.buffered(), 0u);
  EXPECT_THROW(splitter.feed("1234567890\n", ignore), Error);
}

TEST(WatchEventParser, ReturnsTypeRawObjectAndResourceVersion) {
  WatchEventParser parser;
  const std::string object =
      R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","namespace":"n","resourceVersion":"1234","uid":"u"},"data":{"k":"v\n"}})";
  const WatchEvent event = parser.parse(R"({"type":"MODIFIED","object":)" + object + "}");
  EXPECT_EQ(event.type, WatchEventType::kModified);
  EXPECT_EQ(event.object_json, object);
  EXPECT_EQ(event.resource_version, "1234");
}

TEST(WatchEventParser, KeyOrderDoesNotMatter) {
  WatchEventParser parser;
  const WatchEvent event =
      parser.parse(R"({"object":{"metadata":{"resourceVersion":"7"}}, "type":"DELETED"})");
  EXPECT_EQ(event.type, WatchEventType::kDeleted);
  EXPECT_EQ(event.resource_version, "7");
}

TEST(WatchEventParser, BookmarkAndError) {
  WatchEventParser parser;
  const WatchEvent bookmark = parser.parse(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"999","annotations":{"k8s.io/initial-events-end":"true"}}}})");
  EXPECT_EQ(bookmark.type, WatchEventType::kBookmark);
  EXPECT_EQ(bookmark.resource_version, "999");
  const WatchEvent error = parser.parse(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}})j");
  EXPECT_EQ(error.type, WatchEventType::kError);
  EXPECT_THAT(std::string(error.object_json), ::testing::HasSubstr("\"code\":410"));
  EXPECT_EQ(error.resource_version, "");
}

TEST(WatchEventParser, RejectsMalformedLines) {
  WatchEventParser parser;
  EXPECT_THROW(parser.parse("not json"), Error);
  EXPECT_THROW(parser.parse(R"({"type":"ADDED"})"), Error);
  EXPECT_THROW(parser.parse(R"({"type":"RENAMED","object":{}})"), Error);
  EXPECT_THROW(parser.parse(R"({"type":"ADDED","object":[1]})"), Error);
  EXPECT_THROW(parser.parse(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":5}}})"),
               Error);
  // An object without metadata (never sent by the API server) has no resourceVersion.
  EXPECT_EQ(parser.parse(R"({"type":"ADDED","object":{}})").resource_version, "");
}

TEST(WatchEventTypeName, Names) {
  EXPECT_EQ(watchEventTypeName(WatchEventType::kAdded), "ADDED");
  EXPECT_EQ(watchEventTypeName(WatchEventType::kBookmark), "BOOKMARK");
  EXPECT_EQ(watchEventTypeName(WatchEventType::kError), "ERROR");
}

}  // namespace
}  // namespace keelson::kube
