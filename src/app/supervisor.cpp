#include "app/supervisor.h"

#include <spdlog/spdlog.h>

#include <random>

#include "core/clock.h"
#include "core/log.h"

namespace keelson::app {

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kMaxBackoff{60000};
constexpr std::chrono::seconds kStableRun{60};

// Full jitter: uniform in [0, d].
std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> pick(0, d.count());
  return std::chrono::milliseconds(pick(random));
}

}  // namespace

struct Supervisor::Component {
  std::string name;
  Body body;
  ComponentHealth health;  // guarded by Supervisor::mutex_
  std::jthread thread;
};

const char* componentStateName(ComponentState state) noexcept {
  switch (state) {
    case ComponentState::kStarting:
      return "starting";
    case ComponentState::kRunning:
      return "running";
    case ComponentState::kRestarting:
      return "restarting";
    case ComponentState::kStopped:
      return "stopped";
  }
  return "unknown";
}

Supervisor::Supervisor() = default;
Supervisor::~Supervisor() { stopAll(); }

void Supervisor::add(std::string name, Body body) {
  auto component = std::make_unique<Component>();
  component->name = name;
  component->body = std::move(body);
  component->health.name = std::move(name);
  const std::lock_guard lock(mutex_);
  components_.push_back(std::move(component));
}

void Supervisor::start() {
  const std::lock_guard lock(mutex_);
  for (auto& c : components_) {
    Component* component = c.get();
    component->thread = std::jthread(
        [this, component](const std::stop_token& stop) { runComponent(*component, stop); });
  }
}

void Supervisor::runComponent(Component& component, const std::stop_token& stop) {
  const auto clock = core::systemClock();
  std::chrono::milliseconds backoff = kFirstBackoff;
  const auto set = [&](ComponentState state) {
    const std::lock_guard lock(mutex_);
    component.health.state = state;
  };
  while (!stop.stop_requested()) {
    const core::SteadyTime started = clock->steadyNow();
    try {
      component.body(stop, [&] { set(ComponentState::kRunning); });
      break;  // returned: stopped, or done
    } catch (const std::exception& e) {
      {
        const std::lock_guard lock(mutex_);
        component.health.state = ComponentState::kRestarting;
        ++component.health.restarts;
        component.health.last_error = e.what();
      }
      if (clock->steadyNow() - started >= kStableRun) backoff = kFirstBackoff;
      const auto wait = jittered(backoff);
      core::logEvent(spdlog::level::warn, "component failed, restarting",
                     {{"component", component.name},
                      {"error", e.what()},
                      {"restart_in_ms", static_cast<std::int64_t>(wait.count())}});
      backoff = std::min(backoff * 2, kMaxBackoff);
      if (!clock->sleepFor(wait, stop)) break;
    }
  }
  set(ComponentState::kStopped);
}

void Supervisor::stop(const std::string& name) {
  Component* found = nullptr;
  {
    const std::lock_guard lock(mutex_);
    for (auto& c : components_) {
      if (c->name == name) found = c.get();
    }
  }
  if (found == nullptr || !found->thread.joinable()) return;
  found->thread.request_stop();
  found->thread.join();
}

void Supervisor::stopAll() {
  std::vector<Component*> all;
  {
    const std::lock_guard lock(mutex_);
    for (auto& c : components_) all.push_back(c.get());
  }
  for (Component* c : all) {
    if (c->thread.joinable()) c->thread.request_stop();
  }
  for (Component* c : all) {
    if (c->thread.joinable()) c->thread.join();
  }
}

std::vector<ComponentHealth> Supervisor::health() const {
  const std::lock_guard lock(mutex_);
  std::vector<ComponentHealth> out;
  for (const auto& c : components_) out.push_back(c->health);
  return out;
}

bool Supervisor::allRunning() const {
  const std::lock_guard lock(mutex_);
  for (const auto& c : components_) {
    if (c->health.state != ComponentState::kRunning) return false;
  }
  return !components_.empty();
}

}  // namespace keelson::app
