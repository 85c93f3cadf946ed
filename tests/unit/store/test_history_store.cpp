// HistoryStore, checked against a second connection made with the SQLite C API directly.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <thread>

#include "common/prerequisite.h"
#include "core/error.h"
#include "store/history_store.h"
#include "store_test_util.h"

namespace keelson::store {
namespace {

using test::RawDb;
using test::TempDir;

// Every point stored, in the head tables and the chunks.
constexpr const char* kPointCount =
    "SELECT (SELECT count(*) FROM head0) + (SELECT count(*) FROM head1) + "
    "(SELECT coalesce(sum(count), 0) FROM chunks)";

SeriesKey pod(const std::string& ns, const std::string& name, const std::string& metric) {
  return SeriesKey{"pod", ns, name, metric};
}

// Every stored detector state as Python's sqlite3 and zlib read it: "kind size first-3-bytes-hex"
// per line, by kind. The layout is a 4-byte little-endian size, then a zlib stream.
std::string pythonInflatedStates(const std::filesystem::path& path) {
  const std::string script =
      "import sqlite3, sys, zlib\n"
      "db = sqlite3.connect(sys.argv[1])\n"
      "for kind, blob in db.execute('SELECT s.subject_kind, d.state FROM detector_state d "
      "JOIN series s ON s.id = d.series_id ORDER BY 1'):\n"
      "    raw = zlib.decompress(blob[4:])\n"
      "    assert int.from_bytes(blob[:4], 'little') == len(raw)\n"
      "    print(kind, len(raw), raw[:3].hex())\n";
  const auto result =
      test::runCommand("python3 -c " + test::shellQuote(script) + " " + path.string());
  EXPECT_EQ(result.exit_code, 0);
  return result.out;
}

TEST(HistoryStore, RoundTripAndQueryFilters) {
  TempDir dir;
  const auto path = dir / "state" / "keelson" / "history.db";  // parents are created
  {
    HistoryStore store = HistoryStore::open(path);
    for (int tick = 0; tick < 5; ++tick) {
      const std::int64_t ts = 1'700'000'000'000 + tick * 10'000;
      store.appendTick({{pod("default", "web-1", "cpu_millicores"), ts, 100.0 + tick},
                        {pod("default", "web-1", "memory_bytes"), ts, 1e9 + tick},
                        {pod("default", "web-2", "cpu_millicores"), ts, 0.25 * tick},
                        {SeriesKey{"node", "", "node-a", "cpu_millicores"}, ts, 1500.0},
                        {SeriesKey{"host", "", "h1", "load1"}, ts, 0.5}},
                       {}, ts);
    }
  }
  RawDb raw(path);
  EXPECT_EQ(raw.integer(kPointCount), 25);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM series"), 5);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM ticks"), 5);

  HistoryStore store = HistoryStore::openReadOnly(path);
  HistoryStore::SeriesQuery q;
  q.subject_kind = "pod";
  q.namespace_name = "default";
  q.name = "web-1";
  auto result = store.query(q);
  ASSERT_EQ(result.size(), 2U);
  EXPECT_EQ(result[0].key, pod("default", "web-1", "cpu_millicores"));
  EXPECT_EQ(result[1].key, pod("default", "web-1", "memory_bytes"));
  ASSERT_EQ(result[0].points.size(), 5U);
  EXPECT_EQ(result[0].points[3], (std::pair<std::int64_t, double>{1'700'000'030'000, 103.0}));
  EXPECT_EQ(result[1].points[4].second, 1e9 + 4);

  // Inclusive bounds and one metric.
  q.metric = "cpu_millicores";
  q.from_ms = 1'700'000'010'000;
  q.to_ms = 1'700'000'030'000;
  result = store.query(q);
  ASSERT_EQ(result.size(), 1U);
  ASSERT_EQ(result[0].points.size(), 3U);
  EXPECT_EQ(result[0].points.front().first, 1'700'000'010'000);
  EXPECT_EQ(result[0].points.back().first, 1'700'000'030'000);

  // No such pod, or nothing in range: empty.
  q.name = "web-3";
  EXPECT_TRUE(store.query(q).empty());
  q.name = "web-1";
  q.from_ms = 0;
  q.to_ms = 1;
  EXPECT_TRUE(store.query(q).empty());

  // Empty name matches any (history --host).
  HistoryStore::SeriesQuery host;
  host.subject_kind = "host";
  result = store.query(host);
  ASSERT_EQ(result.size(), 1U);
  EXPECT_EQ(result[0].key.name, "h1");

