// CsvDataset, with Python's csv module as the independent reader.
#include <gtest/gtest.h>

#include "core/error.h"
#include "store/csv_dataset.h"
#include "store_test_util.h"

namespace keelson::store {
namespace {

using test::appendRaw;
using test::pythonReadCsv;
using test::readFile;
using test::TempDir;
using Records = std::vector<std::vector<std::string>>;

const std::vector<std::string> kColumns = {"timestamp", "namespace", "pod", "cpu_millicores"};

TEST(CsvDataset, PythonReadsQuotedFieldsAndEmptyCells) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  {
    CsvDataset csv = CsvDataset::open(path, kColumns);
    csv.appendRows({{"2024-01-15T10:30:00Z", "default", "web,1", "250"},
                    {"2024-01-15T10:30:00Z", "default", "say \"hi\"", std::nullopt},
                    {"2024-01-15T10:30:00Z", "kube-system", "multi\nline\r\nname", ""},
                    {"2024-01-15T10:30:00Z", std::nullopt, "ünïcødé", "1.5"}});
    csv.appendRows({{"2024-01-15T10:30:10Z", "a\"b,c", "\"", "7"}});
  }
  const auto records = pythonReadCsv(path);
  ASSERT_TRUE(records);
  const Records expected = {kColumns,
                            {"2024-01-15T10:30:00Z", "default", "web,1", "250"},
                            {"2024-01-15T10:30:00Z", "default", "say \"hi\"", ""},
                            {"2024-01-15T10:30:00Z", "kube-system", "multi\nline\r\nname", ""},
                            {"2024-01-15T10:30:00Z", "", "ünïcødé", "1.5"},
                            {"2024-01-15T10:30:10Z", "a\"b,c", "\"", "7"}};
  EXPECT_EQ(*records, expected);
}

TEST(CsvDataset, ReopenKeepsOneHeaderAndAppends) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  CsvDataset::open(path, kColumns).appendRows({{"t1", "ns", "p", "1"}});
  const std::string after_first = readFile(path);
  EXPECT_EQ(after_first, "timestamp,namespace,pod,cpu_millicores\nt1,ns,p,1\n");
  {
    CsvDataset csv = CsvDataset::open(path, kColumns);
    EXPECT_EQ(csv.sizeBytes(), after_first.size());
    csv.appendRows({{"t2", "ns", "p", "2"}, {"t2", "ns", "q", "3"}});
    csv.appendRows({});  // nothing
  }
  const auto records = pythonReadCsv(path);
  ASSERT_TRUE(records);
  const Records expected = {
      kColumns, {"t1", "ns", "p", "1"}, {"t2", "ns", "p", "2"}, {"t2", "ns", "q", "3"}};
  EXPECT_EQ(*records, expected);
}

TEST(CsvDataset, CreatesParentDirectoriesAndEmptyFileGetsHeader) {
  TempDir dir;
  const auto path = dir / "a" / "b" / "data.csv";
  CsvDataset::open(path, {"x", "y"});
  EXPECT_EQ(readFile(path), "x,y\n");
  const auto empty = dir / "empty.csv";
  appendRaw(empty, "");
  ASSERT_TRUE(std::filesystem::exists(empty));
  CsvDataset::open(empty, {"x"});
  EXPECT_EQ(readFile(empty), "x\n");
}

TEST(CsvDataset, TornPlainTailIsCutOnReopen) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  CsvDataset::open(path, kColumns).appendRows({{"t1", "ns", "p", "1"}});
  appendRaw(path, "t2,ns,p");  // the crash came mid-row
  {
    CsvDataset csv = CsvDataset::open(path, kColumns);
    csv.appendRows({{"t3", "ns", "p", "3"}});
  }
  EXPECT_EQ(readFile(path), "timestamp,namespace,pod,cpu_millicores\nt1,ns,p,1\nt3,ns,p,3\n");
  ASSERT_TRUE(pythonReadCsv(path));
}

TEST(CsvDataset, TornTailEndingInsideAQuotedNewlineIsCut) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  CsvDataset::open(path, kColumns).appendRows({{"t1", "ns", "a\nb", "1"}});
  const std::string whole = readFile(path);
  // Ends in LF, but inside a quoted field: not a record end.
  appendRaw(path, "t2,ns,\"x\n");
  CsvDataset::open(path, kColumns).appendRows({{"t3", "ns", "p", "3"}});
  EXPECT_EQ(readFile(path), whole + "t3,ns,p,3\n");
  const auto records = pythonReadCsv(path);
  ASSERT_TRUE(records);
  const Records expected = {kColumns, {"t1", "ns", "a\nb", "1"}, {"t3", "ns", "p", "3"}};
  EXPECT_EQ(*records, expected);
}

