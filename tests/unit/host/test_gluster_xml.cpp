// Parsers of `gluster --xml` output, on documents captured from a real glusterd 10.3 by
// tests/data/gluster/capture.sh (five volumes: kv1 Distribute started with two options set,
// kv2 Replicate 2, kv3 Disperse 3 redundancy 1, kv4 Distributed-Replicate 2x2 created only,
// kv5 Distribute stopped; a second glusterd on 127.0.0.2 as peer).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/test_env.h"
#include "host/gluster_xml.h"

namespace keelson::host {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr const char* kNodeUuid = "b433533e-3fdb-40a5-a156-2e6405118701";
constexpr const char* kBricks = "/tmp/keelson-gluster-capture/bricks/";

template <class Fn>
GlusterOpError expectOpError(Fn&& fn) {
  try {
    fn();
  } catch (const GlusterOpError& e) {
    return e;
  }
  ADD_FAILURE() << "expected GlusterOpError";
  return GlusterOpError(0, 0, "");
}

template <class Fn>
std::string expectBadInput(Fn&& fn) {
  try {
    fn();
  } catch (const GlusterOpError& e) {
    ADD_FAILURE() << "expected Error(kBadInput), got GlusterOpError " << e.what();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected Error(kBadInput)";
  return {};
}

TEST(ParseVolumeInfoXml, AllVolumeKinds) {
  const auto volumes =
      parseVolumeInfoXml(keelson::testing::readTestData("gluster/volume_info_all.xml"));
  ASSERT_EQ(volumes.size(), 5U);

  const GlusterVolume& kv1 = volumes[0];
  EXPECT_EQ(kv1.name, "kv1");
  EXPECT_EQ(kv1.id, "46d4ec3b-3de6-44c4-8a6b-9836a5ff69eb");
  EXPECT_EQ(kv1.status, "Started");
  EXPECT_EQ(kv1.type, "Distribute");
  EXPECT_EQ(kv1.brick_count, 1);
  EXPECT_EQ(kv1.replica_count, 1);
  EXPECT_EQ(kv1.transport, "tcp");
  ASSERT_EQ(kv1.bricks.size(), 1U);
  EXPECT_EQ(kv1.bricks[0].name, std::string("vm:") + kBricks + "kv1");
  EXPECT_EQ(kv1.bricks[0].host, "vm");
  EXPECT_EQ(kv1.bricks[0].path, std::string(kBricks) + "kv1");
  EXPECT_EQ(kv1.bricks[0].host_uuid, kNodeUuid);
  EXPECT_FALSE(kv1.bricks[0].is_arbiter);
  EXPECT_THAT(kv1.options,
              ElementsAre(Pair("auth.allow", "127.0.0.1"), Pair("performance.cache-size", "64MB"),
                          Pair("storage.fips-mode-rchecksum", "on"),
                          Pair("transport.address-family", "inet"), Pair("nfs.disable", "on")));

  const GlusterVolume& kv2 = volumes[1];
  EXPECT_EQ(kv2.type, "Replicate");
  EXPECT_EQ(kv2.brick_count, 2);
  EXPECT_EQ(kv2.replica_count, 2);
  EXPECT_EQ(kv2.bricks.at(1).path, std::string(kBricks) + "kv2b");

  const GlusterVolume& kv3 = volumes[2];
  EXPECT_EQ(kv3.type, "Disperse");
  EXPECT_EQ(kv3.brick_count, 3);
  EXPECT_EQ(kv3.disperse_count, 3);
  EXPECT_EQ(kv3.redundancy_count, 1);
  EXPECT_EQ(kv3.replica_count, 1);

  const GlusterVolume& kv4 = volumes[3];
  EXPECT_EQ(kv4.status, "Created");
  EXPECT_EQ(kv4.type, "Distributed-Replicate");
  EXPECT_EQ(kv4.brick_count, 4);
  EXPECT_EQ(kv4.dist_count, 2);
  EXPECT_EQ(kv4.replica_count, 2);
  EXPECT_EQ(kv4.bricks.size(), 4U);

  EXPECT_EQ(volumes[4].name, "kv5");
  EXPECT_EQ(volumes[4].status, "Stopped");
}

TEST(ParseVolumeInfoXml, NoVolumes) {
  EXPECT_TRUE(
      parseVolumeInfoXml(keelson::testing::readTestData("gluster/volume_info_empty.xml")).empty());
}

TEST(ParseVolumeInfoXml, VolumeNotFoundIsAnOpError) {
  const GlusterOpError e = expectOpError([] {
    parseVolumeInfoXml(keelson::testing::readTestData("gluster/volume_info_not_found.xml"));
  });
  EXPECT_EQ(e.opRet(), -1);
  EXPECT_EQ(e.opErrno(), 30806);
  EXPECT_EQ(e.opErrstr(), "Volume does not exist");
  EXPECT_THAT(e.what(), HasSubstr("Volume does not exist"));
}

TEST(ParseVolumeStatusXml, DetailWithAllBricksOnline) {
  const auto volumes =
      parseVolumeStatusXml(keelson::testing::readTestData("gluster/volume_status_all_detail.xml"));
  ASSERT_EQ(volumes.size(), 3U);  // kv4 (created) and kv5 (stopped) are not listed
  EXPECT_EQ(volumes[0].volume, "kv1");
  ASSERT_EQ(volumes[0].bricks.size(), 1U);
  const GlusterBrickStatus& b = volumes[0].bricks[0];
  EXPECT_EQ(b.hostname, "vm");
  EXPECT_EQ(b.path, std::string(kBricks) + "kv1");
  EXPECT_EQ(b.peer_uuid, kNodeUuid);
  EXPECT_TRUE(b.online);
  EXPECT_EQ(b.pid, 28830);
  EXPECT_EQ(b.port, 49727);
  EXPECT_EQ(b.rdma_port, std::nullopt);
  EXPECT_EQ(b.size_total_bytes, 270553174016ULL);
  EXPECT_EQ(b.size_free_bytes, 249641943040ULL);
  EXPECT_EQ(b.inodes_total, 16777216ULL);
  EXPECT_EQ(b.inodes_free, 16166327ULL);
  EXPECT_EQ(b.block_size_bytes, 4096ULL);
  EXPECT_EQ(b.device, "/dev/vda");
  EXPECT_EQ(b.fs_type, "ext4");
  EXPECT_THAT(b.mount_options, HasSubstr("rw,relatime"));
  EXPECT_EQ(volumes[1].bricks.size(), 2U);
  EXPECT_EQ(volumes[2].bricks.size(), 3U);
}

TEST(ParseVolumeStatusXml, OfflineBrickHasNoPidOrPort) {
  const auto volumes = parseVolumeStatusXml(
      keelson::testing::readTestData("gluster/volume_status_all_detail_brick_down.xml"));
  ASSERT_EQ(volumes.size(), 3U);
  const GlusterBrickStatus& up = volumes[1].bricks.at(0);
  const GlusterBrickStatus& down = volumes[1].bricks.at(1);
  EXPECT_TRUE(up.online);
  EXPECT_EQ(up.pid, 28877);
  EXPECT_FALSE(down.online);
  EXPECT_EQ(down.path, std::string(kBricks) + "kv2b");
  EXPECT_EQ(down.pid, std::nullopt);                  // printed as -1
  EXPECT_EQ(down.port, std::nullopt);                 // printed as N/A
  EXPECT_EQ(down.size_total_bytes, 270553174016ULL);  // glusterd still statvfs()es the dir
}

TEST(ParseVolumeStatusXml, PlainStatusSkipsDaemonRows) {
  const auto volumes =
      parseVolumeStatusXml(keelson::testing::readTestData("gluster/volume_status_all.xml"));
  ASSERT_EQ(volumes.size(), 3U);
  // kv2 lists two bricks and its Self-heal Daemon; only the bricks are kept.
  ASSERT_EQ(volumes[1].bricks.size(), 2U);
  EXPECT_EQ(volumes[1].bricks[1].path, std::string(kBricks) + "kv2b");
  EXPECT_EQ(volumes[1].bricks[1].size_total_bytes, std::nullopt);  // no detail asked for
  EXPECT_EQ(volumes[2].bricks.size(), 3U);
}

TEST(ParseVolumeStatusXml, NothingStartedIsAnEmptyList) {
  EXPECT_TRUE(
      parseVolumeStatusXml(keelson::testing::readTestData("gluster/volume_status_no_volumes.xml"))
          .empty());
  EXPECT_TRUE(
      parseVolumeStatusXml(keelson::testing::readTestData("gluster/volume_status_none_started.xml"))
          .empty());
}

TEST(ParseVolumeStatusXml, NotStartedVolumeIsAnOpError) {
  const GlusterOpError e = expectOpError([] {
    parseVolumeStatusXml(keelson::testing::readTestData("gluster/volume_status_not_started.xml"));
  });
  EXPECT_EQ(e.opErrno(), 30800);
  EXPECT_EQ(e.opErrstr(), "Volume kv4 is not started");
}

TEST(ParsePeerStatusXml, ConnectedAndDisconnectedPeers) {
  auto peers =
      parsePeerStatusXml(keelson::testing::readTestData("gluster/peer_status_connected.xml"));
  ASSERT_EQ(peers.size(), 1U);
  EXPECT_EQ(peers[0].hostname, "127.0.0.2");
  EXPECT_THAT(peers[0].hostnames, ElementsAre("127.0.0.2"));
  EXPECT_EQ(peers[0].uuid, "9eb7021c-afdb-400f-a69d-8b02dabcaa9a");
  EXPECT_EQ(peers[0].state, "Peer in Cluster");
  EXPECT_EQ(peers[0].state_code, 3);
  EXPECT_TRUE(peers[0].connected);

  peers =
      parsePeerStatusXml(keelson::testing::readTestData("gluster/peer_status_disconnected.xml"));
  ASSERT_EQ(peers.size(), 1U);
  EXPECT_FALSE(peers[0].connected);
  EXPECT_EQ(peers[0].state, "Peer in Cluster");  // still a member, just not reachable

  EXPECT_TRUE(
      parsePeerStatusXml(keelson::testing::readTestData("gluster/peer_status_empty.xml")).empty());
}

TEST(ParsePeerStatusXml, PoolListIncludesThisNodeWithoutAState) {
  const auto peers = parsePeerStatusXml(keelson::testing::readTestData("gluster/pool_list.xml"));
  ASSERT_EQ(peers.size(), 2U);
  EXPECT_EQ(peers[1].hostname, "localhost");
  EXPECT_EQ(peers[1].uuid, kNodeUuid);
  EXPECT_TRUE(peers[1].connected);
  EXPECT_EQ(peers[1].state, "");
  EXPECT_EQ(peers[1].state_code, std::nullopt);
}

TEST(ParseHealInfoXml, CleanReplicateAndDisperse) {
  auto bricks =
      parseHealInfoXml(keelson::testing::readTestData("gluster/heal_info_replicate_clean.xml"));
  ASSERT_EQ(bricks.size(), 2U);
  EXPECT_EQ(bricks[0].name, std::string("vm:") + kBricks + "kv2a");
  EXPECT_EQ(bricks[0].host, "vm");
  EXPECT_EQ(bricks[0].host_uuid, kNodeUuid);
  EXPECT_EQ(bricks[0].status, "Connected");
  EXPECT_TRUE(bricks[0].connected);
  EXPECT_EQ(bricks[0].entries_pending, 0U);
  EXPECT_EQ(bricks[0].entries_in_split_brain, std::nullopt);  // only `info summary` counts them

  bricks = parseHealInfoXml(keelson::testing::readTestData("gluster/heal_info_disperse_clean.xml"));
  ASSERT_EQ(bricks.size(), 3U);
  EXPECT_EQ(bricks[2].path, std::string(kBricks) + "kv3c");
}

TEST(ParseHealInfoXml, PendingEntriesAndAnUnreachableBrick) {
  const auto bricks =
      parseHealInfoXml(keelson::testing::readTestData("gluster/heal_info_pending.xml"));
  ASSERT_EQ(bricks.size(), 2U);
  EXPECT_EQ(bricks[0].entries_pending, 8U);  // 5 files, a directory, a file in it, and "/"
  EXPECT_TRUE(bricks[0].connected);
  EXPECT_EQ(bricks[1].status, "Transport endpoint is not connected");
  EXPECT_FALSE(bricks[1].connected);
  EXPECT_EQ(bricks[1].entries_pending, std::nullopt);  // "-"
  EXPECT_EQ(bricks[1].host_uuid, "");                  // "-"
}

TEST(ParseHealInfoXml, Summary) {
  auto bricks =
      parseHealInfoXml(keelson::testing::readTestData("gluster/heal_info_summary_pending.xml"));
  ASSERT_EQ(bricks.size(), 2U);
  EXPECT_EQ(bricks[0].entries_pending, 8U);
  EXPECT_EQ(bricks[0].entries_heal_pending, 8U);
  EXPECT_EQ(bricks[0].entries_in_split_brain, 0U);
  EXPECT_EQ(bricks[0].entries_possibly_healing, 0U);
  EXPECT_FALSE(bricks[1].connected);
  // gluster 10.3 glues a stray "totalNumberOfEntries0" onto this status; kept as printed.
  EXPECT_THAT(bricks[1].status, HasSubstr("Transport endpoint is not connected"));
  EXPECT_EQ(bricks[1].entries_pending, std::nullopt);

  bricks = parseHealInfoXml(keelson::testing::readTestData("gluster/heal_info_summary_clean.xml"));
  ASSERT_EQ(bricks.size(), 2U);
  EXPECT_EQ(bricks[1].entries_pending, 0U);
  EXPECT_EQ(bricks[1].entries_in_split_brain, 0U);
}

TEST(ParseHealInfoXml, NotReplicatedAndNotStartedAreOpErrors) {
  GlusterOpError e = expectOpError(
      [] { parseHealInfoXml(keelson::testing::readTestData("gluster/heal_info_distribute.xml")); });
  EXPECT_EQ(e.opErrno(), 22);
  EXPECT_THAT(e.opErrstr(), HasSubstr("Volume kv1 is not of type replicate/disperse"));
  e = expectOpError([] {
    parseHealInfoXml(keelson::testing::readTestData("gluster/heal_info_not_started.xml"));
  });
  EXPECT_EQ(e.opErrstr(), "kv4: Not able to fetch volfile from glusterd");
}

TEST(GlusterXml, NonXmlOutputIsBadInput) {
  // What the CLI prints when glusterd is down: a message, not a document.
  const std::string down = keelson::testing::readTestData("gluster/daemon_down.stdout.txt");
  EXPECT_THAT(expectBadInput([&] { parseVolumeInfoXml(down); }), HasSubstr("volume info"));
  EXPECT_THAT(expectBadInput([] { parsePeerStatusXml(""); }), HasSubstr("not XML"));
  EXPECT_THAT(expectBadInput([] { parseHealInfoXml("<cliOutput><healInfo>"); }),
              HasSubstr("not XML"));
}

TEST(GlusterXml, StructuralProblemsAreBadInput) {
  EXPECT_THAT(expectBadInput([] { parseVolumeInfoXml("<other/>"); }), HasSubstr("<cliOutput>"));
  EXPECT_THAT(expectBadInput([] { parseVolumeInfoXml("<cliOutput><volInfo/></cliOutput>"); }),
              HasSubstr("<opRet>"));
  EXPECT_THAT(expectBadInput([] { parseVolumeInfoXml("<cliOutput><opRet>x</opRet></cliOutput>"); }),
              HasSubstr("not a number"));
  EXPECT_THAT(expectBadInput([] { parseVolumeInfoXml("<cliOutput><opRet>0</opRet></cliOutput>"); }),
              HasSubstr("no <volInfo>"));
  // A wrong document for the parser: peer status fed to the volume status parser.
  EXPECT_THAT(
      expectBadInput([] {
        parseVolumeStatusXml(keelson::testing::readTestData("gluster/peer_status_connected.xml"));
      }),
      HasSubstr("no <volStatus>"));
  EXPECT_THAT(expectBadInput([] {
                parseVolumeStatusXml(
                    "<cliOutput><opRet>0</opRet><volStatus><volumes><volume><node>"
                    "<path>/b</path><sizeTotal>12abc</sizeTotal></node></volume></volumes>"
                    "</volStatus></cliOutput>");
              }),
              HasSubstr("<sizeTotal> \"12abc\" is not a number"));
}

TEST(GlusterXml, OpErrorWithoutText) {
  const GlusterOpError e = expectOpError(
      [] { parsePeerStatusXml("<cliOutput><opRet>-1</opRet><opErrno>5</opErrno></cliOutput>"); });
  EXPECT_EQ(e.opErrno(), 5);
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  EXPECT_THAT(e.what(), HasSubstr("command failed"));
}

TEST(SplitBrickName, HostsAndPaths) {
  EXPECT_EQ(splitBrickName("node1:/data/brick1"),
            std::make_pair(std::string("node1"), std::string("/data/brick1")));
  EXPECT_EQ(splitBrickName("fe80::1:/b"),
            std::make_pair(std::string("fe80::1"), std::string("/b")));
  EXPECT_EQ(splitBrickName("nopath"), std::make_pair(std::string("nopath"), std::string()));
}

}  // namespace
}  // namespace keelson::host
