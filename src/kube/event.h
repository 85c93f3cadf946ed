#pragma once

// One normalized Event for both event APIs:
//   core/v1 Event           GET /api/v1/events, /api/v1/namespaces/{ns}/events
//   events.k8s.io/v1 Event  GET /apis/events.k8s.io/v1/events
//
// Field mapping (core/v1 | events.k8s.io/v1 → Event):
//   involvedObject          | regarding                → regarding
//   related                 | related                  → related
//   message                 | note                     → message
//   reason, type, action    | reason, type, action     → reason, type, action
//   source.component/host   | deprecatedSource         → source_component, source_host
//   reportingComponent      | reportingController      → reporting_controller
//                                                         (falls back to source_component)
//   reportingInstance       | reportingInstance        → reporting_instance (falls back to
//                                                         source_host)
//   eventTime               | eventTime                → event_time
//   series{count, lastObservedTime} (both)             → series
// Derived, the way `kubectl get events` does:
//   count      = series.count if there is a series, else count | deprecatedCount if > 0, else 1.
//   first_time = firstTimestamp | deprecatedFirstTimestamp, else eventTime, else
//                metadata.creationTimestamp.
//   last_time  = series.lastObservedTime, else lastTimestamp | deprecatedLastTimestamp, else
//                eventTime, else first_time; never earlier than first_time.
// The two APIs are told apart by their field names, so list items without apiVersion work.

#include <cstdint>
#include <optional>
#include <string>

#include "kube/objects.h"

namespace keelson::kube {

/// An event's series: how often an isomorphic event recurred (events.k8s.io EventSeries).
struct EventSeries {
  int32_t count = 0;
  Time last_observed_time;
};

/// A core/v1 or events.k8s.io/v1 Event, normalized (see the mapping above).
struct Event {  // NOLINT(bugprone-exception-escape): flat_map moves never throw
  ObjectMeta metadata;
  ObjectReference regarding;               ///< The object the event is about.
  std::optional<ObjectReference> related;  ///< A secondary object, e.g. the node of a pod event.
  std::string reason;                      ///< "FailedScheduling", "BackOff", "Killing", ...
  std::string message;                     ///< core/v1 message, events.k8s.io note.
  std::string type;                        ///< "Normal" or "Warning".
  std::string action;                      ///< e.g. "Scheduling"; often empty for core/v1.
  int32_t count = 1;                       ///< Occurrences (derived; at least 1).
  Time first_time;                         ///< First occurrence (derived).
  Time last_time;                          ///< Latest occurrence (derived).
  Time event_time;                         ///< eventTime (MicroTime), unset for old events.
  std::optional<EventSeries> series;
  std::string reporting_controller;  ///< e.g. "default-scheduler", "kubelet".
  std::string reporting_instance;
  std::string source_component;  ///< source.component / deprecatedSource.component.
  std::string source_host;       ///< source.host / deprecatedSource.host.
};

}  // namespace keelson::kube
