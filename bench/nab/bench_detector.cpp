// bench_detector: throughput of AnomalyDetector::update() on a noisy daily-periodic series.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "detect/anomaly_detector.h"

namespace {

std::vector<double> series(std::size_t n) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0.0, 2.0);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = 50 + 20 * std::sin(static_cast<double>(i) * 2 * M_PI / 288) + noise(rng);
  }
  return out;
}

void BM_Update(benchmark::State& state) {
  const std::vector<double> values = series(1 << 16);
  keelson::detect::AnomalyDetector detector;
  std::size_t i = 0;
  std::int64_t ts = 1'400'000'000'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.update(ts, values[i]));
    ts += 300'000;
    i = (i + 1) & (values.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Update);

void BM_SaveLoad(benchmark::State& state) {
  keelson::detect::AnomalyDetector detector;
  const std::vector<double> values = series(1000);
  for (std::size_t i = 0; i < values.size(); ++i) {
    detector.update(static_cast<std::int64_t>(i) * 300'000, values[i]);
  }
  for (auto _ : state) {
    auto restored = keelson::detect::AnomalyDetector::loadState(detector.saveState());
    benchmark::DoNotOptimize(restored);
  }
}
BENCHMARK(BM_SaveLoad);

}  // namespace

BENCHMARK_MAIN();
