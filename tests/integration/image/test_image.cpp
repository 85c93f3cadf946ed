// The container image of deploy/Dockerfile as scripts/build-image makes it without a container
// engine: built from the keelson binary under test, its OCI config checked (user, entrypoint,
// labels), unpacked with umoci and run in the image's own root filesystem (unshare --root, a
// chroot: the host's libraries are out of reach) as the image's user.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/prerequisite.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "core/process_runner.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

constexpr const char* kSource = "https://example.org/keelson-image-test.git";
constexpr const char* kEntrypoint = "/usr/local/bin/keelson";

core::RunResult runFor(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  core::RunOptions options;
  options.timeout = timeout;
  return core::runProcess(argv, options);
}

// A blob of the OCI layout at `layout` named by its descriptor.
json blob(const std::filesystem::path& layout, const json& descriptor) {
  std::string digest = descriptor.at("digest");
  return json::parse(readFile(layout / "blobs" / "sha256" / digest.substr(digest.find(':') + 1)));
}

// `keelson ARGS` inside `rootfs` as a container runtime runs it: its own mount and PID namespaces
// with a fresh /proc and the host's /sys (a runtime mounts sysfs; the connectivity section reads
// /sys/class/net), the root directory moved to `rootfs`, user and group 65534 as the image's
// config says. The /sys mount lives in the private mount namespace only.
core::RunResult runInImage(const std::filesystem::path& rootfs,
                           const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      "unshare",
      "--mount",
      "--pid",
      "--fork",
      "sh",
      "-c",
      R"(mount --rbind /sys "$0/sys" && exec unshare --mount-proc --root="$0" --setuid 65534 )"
      R"(--setgid 65534 "$@")",
      rootfs.string(),
      kEntrypoint};
  argv.insert(argv.end(), args.begin(), args.end());
  return runFor(argv, std::chrono::seconds(60));
}

// MemTotal of the host's /proc/meminfo, in bytes.
long long hostMemTotalBytes() {
  std::istringstream meminfo(readFile("/proc/meminfo"));
  std::string key;
  long long kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemTotal:") return kib * 1024;
    meminfo.ignore(1 << 10, '\n');
  }
  return -1;
}