  const std::vector<SeriesKey> expected_keys = {
      SeriesKey{"host", "", "h1", "load1"}, SeriesKey{"node", "", "node-a", "cpu_millicores"},
      pod("default", "web-1", "cpu_millicores"), pod("default", "web-1", "memory_bytes"),
      pod("default", "web-2", "cpu_millicores")};
  EXPECT_EQ(store.listSeries(), expected_keys);
  const auto summaries = store.summarizeSeries();
  ASSERT_EQ(summaries.size(), 5U);
  EXPECT_EQ(summaries[0].first_ms, 1'700'000'000'000);
  EXPECT_EQ(summaries[0].last_ms, 1'700'000'040'000);
  EXPECT_EQ(store.lastTickMs(), 1'700'000'040'000);
  EXPECT_THROW(store.appendTick({}, {}, 1), Error);
}

TEST(HistoryStore, SameTimestampReplacesAndNaNIsSkipped) {
  TempDir dir;
  const auto path = dir / "h.db";
  HistoryStore store = HistoryStore::open(path);
  const auto key = pod("ns", "p", "m");
  store.appendTick({{key, 1000, 1.0}, {pod("ns", "p", "nan"), 1000, std::nan("")}}, {}, 1000);
  store.appendTick({{key, 1000, 2.0}}, {}, 1001);
  HistoryStore::SeriesQuery q;
  q.subject_kind = "pod";
  q.namespace_name = "ns";
  q.name = "p";
  const auto result = store.query(q);
  ASSERT_EQ(result.size(), 1U);
  ASSERT_EQ(result[0].points.size(), 1U);
  EXPECT_EQ(result[0].points[0].second, 2.0);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT points FROM ticks WHERE ts_ms = 1000"), 1);
}

