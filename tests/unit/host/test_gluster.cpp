// The GlusterFS collector's decisions (states, per-section degradation, heal applicability,
// CLI flags) with the CLI replaced by recorded replies from tests/data/gluster/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_env.h"
#include "core/error.h"
#include "host/gluster.h"

namespace keelson::host {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

core::RunResult reply(const std::string& name, int exit_code = 0) {
  core::RunResult r;
  r.out = keelson::testing::readTestData("gluster/" + name);
  r.exit_code = exit_code;
  return r;
}

core::RunResult text(std::string out, int exit_code) {
  core::RunResult r;
  r.out = std::move(out);
  r.exit_code = exit_code;
  return r;
}

/// Answers gluster command lines from a table keyed by the words after the flags.
class FakeCli {
 public:
  std::map<std::string, core::RunResult> replies;
  std::vector<std::vector<std::string>> calls;
  std::vector<std::chrono::milliseconds> timeouts;

  GlusterCommandRunner runner() {
    return [this](const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
      calls.push_back(argv);
      timeouts.push_back(timeout);
      const std::string key = command(argv);
      const auto it = replies.find(key);
      if (it == replies.end()) throw Error(ErrorCode::kInternal, "unexpected command: " + key);
      return it->second;
    };
  }

  static std::string command(const std::vector<std::string>& argv) {
    std::string key;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].starts_with("--")) continue;
      if (!key.empty()) key += ' ';
      key += argv[i];
    }
    return key;
  }

  std::vector<std::string> commands() const {
    std::vector<std::string> out;
    for (const auto& c : calls) out.push_back(command(c));
    return out;
  }
};

const std::optional<std::string> kCli = std::string("/usr/sbin/gluster");

FakeCli healthyCluster() {
  FakeCli cli;
  cli.replies["volume info all"] = reply("volume_info_all.xml");
  cli.replies["volume status all detail"] = reply("volume_status_all_detail_brick_down.xml");
  cli.replies["peer status"] = reply("peer_status_connected.xml");
  cli.replies["volume heal kv2 info summary"] = reply("heal_info_summary_pending.xml");
  cli.replies["volume heal kv3 info summary"] = reply("heal_info_disperse_clean.xml");
  return cli;
}

const GlusterVolumeHeal& healOf(const GlusterStatus& status, const std::string& volume) {
  for (const auto& h : status.heal) {
    if (h.volume == volume) return h;
  }
  throw std::runtime_error("no heal entry for " + volume);
}

TEST(CollectGluster, NoCliIsNotInstalled) {
  FakeCli cli;
  const GlusterStatus status = collectGlusterWith(std::nullopt, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kNotInstalled);
  EXPECT_THAT(status.error, HasSubstr("not found"));
  EXPECT_TRUE(cli.calls.empty());
  const nlohmann::json json = toJson(status);
  EXPECT_EQ(json["state"], "not_installed");
  EXPECT_TRUE(json["volumes"].empty());
}

TEST(CollectGluster, DaemonDownIsAStateAndNothingElseIsAsked) {
  FakeCli cli;
  cli.replies["volume info all"] = reply("daemon_down.stdout.txt", 1);
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kDaemonUnreachable);
  EXPECT_EQ(status.error,
            "gluster volume info all: Connection failed. Please check if gluster daemon is "
            "operational.");
  EXPECT_THAT(cli.commands(), ElementsAre("volume info all"));
  const nlohmann::json json = toJson(status);
  EXPECT_EQ(json["state"], "daemon_unreachable");
  EXPECT_THAT(json["error"].get<std::string>(), HasSubstr("Connection failed"));
}

TEST(CollectGluster, CliTimeoutIsUnreachableNotZeroVolumes) {
  // gluster 10.3 prints "Error : Request timed out" and then a successful, empty <volInfo>.
  FakeCli cli;
  cli.replies["volume info all"] = reply("cli_timeout_volume_info.stdout.txt", 0);
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kDaemonUnreachable);
  EXPECT_EQ(status.error, "gluster volume info all: Error : Request timed out");
}

