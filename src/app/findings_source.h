#pragma once
// Where remediation reads the findings of `keelson monitor` from: the insights file another
// process writes (`keelson remediate`), or the monitor loop of the same process
// (`keelson monitor --remediate`), which hands each tick's findings over directly.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "core/clock.h"
#include "docs/insights_file.h"

namespace keelson::app {

/// The findings remediation works on, and a way to wait for newer ones.
class FindingsSource {
 public:
  virtual ~FindingsSource() = default;

  /// The latest findings; nullopt while there are none yet. Throws Error(kBadInput) when they
  /// exist but cannot be read.
  virtual std::optional<docs::InsightsSnapshot> latest() = 0;

  /// Waits until newer findings may be there, `deadline` passes, or `stop` is requested.
  /// Returns false when stopped.
  virtual bool waitForUpdate(core::SteadyTime deadline, std::stop_token stop) = 0;

  /// Names the source in messages (the file's path, or "this monitor").
  virtual std::string name() const = 0;
};

/// The insights file of a `keelson monitor` process (docs/insights_file.h), re-read every
/// `watch_interval`. Thread-safe (the file is replaced atomically by its writer).
class InsightsFileSource : public FindingsSource {
 public:
  InsightsFileSource(std::filesystem::path path, std::chrono::milliseconds watch_interval)
      : path_(std::move(path)), watch_interval_(watch_interval) {}

  /// readInsightsFile(path); nullopt when the file does not exist (yet).
  std::optional<docs::InsightsSnapshot> latest() override;
  /// Sleeps until `deadline` or one watch interval from now, whichever is sooner.
  bool waitForUpdate(core::SteadyTime deadline, std::stop_token stop) override;
  std::string name() const override { return path_.string(); }

 private:
  std::filesystem::path path_;
  std::chrono::milliseconds watch_interval_;
};

/// Findings handed over in memory: a monitor loop publishes each tick's snapshot, one consumer
/// reads them. publish() and the consumer's calls may run on different threads (thread-safe);
/// waitForUpdate returns as soon as a snapshot newer than the one latest() last returned is
/// published.
class FindingsFeed : public FindingsSource {
 public:
  /// Replaces the latest snapshot and wakes the consumer.
  void publish(docs::InsightsSnapshot snapshot);

  std::optional<docs::InsightsSnapshot> latest() override;
  bool waitForUpdate(core::SteadyTime deadline, std::stop_token stop) override;
  std::string name() const override { return "this monitor"; }

 private:
  std::mutex mutex_;
  std::condition_variable_any published_;
  std::optional<docs::InsightsSnapshot> snapshot_;
  std::uint64_t generation_ = 0;  // publish() calls so far
  std::uint64_t seen_ = 0;        // the generation latest() last returned
};

}  // namespace keelson::app
