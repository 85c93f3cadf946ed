#include "kube/event_series.h"

namespace keelson::kube {

EventDecision EventSeriesCache::patch(Entry& entry) {
  entry.patched_count = entry.count;
  entry.last_patched = entry.last_observed;
  return {EventDecision::Kind::kPatch, entry.namespace_name, entry.name, entry.count,
          entry.last_observed};
}

EventDecision EventSeriesCache::observe(const std::string& key, const std::string& namespace_name,
                                        const std::string& name, Clock::time_point now) {
  const auto it = entries_.find(key);
  if (it == entries_.end() || now - it->second.last_observed >= kSeriesFinishAfter) {
    // New, or the last one is so old its series was finished (sweep() may not have run yet).
    entries_.insert_or_assign(key, Entry{namespace_name, name, 1, 1, now, now});
    return {EventDecision::Kind::kCreate, namespace_name, name, 1, now};
  }
  Entry& entry = it->second;
  ++entry.count;
  entry.last_observed = now;
  if (entry.count == 2 || now - entry.last_patched >= kSeriesPatchInterval) return patch(entry);
  return {EventDecision::Kind::kNone, entry.namespace_name, entry.name, entry.count, now};
}

std::vector<EventDecision> EventSeriesCache::sweep(Clock::time_point now) {
  std::vector<EventDecision> out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& entry = it->second;
    if (now - entry.last_observed < kSeriesFinishAfter) {
      ++it;
      continue;
    }
    if (entry.count > entry.patched_count) out.push_back(patch(entry));
    it = entries_.erase(it);
  }
  return out;
}

void EventSeriesCache::forget(const std::string& key) { entries_.erase(key); }

}  // namespace keelson::kube
