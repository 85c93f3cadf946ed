#pragma once
// Supervised components: each a named thread running a body until stopped; a body that throws
// is logged, counted and run again after a backoff (1 s doubling to 60 s, full jitter; back to
// 1 s once a run lasted 60 s), so one failing part never takes the process down. Each
// component's health is visible (heartbeats, /readyz, /metrics).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace keelson::app {

/// Where a component is in its life.
enum class ComponentState {
  kStarting,    ///< Started, not yet reported running.
  kRunning,     ///< Its body said it is doing its work (Component::markRunning).
  kRestarting,  ///< Its body threw; waiting for the backoff before running it again.
  kStopped,     ///< Stopped on request (or its body returned).
};

/// "starting", "running", "restarting", "stopped".
const char* componentStateName(ComponentState state) noexcept;

/// One component's health.
struct ComponentHealth {
  std::string name;
  ComponentState state = ComponentState::kStarting;
  int restarts = 0;        ///< Times its body threw and was run again.
  std::string last_error;  ///< The latest exception's message; "" if none.
};

/// Runs components. Thread-safe; add() before start().
class Supervisor {
 public:
  /// A component's body: runs until `stop` is requested; calls `running()` once it is doing its
  /// work (e.g. after a first successful round). Throwing restarts it.
  using Body = std::function<void(std::stop_token stop, const std::function<void()>& running)>;

  Supervisor();
  ~Supervisor();  ///< stopAll() and join.
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Adds a component (not started).
  void add(std::string name, Body body);
  /// Starts every component's thread.
  void start();
  /// Requests stop of component `name` and waits for its thread (its body returns, or the
  /// backoff wait ends). Unknown names are ignored.
  void stop(const std::string& name);
  /// stop() for every component still running, all requested first, then joined.
  void stopAll();
  /// The health of every component, in the order added.
  std::vector<ComponentHealth> health() const;
  /// True when every component is kRunning.
  bool allRunning() const;

 private:
  struct Component;
  void runComponent(Component& component, const std::stop_token& stop);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Component>> components_;
};

}  // namespace keelson::app
