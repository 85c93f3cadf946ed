#include "link/backoff.h"

#include <algorithm>

namespace keelson::link {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap)
    : base_(base), cap_(cap), random_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next(std::optional<std::chrono::seconds> retry_after) {
  const int exponent = std::min(failures_, 30);
  ++failures_;
  if (retry_after) {
    return std::min<std::chrono::milliseconds>(*retry_after, cap_);
  }
  const auto ceiling = std::min<std::int64_t>(cap_.count(), base_.count() << exponent);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(0, ceiling));
  return std::chrono::milliseconds(pick(random_));
}

}  // namespace keelson::link
