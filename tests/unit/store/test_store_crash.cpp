// Crash safety: a child process appends ticks to a CsvDataset and a HistoryStore in a loop (as
// `keelson monitor` does: CSV first, then SQLite) and is SIGKILLed at a varying moment; both
// files must then be readable, with at most the tick in flight lost. Several kill cycles run on
// the same files, so each cycle also checks that repair-on-open lets appends continue.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <map>
#include <random>

#include "store/csv_dataset.h"
#include "store/history_store.h"
#include "store_test_util.h"

namespace keelson::store {
namespace {

constexpr int kRowsPerTick = 120;
constexpr std::int64_t kCycleBase = 1'000'000;
const std::vector<std::string> kCrashColumns = {"tick", "row", "text", "value"};

// Rows with quotes, commas and newlines, about 80 KiB per tick: a write spanning pages.
CsvRows rowsFor(std::int64_t tick) {
  CsvRows rows;
  for (int r = 0; r < kRowsPerTick; ++r) {
    rows.push_back({std::to_string(tick), std::to_string(r),
                    "pod \"" + std::to_string(r) + "\", with\nnewline " + std::string(600, 'x'),
                    std::to_string(r * 0.5)});
  }
  return rows;
}

[[noreturn]] void childLoop(const std::filesystem::path& csv_path,
                            const std::filesystem::path& db_path, std::int64_t first_tick,
                            int report_fd) {
  try {
    CsvDataset csv = CsvDataset::open(csv_path, kCrashColumns);
    HistoryOptions options;
    options.retention = std::chrono::seconds(0);
    HistoryStore store = HistoryStore::open(db_path, options);
    for (std::int64_t tick = first_tick;; ++tick) {
      csv.appendRows(rowsFor(tick));
      std::vector<Point> points;
      for (int r = 0; r < kRowsPerTick; ++r) {
        points.push_back({SeriesKey{"pod", "ns", "p" + std::to_string(r), "value"}, tick, r * 0.5});
      }
      store.appendTick(points, {{SeriesKey{"pod", "ns", "p0", "value"}, std::to_string(tick)}},
                       tick);
      if (::write(report_fd, &tick, sizeof tick) != sizeof tick) ::_exit(4);
    }
  } catch (...) {
    ::_exit(3);
  }
}

std::int64_t count(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  std::int64_t value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

TEST(StoreCrash, SigkillLosesAtMostTheTickInFlight) {
  test::TempDir dir;
  const auto csv_path = dir / "pod_metrics.csv";
  const auto db_path = dir / "history.db";
  std::mt19937 random(12345);
  int torn_tails = 0;
  constexpr int kCycles = 8;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const std::int64_t base = kCycleBase * (cycle + 1);
    test::ForkedWriter child([&](int report_fd) { childLoop(csv_path, db_path, base, report_fd); });
    // Wait for a few committed ticks, then kill at a varying moment within the next ones.
    const int wait_ticks = 3 + cycle % 4;
    ASSERT_TRUE(child.waitForReports(wait_ticks)) << "the child died early";
    ::usleep(std::uniform_int_distribution<unsigned>(0, 3000)(random));
    ASSERT_TRUE(child.kill());
    const std::int64_t reported = child.reports();

    // CSV: reopening repairs a torn tail; then Python parses it strictly.
    const auto size_before = std::filesystem::file_size(csv_path);
    const auto size_after = CsvDataset::open(csv_path, kCrashColumns).sizeBytes();
    ASSERT_LE(size_after, size_before);
    if (size_after < size_before) ++torn_tails;
    const auto records = test::pythonReadCsv(csv_path);
    ASSERT_TRUE(records);
    ASSERT_FALSE(records->empty());
    EXPECT_EQ(records->front(), kCrashColumns);
    std::map<std::int64_t, int> rows_per_tick;
    const CsvRows expected_rows = rowsFor(0);
    for (std::size_t i = 1; i < records->size(); ++i) {
      const auto& record = (*records)[i];
      ASSERT_EQ(record.size(), kCrashColumns.size()) << "record " << i;
      const std::int64_t t = std::stoll(record[0]);
      const int row = std::stoi(record[1]);
      ASSERT_EQ(row, rows_per_tick[t]) << "rows of tick " << t << " out of order";
      EXPECT_EQ(record[2], *expected_rows[static_cast<std::size_t>(row)][2]);
      ++rows_per_tick[t];
    }
    std::int64_t csv_ticks = 0;
    std::int64_t csv_complete = 0;
    for (const auto& [t, rows] : rows_per_tick) {
      if (t < base || t >= base + kCycleBase) continue;
      ASSERT_EQ(t, base + csv_ticks) << "ticks are not consecutive";
      ++csv_ticks;
      if (rows == kRowsPerTick) {
        ASSERT_EQ(csv_complete, csv_ticks - 1) << "an incomplete tick before the last";
        ++csv_complete;
      }
    }
    // Earlier cycles are untouched (every earlier tick but each cycle's last is complete).
    for (const auto& [t, rows] : rows_per_tick) {
      if (t < base && rows_per_tick.count(t + 1) > 0) {
        EXPECT_EQ(rows, kRowsPerTick) << t;
      }
    }

    // SQLite: intact, and holds every reported tick and at most the one in flight beyond.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* check = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(check), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(check, 0)), "ok");
    sqlite3_finalize(check);
    const std::string range =
        " BETWEEN " + std::to_string(base) + " AND " + std::to_string(base + kCycleBase - 1);
    const std::int64_t db_ticks = count(db, "SELECT count(*) FROM ticks WHERE ts_ms" + range);
    EXPECT_EQ(count(db,
                    "SELECT count(*) FROM (SELECT ts_ms FROM head0 UNION ALL SELECT ts_ms FROM "
                    "head1) WHERE ts_ms" +
                        range),
              db_ticks * kRowsPerTick);
    if (db_ticks > 0) {
      EXPECT_EQ(count(db, "SELECT max(ts_ms) FROM ticks WHERE ts_ms" + range), base + db_ticks - 1);
    }
    sqlite3_close_v2(db);
    EXPECT_GE(db_ticks, reported);
    EXPECT_LE(db_ticks, reported + 1);
    EXPECT_TRUE(db_ticks == csv_complete || db_ticks == csv_complete - 1)
        << "SQLite has " << db_ticks << " ticks, the CSV " << csv_complete << " complete";
    EXPECT_LE(csv_ticks - csv_complete, 1);

    // The detector state is the last committed tick's.
    HistoryStore store = HistoryStore::openReadOnly(db_path);
    EXPECT_EQ(store.loadDetectorState(SeriesKey{"pod", "ns", "p0", "value"}),
              std::to_string(base + db_ticks - 1));
  }
  std::cout << "torn CSV tails repaired in " << torn_tails << " of " << kCycles << " cycles\n";
}

}  // namespace
}  // namespace keelson::store
