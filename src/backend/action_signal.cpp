#include "backend/action_signal.h"

#include <utility>

namespace keelson::backend {

ActionSignal::ActionSignal(std::shared_ptr<const core::Clock> clock)
    : clock_(clock ? std::move(clock) : core::systemClock()) {}

std::uint64_t ActionSignal::generation() const {
  const std::lock_guard lock(mutex_);
  return generation_;
}

void ActionSignal::notify() {
  {
    const std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

void ActionSignal::shutdown() {
  {
    const std::lock_guard lock(mutex_);
    shut_down_ = true;
  }
  changed_.notify_all();
}

bool ActionSignal::waitPast(std::uint64_t seen, core::SteadyTime deadline,
                            std::stop_token stop) const {
  std::unique_lock lock(mutex_);
  clock_->waitUntil(lock, changed_, std::move(stop), deadline,
                    [&] { return generation_ != seen || shut_down_; });
  return generation_ != seen;
}

}  // namespace keelson::backend
