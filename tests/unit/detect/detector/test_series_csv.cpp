// The timestamp,value reader: timestamp forms, header handling and errors that name the line.
#include <gtest/gtest.h>

#include <sstream>

#include "core/error.h"
#include "detect/series_csv.h"

namespace keelson::detect {
namespace {

TEST(ParseTimestamp, NabForm) {
  EXPECT_EQ(parseTimestampMs("2014-04-01 00:00:00"), 1396310400000);
  EXPECT_EQ(parseTimestampMs("2014-04-10 07:15:00.000000"), 1397114100000);
  EXPECT_EQ(parseTimestampMs("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(parseTimestampMs("2016-02-29 12:00:00"), 1456747200000);  // leap day
}

TEST(ParseTimestamp, Rfc3339) {
  EXPECT_EQ(parseTimestampMs("2014-04-01T00:00:00Z"), 1396310400000);
  EXPECT_EQ(parseTimestampMs("2014-04-01T02:00:00+02:00"), 1396310400000);
  EXPECT_EQ(parseTimestampMs("2014-03-31T23:30:00.250-00:30"), 1396310400250);
}

TEST(ParseTimestamp, UnixSeconds) {
  EXPECT_EQ(parseTimestampMs("1396310400"), 1396310400000);
  EXPECT_EQ(parseTimestampMs("1396310400.5"), 1396310400500);
}

TEST(ParseTimestamp, RejectsGarbage) {
  for (const char* bad :
       {"", "timestamp", "2014-13-01 00:00:00", "2014-02-30 00:00:00", "2014-04-01 24:00:00",
        "2014-04-01", "2014-04-01T00:00:00+0200", "2014-04-01 00:00:00 junk", "12abc", "1e400"}) {
    EXPECT_FALSE(parseTimestampMs(bad).has_value()) << bad;
  }
}

TEST(SeriesCsv, ReadsNabFileWithHeader) {
  std::istringstream in("timestamp,value\r\n2014-04-01 00:00:00,1.5\r\n\n2014-04-01 00:05:00,-2\n");
  SeriesCsvReader reader(in, "x.csv");
  auto a = reader.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->line, 2u);
  EXPECT_EQ(a->timestamp, "2014-04-01 00:00:00");
  EXPECT_EQ(a->timestamp_ms, 1396310400000);
  EXPECT_DOUBLE_EQ(a->value, 1.5);
  auto b = reader.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->line, 4u);
  EXPECT_DOUBLE_EQ(b->value, -2.0);
  EXPECT_FALSE(reader.next());
}

TEST(SeriesCsv, HeaderIsOptional) {
  const auto rows = parseSeriesCsv("1396310400,3\n1396310700,4\n", "x.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].timestamp_ms, 1396310700000);
}

void expectError(const std::string& text, const std::string& fragment) {
  try {
    parseSeriesCsv(text, "in.csv");
    FAIL() << "no error for: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
  std::istringstream in(text);
  SeriesCsvReader reader(in, "in.csv");
  try {
    while (reader.next()) {
    }
    FAIL() << "no error from the reader for: " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SeriesCsv, ErrorsNameTheLine) {
  expectError("timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,abc\n",
              "in.csv:3: value \"abc\"");
  expectError("timestamp,value\n2014-04-01 00:00:00,1\nnot a time,2\n", "in.csv:3: timestamp");
  expectError("timestamp,value\n2014-04-01 00:00:00\n", "in.csv:2: expected");
  expectError("timestamp,value\n2014-04-01 00:00:00,1,2\n", "in.csv:2: expected 2 fields");
  expectError("timestamp,value\n2014-04-01 00:00:00,nan\n", "in.csv:2: value");
  expectError("timestamp,value\n2014-04-01 00:00:00,inf\n", "in.csv:2: value");
  expectError("timestamp,value\n2014-04-01 00:00:00,\n", "in.csv:2: value");
}

}  // namespace
}  // namespace keelson::detect
