// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics decoding.
#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"
#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

// "20.035s" → 20035ms (rounded to the nearest millisecond).
void readWindow(od::value value, std::chrono::milliseconds& out) {
  std::string text;
  read(value, text);
  if (text.empty()) return;
  try {
    out = std::chrono::round<std::chrono::milliseconds>(parseDuration(text));
  } catch (const Error& e) {
    fail(e.what());
  }
}

void decodeContainerMetrics(od::value value, ContainerMetrics& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    if (key == "usage") return read(field, out.usage);
  });
}

}  // namespace

void decode(od::value value, NodeMetrics& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "timestamp") return read(field, out.timestamp);
    if (key == "window") return readWindow(field, out.window);
    if (key == "usage") return read(field, out.usage);
    if (key == "kind") return expectKind(field, "NodeMetrics");
  });
}

void decode(od::value value, PodMetrics& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "timestamp") return read(field, out.timestamp);
    if (key == "window") return readWindow(field, out.window);
    if (key == "containers") return readArray(field, out.containers, decodeContainerMetrics);
    if (key == "kind") return expectKind(field, "PodMetrics");
  });
}

}  // namespace keelson::kube::detail
