// Heap held per cached pod by an Informer<Pod> (the watch-fed cache, kube/informer.h).
//
// The informer lists a generated PodList (tests/unit/kube/test_decode_gen.h: ~3.5 KB of API
// JSON per pod, managedFields included) from an in-memory transport, builds its snapshot, and is
// stopped (its thread exits, releasing the parser's per-thread buffers). The heap in use
// (glibc mallinfo2: uordblks + hblkhd, summed over all arenas) is measured before the informer
// starts and after it stopped; the difference is what the cache holds: the decoded objects, the
// store and the snapshot (two sorted vectors of shared pointers). client-go informers hold 13-36
// KiB per pod in published measurements. Run from a release build:
//   build/release/bench/kube/bench_informer_memory
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/decode.h"
#include "kube/informer.h"
#include "kube/pod.h"
#include "test_decode_gen.h"

namespace keelson::kube {
namespace {

// Serves one list (the JSON built before measuring) and holds every watch until stopped.
class ListTransport final : public Transport {
 public:
  explicit ListTransport(const std::string& list) : list_(list) {}
  HttpResponse request(const HttpRequest&) override {
    HttpResponse response;
    response.status = 200;
    response.body = list_;
    return response;
  }
  StreamResult stream(const HttpRequest& request, const ChunkHandler&) override {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, request.stop, [] { return false; });
    StreamResult result;
    result.response.status = 200;
    result.stopped = true;
    return result;
  }
  const std::string& server() const noexcept override { return server_; }

 private:
  const std::string& list_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  std::string server_ = "https://memory:6443";
};

std::size_t heapInUse() {
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}

void BM_InformerBytesPerPod(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const std::string json = testing::makePodListJson(count);
  auto transport = std::make_shared<ListTransport>(json);
  Client client(transport);
  double bytes_per_pod = 0;
  for (auto _ : state) {
    ::malloc_trim(0);
    const std::size_t before = heapInUse();
    InformerOptions options;
    options.resource = "pods";
    options.path = "/api/v1/pods";
    options.page_size = 0;
    auto informer = std::make_unique<Informer<Pod>>(client, options);
    informer->start();
    if (!informer->waitForSync(std::chrono::minutes(2))) {
      state.SkipWithError("informer did not sync");
      return;
    }
    auto snapshot = informer->snapshot();
    informer->stop();  // frees the informer thread's parser buffers
    const std::size_t after = heapInUse();
    if (snapshot->size() != count) {
      state.SkipWithError("wrong pod count");
      return;
    }
    bytes_per_pod = static_cast<double>(after - before) / static_cast<double>(count);
    benchmark::DoNotOptimize(snapshot->all().data());
  }
  state.counters["bytes_per_pod"] = bytes_per_pod;
  state.counters["json_bytes_per_pod"] =
      static_cast<double>(json.size()) / static_cast<double>(count);
  state.counters["sizeof_Pod"] = static_cast<double>(sizeof(Pod));
}
BENCHMARK(BM_InformerBytesPerPod)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// For attribution: the same pods held as a plain std::vector<Pod> (decoded objects only, no
// index, no shared_ptr), so bytes_per_pod above minus this is the informer's own overhead.
void BM_DecodedPodVectorBytesPerPod(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const std::string json = testing::makePodListJson(count);
  double bytes_per_pod = 0;
  for (auto _ : state) {
    std::vector<Pod> pods;
    {
      auto list = decodeList<Pod>(json);  // warms the per-thread parser buffers
      benchmark::DoNotOptimize(list.items.data());
    }
    ::malloc_trim(0);
    const std::size_t before = heapInUse();
    pods = decodeList<Pod>(json).items;
    pods.shrink_to_fit();
    const std::size_t after = heapInUse();
    bytes_per_pod = static_cast<double>(after - before) / static_cast<double>(count);
    benchmark::DoNotOptimize(pods.data());
  }
  state.counters["bytes_per_pod"] = bytes_per_pod;
}
BENCHMARK(BM_DecodedPodVectorBytesPerPod)
    ->Arg(10'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keelson::kube
