#pragma once

// The host snapshot `keelson serve` answers /api/v1/host with. A capture takes a sampling
// interval, longer than a request's deadline, so it is taken on a background thread
// (BackgroundSampler) and the latest one is served.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "app/capture.h"
#include "core/background_sampler.h"

namespace keelson::app {

/// One host capture and its JSON document (toJson(HostCapture) plus "timestamp", the time the
/// capture started, RFC 3339 UTC).
struct HostSample {
  docs::HostCapture capture;
  nlohmann::json document;
};

/// Takes one HostSample (captureHost(options)); throws what captureHost throws.
HostSample sampleHost(const HostCaptureOptions& options);

/// The host sampler of `keelson serve`: sampleHost every `refresh` on the thread "serve-host",
/// each capture after the first taking its rates since the previous one (a HostCollector).
class HostSampler : public core::BackgroundSampler<HostSample> {
 public:
  HostSampler(HostCaptureOptions options, std::chrono::milliseconds refresh)
      : core::BackgroundSampler<HostSample>(
            "serve-host", refresh,
            [options = withCollector(std::move(options))] { return sampleHost(options); }) {}

  /// The latest document, or null before the first capture completed.
  std::shared_ptr<const nlohmann::json> latestDocument() const {
    auto sample = latest();
    return sample ? std::shared_ptr<const nlohmann::json>(sample, &sample->document) : nullptr;
  }
  /// The latest capture (for /metrics), or null before the first capture completed.
  std::shared_ptr<const docs::HostCapture> latestCapture() const {
    auto sample = latest();
    return sample ? std::shared_ptr<const docs::HostCapture>(sample, &sample->capture) : nullptr;
  }

 private:
  static HostCaptureOptions withCollector(HostCaptureOptions options) {
    options.collector = std::make_shared<host::HostCollector>();
    return options;
  }
};

}  // namespace keelson::app
