// RFC 4180 quoting (Python's csv module reads the files written with it in the store tests).
#include <gtest/gtest.h>

#include "core/csv.h"

namespace keelson::core {
namespace {

TEST(CsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csvField("plain"), "plain");
  EXPECT_EQ(csvField(""), "");
  EXPECT_EQ(csvField("with space"), "with space");
  EXPECT_EQ(csvField("a,b"), "\"a,b\"");
  EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csvField("line1\nline2"), "\"line1\nline2\"");
  EXPECT_EQ(csvField("cr\r"), "\"cr\r\"");
  EXPECT_EQ(csvField("\""), "\"\"\"\"");
}

TEST(CsvRecord, JoinsQuotedFieldsAndEndsInLf) {
  EXPECT_EQ(csvRecord({"a", "", "b,c", "d\"e"}), "a,,\"b,c\",\"d\"\"e\"\n");
  EXPECT_EQ(csvRecord({""}), "\n");
  EXPECT_EQ(csvRecord({}), "\n");
}

}  // namespace
}  // namespace keelson::core