TEST(HistoryStore, RetentionPrunesPointsStatesAndOrphanSeries) {
  TempDir dir;
  const auto path = dir / "h.db";
  HistoryOptions options;
  options.retention = std::chrono::seconds(10);
  HistoryStore store = HistoryStore::open(path, options);
  const auto old_pod = pod("ns", "gone", "cpu");
  const auto live_pod = pod("ns", "live", "cpu");
  store.appendTick({{old_pod, 0, 1}, {live_pod, 0, 1}}, {{old_pod, "old-state"}}, 0);
  store.appendTick({{live_pod, 5'000, 2}}, {{live_pod, "s5"}}, 5'000);
  store.appendTick({{live_pod, 10'000, 3}}, {}, 10'000);  // cutoff 0: nothing older than 0
  {
    RawDb raw(path);
    EXPECT_EQ(raw.integer(kPointCount), 4);
  }
  store.appendTick({{live_pod, 20'000, 4}}, {{live_pod, "s20"}}, 20'000);  // cutoff 10 s
  RawDb raw(path);
  EXPECT_EQ(raw.integer(kPointCount), 2);
  EXPECT_EQ(raw.integer("SELECT min(ts_ms) FROM head0"), 10'000);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM ticks"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM detector_state"), 1);
  EXPECT_EQ(store.listSeries(), std::vector<SeriesKey>{live_pod});  // the orphan is gone
  EXPECT_FALSE(store.loadDetectorState(old_pod));
  EXPECT_EQ(store.loadDetectorState(live_pod), "s20");
}

TEST(HistoryStore, ZeroRetentionKeepsEverything) {
  TempDir dir;
  HistoryOptions options;
  options.retention = std::chrono::seconds(0);
  HistoryStore store = HistoryStore::open(dir / "h.db", options);
  store.appendTick({{pod("a", "b", "c"), 0, 1}}, {}, 0);
  store.appendTick({{pod("a", "b", "c"), 1'000'000'000, 1}}, {}, 1'000'000'000);
  RawDb raw(dir / "h.db");
  EXPECT_EQ(raw.integer(kPointCount), 2);
}

TEST(HistoryStore, DetectorStateRoundTripSurvivesReopen) {
  TempDir dir;
  const auto path = dir / "h.db";
  const std::string blob("\x00\x01\xff binary\x00tail", 15);
  const auto a = pod("ns", "p", "cpu");
  const auto b = SeriesKey{"node", "", "n1", "memory_bytes"};
  {
    HistoryStore store = HistoryStore::open(path);
    store.appendTick({}, {{a, "first"}, {b, blob}}, 1000);
    store.appendTick({}, {{a, "second"}}, 2000);
    EXPECT_EQ(store.loadDetectorState(a), "second");
  }
  HistoryStore store = HistoryStore::open(path);
  EXPECT_EQ(store.loadDetectorState(a), "second");
  const auto loaded = store.loadDetectorState(b);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, blob);
  EXPECT_FALSE(store.loadDetectorState(pod("ns", "p", "other")));
  const auto all = store.loadDetectorStates();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].first, b);  // "node" < "pod"
  EXPECT_EQ(all[0].second, blob);
  EXPECT_EQ(all[1].second, "second");
  // Stored compressed: a 4-byte little-endian size, then zlib, as Python's zlib reads it.
  EXPECT_EQ(pythonInflatedStates(path), "node 15 0001ff\npod 6 736563\n");
}

TEST(HistoryStore, ACorruptStoredStateIsBadInputNamingItsSeries) {
  TempDir dir;
  const auto path = dir / "h.db";
  HistoryStore store = HistoryStore::open(path);
  store.saveDetectorStates({{pod("ns", "p", "cpu"), "state"}}, 1000);
  test::execRaw(path, "UPDATE detector_state SET state = x'07000000ffff'");
  for (const auto& load :
       std::vector<std::function<void()>>{[&] { store.loadDetectorState(pod("ns", "p", "cpu")); },
                                          [&] { store.loadDetectorStates(); }}) {
    try {
      load();
      FAIL() << "expected kBadInput";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput);
      EXPECT_NE(std::string(e.what()).find("detector state of pod ns/p cpu"), std::string::npos)
          << e.what();
    }
  }
}

TEST(HistoryStore, SavedDetectorStatesReplaceWithoutATick) {
  TempDir dir;
  const auto path = dir / "h.db";
  const auto a = pod("ns", "p", "cpu");
  const auto b = pod("ns", "q", "cpu");
  HistoryStore store = HistoryStore::open(path);
  store.appendTick({{a, 1000, 1.0}}, {{a, "tick"}}, 1000);
  store.saveDetectorStates({{a, "checkpoint"}, {b, "new"}}, 1500);
  EXPECT_EQ(store.loadDetectorState(a), "checkpoint");
  EXPECT_EQ(store.loadDetectorState(b), "new");
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT COUNT(*) FROM ticks"), 1) << "a checkpoint is not a tick";
  EXPECT_EQ(raw.integer("SELECT MIN(updated_ms) FROM detector_state"), 1500);
}

TEST(HistoryStore, SettingsRoundTripAndAreAbsentFromOlderDatabases) {
  TempDir dir;
  const auto path = dir / "h.db";
  {
    HistoryStore store = HistoryStore::open(path);
    EXPECT_FALSE(store.setting("detector_checkpoint_ticks"));
    store.setSetting("detector_checkpoint_ticks", "20");
    store.setSetting("detector_checkpoint_ticks", "5");
    EXPECT_EQ(store.setting("detector_checkpoint_ticks"), "5");
  }
  EXPECT_EQ(HistoryStore::openReadOnly(path).setting("detector_checkpoint_ticks"), "5");
  {
    // A database of a build without settings: the table is dropped by hand.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE settings", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_FALSE(HistoryStore::openReadOnly(path).setting("detector_checkpoint_ticks"));
  HistoryStore reopened = HistoryStore::open(path);  // a writer adds the table back
  reopened.setSetting("detector_checkpoint_ticks", "7");
  EXPECT_EQ(reopened.setting("detector_checkpoint_ticks"), "7");
}

TEST(HistoryStore, WalModeAndSchemaVersion) {
  TempDir dir;
  const auto path = dir / "h.db";
  HistoryStore store = HistoryStore::open(path);
  store.appendTick({{pod("a", "b", "c"), 1, 1}}, {}, 1);
  RawDb raw(path);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.integer("PRAGMA user_version"), HistoryStore::kSchemaVersion);
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
  EXPECT_TRUE(std::filesystem::exists(path.string() + "-wal"));
}

TEST(HistoryStore, RefusesFilesItDidNotWrite) {
  TempDir dir;
  // Not a database at all.
  const auto junk = dir / "junk.db";
  test::appendRaw(junk, std::string(8192, 'x'));
  for (const bool read_only : {false, true}) {
    try {
      if (read_only) {
        HistoryStore::openReadOnly(junk);
      } else {
        HistoryStore::open(junk);
      }
      FAIL() << "expected kBadInput";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput) << e.what();
      EXPECT_NE(std::string(e.what()).find(junk.string()), std::string::npos) << e.what();
    }
  }
  // Another application's database.
  const auto other = dir / "other.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_THROW(HistoryStore::open(other), Error);
  EXPECT_THROW(HistoryStore::openReadOnly(other), Error);
  // A newer keelson's database.
  const auto newer = dir / "newer.db";
  HistoryStore::open(newer);
  test::execRaw(newer, "PRAGMA user_version = 99");
  try {
    HistoryStore::open(newer);
    FAIL() << "expected kBadInput";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(HistoryStore, OpenReadOnlyOfMissingFileIsNotFound) {
  TempDir dir;
  const auto path = dir / "nope" / "history.db";
  try {
    HistoryStore::openReadOnly(path);
    FAIL() << "expected kNotFound";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

// A reader on its own connection sees whole ticks (every series has the same number of points:
// each tick writes all of them in one transaction) and never blocks or fails while the writer
// appends.
TEST(HistoryStore, ReaderSeesWholeTicksWhileWriterAppends) {
  TempDir dir;
  const auto path = dir / "h.db";
  constexpr int kSeries = 20;
  constexpr int kTicks = 150;
  HistoryStore writer = HistoryStore::open(path);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<bool> failed{false};
  std::string reader_failure;  // written by the reader only, read after join()
  const auto fail = [&](std::string why) {
    reader_failure = std::move(why);
    failed = true;
  };
  std::thread reader([&] {
    try {
      HistoryStore store = HistoryStore::openReadOnly(path);
      std::size_t last = 0;
      while (!done.load()) {
        HistoryStore::SeriesQuery q;
        q.subject_kind = "pod";
        q.namespace_name = "ns";
        const auto result = store.query(q);
        if (!result.empty()) {
          if (result.size() != kSeries) fail("partial tick: series count");
          for (const auto& s : result) {
            if (s.points.size() != result[0].points.size()) fail("partial tick");
          }
          if (result[0].points.size() < last) fail("went backwards");
          last = result[0].points.size();
        }
        reads.fetch_add(1);
      }
    } catch (const std::exception& e) {
      fail(e.what());
    }
  });
  for (int tick = 0; tick < kTicks; ++tick) {
    std::vector<Point> points;
    for (int s = 0; s < kSeries; ++s) {
      points.push_back({pod("ns", "p" + std::to_string(s), "cpu"), tick * 1000, 1.0 * s});
    }
    writer.appendTick(points, {}, tick * 1000);
  }
  // Let the reader see the final state at least once.
  const int reads_at_end = reads.load();
  while (reads.load() < reads_at_end + 2 && !failed.load()) std::this_thread::yield();
  done = true;
  reader.join();
  EXPECT_EQ(reader_failure, "");
  EXPECT_GT(reads.load(), 2);
  RawDb raw(path);
  EXPECT_EQ(raw.integer(kPointCount), kSeries * kTicks);
}

// A second process (the sqlite3 CLI, if installed) reads while this one holds the write lock.
TEST(HistoryStore, OtherProcessReadsDuringWriteTransaction) {
  if (test::runCommand("command -v sqlite3 >/dev/null").exit_code != 0) {
    KEELSON_MISSING_PREREQUISITE("no sqlite3 CLI");
  }
  TempDir dir;
  const auto path = dir / "h.db";
  HistoryStore store = HistoryStore::open(path);
  store.appendTick({{pod("a", "b", "c"), 1, 42}}, {}, 1);
  // Hold a write transaction open on another connection of this process.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM head0;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  const auto r = test::runCommand("sqlite3 -readonly " + test::shellQuote(path.string()) +
                                  " 'SELECT value FROM head0'");
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "42.0\n");
}

constexpr std::int64_t kHourMs = std::int64_t{3600} * 1000;

// What a query of `key` in [from, to] must return: the model's points in range.
using Model = std::map<SeriesKey, std::map<std::int64_t, double>>;

std::vector<std::pair<std::int64_t, double>> expected(const Model& model, const SeriesKey& key,
                                                      std::int64_t from, std::int64_t to) {
  std::vector<std::pair<std::int64_t, double>> points;
  const auto it = model.find(key);
  if (it == model.end()) return points;
  for (const auto& [ts, value] : it->second) {
    if (ts >= from && ts <= to) points.emplace_back(ts, value);
  }
  return points;
}

std::vector<std::pair<std::int64_t, double>> queried(const HistoryStore& store,
                                                     const SeriesKey& key, std::int64_t from,
                                                     std::int64_t to) {
  HistoryStore::SeriesQuery q;
  q.subject_kind = key.subject_kind;
  q.namespace_name = key.namespace_name;
  q.name = key.name;
  q.metric = key.metric;
  q.from_ms = from;
  q.to_ms = to;
  const auto result = store.query(q);
  if (result.empty()) return {};
  EXPECT_EQ(result.size(), 1U);
  EXPECT_EQ(result[0].key, key);
  return result[0].points;
}

// Irregular ticks across four hour-long windows: the windows that ended are compacted into
// chunks, and every query returns what was written, as in the head.
TEST(HistoryStore, CompactionAcrossWindowsGivesTheSameResults) {
  TempDir dir;
  HistoryOptions keep_all;
  keep_all.retention = std::chrono::seconds(0);
  HistoryStore store = HistoryStore::open(dir / "h.db", keep_all);
  HistoryStore uncompacted = HistoryStore::open(dir / "u.db", keep_all);
  const std::vector<SeriesKey> keys = {pod("ns", "a", "cpu"), pod("ns", "a", "memory"),
                                       pod("ns", "b", "cpu"), SeriesKey{"node", "", "n", "cpu"}};
  Model model;
  const std::int64_t start = 1'700'000'000'000 - 1'234;  // not aligned to a window
  std::int64_t now = start;
  for (int tick = 0; now < start + 4 * kHourMs; ++tick) {
    std::vector<Point> points;
    for (std::size_t k = 0; k < keys.size(); ++k) {
      if (k == 2 && tick % 3 == 0) continue;  // a series with gaps
      const double value =
          tick % 7 == 0 ? -1e300 * static_cast<double>(k) : tick * 0.1 + static_cast<double>(k);
      points.push_back({keys[k], now, value});
      model[keys[k]][now] = value;
    }
    store.appendTick(points, {}, now);
    uncompacted.appendTick(points, {}, start);  // now_ms never passes a window: all in head
    now += 60'000 + (tick % 5) * 7'001;
  }
  const HistoryStore reader = HistoryStore::openReadOnly(dir / "h.db");
  {
    RawDb raw(dir / "h.db");
    EXPECT_GE(raw.integer("SELECT count(DISTINCT window_ms) FROM chunks"), 3);
    EXPECT_EQ(raw.integer(kPointCount), raw.integer("SELECT sum(points) FROM ticks"));
    EXPECT_EQ(raw.integer("SELECT count(*) FROM head0") * raw.integer("SELECT count(*) FROM head1"),
              0)
        << "the head holds one window";
  }
  const std::int64_t window = start - start % kHourMs + kHourMs;  // a window boundary
  const std::vector<std::pair<std::int64_t, std::int64_t>> ranges = {
      {0, INT64_MAX},        {window, window + kHourMs - 1}, {window - 1, window},
      {start, start},        {window + 1'000, now - 1},      {now, INT64_MAX},
      {INT64_MIN, start - 1}};
  for (const SeriesKey& key : keys) {
    for (const auto& [from, to] : ranges) {
      const auto want = expected(model, key, from, to);
      EXPECT_EQ(queried(reader, key, from, to), want) << key.name << " " << from << ".." << to;
      EXPECT_EQ(queried(uncompacted, key, from, to), want) << key.name;
    }
  }
  // A query over several series keeps their order, as before.
  HistoryStore::SeriesQuery all_pods;
  all_pods.subject_kind = "pod";
  const auto result = reader.query(all_pods);
  ASSERT_EQ(result.size(), 3U);
  EXPECT_EQ(result[0].key, keys[0]);
  EXPECT_EQ(result[2].key, keys[2]);
  const auto summaries = reader.summarizeSeries();
  ASSERT_EQ(summaries.size(), keys.size());
  for (const auto& summary : summaries) {
    const auto& points = model.at(summary.key);
    EXPECT_EQ(summary.first_ms, points.begin()->first) << summary.key.name;
    EXPECT_EQ(summary.last_ms, points.rbegin()->first) << summary.key.name;
  }
}

// The head is read by seeks for a few series and by a scan for many, or when it holds too many
// distinct timestamps: every way gives the model's points.
TEST(HistoryStore, HeadReadsBySeekAndByScanAgree) {
  TempDir dir;
  HistoryOptions keep_all;
  keep_all.retention = std::chrono::seconds(0);
  HistoryStore store = HistoryStore::open(dir / "h.db", keep_all);
  Model model;
  std::vector<Point> points;
  for (int s = 0; s < 70; ++s) {
    const auto key = pod("many", "p" + std::to_string(s), "cpu");
    for (std::int64_t ts = 1000; ts < 1000 + 5 * (s + 1); ts += 5) {
      points.push_back({key, ts + s, static_cast<double>(ts) * 0.5});
      model[key][ts + s] = static_cast<double>(ts) * 0.5;
    }
  }
  const auto dense = pod("dense", "d", "cpu");  // 5,000 distinct timestamps
  for (std::int64_t ts = 0; ts < 5000; ++ts) {
    points.push_back({dense, ts, static_cast<double>(ts)});
    model[dense][ts] = static_cast<double>(ts);
  }
  store.appendTick(points, {}, 10'000);
  HistoryStore::SeriesQuery many;
  many.subject_kind = "pod";
  many.namespace_name = "many";
  const auto result = store.query(many);  // 70 series: a scan
  ASSERT_EQ(result.size(), 70U);
  for (const auto& series : result) {
    EXPECT_EQ(series.points, expected(model, series.key, 0, INT64_MAX)) << series.key.name;
    EXPECT_EQ(queried(store, series.key, 1010, 1100), expected(model, series.key, 1010, 1100));
  }
  EXPECT_EQ(queried(store, dense, 0, INT64_MAX), expected(model, dense, 0, INT64_MAX));
  EXPECT_EQ(queried(store, dense, 10, 20), expected(model, dense, 10, 20));
}

// A point written again at a timestamp of a window already compacted replaces the stored one,
// and a late point joins its window's chunk.
TEST(HistoryStore, ReplacingAPointInACompactedWindow) {
  TempDir dir;
  const auto path = dir / "h.db";
  HistoryOptions keep_all;
  keep_all.retention = std::chrono::seconds(0);
  HistoryStore store = HistoryStore::open(path, keep_all);
  const auto key = pod("ns", "p", "cpu");
  const auto other = pod("ns", "q", "cpu");
  for (std::int64_t ts = 0; ts <= 2 * kHourMs; ts += 600'000) {
    store.appendTick({{key, ts, 1.0}, {other, ts, 2.0}}, {}, ts);
  }
  {
    RawDb raw(path);
    ASSERT_EQ(raw.integer("SELECT count(*) FROM chunks WHERE window_ms = 0"), 2);
  }
  store.appendTick({{key, 1'200'000, 42.0}, {key, 1'500'000, 7.0}}, {}, 2 * kHourMs + 1);
  const auto points = queried(store, key, 0, kHourMs - 1);
  ASSERT_EQ(points.size(), 7U);
  EXPECT_EQ(points[2], (std::pair<std::int64_t, double>{1'200'000, 42.0}));
  EXPECT_EQ(points[3], (std::pair<std::int64_t, double>{1'500'000, 7.0}));
  EXPECT_EQ(points[4], (std::pair<std::int64_t, double>{1'800'000, 1.0}));
  EXPECT_EQ(queried(store, other, 0, kHourMs - 1).size(), 6U);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM chunks WHERE window_ms = 0"), 2);
  EXPECT_EQ(raw.integer("SELECT count FROM chunks WHERE window_ms = 0 AND first_ms = 0 AND "
                        "series_id = (SELECT id FROM series WHERE name = 'p')"),
            7);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM head0 WHERE ts_ms < 3600000"), 0);
}

// Retention over chunks: whole windows before the cutoff are deleted; points before it in the
// window holding it are not returned; a series with nothing left is swept.
TEST(HistoryStore, RetentionOverChunks) {
  TempDir dir;
  const auto path = dir / "h.db";
  HistoryOptions options;
  options.retention = std::chrono::seconds(2 * 3600);
  HistoryStore store = HistoryStore::open(path, options);
  const auto live = pod("ns", "live", "cpu");
  const auto gone = pod("ns", "gone", "cpu");
  Model model;
  std::int64_t now = 0;
  constexpr std::int64_t kStepMs = 7 * 60'000;
  for (; now <= 6 * kHourMs; now += kStepMs) {
    std::vector<Point> points = {{live, now, static_cast<double>(now) / 1000}};
    model[live][now] = static_cast<double>(now) / 1000;
    if (now < 30 * 60'000) points.push_back({gone, now, 1.0});
    store.appendTick(points, {}, now);
  }
  const std::int64_t last = now - kStepMs;
  const std::int64_t cutoff = last - 2 * kHourMs;
  ASSERT_NE(cutoff % kHourMs, 0) << "the cutoff must fall inside a window";
  EXPECT_EQ(queried(store, live, 0, INT64_MAX), expected(model, live, cutoff, INT64_MAX));
  EXPECT_EQ(queried(store, live, cutoff - kHourMs, cutoff + 1),
            expected(model, live, cutoff, cutoff + 1));
  EXPECT_EQ(store.listSeries(), std::vector<SeriesKey>{live});
  const auto summaries = store.summarizeSeries();
  ASSERT_EQ(summaries.size(), 1U);
  EXPECT_EQ(summaries[0].first_ms, model[live].lower_bound(cutoff)->first);
  EXPECT_EQ(summaries[0].last_ms, last);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT min(window_ms) FROM chunks"), cutoff - cutoff % kHourMs);
  EXPECT_LT(raw.integer("SELECT min(first_ms) FROM chunks"), cutoff) << "kept, not returned";
  EXPECT_EQ(HistoryStore::openReadOnly(path).summarizeSeries()[0].first_ms, summaries[0].first_ms);
}

// Schema version 1, as builds before version 2 created it.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE series (id INTEGER PRIMARY KEY, subject_kind TEXT NOT NULL, namespace TEXT NOT NULL,
  name TEXT NOT NULL, metric TEXT NOT NULL, UNIQUE (subject_kind, namespace, name, metric));
CREATE TABLE points (series_id INTEGER NOT NULL REFERENCES series(id), ts_ms INTEGER NOT NULL,
  value REAL NOT NULL, PRIMARY KEY (series_id, ts_ms)) WITHOUT ROWID;
CREATE INDEX points_by_ts ON points(ts_ms);
CREATE TABLE detector_state (series_id INTEGER PRIMARY KEY REFERENCES series(id),
  state BLOB NOT NULL, updated_ms INTEGER NOT NULL);
CREATE INDEX detector_state_by_updated ON detector_state(updated_ms);
CREATE TABLE ticks (ts_ms INTEGER PRIMARY KEY, points INTEGER NOT NULL);
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;
)sql";

// A version 1 file: a reader is told to let the monitor upgrade it; a writer upgrades it in one
// transaction, and every point, state and tick reads back the same.
TEST(HistoryStore, MigratesVersion1) {
  TempDir dir;
  const auto path = dir / "h.db";
  test::execRaw(path, kSchemaV1);
  Model model;
  std::string sql =
      "INSERT INTO series VALUES (1, 'pod', 'ns', 'a', 'cpu'), (2, 'node', '', 'n', 'cpu');"
      "INSERT INTO detector_state VALUES (1, 'state-a', 5);"
      "INSERT INTO settings VALUES ('detector_checkpoint_ticks', '20');";
  for (std::int64_t ts = 0; ts < 3 * kHourMs + 600'000; ts += 300'000) {
    for (int id = 1; id <= 2; ++id) {
      const double value = static_cast<double>(ts / 1000 * id) - 7.25;  // exact in text
      sql += "INSERT INTO points VALUES (" + std::to_string(id) + ", " + std::to_string(ts) + ", " +
             std::to_string(value) + ");";
      model[id == 1 ? pod("ns", "a", "cpu") : SeriesKey{"node", "", "n", "cpu"}][ts] = value;
    }
    sql += "INSERT INTO ticks VALUES (" + std::to_string(ts) + ", 2);";
  }
  test::execRaw(path, sql);
  try {
    HistoryStore::openReadOnly(path);
    FAIL() << "expected kBadInput";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("keelson monitor --history"), std::string::npos)
        << e.what();
  }
  {
    HistoryStore store = HistoryStore::open(path);
    RawDb raw(path);
    EXPECT_EQ(raw.integer("PRAGMA user_version"), 2);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'points'"), 0);
    EXPECT_EQ(raw.integer("SELECT count(DISTINCT window_ms) FROM chunks"), 3);
    EXPECT_EQ(raw.integer(kPointCount), 2 * 38);
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
  }
  const HistoryStore reader = HistoryStore::openReadOnly(path);
  for (const auto& [key, points] : model) {
    EXPECT_EQ(queried(reader, key, 0, INT64_MAX), expected(model, key, 0, INT64_MAX));
    EXPECT_EQ(queried(reader, key, kHourMs - 1, 2 * kHourMs),
              expected(model, key, kHourMs - 1, 2 * kHourMs));
  }
  EXPECT_EQ(reader.loadDetectorState(pod("ns", "a", "cpu")), "state-a");
  EXPECT_EQ(pythonInflatedStates(path), "pod 7 737461\n") << "compressed by the upgrade";
  EXPECT_EQ(reader.lastTickMs(), 3 * kHourMs + 300'000);
  EXPECT_EQ(reader.setting("detector_checkpoint_ticks"), "20");
  EXPECT_EQ(reader.summarizeSeries()[0].first_ms, 0);
  // And a version 3 file is refused as newer.
  test::execRaw(path, "PRAGMA user_version = 3");
  EXPECT_THROW(HistoryStore::open(path), Error);
  EXPECT_THROW(HistoryStore::openReadOnly(path), Error);
}

// A version 1 file without a point (a monitor that stored only detector states) upgrades too,
// its states compressed a batch of rows at a time (2,500 states: batches of 1,000).
TEST(HistoryStore, MigratesAnEmptyVersion1) {
  TempDir dir;
  const auto path = dir / "h.db";
  test::execRaw(path, kSchemaV1);
  test::execRaw(path,
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) "
                "INSERT INTO series SELECT i, 'pod', 'ns', 'p' || i, 'cpu' FROM n;"
                "INSERT INTO detector_state SELECT id, 'state-' || name, 5 FROM series;"
                "UPDATE series SET name = 'a' WHERE id = 1;");
  HistoryStore store = HistoryStore::open(path);
  EXPECT_EQ(store.loadDetectorState(pod("ns", "a", "cpu")), "state-p1");
  const auto states = store.loadDetectorStates();
  ASSERT_EQ(states.size(), 2500U);
  for (const auto& [key, state] : states) {
    EXPECT_EQ(state, key.name == "a" ? "state-p1" : "state-" + key.name);
  }
  EXPECT_EQ(store.summarizeSeries().size(), 2500U);
  store.appendTick({{pod("ns", "a", "cpu"), 10, 1.5}}, {}, 10);
  EXPECT_EQ(queried(store, pod("ns", "a", "cpu"), 0, 100),
            (std::vector<std::pair<std::int64_t, double>>{{10, 1.5}}));
  RawDb raw(path);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), 2);
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
}

// Shares of detector states checkpointed a share a tick: every share used and balanced, runs of
// adjacent series together at scale, small batches still spread one by one.
TEST(DetectorCheckpointShare, BalancedRunsAtScaleAndSpreadWhenFew) {
  constexpr std::uint64_t kSeries = 30'000;
  constexpr std::uint64_t kEvery = 20;
  std::vector<std::uint64_t> per_share(kEvery);
  std::uint64_t runs = 1;
  for (std::uint64_t i = 0; i < kSeries; ++i) {
    const std::uint64_t share = detectorCheckpointShare(i, kSeries, kEvery);
    ASSERT_LT(share, kEvery);
    ++per_share[share];
    if (i > 0 && share != detectorCheckpointShare(i - 1, kSeries, kEvery)) ++runs;
  }
  for (const std::uint64_t n : per_share) {
    EXPECT_NEAR(static_cast<double>(n), static_cast<double>(kSeries / kEvery),
                static_cast<double>(kCheckpointRun));
  }
  EXPECT_EQ(runs, (kSeries + kCheckpointRun - 1) / kCheckpointRun);
  // Ten series over three shares: runs of four, every share used.
  std::vector<std::uint64_t> ten;
  for (std::uint64_t i = 0; i < 10; ++i) ten.push_back(detectorCheckpointShare(i, 10, 3));
  EXPECT_EQ(ten, (std::vector<std::uint64_t>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2}));
  // Fewer series than shares: one each.
  for (std::uint64_t i = 0; i < 5; ++i) EXPECT_EQ(detectorCheckpointShare(i, 5, 20), i);
  EXPECT_EQ(detectorCheckpointShare(7, 10, 0), 0U) << "every 0 is every tick";
}

TEST(DefaultHistoryPath, XdgStateHomeThenHome) {
  const auto env = test::fakeEnv;
  EXPECT_EQ(defaultHistoryPath(env({{"XDG_STATE_HOME", "/x/state"}, {"HOME", "/home/u"}})),
            std::filesystem::path("/x/state/keelson/history.db"));
  EXPECT_EQ(defaultHistoryPath(env({{"HOME", "/home/u"}})),
            std::filesystem::path("/home/u/.local/state/keelson/history.db"));
  // A relative XDG_STATE_HOME is ignored, as the XDG spec says.
  EXPECT_EQ(defaultHistoryPath(env({{"XDG_STATE_HOME", "rel"}, {"HOME", "/home/u"}})),
            std::filesystem::path("/home/u/.local/state/keelson/history.db"));
  EXPECT_THROW(defaultHistoryPath(env({})), Error);
}

}  // namespace
}  // namespace keelson::store