TEST(CollectGluster, KilledAtTheDeadlineIsUnreachable) {
  FakeCli cli;
  core::RunResult hung;
  hung.timed_out = true;
  hung.signal = 15;
  hung.duration = std::chrono::milliseconds(20000);
  cli.replies["volume info all"] = hung;
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kDaemonUnreachable);
  EXPECT_THAT(status.error, HasSubstr("no answer within 20000 ms"));
}

TEST(CollectGluster, HealthyClusterFillsEverySection) {
  FakeCli cli = healthyCluster();
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kOk);
  EXPECT_EQ(status.error, "");
  EXPECT_EQ(status.cli_path, "/usr/sbin/gluster");
  EXPECT_EQ(status.volumes.size(), 5U);
  EXPECT_EQ(status.volumes_error, std::nullopt);
  EXPECT_EQ(status.volume_status.size(), 3U);
  EXPECT_EQ(status.volume_status_error, std::nullopt);
  ASSERT_EQ(status.peers.size(), 1U);
  EXPECT_EQ(status.peers_error, std::nullopt);
  // Heal only for started replicate/disperse volumes.
  EXPECT_THAT(cli.commands(),
              ElementsAre("volume info all", "volume status all detail", "peer status",
                          "volume heal kv2 info summary", "volume heal kv3 info summary"));
  ASSERT_EQ(status.heal.size(), 5U);
  EXPECT_EQ(healOf(status, "kv1").state, GlusterHealState::kNotApplicable);
  EXPECT_EQ(healOf(status, "kv1").reason, "Distribute volumes have no self-heal");
  EXPECT_EQ(healOf(status, "kv2").state, GlusterHealState::kOk);
  EXPECT_EQ(healOf(status, "kv2").bricks.size(), 2U);
  EXPECT_EQ(healOf(status, "kv3").state, GlusterHealState::kOk);
  EXPECT_EQ(healOf(status, "kv4").state, GlusterHealState::kNotApplicable);
  EXPECT_EQ(healOf(status, "kv4").reason, "volume is Created");
  EXPECT_EQ(healOf(status, "kv5").reason, "Distribute volumes have no self-heal");
}

TEST(CollectGluster, PassesScriptModeXmlTimeoutAndSocket) {
  FakeCli cli = healthyCluster();
  GlusterCollectOptions options;
  options.command_timeout = std::chrono::seconds(7);
  options.glusterd_socket = "/run/custom/glusterd.socket";
  collectGlusterWith(kCli, options, cli.runner());
  ASSERT_FALSE(cli.calls.empty());
  for (const auto& argv : cli.calls) {
    EXPECT_EQ(argv.at(0), "/usr/sbin/gluster");
    EXPECT_THAT(argv, Contains("--mode=script"));
    EXPECT_THAT(argv, Contains("--xml"));
    EXPECT_THAT(argv, Contains("--timeout=7"));
    EXPECT_THAT(argv, Contains("--glusterd-sock=/run/custom/glusterd.socket"));
  }
  // The runner's deadline leaves the CLI room to time out by itself first.
  EXPECT_EQ(cli.timeouts.at(0), std::chrono::milliseconds(12000));
}

TEST(CollectGluster, RetriesWithoutTimeoutForACliThatDoesNotKnowIt) {
  FakeCli cli = healthyCluster();
  int calls = 0;
  const GlusterCommandRunner run = [&](const std::vector<std::string>& argv,
                                       std::chrono::milliseconds t) {
    ++calls;
    const bool has_timeout = std::find(argv.begin(), argv.end(), "--timeout=15") != argv.end();
    if (has_timeout) return text("unrecognized option --timeout=15\n\n Usage: gluster ...\n", 255);
    return cli.runner()(argv, t);
  };
  const GlusterStatus status = collectGlusterWith(kCli, {}, run);
  EXPECT_EQ(status.state, GlusterState::kOk);
  EXPECT_EQ(status.volumes.size(), 5U);
  EXPECT_EQ(calls, 6);  // one refused try, then the five commands without --timeout
}

