#include "host/host_clock.h"

#include <thread>

namespace keelson::host {
namespace {

class SystemHostClock final : public HostClock {
 public:
  std::chrono::steady_clock::time_point steadyNow() override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point wallNow() override {
    return std::chrono::system_clock::now();
  }
  void sleepFor(std::chrono::nanoseconds duration) override {
    if (duration > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(duration);
  }
};

}  // namespace

std::shared_ptr<HostClock> HostClock::system() {
  static const auto clock = std::make_shared<SystemHostClock>();
  return clock;
}

}  // namespace keelson::host
