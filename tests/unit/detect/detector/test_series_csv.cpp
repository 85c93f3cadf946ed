// The timestamp,value reader: timestamp forms, header handling and errors that name the line.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <streambuf>
#include <string>

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

// A stream of `prefix`, then `fill_bytes` of 'x', then "\n": counts what the reader takes, so a
// test can tell that a huge line was not read to its end.
class HugeLineBuf : public std::streambuf {
 public:
  HugeLineBuf(std::string prefix, std::size_t fill_bytes)
      : prefix_(std::move(prefix)), fill_left_(fill_bytes), chunk_(65536, 'x') {}
  std::size_t served() const { return served_; }

 protected:
  int_type underflow() override {
    if (!prefix_.empty()) {
      current_ = std::move(prefix_);
      prefix_.clear();
    } else if (fill_left_ > 0) {
      current_.assign(chunk_, 0, std::min(fill_left_, chunk_.size()));
      fill_left_ -= current_.size();
    } else if (!newline_done_) {
      current_ = "\n";
      newline_done_ = true;
    } else {
      return traits_type::eof();
    }
    served_ += current_.size();
    setg(current_.data(), current_.data(), current_.data() + current_.size());
    return traits_type::to_int_type(current_.front());
  }

 private:
  std::string prefix_;
  std::size_t fill_left_;
  std::string chunk_;
  std::string current_;
  bool newline_done_ = false;
  std::size_t served_ = 0;
};

TEST(SeriesCsv, AHugeLineFailsAtTheCapWithoutBeingReadToItsEnd) {
  EXPECT_EQ(kMaxSeriesLineBytes, std::size_t{1} << 20);
  HugeLineBuf buf("timestamp,value\n2014-04-01 00:00:00,1\n", std::size_t{64} << 20);
  std::istream in(&buf);
  SeriesCsvReader reader(in, "big.csv");
  ASSERT_TRUE(reader.next().has_value());
  try {
    (void)reader.next();
    FAIL() << "no error for a 64 MiB line";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_EQ(std::string(e.what()),
              "big.csv:3: line longer than 1048576 bytes, the limit for one line of a "
              "timestamp,value series");
  }
  // Read no further than the cap and one chunk past it, nowhere near the 64 MiB.
  EXPECT_LT(buf.served(), (std::size_t{1} << 20) + 3 * 65536);
}

TEST(SeriesCsv, LinesUpToTheCapAreReadAcrossChunks) {
  // A configurable cap: rows of any length up to it, spanning getline chunks, are read whole.
  const std::string pad(100000, ' ');  // Spaces are trimmed: the row stays valid.
  std::istringstream in("2014-04-01 00:00:00,1" + pad + "\n2014-04-01 00:05:00,2" + pad);
  SeriesCsvReader reader(in, "in.csv", 100021);
  auto row = reader.next();
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->value, 1);
  row = reader.next();  // The last line has no '\n'.
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->value, 2);
  EXPECT_EQ(row->line, 2u);
  EXPECT_FALSE(reader.next().has_value());

  std::istringstream longer("2014-04-01 00:00:00,1" + pad + " \n");
  SeriesCsvReader strict(longer, "in.csv", 100021);
  try {
    (void)strict.next();
    FAIL() << "no error for a line one byte over the cap";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("in.csv:1: line longer than 100021 bytes"),
              std::string::npos)
        << e.what();
  }
  // The in-memory reader applies the same bound.
  EXPECT_THROW(parseSeriesCsv(std::string(kMaxSeriesLineBytes + 1, '1'), "m.csv"), Error);
}

}  // namespace
}  // namespace keelson::detect
