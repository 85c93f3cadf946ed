#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/options.h"
#include "common/test_env.h"
#include "core/error.h"
#include "core/process_runner.h"

namespace keelson::cli {
namespace {

using host::Collector;
using nlohmann::json;

// An environment of one variable (none when `name` is empty), instead of the process's.
EnvLookup fakeEnv(std::string name = "", std::string value = "") {
  return [name = std::move(name), value = std::move(value)](const char* wanted) -> const char* {
    return !name.empty() && name == wanted ? value.c_str() : nullptr;
  };
}

// CollectorFlags registered on a fresh command and parsed from `args`.
struct Parsed {
  CLI::App app{"test"};
  CollectorFlags flags;
  explicit Parsed(std::vector<std::string> args) {
    flags.add(app, /*host_switch=*/true);
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  }
};

TEST(CollectorFlags, DefaultsAreAllButGluster) {
  const Parsed parsed({});
  const auto enabled = parsed.flags.resolve(fakeEnv());
  for (const auto& info : host::collectorRegistry()) {
    EXPECT_EQ(enabled.enabled(info.id), info.id != Collector::kGluster) << info.name;
  }
  EXPECT_TRUE(parsed.flags.hostEnabled(fakeEnv()));
}

TEST(CollectorFlags, FlagsSwitchCollectorsByName) {
  const Parsed parsed({"--no-collector.processes", "--collector.gluster"});
  const auto enabled = parsed.flags.resolve(fakeEnv());
  EXPECT_FALSE(enabled.enabled(Collector::kProcesses));
  EXPECT_TRUE(enabled.enabled(Collector::kGluster));
  EXPECT_TRUE(enabled.enabled(Collector::kCpu));
}

TEST(CollectorFlags, ConflictingFlagsAreAUsageErrorNamingThem) {
  try {
    const Parsed parsed({"--collector.cpu", "--no-collector.cpu"});
    FAIL() << "expected a parse error";
  } catch (const CLI::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("--collector.cpu"), std::string::npos) << e.what();
  }
}

TEST(CollectorFlags, AnUnknownCollectorIsAnUnknownFlag) {
  try {
    const Parsed parsed({"--collector.nope"});
    FAIL() << "expected a parse error";
  } catch (const CLI::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("--collector.nope"), std::string::npos) << e.what();
  }
}

TEST(CollectorFlags, GlusterFollowsItsVariableUnlessAFlagSaysOtherwise) {
  const Parsed none({});
  for (const char* on : {"true", "1"}) {
    EXPECT_TRUE(
        none.flags.resolve(fakeEnv("GLUSTER_MONITORING_ENABLED", on)).enabled(Collector::kGluster));
  }
  EXPECT_FALSE(
      none.flags.resolve(fakeEnv("GLUSTER_MONITORING_ENABLED", "0")).enabled(Collector::kGluster));
  const Parsed off({"--no-collector.gluster"});
  EXPECT_FALSE(off.flags.resolve(fakeEnv("GLUSTER_MONITORING_ENABLED", "true"))
                   .enabled(Collector::kGluster));
}

TEST(CollectorFlags, ABadVariableIsAnErrorNamingIt) {
  const Parsed parsed({});
  try {
    (void)parsed.flags.resolve(fakeEnv("GLUSTER_MONITORING_ENABLED", "yes"));
    FAIL() << "expected Error(kBadInput)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("GLUSTER_MONITORING_ENABLED"), std::string::npos);
  }
  EXPECT_THROW((void)parsed.flags.hostEnabled(fakeEnv("HOST_MONITORING_ENABLED", "maybe")), Error);
}

TEST(CollectorFlags, HostSamplingIsOffWithNoHostOrItsVariable) {
  EXPECT_FALSE(Parsed({"--no-host"}).flags.hostEnabled(fakeEnv()));
  const Parsed parsed({});
  EXPECT_FALSE(parsed.flags.hostEnabled(fakeEnv("HOST_MONITORING_ENABLED", "false")));
  EXPECT_TRUE(parsed.flags.hostEnabled(fakeEnv("HOST_MONITORING_ENABLED", "1")));
}

// `keelson host ARGS` on the captured node-vm tree, without a gluster CLI under it.
core::RunResult runHost(std::vector<std::string> args) {
  std::vector<std::string> argv = {keelson::testing::keelsonBinary(),
                                   "host",
                                   "--host-root",
                                   keelson::testing::testDataDir() + "/host/node-vm/t0",
                                   "--interval",
                                   "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  core::RunOptions options;
  options.timeout = std::chrono::seconds(60);
  options.env = {{"GLUSTER_MONITORING_ENABLED", ""}, {"HOST_MONITORING_ENABLED", ""}};
  return core::runProcess(argv, options);
}

TEST(KeelsonHost, ADisabledCollectorsSectionReadsDisabled) {
  const core::RunResult run = runHost({"-o", "json", "--no-collector.processes"});
  const json doc = json::parse(run.out);
  EXPECT_EQ(doc["processes"], json({{"state", "disabled"}})) << run.err;
  EXPECT_FALSE(doc["errors"].contains("processes"));
  EXPECT_EQ(doc["glusterfs"], json({{"state", "disabled"}}));  // off by default
  EXPECT_TRUE(doc["memory"].is_object() && !doc["memory"].contains("state"));
}

TEST(KeelsonHost, GlusterWithoutItsCliIsNotInstalled) {
  const core::RunResult run = runHost({"-o", "json", "--collector.gluster"});
  const json doc = json::parse(run.out);
  EXPECT_EQ(doc["glusterfs"]["state"], "not_installed") << run.err;
}

TEST(KeelsonHost, ConflictingCollectorFlagsExit1NamingTheFlag) {
  const core::RunResult run = runHost({"--collector.cpu", "--no-collector.cpu"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("--collector.cpu"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace keelson::cli
