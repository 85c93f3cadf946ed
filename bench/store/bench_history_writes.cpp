// What one tick of `keelson monitor` at 10,000 pods (3 series each) writes to its history
// store: the points, and the detector states of the series due for a checkpoint (the monitor's
// shares, store::detectorCheckpointShare, over series created together). Args: the
// checkpoint period in ticks (1: every state every tick, as before --checkpoint-ticks; 240: the
// default; 0: no detector states, the points alone), and whether the states were learnt on
// noisy series (1) or steady ones (0; see learntStates). Every series has a state before the first
// tick measured (as after the monitor's first checkpoint_ticks ticks), so a tick replaces
// states rather than inserting them. Reported per tick: written_bytes, the growth of
// /proc/self/io's wchar (bytes handed to write(2): the WAL, and the database at WAL
// checkpoints), max_tick_bytes and max_tick_ms (the most one tick wrote, and the longest tick,
// wall clock), states, and state_bytes (the mean size of a state as stored, compressed).
// The runs of 120 iterations are an hour of 30 s ticks: their figures include the tick that
// compacts the hour-long window ending among them, and are the long-run cost of a tick.
// BM_HistoryQuery: the time `keelson history` takes for one series (one pod's one metric) of a
// store holding 4 hours of 30 s ticks at 10,000 pods, over the last hour (Arg 1) and over the
// whole stored span (Arg 0).
// Run from a release build: build/release/bench/store/bench_history_writes
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "detect/anomaly_detector.h"
#include "store/blob_compression.h"
#include "store/history_store.h"

