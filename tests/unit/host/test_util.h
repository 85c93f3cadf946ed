#pragma once

// Helpers shared by the host unit tests: fixture paths, temporary trees, collectHost on a fake
// clock.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <string_view>

#include "common/fake_clock.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "host/host_snapshot.h"

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

using keelson::testing::FakeClock;

/// collectHost (or `collector`'s collect, when given) on another thread while this one plays
/// the clock: when the collector waits between its two samples, runs `between` (e.g. swaps in
/// the second capture) and advances `clock` by options.interval, which ends that wait. `clock`
/// must be options.clock. With an interval of 0 the collector does not wait and nothing is
/// advanced.
inline HostSnapshot collectAdvancing(const HostFs& fs, const HostOptions& options, FakeClock& clock,
                                     const std::function<void()>& between,
                                     HostCollector* collector = nullptr) {
  auto collecting = std::async(std::launch::async, [&] {
    return collector != nullptr ? collector->collect(fs, options) : collectHost(fs, options);
  });
  if (options.interval > std::chrono::milliseconds::zero()) {
    EXPECT_TRUE(clock.awaitWaits(1)) << "collectHost did not wait between its samples";
    if (between) between();
    clock.advance(options.interval);
  }
  return collecting.get();
}

}  // namespace keelson::host::testing
