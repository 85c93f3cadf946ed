// kubelet stats/v1alpha1 Summary decoding (only the fields in stats_summary.h).
#include <string_view>

#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

void readCounter(od::value value, std::uint64_t& out) {
  int64_t v = 0;
  read(value, v);
  if (v < 0) fail("expected a non-negative counter");
  out = static_cast<std::uint64_t>(v);
}

void decodeNetwork(od::value value, std::optional<NetworkCounters>& out) {
  NetworkCounters counters;
  bool any = false;
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "rxBytes") return any = true, readCounter(field, counters.rx_bytes);
    if (key == "txBytes") return any = true, readCounter(field, counters.tx_bytes);
    if (key == "rxErrors") return any = true, readCounter(field, counters.rx_errors);
    if (key == "txErrors") return any = true, readCounter(field, counters.tx_errors);
  });
  if (any) out = counters;
}

void decodePodStats(od::value value, PodStats& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "podRef") {
      return forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "namespace") return read(v, out.namespace_name);
        if (name == "name") return read(v, out.name);
        if (name == "uid") return read(v, out.uid);
      });
    }
    if (key == "network") return decodeNetwork(field, out.network);
  });
}

}  // namespace

void decode(od::value value, StatsSummary& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "node") {
      return forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "nodeName") return read(v, out.node_name);
      });
    }
    if (key == "pods") return readArray(field, out.pods, decodePodStats);
  });
}

}  // namespace keelson::kube::detail
