// core/v1 and events.k8s.io/v1 Event decoding into one normalized Event (mapping in event.h).
#include <string>
#include <string_view>

#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

void decodeEventSeries(od::value value, EventSeries& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "count") return read(field, out.count);
    if (key == "lastObservedTime") return read(field, out.last_observed_time);
  });
}

void decodeEventSource(od::value value, Event& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "component") return read(field, out.source_component);
    if (key == "host") return read(field, out.source_host);
  });
}

// count/deprecatedCount and first/lastTimestamp as sent, before normalize().
struct RawEventFields {
  int32_t count = 0;
  Time first_timestamp;
  Time last_timestamp;
};

void normalize(const RawEventFields& raw, Event& out) {
  if (out.series && out.series->count > 0) {
    out.count = out.series->count;
  } else if (raw.count > 0) {
    out.count = raw.count;
  } else {
    out.count = 1;
  }

  if (isSet(raw.first_timestamp)) {
    out.first_time = raw.first_timestamp;
  } else if (isSet(out.event_time)) {
    out.first_time = out.event_time;
  } else {
    out.first_time = out.metadata.creation_timestamp;
  }

  if (out.series && isSet(out.series->last_observed_time)) {
    out.last_time = out.series->last_observed_time;
  } else if (isSet(raw.last_timestamp)) {
    out.last_time = raw.last_timestamp;
  } else if (isSet(out.event_time)) {
    out.last_time = out.event_time;
  } else {
    out.last_time = out.first_time;
  }
  if (out.last_time < out.first_time) out.last_time = out.first_time;

  if (out.reporting_controller.empty()) out.reporting_controller = out.source_component;
  if (out.reporting_instance.empty()) out.reporting_instance = out.source_host;
}

}  // namespace

void decode(od::value value, Event& out) {
  RawEventFields raw;
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "involvedObject" || key == "regarding") {
      return decodeObjectReference(field, out.regarding);
    }
    if (key == "related") return readOptional(field, out.related, decodeObjectReference);
    if (key == "reason") return read(field, out.reason);
    if (key == "message" || key == "note") return read(field, out.message);
    if (key == "type") return read(field, out.type);
    if (key == "action") return read(field, out.action);
    if (key == "count" || key == "deprecatedCount") return read(field, raw.count);
    if (key == "firstTimestamp" || key == "deprecatedFirstTimestamp") {
      return read(field, raw.first_timestamp);
    }
    if (key == "lastTimestamp" || key == "deprecatedLastTimestamp") {
      return read(field, raw.last_timestamp);
    }
    if (key == "eventTime") return read(field, out.event_time);
    if (key == "series") return readOptional(field, out.series, decodeEventSeries);
    if (key == "source" || key == "deprecatedSource") return decodeEventSource(field, out);
    if (key == "reportingComponent" || key == "reportingController") {
      return read(field, out.reporting_controller);
    }
    if (key == "reportingInstance") return read(field, out.reporting_instance);
    if (key == "kind") return expectKind(field, "Event");
  });
  normalize(raw, out);
}

}  // namespace keelson::kube::detail