namespace keelson::store {
namespace {

constexpr int kPods = 10000;
constexpr std::int64_t kIntervalMs = 30000;

// Bytes this process has passed to write(2) so far (/proc/self/io, wchar).
std::int64_t writtenBytes() {
  std::ifstream io("/proc/self/io");
  std::string name;
  std::int64_t value = 0;
  while (io >> name >> value) {
    if (name == "wchar:") return value;
  }
  return 0;
}

// kStates detector states, each learnt on kLearnt samples 30 s apart of its own series: steady
// ones (a constant value with a jitter of a few units, as the bench cluster's kwok pods report)
// or noisy ones (a daily sine with Gaussian noise, as a busy workload's CPU). Stored compressed,
// a steady state is a few dozen bytes and a noisy one about a kilobyte.
std::vector<std::string> learntStates(bool noisy) {
  constexpr int kStates = 64;
  constexpr int kLearnt = 2000;
  std::vector<std::string> states;
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0, 10);
  for (int s = 0; s < kStates; ++s) {
    detect::AnomalyDetector detector;
    for (int i = 0; i < kLearnt; ++i) {
      const std::int64_t ts_ms = 1'700'000'000'000 + i * kIntervalMs;
      const double day =
          2 * std::numbers::pi * static_cast<double>(ts_ms % 86'400'000) / 86'400'000;
      detector.update(ts_ms, noisy ? 100 + s + 50 * std::sin(day) + noise(rng)
                                   : 250 + s + static_cast<double>(rng() % 4));
    }
    states.push_back(detector.saveState());
  }
  return states;
}

void BM_HistoryTick(benchmark::State& state) {
  const auto every = static_cast<std::uint64_t>(state.range(0));
  const std::vector<std::string> blobs = learntStates(state.range(1) != 0);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("keelson-bench-history-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  HistoryStore store = HistoryStore::open(dir / "history.db");
  std::vector<SeriesKey> series;
  for (int pod = 0; pod < kPods; ++pod) {
    for (const char* metric : {"cpu_usage_millicores", "memory_usage_bytes", "restarts_total"}) {
      series.push_back({"pod", "bulk", "pod-" + std::to_string(pod), metric});
    }
  }
  std::int64_t now_ms = 1'700'000'000'000;
  std::uint64_t tick = 0;
  const auto one_tick = [&] {
    std::vector<Point> points;
    std::vector<std::pair<SeriesKey, std::string>> states;
    points.reserve(series.size());
    for (std::size_t i = 0; i < series.size(); ++i) {
      points.push_back({series[i], now_ms, static_cast<double>(i + tick)});
      if (every != 0 && (detectorCheckpointShare(i, series.size(), every) + tick) % every == 0) {
        states.emplace_back(series[i], blobs[i % blobs.size()]);
      }
    }
    store.appendTick(points, states, now_ms);
    now_ms += kIntervalMs;
    ++tick;
    return states.size();
  };
  if (every != 0) {
    // Every series has a state, as in a monitor that has run checkpoint_ticks ticks or was
    // restarted: a tick then replaces states rather than inserting them into the table.
    std::vector<std::pair<SeriesKey, std::string>> all;
    all.reserve(series.size());
    for (std::size_t i = 0; i < series.size(); ++i) {
      all.emplace_back(series[i], blobs[i % blobs.size()]);
    }
    store.saveDetectorStates(all, now_ms);
  }
  for (int warm = 0; warm < 3; ++warm) one_tick();  // series rows created, WAL warm
  std::int64_t bytes = 0;
  std::int64_t max_tick_bytes = 0;
  double max_tick_ms = 0;
  std::size_t states_written = 0;
  for (auto _ : state) {
    const std::int64_t before = writtenBytes();
    const auto started = std::chrono::steady_clock::now();
    states_written += one_tick();
    max_tick_ms = std::max(max_tick_ms, std::chrono::duration<double, std::milli>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
    const std::int64_t tick_bytes = writtenBytes() - before;
    bytes += tick_bytes;
    max_tick_bytes = std::max(max_tick_bytes, tick_bytes);
  }
  state.counters["max_tick_bytes"] = static_cast<double>(max_tick_bytes);
  state.counters["max_tick_ms"] = max_tick_ms;
  state.counters["written_bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
  state.counters["states"] =
      benchmark::Counter(static_cast<double>(states_written), benchmark::Counter::kAvgIterations);
  double stored_bytes = 0;
  for (const std::string& blob : blobs)
    stored_bytes += static_cast<double>(compressBlob(blob).size());
  state.counters["state_bytes"] = stored_bytes / static_cast<double>(blobs.size());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_HistoryTick)
    ->ArgNames({"checkpoint_ticks", "noisy"})
    ->Args({1, 0})
    ->Args({20, 0})
    ->Args({20, 1})
    ->Args({0, 0})
    ->Iterations(20)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HistoryTick)
    ->ArgNames({"checkpoint_ticks", "noisy"})
    ->Args({0, 0})
    ->Args({120, 0})
    ->Args({120, 1})
    ->Args({240, 0})
    ->Args({240, 1})
    ->Iterations(120)
    ->Unit(benchmark::kMillisecond);

constexpr std::int64_t kQuerySpanMs = std::int64_t{4} * 3600 * 1000;
constexpr std::int64_t kQueryStartMs = 1'700'000'000'000;

// A store of kQuerySpanMs of ticks at 10,000 pods, filled once for every BM_HistoryQuery (ten
// minutes of ticks per appendTick, to fill it quickly).
const std::filesystem::path& queryStore() {
  static const std::filesystem::path path = [] {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("keelson-bench-history-query-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    HistoryStore store = HistoryStore::open(dir / "history.db");
    constexpr std::int64_t kBatchTicks = 20;
    std::vector<Point> points;
    for (std::int64_t t0 = 0; t0 < kQuerySpanMs; t0 += kBatchTicks * kIntervalMs) {
      points.clear();
      for (std::int64_t t = t0; t < t0 + kBatchTicks * kIntervalMs && t < kQuerySpanMs;
           t += kIntervalMs) {
        for (int pod = 0; pod < kPods; ++pod) {
          for (const char* metric :
               {"cpu_usage_millicores", "memory_usage_bytes", "restarts_total"}) {
            points.push_back({{"pod", "bulk", "pod-" + std::to_string(pod), metric},
                              kQueryStartMs + t,
                              static_cast<double>(pod * 7 + t / kIntervalMs)});
          }
        }
      }
      store.appendTick(points, {}, points.back().timestamp_ms);
    }
    return dir / "history.db";
  }();
  return path;
}

void BM_HistoryQuery(benchmark::State& state) {
  const HistoryStore store = HistoryStore::openReadOnly(queryStore());
  HistoryStore::SeriesQuery q;
  q.subject_kind = "pod";
  q.namespace_name = "bulk";
  q.name = "pod-4321";
  q.metric = "cpu_usage_millicores";
  const std::int64_t end_ms = kQueryStartMs + kQuerySpanMs - kIntervalMs;
  q.from_ms = state.range(0) == 0 ? 0 : end_ms - std::int64_t{3600} * 1000;
  q.to_ms = end_ms;
  std::size_t points = 0;
  for (auto _ : state) {
    const auto result = store.query(q);
    points = result.empty() ? 0 : result[0].points.size();
    benchmark::DoNotOptimize(points);
  }
  state.counters["points"] = static_cast<double>(points);
}
BENCHMARK(BM_HistoryQuery)->ArgName("last_hour")->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);

// Removes the query store when the program ends.
const struct QueryStoreCleanup {
  ~QueryStoreCleanup() {
    std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                ("keelson-bench-history-query-" + std::to_string(::getpid())));
  }
} kQueryStoreCleanup;

}  // namespace
}  // namespace keelson::store
