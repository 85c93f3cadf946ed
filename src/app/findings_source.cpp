#include "app/findings_source.h"

#include <algorithm>

#include "core/error.h"

namespace keelson::app {

std::optional<docs::InsightsSnapshot> InsightsFileSource::latest() {
  try {
    return docs::readInsightsFile(path_);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return std::nullopt;
    throw;
  }
}

bool InsightsFileSource::waitForUpdate(core::SteadyTime deadline, std::stop_token stop) {
  const auto clock = core::systemClock();
  const core::SteadyTime next = core::Clock::saturatingAdd(clock->steadyNow(), watch_interval_);
  return clock->sleepUntil(std::min(deadline, next), std::move(stop));
}

void FindingsFeed::publish(docs::InsightsSnapshot snapshot) {
  {
    const std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
    ++generation_;
  }
  published_.notify_all();
}

std::optional<docs::InsightsSnapshot> FindingsFeed::latest() {
  const std::lock_guard lock(mutex_);
  seen_ = generation_;
  return snapshot_;
}

bool FindingsFeed::waitForUpdate(core::SteadyTime deadline, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  core::systemClock()->waitUntil(lock, published_, stop, deadline,
                                 [this] { return generation_ != seen_; });
  return !stop.stop_requested();
}

}  // namespace keelson::app
