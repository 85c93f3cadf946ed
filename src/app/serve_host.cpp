#include "app/serve_host.h"

#include "kube/objects.h"

namespace keelson::app {

HostSample sampleHost(const HostCaptureOptions& options) {
  const auto started = std::chrono::system_clock::now();
  HostSample sample{captureHost(options), {}};
  sample.document = docs::toJson(sample.capture);
  sample.document["timestamp"] = kube::formatTime(started);
  return sample;
}

}  // namespace keelson::app
