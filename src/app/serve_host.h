#pragma once

// The host snapshot `keelson serve` answers /api/v1/host with: sampled on a background thread
// (a capture takes a sampling interval, longer than a request's deadline) and served as the
// latest document.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/capture.h"

namespace keelson::app {

/// Captures the host (captureHost) every `refresh` on the thread "serve-host" and keeps the
/// latest JSON document (toJson(HostCapture) plus "timestamp"). Thread-safe: latest() may be
/// called from any thread; start() and stop() from the owner.
class HostSampler {
 public:
  HostSampler(HostCaptureOptions options, std::chrono::milliseconds refresh);
  ~HostSampler();  ///< stop().
  HostSampler(const HostSampler&) = delete;
  HostSampler& operator=(const HostSampler&) = delete;

  /// Starts the sampling thread (the first capture begins at once). Once only.
  void start();
  /// Stops and joins the thread; a capture in progress finishes first (about one sampling
  /// interval). Idempotent.
  void stop() noexcept;
  /// The latest document, or null before the first capture completed.
  std::shared_ptr<const nlohmann::json> latest() const;
  /// The latest capture itself (for /metrics), or null before the first one completed.
  std::shared_ptr<const HostCapture> latestCapture() const;

 private:
  void run(const std::stop_token& stop);

  HostCaptureOptions options_;
  std::chrono::milliseconds refresh_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::shared_ptr<const nlohmann::json> latest_;
  std::shared_ptr<const HostCapture> latest_capture_;
  std::jthread thread_;
};

}  // namespace keelson::app