TEST(CollectGluster, EachSectionDegradesAlone) {
  FakeCli cli = healthyCluster();
  cli.replies["volume status all detail"] = reply("volume_status_not_started.xml", 1);
  cli.replies["peer status"] = text("something unexpected\n", 2);
  cli.replies["volume heal kv3 info summary"] = reply("heal_info_not_started.xml", 251);
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kOk);
  EXPECT_EQ(status.volumes.size(), 5U);
  EXPECT_EQ(status.volume_status_error,
            "gluster: Volume kv4 is not started (opRet -1, opErrno 30800)");
  EXPECT_EQ(status.peers_error, "gluster peer status: exit code 2: something unexpected");
  EXPECT_EQ(healOf(status, "kv2").state, GlusterHealState::kOk);
  EXPECT_EQ(healOf(status, "kv3").state, GlusterHealState::kError);
  EXPECT_THAT(healOf(status, "kv3").reason, HasSubstr("Not able to fetch volfile"));

  const nlohmann::json json = toJson(status);
  EXPECT_EQ(json["state"], "ok");
  EXPECT_THAT(json["errors"]["volume_status"].get<std::string>(), HasSubstr("not started"));
  EXPECT_THAT(json["errors"]["peers"].get<std::string>(), HasSubstr("exit code 2"));
  EXPECT_FALSE(json["errors"].contains("volumes"));
  // Without brick status the bricks are still listed, with unknown (null) status fields.
  EXPECT_TRUE(json["volumes"][0]["bricks"][0]["online"].is_null());
  EXPECT_EQ(json["volumes"][0]["bricks"][0]["path"], "/tmp/keelson-gluster-capture/bricks/kv1");
}

TEST(CollectGluster, VolumeInfoFailureLeavesNoVolumesButOtherSections) {
  FakeCli cli = healthyCluster();
  cli.replies["volume info all"] = text(
      "<?xml version=\"1.0\"?><cliOutput><opRet>-1</opRet>"
      "<opErrno>30800</opErrno><opErrstr>Another transaction"
      " is in progress</opErrstr></cliOutput>",
      1);
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kOk);
  EXPECT_THAT(status.volumes_error.value_or(""), HasSubstr("Another transaction is in progress"));
  EXPECT_TRUE(status.volumes.empty());
  EXPECT_TRUE(status.heal.empty());
  EXPECT_EQ(status.volume_status.size(), 3U);
  EXPECT_EQ(status.peers.size(), 1U);
}

TEST(CollectGluster, DaemonLostMidwaySkipsTheRest) {
  FakeCli cli = healthyCluster();
  cli.replies["volume status all detail"] = reply("cli_timeout_peer_status.stdout.txt", 1);
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kOk);  // it did answer volume info
  EXPECT_EQ(status.volume_status_error,
            "gluster volume status all detail: Error : Request timed out");
  EXPECT_THAT(status.peers_error.value_or(""), StartsWith("skipped:"));
  EXPECT_EQ(healOf(status, "kv2").state, GlusterHealState::kError);
  EXPECT_THAT(healOf(status, "kv2").reason, StartsWith("skipped:"));
  EXPECT_EQ(healOf(status, "kv1").state, GlusterHealState::kNotApplicable);
  EXPECT_THAT(cli.commands(), ElementsAre("volume info all", "volume status all detail"));
}

TEST(CollectGluster, CliDecliningHealIsNotApplicable) {
  FakeCli cli = healthyCluster();
  cli.replies["volume heal kv2 info summary"] = reply("heal_info_distribute.xml", 234);
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(healOf(status, "kv2").state, GlusterHealState::kNotApplicable);
  EXPECT_THAT(healOf(status, "kv2").reason, HasSubstr("is not of type replicate/disperse"));
}

