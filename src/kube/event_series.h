#pragma once

// Aggregation of repeated events (events.k8s.io/v1 EventSeries), as client-go's event
// broadcaster does it: the first of a set of isomorphic events (same regarding object, type,
// reason, action, note and reporter) is created; the second turns it into a series (count 2,
// patched at once); later ones only raise the count, which is patched at most every
// kSeriesPatchInterval; a series not observed for kSeriesFinishAfter gets a last patch with its
// final count and is forgotten, and so is a lone event that old. A pod that stays unschedulable
// for an hour thus leaves one FailedScheduling event with a count, not hundreds of events.
//
// Pure bookkeeping: the caller sends what the decisions say. Not thread-safe (one recorder
// thread owns it).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace keelson::kube {

/// A series is patched at most this often while it grows.
inline constexpr std::chrono::seconds kSeriesPatchInterval{30};
/// client-go's finishTime: a series idle this long is finished (and a lone event forgotten).
inline constexpr std::chrono::minutes kSeriesFinishAfter{6};

/// What to send for one observed event (or one finished series).
struct EventDecision {
  enum class Kind {
    kCreate,  ///< POST a new event named `name`.
    kPatch,   ///< PATCH event `name`'s series to `count` and `last_observed`.
    kNone,    ///< Counted; nothing to send now.
  };
  Kind kind = Kind::kNone;
  std::string namespace_name;  ///< The event's namespace.
  std::string name;            ///< The event's name (the first event's, for a series).
  std::int32_t count = 1;      ///< series.count for kPatch.
  std::chrono::system_clock::time_point last_observed;  ///< series.lastObservedTime.
};

/// The isomorphic events seen recently, by key.
class EventSeriesCache {
 public:
  using Clock = std::chrono::system_clock;

  /// An event with isomorphism `key` observed at `now`; `name` and `namespace_name` are the
  /// ones a new event gets (used only when the decision is kCreate).
  EventDecision observe(const std::string& key, const std::string& namespace_name,
                        const std::string& name, Clock::time_point now);
  /// Finishes the series idle for kSeriesFinishAfter at `now`: returns a kPatch for each whose
  /// count grew since its last patch, and forgets them and lone events as old.
  std::vector<EventDecision> sweep(Clock::time_point now);
  /// Forgets `key` (e.g. its event is gone from the API server).
  void forget(const std::string& key);
  /// Events (lone or series) remembered.
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    std::string namespace_name;
    std::string name;
    std::int32_t count = 1;
    std::int32_t patched_count = 1;  ///< The count the API server has.
    Clock::time_point last_observed;
    Clock::time_point last_patched;
  };
  static EventDecision patch(Entry& entry);

  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace keelson::kube