TEST(Image, BuildsAndRunsInItsOwnRootFilesystemAsNobody) {
  if (::geteuid() != 0) {
    KEELSON_MISSING_PREREQUISITE(
        "the image test runs as root (mmdebstrap's root mode, umoci unpack, unshare --root)");
  }
  const char* path = std::getenv("PATH");
  for (const char* tool : {"mmdebstrap", "umoci", "jq", "unshare"}) {
    if (!core::findInPath(tool, path != nullptr ? path : core::kDefaultSearchPath)) {
      KEELSON_MISSING_PREREQUISITE(tool << " not found (scripts/bootstrap image installs it)");
    }
  }
  // A machine whose kernel or sandbox forbids mount and PID namespaces cannot run the image.
  const auto probe = runFor({"unshare", "--mount", "--pid", "--fork", "--mount-proc", "true"},
                            std::chrono::seconds(30));
  if (!probe.ok()) {
    GTEST_SKIP() << "this machine forbids the namespaces the image runs in (unshare --mount "
                    "--pid --mount-proc): "
                 << probe.err;
  }

  const TempDir dir;
  const auto archive = dir / "keelson-oci.tar";
  const auto built = runFor({sourceDir() + "/scripts/build-image", "--binary", keelsonBinary(),
                             "--output", archive.string(), "--source", kSource, "--tag", "test"},
                            std::chrono::seconds(840));
  ASSERT_TRUE(built.ok()) << "scripts/build-image failed (" << built.exit_code << "):\n"
                          << built.out << built.err;

  // The archive is an OCI image layout holding one image: the base and keelson's layer.
  const auto layout = dir / "layout";
  std::filesystem::create_directories(layout);
  ASSERT_TRUE(
      runFor({"tar", "-xf", archive.string(), "-C", layout.string()}, std::chrono::seconds(60))
          .ok());
  EXPECT_EQ(json::parse(readFile(layout / "oci-layout")).at("imageLayoutVersion"), "1.0.0");
  const json index = json::parse(readFile(layout / "index.json"));
  ASSERT_EQ(index.at("manifests").size(), 1U) << index.dump();
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "test");
  const json manifest = blob(layout, index["manifests"][0]);
  EXPECT_EQ(manifest.at("layers").size(), 2U) << manifest.dump();
  const json config = blob(layout, manifest.at("config"));

  // The config: non-root, keelson as the entrypoint, the labels of the binary it holds.
  const auto host_version =
      runFor({keelsonBinary(), "version", "-o", "json"}, std::chrono::seconds(30));
  ASSERT_TRUE(host_version.ok()) << host_version.err;
  const json version = json::parse(host_version.out);
  EXPECT_EQ(config.at("os"), "linux");
  EXPECT_EQ(config.at("config").at("User"), "65534:65534");
  EXPECT_EQ(config["config"].at("Entrypoint"), json::array({kEntrypoint}));
  const json& labels = config["config"].at("Labels");
  EXPECT_EQ("v" + labels.value("org.opencontainers.image.version", ""),
            version.at("gitVersion").get<std::string>());
  EXPECT_EQ(labels.value("org.opencontainers.image.revision", ""), version.at("gitCommit"));
  EXPECT_EQ(labels.value("org.opencontainers.image.source", ""), kSource);
  EXPECT_EQ(labels.value("org.opencontainers.image.title", ""), "keelson");

  // Unpacked as a container runtime would: umoci's runtime bundle has the same user and command.
  const auto bundle = dir / "bundle";
  const auto unpacked =
      runFor({"umoci", "unpack", "--image", layout.string() + ":test", bundle.string()},
             std::chrono::seconds(120));
  ASSERT_TRUE(unpacked.ok()) << unpacked.err;
  const json runtime = json::parse(readFile(bundle / "config.json"));
  EXPECT_EQ(runtime.at("process").at("user").at("uid"), 65534);
  EXPECT_EQ(runtime["process"].at("args"), json::array({kEntrypoint}));
  const auto rootfs = bundle / "rootfs";
  // Only the runtime packages: no compiler, no headers.
  EXPECT_FALSE(std::filesystem::exists(rootfs / "usr/include/curl"));
  EXPECT_FALSE(std::filesystem::exists(rootfs / "usr/bin/g++"));
  EXPECT_TRUE(std::filesystem::exists(rootfs / "usr/bin/nsenter"));

  // keelson version inside: the same build, with the image's own shared libraries.
  const auto inside_version = runInImage(rootfs, {"version", "-o", "json"});
  ASSERT_TRUE(inside_version.ok()) << inside_version.err;
  const json image_version = json::parse(inside_version.out);
  for (const char* key : {"gitVersion", "gitCommit", "buildDate", "platform"}) {
    EXPECT_EQ(image_version.at(key), version.at(key)) << key;
  }
  EXPECT_FALSE(image_version.at("libraries").at("libcurl").get<std::string>().empty());

  // keelson host --json inside sees this machine: the same hostname, memory and network
  // interfaces, and the image's own /etc/os-release.
  const auto inside_host = runInImage(rootfs, {"host", "--json", "--interval", "0"});
  ASSERT_TRUE(inside_host.ok()) << inside_host.err;
  const json host = json::parse(inside_host.out);
  char hostname[256] = {};
  ASSERT_EQ(::gethostname(hostname, sizeof hostname - 1), 0);
  EXPECT_EQ(host.at("system").at("hostname"), hostname);
  EXPECT_EQ(host.at("memory").at("total_bytes").get<long long>(), hostMemTotalBytes());
  // The interfaces it reads from the runtime's /sys are this machine's.
  std::set<std::string> interfaces;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net")) {
    interfaces.insert(entry.path().filename().string());
  }
  std::set<std::string> seen;
  for (const auto& i : host.at("connectivity").at("interfaces")) seen.insert(i.at("name"));
  EXPECT_EQ(seen, interfaces) << host["connectivity"].dump(2);
  EXPECT_NE(readFile(rootfs / "etc/os-release")
                .find("VERSION_CODENAME=" +
                      host["system"].at("os_release").at("VERSION_CODENAME").get<std::string>()),
            std::string::npos);
}

}  // namespace
}  // namespace keelson::testing
