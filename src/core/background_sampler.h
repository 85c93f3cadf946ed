#pragma once

// A value `keelson serve` recomputes on a background thread and serves as its latest version:
// work too slow for a request's deadline (a host capture takes a sampling interval) or that must
// not be done per request (a metrics.k8s.io call: requests never call the API server).

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "core/log.h"

namespace keelson::core {

/// Calls `sample` every `refresh` on its own thread and keeps the latest result. A sample that
/// throws is logged (warning) and the previous result stays. Thread-safe: latest() may be
/// called from any thread; start() and stop() from the owner.
template <class T>
class BackgroundSampler {
 public:
  using SampleFn = std::function<T()>;

  /// `thread_name`: at most 15 characters (pthread's limit), shown by ps and in logs.
  BackgroundSampler(std::string thread_name, std::chrono::milliseconds refresh, SampleFn sample)
      : name_(std::move(thread_name)), refresh_(refresh), sample_(std::move(sample)) {}
  ~BackgroundSampler() { stop(); }  ///< stop().
  BackgroundSampler(const BackgroundSampler&) = delete;
  BackgroundSampler& operator=(const BackgroundSampler&) = delete;

  /// Starts the thread; the first sample begins at once. Once only.
  void start() {
    thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
    pthread_setname_np(thread_.native_handle(), name_.c_str());
  }

  /// Stops and joins the thread; a sample in progress finishes first. Idempotent.
  void stop() noexcept {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }

  /// The latest result, or null before the first sample completed.
  std::shared_ptr<const T> latest() const {
    const std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  void run(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      try {
        auto result = std::make_shared<const T>(sample_());
        const std::lock_guard lock(mutex_);
        latest_ = std::move(result);
      } catch (const std::exception& e) {
        logEvent(spdlog::level::warn, "sampler: sample failed, keeping the previous one",
                 {{"sampler", name_}, {"error", e.what()}});
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, refresh_, [] { return false; });
    }
  }

  std::string name_;
  std::chrono::milliseconds refresh_;
  SampleFn sample_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::shared_ptr<const T> latest_;
  std::jthread thread_;
};

}  // namespace keelson::core
