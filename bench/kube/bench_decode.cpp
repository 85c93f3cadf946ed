// Decode throughput of a large PodList (MB/s of API JSON) and Quantity parse/format speed.
// Benchmarks measure; the same generated list is checked for correctness in
// tests/unit/kube/test_decode_large.cpp.
#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <string_view>

#include "core/quantity.h"
#include "kube/decode.h"
#include "kube/pod.h"
#include "test_decode_gen.h"

namespace keelson::kube {
namespace {

// decodeList<Pod> from a std::string_view: one copy into the padded per-thread buffer.
void BM_DecodePodList(benchmark::State& state) {
  const std::string json = testing::makePodListJson(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto list = decodeList<Pod>(json);
    benchmark::DoNotOptimize(list.items.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json.size()));
  state.counters["pods/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodePodList)->Arg(100)->Arg(10'000)->Unit(benchmark::kMillisecond);

// decodeList<Pod> on a buffer that already has the padding: no copy.
void BM_DecodePodListInPlace(benchmark::State& state) {
  std::string json = testing::makePodListJson(static_cast<std::size_t>(state.range(0)));
  json.reserve(json.size() + kJsonPadding);
  for (auto _ : state) {
    auto list = decodeList<Pod>(PaddedJson(json));
    benchmark::DoNotOptimize(list.items.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_DecodePodListInPlace)->Arg(10'000)->Unit(benchmark::kMillisecond);

constexpr std::array<std::string_view, 10> kQuantities = {
    "100m", "1.5Gi", "128974848", "129e6", "250m", "4", "153736287n", "1402736Ki", "0.5", "16Gi"};

void BM_QuantityParse(benchmark::State& state) {
  for (auto _ : state) {
    for (std::string_view text : kQuantities) {
      benchmark::DoNotOptimize(core::Quantity::parse(text));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kQuantities.size()));
}
BENCHMARK(BM_QuantityParse);

void BM_QuantityFormat(benchmark::State& state) {
  std::array<core::Quantity, kQuantities.size()> quantities;
  for (std::size_t i = 0; i < kQuantities.size(); ++i) {
    quantities[i] = core::Quantity::parse(kQuantities[i]);
  }
  for (auto _ : state) {
    for (const auto& q : quantities) benchmark::DoNotOptimize(q.format());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * quantities.size()));
}
BENCHMARK(BM_QuantityFormat);

}  // namespace
}  // namespace keelson::kube
