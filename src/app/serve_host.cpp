#include "app/serve_host.h"

#include <pthread.h>

#include <exception>
#include <utility>

#include "core/log.h"
#include "kube/objects.h"

namespace keelson::app {

HostSampler::HostSampler(HostCaptureOptions options, std::chrono::milliseconds refresh)
    : options_(std::move(options)), refresh_(refresh) {}

HostSampler::~HostSampler() { stop(); }

void HostSampler::start() {
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
  pthread_setname_np(thread_.native_handle(), "serve-host");
}

void HostSampler::stop() noexcept {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const nlohmann::json> HostSampler::latest() const {
  const std::lock_guard lock(mutex_);
  return latest_;
}

std::shared_ptr<const HostCapture> HostSampler::latestCapture() const {
  const std::lock_guard lock(mutex_);
  return latest_capture_;
}

void HostSampler::run(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    try {
      const auto now = std::chrono::system_clock::now();
      auto capture = std::make_shared<const HostCapture>(captureHost(options_));
      nlohmann::json doc = toJson(*capture);
      doc["timestamp"] = kube::formatTime(now);
      auto shared = std::make_shared<const nlohmann::json>(std::move(doc));
      const std::lock_guard lock(mutex_);
      latest_ = std::move(shared);
      latest_capture_ = std::move(capture);
    } catch (const std::exception& e) {
      // One failed capture degrades /api/v1/host to the previous document; keep sampling.
      spdlog::warn("host capture failed: {}", e.what());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, refresh_, [] { return false; });
  }
}

}  // namespace keelson::app
