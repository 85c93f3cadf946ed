// toJson: key names, units, nulls, errors and UTF-8 safety.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "host/host_json.h"
#include "host/host_snapshot.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using namespace std::chrono_literals;
using testing::collectAdvancing;
using testing::dataPath;
using testing::FakeClock;
using testing::TempDir;

HostSnapshot fixtureSnapshot(const TempDir& dir) {
  namespace fs = std::filesystem;
  fs::copy(dataPath("node-vm/t0"), dir.path(), fs::copy_options::recursive);
  auto clock = std::make_shared<FakeClock>();
  HostOptions options;
  options.interval = 1250ms;
  options.clock = clock;
  options.processes.clock_ticks_per_second = 100;
  options.processes.page_size_bytes = 4096;
  options.statvfs_prober =
      std::make_shared<StatvfsProber>([](const std::string&, struct statvfs& out) {
        out = {};
        out.f_frsize = 4096;
        out.f_blocks = 1000;
        out.f_bfree = 250;
        out.f_bavail = 200;
        return 0;
      });
  return collectAdvancing(HostFs(dir.path().string()), options, *clock, [&dir] {
    fs::copy(dataPath("node-vm/t1"), dir.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  });
}

TEST(HostJsonTest, FixtureSnapshotDocument) {
  TempDir dir;
  const auto json = toJson(fixtureSnapshot(dir));
  for (const char* key :
       {"timestamp", "host_root", "interval_seconds", "system", "cpu", "memory", "swap",
        "filesystems", "disks", "network", "connections", "processes", "connectivity", "errors"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["timestamp"], "2027-01-15T08:00:01.250Z");
  EXPECT_EQ(json["interval_seconds"], 1.25);
  EXPECT_TRUE(json["errors"].empty());

  // The captured /sys/class/net and /proc/1/net/route: eth0 up, a default route through it.
  EXPECT_EQ(json["connectivity"]["status"], "ok") << json["connectivity"]["problems"].dump();
  EXPECT_EQ(json["connectivity"]["interfaces_up"], nlohmann::json({"eth0"}));
  EXPECT_EQ(json["connectivity"]["default_routes"][0]["gateway"], "192.0.2.1");
  EXPECT_EQ(json["connectivity"]["default_routes"][1]["gateway"], "fd00::1");
  EXPECT_EQ(json["connectivity"]["dns"]["nameservers"], nlohmann::json({"10.255.255.53"}));
  EXPECT_EQ(json["connectivity"]["vpn"], nlohmann::json::array());

  EXPECT_EQ(json["system"]["hostname"], "vm");
  EXPECT_EQ(json["system"]["os_pretty_name"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(json["system"]["os_release"]["VERSION_CODENAME"], "bookworm");
  EXPECT_EQ(json["system"]["uptime_seconds"], 1098.59);
  EXPECT_EQ(json["system"]["boot_time"], "2026-11-20T23:40:12.000Z");
  EXPECT_EQ(json["system"]["boot_time_unix_seconds"], 1795218012);

  EXPECT_EQ(json["cpu"]["total"]["usage_percent"], 100.0);
  EXPECT_EQ(json["cpu"]["model"], "Intel(R) Xeon(R) Processor");
  EXPECT_EQ(json["cpu"]["online_cpus"], nlohmann::json::array({0, 1}));
  EXPECT_EQ(json["cpu"]["per_core"][1]["cpu"], 1);
  EXPECT_EQ(json["cpu"]["load_average"]["load15"], 3.01);

  EXPECT_EQ(json["memory"]["total_bytes"], 24684084ull * 1024);
  EXPECT_EQ(json["memory"]["meminfo"]["mem_total_bytes"], 24684084ull * 1024);
  EXPECT_EQ(json["memory"]["meminfo"]["active_anon_bytes"].is_number(), true);
  EXPECT_EQ(json["memory"]["meminfo"]["huge_pages_total"], 0);  // A count: no "_bytes".
  EXPECT_EQ(json["memory"]["meminfo"].size(), 54u);
  EXPECT_EQ(json["swap"]["total_bytes"], 0);

  EXPECT_EQ(json["filesystems"][0]["mount_point"], "/");
  EXPECT_EQ(json["filesystems"][0]["total_bytes"], 4096000);
  EXPECT_EQ(json["filesystems"][0]["device_number"], "254:0");
  EXPECT_TRUE(json["filesystems"][0]["inodes_usage_percent"].is_null());  // f_files 0.
  EXPECT_TRUE(json["filesystems"][0]["error"].is_null());

  EXPECT_EQ(json["disks"][0]["name"], "vda");
  EXPECT_EQ(json["disks"][0]["write_bytes_per_second"], 8192.0 * 512 / 1.25);
  EXPECT_EQ(json["network"][0]["interface"], "lo");
  EXPECT_EQ(json["network"][0]["rx_bytes_per_second"], 16040 / 1.25);
  EXPECT_EQ(json["connections"]["tcp"]["states"]["LISTEN"], 1);
  EXPECT_EQ(json["connections"]["tcp"]["states"]["TIME_WAIT"], 0);
  EXPECT_EQ(json["connections"]["udp"]["states"].size(), 0u);
  EXPECT_EQ(json["processes"]["states"]["sleeping"], 3);
  EXPECT_EQ(json["processes"]["states"]["running"], 1);
  EXPECT_EQ(json["processes"]["top_cpu"][0]["pid"], 27849);
  EXPECT_EQ(json["processes"]["top_cpu"][0]["user"], "4242");
  EXPECT_EQ(json["processes"]["top_rss"][0]["rss_bytes"], 3760 * 4096);
  EXPECT_NO_THROW((void)json.dump());
}

TEST(HostJsonTest, InvalidUtf8FromTheHostIsReplaced) {
  HostSnapshot snapshot;
  SystemInfo system;
  system.hostname = "bad\xff\xfename";
  system.kernel_release = "ok \xE2\x9C\x93";  // A valid check mark stays.
  system.os.fields["NAME"] = "\xC0\xAF";      // Overlong '/'.
  snapshot.system.value = system;
  snapshot.cpu.error = "cannot read \xed\xa0\x80";  // A UTF-16 surrogate.
  snapshot.cpu.error_code = ErrorCode::kUnavailable;
  const auto json = toJson(snapshot);
  std::string text;
  ASSERT_NO_THROW(text = json.dump());
  EXPECT_EQ(json["system"]["hostname"], "bad\xEF\xBF\xBD\xEF\xBF\xBDname");
  EXPECT_EQ(json["system"]["kernel_release"], "ok \xE2\x9C\x93");
  EXPECT_EQ(json["system"]["os_release"]["NAME"], "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(json["errors"]["cpu"]["code"], "Unavailable");
  EXPECT_EQ(json["errors"]["cpu"]["message"], "cannot read \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(json["cpu"].is_null());
}

TEST(HostJsonTest, ControlCharactersAreEscapedByTheJsonDump) {
  HostSnapshot snapshot;
  ProcessStats processes;
  ProcessInfo process;
  process.command = "\x1b]0;x\x07";
  process.cmdline = "a\x7f\xc2\x9b";
  processes.top_rss.push_back(process);
  snapshot.processes.value = processes;
  const std::string text = toJson(snapshot).dump();
  EXPECT_NE(text.find(R"("command":"\u001b]0;x\u0007")"), std::string::npos) << text;
  // DEL and C1 are not JSON control characters: they stay raw (terminalSafe covers text output).
  EXPECT_NE(text.find("\"cmdline\":\"a\x7f\xc2\x9b\""), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(HostJsonTest, EmptySnapshotHasEveryKey) {
  const auto json = toJson(HostSnapshot{});
  EXPECT_TRUE(json["system"].is_null());
  EXPECT_TRUE(json["processes"].is_null());
  EXPECT_EQ(json["errors"]["processes"]["code"], "Internal");
  EXPECT_EQ(json["timestamp"], "1970-01-01T00:00:00.000Z");
}

TEST(HostJsonTest, MeminfoKeys) {
  EXPECT_EQ(meminfoKey("MemTotal"), "mem_total");
  EXPECT_EQ(meminfoKey("Active(anon)"), "active_anon");
  EXPECT_EQ(meminfoKey("Inactive(file)"), "inactive_file");
  EXPECT_EQ(meminfoKey("HugePages_Total"), "huge_pages_total");
  EXPECT_EQ(meminfoKey("SReclaimable"), "sreclaimable");
  EXPECT_EQ(meminfoKey("DirectMap4k"), "direct_map4k");
  EXPECT_EQ(meminfoKey("NFS_Unstable"), "nfs_unstable");
  EXPECT_EQ(meminfoKey("Committed_AS"), "committed_as");
  EXPECT_EQ(meminfoKey("ShmemPmdMapped"), "shmem_pmd_mapped");
  EXPECT_EQ(meminfoKey("()"), "field");
}

TEST(HostJsonTest, Rfc3339) {
  using std::chrono::system_clock;
  EXPECT_EQ(formatRfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatRfc3339(system_clock::time_point(1'700'000'000s + 7ms)),
            "2023-11-14T22:13:20.007Z");
  EXPECT_EQ(formatRfc3339(system_clock::time_point(-1s)), "1969-12-31T23:59:59.000Z");
}

}  // namespace
}  // namespace keelson::host
