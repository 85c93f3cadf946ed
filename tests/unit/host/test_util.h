#pragma once

// Helpers shared by the host unit tests: fixture paths, a fake clock, temporary trees.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "common/temp_dir.h"
#include "common/test_env.h"
#include "host/host_clock.h"

namespace keelson::host::testing {

/// tests/data/host/<relative>.
inline std::filesystem::path dataPath(std::string_view relative) {
  return std::filesystem::path(keelson::testing::testDataDir()) / "host" / relative;
}

/// The bytes of a regular local file ("" if unreadable).
inline std::string readLocal(const std::filesystem::path& path) {
  // Sized read: g++ 12 warns (-Wnull-dereference) inside istreambuf_iterator.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

/// The bytes of tests/data/host/<relative>; fails the test if it cannot be read.
inline std::string readData(std::string_view relative) {
  const auto path = dataPath(relative);
  EXPECT_TRUE(std::filesystem::is_regular_file(path)) << "cannot read fixture " << path;
  return readLocal(path);
}

/// Writes `text` to `path`, creating parent directories.
inline void writeFile(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

using keelson::testing::TempDir;

/// A clock that only moves when told to: sleepFor advances it (and runs an optional hook, e.g.
/// to swap fixture files between two samples); advance() moves it without sleeping.
class FakeClock final : public HostClock {
 public:
  std::chrono::steady_clock::time_point steadyNow() override {
    std::lock_guard lock(mutex_);
    return steady_;
  }
  std::chrono::system_clock::time_point wallNow() override {
    std::lock_guard lock(mutex_);
    return wall_;
  }
  void sleepFor(std::chrono::nanoseconds duration) override {
    {
      std::lock_guard lock(mutex_);
      steady_ += duration;
      wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(duration);
      slept_ += duration;
    }
    if (on_sleep) on_sleep();
  }
  void advance(std::chrono::nanoseconds duration) {
    std::lock_guard lock(mutex_);
    steady_ += duration;
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(duration);
  }
  std::chrono::nanoseconds slept() {
    std::lock_guard lock(mutex_);
    return slept_;
  }

  std::function<void()> on_sleep;  ///< Runs after each sleepFor.

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point steady_{std::chrono::seconds(1000)};
  std::chrono::system_clock::time_point wall_{std::chrono::seconds(1'800'000'000)};
  std::chrono::nanoseconds slept_{0};
};

}  // namespace keelson::host::testing