// A crash can cut the last append anywhere: cut a tick of awkward rows at many offsets and check
// that reopening keeps exactly the rows that were whole (row ends computed independently, from
// the rows written one at a time).
TEST(CsvDataset, EveryTornPrefixOfATickIsRepaired) {
  TempDir dir;
  const auto reference = dir / "reference.csv";
  const CsvRows tick = {{"t2", "ns", "a\n\"b\",\r\n", "1"},
                        {"t2", std::nullopt, "\"", ""},
                        {"t2", "ns", "plain", "3"},
                        {"t2", "ns", "\n\n", "4"}};
  std::vector<std::uint64_t> row_ends;  // file size after each whole row
  {
    CsvDataset csv = CsvDataset::open(reference, kColumns);
    csv.appendRows({{"t1", "ns", "x,y", "0"}});
    row_ends.push_back(csv.sizeBytes());
    for (const auto& row : tick) {
      csv.appendRows({row});
      row_ends.push_back(csv.sizeBytes());
    }
  }
  const std::string whole = readFile(reference);
  ASSERT_EQ(whole.size(), row_ends.back());
  const auto path = dir / "torn.csv";
  for (std::uint64_t cut = row_ends.front(); cut <= whole.size(); ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    std::filesystem::remove(path);
    appendRaw(path, whole.substr(0, cut));
    const std::uint64_t kept = CsvDataset::open(path, kColumns).sizeBytes();
    std::uint64_t expected = 0;
    for (const std::uint64_t end : row_ends) {
      if (end <= cut) expected = end;
    }
    ASSERT_EQ(kept, expected);
    ASSERT_EQ(readFile(path), whole.substr(0, expected));
  }
  const auto records = pythonReadCsv(reference);
  ASSERT_TRUE(records);
  EXPECT_EQ(records->size(), 6U);
}

TEST(CsvDataset, TornHeaderStartsAfresh) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  appendRaw(path, "timestamp,name");
  CsvDataset::open(path, kColumns);
  EXPECT_EQ(readFile(path), "timestamp,namespace,pod,cpu_millicores\n");
}

TEST(CsvDataset, HeaderMismatchNamesFileAndFirstDifferingColumn) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  CsvDataset::open(path, {"timestamp", "namespace", "pod", "cpu"});
  const std::string before = readFile(path);
  try {
    CsvDataset::open(path, kColumns);
    FAIL() << "expected a header mismatch";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    const std::string message = e.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("column 4"), std::string::npos) << message;
    EXPECT_NE(message.find("\"cpu\""), std::string::npos) << message;
    EXPECT_NE(message.find("\"cpu_millicores\""), std::string::npos) << message;
  }
  EXPECT_EQ(readFile(path), before);  // untouched
  try {
    CsvDataset::open(path, {"timestamp", "namespace", "pod", "cpu", "extra"});
    FAIL() << "expected a header mismatch";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"extra\""), std::string::npos) << e.what();
  }
  try {
    CsvDataset::open(path, {"timestamp", "namespace"});
    FAIL() << "expected a header mismatch";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("column 3"), std::string::npos) << e.what();
  }
}

TEST(CsvDataset, QuotedHeaderMatches) {
  TempDir dir;
  const auto path = dir / "q.csv";
  const std::vector<std::string> columns = {"a,b", "c\"d"};
  CsvDataset::open(path, columns).appendRows({{"1", "2"}});
  CsvDataset::open(path, columns).appendRows({{"3", "4"}});
  const auto records = pythonReadCsv(path);
  ASSERT_TRUE(records);
  const Records expected = {columns, {"1", "2"}, {"3", "4"}};
  EXPECT_EQ(*records, expected);
}

TEST(CsvDataset, RowOfWrongWidthWritesNothing) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  CsvDataset csv = CsvDataset::open(path, kColumns);
  const std::string before = readFile(path);
  try {
    csv.appendRows({{"t1", "ns", "p", "1"}, {"t1", "ns", "p"}});
    FAIL() << "expected kBadInput";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("row 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(readFile(path), before);
  EXPECT_EQ(csv.sizeBytes(), before.size());
}

TEST(CsvDataset, SecondWriterIsRefused) {
  TempDir dir;
  const auto path = dir / "pod_metrics.csv";
  CsvDataset first = CsvDataset::open(path, kColumns);
  try {
    CsvDataset::open(path, kColumns);
    FAIL() << "expected kConflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
  CsvDataset moved = std::move(first);
  moved.appendRows({{"t", "n", "p", "1"}});
  { CsvDataset gone = std::move(moved); }  // closes the file and its lock
  EXPECT_NO_THROW(CsvDataset::open(path, kColumns));
}

}  // namespace
}  // namespace keelson::store