TEST(CollectGluster, FullHealInfoWhenAskedAndHealCanBeOff) {
  FakeCli cli = healthyCluster();
  cli.replies["volume heal kv2 info"] = reply("heal_info_pending.xml");
  cli.replies["volume heal kv3 info"] = reply("heal_info_disperse_clean.xml");
  GlusterCollectOptions options;
  options.heal_command = GlusterHealCommand::kInfo;
  GlusterStatus status = collectGlusterWith(kCli, options, cli.runner());
  EXPECT_THAT(cli.commands(), Contains("volume heal kv2 info"));
  EXPECT_EQ(healOf(status, "kv2").bricks.at(0).entries_pending, 8U);

  FakeCli quiet = healthyCluster();
  options.collect_heal = false;
  status = collectGlusterWith(kCli, options, quiet.runner());
  EXPECT_TRUE(status.heal.empty());
  EXPECT_EQ(quiet.calls.size(), 3U);
}

TEST(CollectGluster, RunnerErrorsBecomeSectionErrors) {
  FakeCli cli = healthyCluster();
  cli.replies.erase("peer status");  // the fake throws Error for unknown commands
  const GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  EXPECT_EQ(status.state, GlusterState::kOk);
  EXPECT_EQ(status.peers_error, "gluster peer status: unexpected command: peer status");
}

TEST(GlusterToJson, NestsBrickStatusAndHealUnderVolumes) {
  FakeCli cli = healthyCluster();
  GlusterStatus status = collectGlusterWith(kCli, {}, cli.runner());
  status.exec_method = "direct";
  const nlohmann::json json = toJson(status);
  EXPECT_EQ(json["state"], "ok");
  EXPECT_FALSE(json.contains("error"));
  EXPECT_EQ(json["cli"], "/usr/sbin/gluster");
  EXPECT_EQ(json["exec_method"], "direct");
  EXPECT_TRUE(json["errors"].empty());
  ASSERT_EQ(json["volumes"].size(), 5U);

  const nlohmann::json& kv1 = json["volumes"][0];
  EXPECT_EQ(kv1["name"], "kv1");
  EXPECT_EQ(kv1["status"], "Started");
  EXPECT_EQ(kv1["type"], "Distribute");
  EXPECT_EQ(kv1["brick_count"], 1);
  EXPECT_EQ(kv1["replica_count"], 1);
  EXPECT_EQ(kv1["transport"], "tcp");
  EXPECT_EQ(kv1["options"]["performance.cache-size"], "64MB");
  EXPECT_EQ(kv1["bricks"][0]["online"], true);
  EXPECT_EQ(kv1["bricks"][0]["pid"], 28830);
  EXPECT_EQ(kv1["bricks"][0]["port"], 49727);
  EXPECT_EQ(kv1["bricks"][0]["disk_total_bytes"], 270553174016ULL);
  EXPECT_EQ(kv1["bricks"][0]["disk_free_bytes"], 249603080192ULL);
  EXPECT_EQ(kv1["bricks"][0]["fs_type"], "ext4");
  EXPECT_EQ(kv1["heal"]["state"], "not_applicable");

  const nlohmann::json& kv2 = json["volumes"][1];
  EXPECT_EQ(kv2["type"], "Replicate");
  EXPECT_EQ(kv2["replica_count"], 2);
  EXPECT_EQ(kv2["bricks"][1]["online"], false);
  EXPECT_TRUE(kv2["bricks"][1]["pid"].is_null());
  EXPECT_TRUE(kv2["bricks"][1]["port"].is_null());
  EXPECT_EQ(kv2["heal"]["state"], "ok");
  EXPECT_EQ(kv2["heal"]["entries_pending"], 8);
  EXPECT_EQ(kv2["heal"]["bricks"][0]["entries_pending"], 8);
  EXPECT_EQ(kv2["heal"]["bricks"][0]["entries_in_split_brain"], 0);
  EXPECT_TRUE(kv2["heal"]["bricks"][1]["entries_pending"].is_null());
  EXPECT_EQ(kv2["heal"]["bricks"][1]["connected"], false);

  const nlohmann::json& kv4 = json["volumes"][3];
  EXPECT_EQ(kv4["status"], "Created");
  EXPECT_TRUE(kv4["bricks"][0]["online"].is_null());  // not started: no status row

  ASSERT_EQ(json["peers"].size(), 1U);
  EXPECT_EQ(json["peers"][0]["hostname"], "127.0.0.2");
  EXPECT_EQ(json["peers"][0]["uuid"], "9eb7021c-afdb-400f-a69d-8b02dabcaa9a");
  EXPECT_EQ(json["peers"][0]["state"], "Peer in Cluster");
  EXPECT_EQ(json["peers"][0]["connected"], true);
}

TEST(ClassifyGlusterReply, Kinds) {
  using Kind = GlusterReply::Kind;
  GlusterReply r = classifyGlusterReply(reply("volume_info_all.xml"), "volume info all");
  EXPECT_EQ(r.kind, Kind::kXml);
  EXPECT_THAT(r.xml, StartsWith("<?xml"));

  // Leading chatter before the document is dropped.
  r = classifyGlusterReply(text("Warning: something\n<cliOutput><opRet>0</opRet></cliOutput>", 0),
                           "peer status");
  EXPECT_EQ(r.kind, Kind::kXml);
  EXPECT_THAT(r.xml, StartsWith("<cliOutput>"));

  r = classifyGlusterReply(reply("cli_unrecognized_option.stdout.txt", 255), "volume info all");
  EXPECT_EQ(r.kind, Kind::kFailed);
  EXPECT_EQ(r.message,
            "gluster volume info all: exit code 255: unrecognized option --no-such-option");

  core::RunResult stderr_only;
  stderr_only.exit_code = 1;
  stderr_only.err = "\nboom\nmore\n";
  r = classifyGlusterReply(stderr_only, "peer status");
  EXPECT_EQ(r.message, "gluster peer status: exit code 1: boom");

  core::RunResult big = reply("volume_info_all.xml");
  big.out_truncated = true;
  r = classifyGlusterReply(big, "volume info all");
  EXPECT_EQ(r.kind, Kind::kFailed);
  EXPECT_THAT(r.message, HasSubstr("capture limit"));

  core::RunResult killed;
  killed.signal = 11;
  r = classifyGlusterReply(killed, "peer status");
  EXPECT_EQ(r.message, "gluster peer status: killed by signal 11: no output");
}

// End to end through hostExec and a real process: a stand-in `gluster` that behaves like the
// CLI with glusterd down.
TEST(CollectGluster, ThroughHostExecWithAStandInCli) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("keelson-fake-gluster-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path script = dir / "gluster";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\necho 'Connection failed. Please check if gluster daemon is "
           "operational.'\nexit 1\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  GlusterCollectOptions options;
  options.exec.method = HostExecMethod::kDirect;
  options.exec.host_path = dir.string();
  GlusterStatus status = collectGluster(options);
  EXPECT_EQ(status.state, GlusterState::kDaemonUnreachable);
  EXPECT_EQ(status.cli_path, script.string());
  EXPECT_EQ(status.exec_method, "direct");
  EXPECT_THAT(status.error, HasSubstr("Connection failed"));

  options.exec.host_path = (dir / "empty").string();
  status = collectGluster(options);
  EXPECT_EQ(status.state, GlusterState::kNotInstalled);
  EXPECT_THAT(status.error, HasSubstr("searched " + (dir / "empty").string() + " under /"));
  EXPECT_EQ(toJson(status)["state"], "not_installed");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace keelson::host
