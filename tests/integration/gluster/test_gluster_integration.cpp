// The GlusterFS collector against a real glusterd started by the test. Each test starts a
// private glusterd (own working directory, CLI socket and run directory under kStateDir, so a
// machine's own /var/lib/glusterd is left alone; glusterd's port 24007 is fixed, so runs are
// serialised with a lock file), creates a one-brick volume on a local directory, and compares
// what the collector reports with the CLI's plain-text output, the kernel's statvfs(2) and
// /proc/self/mounts. Teardown stops and deletes the volume and kills every process started
// from kStateDir (glusterd by its pid file, bricks by theirs, then anything else whose command
// line names kStateDir). Skips, saying why, where glusterd cannot run: not root, package not
// installed, port taken by a foreign glusterd, no trusted.* xattrs, or glusterd not coming up.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mntent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/files.h"
#include "common/prerequisite.h"
#include "core/error.h"
#include "core/process_runner.h"
#include "host/exec.h"
#include "host/gluster.h"

namespace keelson::host {
namespace {

namespace fs = std::filesystem;
using keelson::testing::readFile;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

const fs::path kStateDir = "/tmp/keelson-gluster-it";
const fs::path kLockFile = "/tmp/keelson-gluster-it.lock";
constexpr std::string_view kSbinPath =
    "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin";
constexpr const char* kVolume = "kit1";
std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

/// The command line of a process, NULs as spaces; empty if it is gone.
std::string cmdline(pid_t pid) {
  std::string s = readFile(fs::path("/proc") / std::to_string(pid) / "cmdline");
  for (char& c : s) {
    if (c == '\0') c = ' ';
  }
  return s;
}

/// True while the process exists and is not a zombie (daemonised glusterd is not our child,
/// and some init processes are slow to reap).
bool alive(pid_t pid) {
  const std::string stat = readFile(fs::path("/proc") / std::to_string(pid) / "stat");
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

bool waitGone(pid_t pid, milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (alive(pid)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

std::optional<pid_t> readPidFile(const fs::path& path) {
  const std::string text = trim(readFile(path));
  if (text.empty()) return std::nullopt;
  try {
    return static_cast<pid_t>(std::stoi(text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Every live process whose command line mentions kStateDir: ours, from this or an earlier run.
std::vector<pid_t> processesUsingStateDir() {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == ::getpid()) continue;
    if (cmdline(pid).find(kStateDir.string() + "/") != std::string::npos && alive(pid)) {
      pids.push_back(pid);
    }
  }
  return pids;
}

/// The value after `flag` in a process's command line (e.g. a brick's -S socket).
std::optional<std::string> argAfter(pid_t pid, const std::string& flag) {
  std::istringstream words(cmdline(pid));
  std::string word;
  while (words >> word) {
    if (word == flag && words >> word) return word;
  }
  return std::nullopt;
}

bool portInUse(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool used = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return used;
}

/// "Key : Value" / "Key: Value" lines of the CLI's human-readable output.
std::map<std::string, std::string> keyValues(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    out.emplace(trim(line.substr(0, colon)), trim(line.substr(colon + 2)));
  }
  return out;
}

/// Options listed after "Options Reconfigured:" in plain `volume info`.
std::map<std::string, std::string> reconfiguredOptions(const std::string& text) {
  std::map<std::string, std::string> out;
  const auto at = text.find("Options Reconfigured:");
  if (at == std::string::npos) return out;
  std::istringstream lines(text.substr(at));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) break;
    out.emplace(trim(line.substr(0, colon)), trim(line.substr(colon + 2)));
  }
  return out;
}

/// The mounted filesystem holding `path` (longest mount point prefix in /proc/self/mounts).
struct MountEntry {
  std::string device;
  std::string type;
};
MountEntry mountOf(const fs::path& path) {
  MountEntry best;
  std::size_t best_len = 0;
  FILE* mounts = ::setmntent("/proc/self/mounts", "r");
  if (mounts == nullptr) return best;
  const std::string p = fs::canonical(path).string() + "/";
  while (const mntent* m = ::getmntent(mounts)) {
    std::string dir = m->mnt_dir;
    if (dir.back() != '/') dir += '/';
    if (p.starts_with(dir) && dir.size() >= best_len) {
      best_len = dir.size();
      best = {m->mnt_fsname, m->mnt_type};
    }
  }
  ::endmntent(mounts);
  return best;
}

class GlusterdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "glusterd needs root";
    glusterd_ = core::findInPath("glusterd", kSbinPath);
    gluster_ = core::findInPath("gluster", kSbinPath);
    if (!glusterd_ || !gluster_) {
      KEELSON_MISSING_PREREQUISITE("glusterfs-server is not installed (no glusterd/gluster in "
                                   << kSbinPath << ")");
    }
    lock_fd_ = ::open(kLockFile.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    ASSERT_GE(lock_fd_, 0) << "cannot open " << kLockFile;
    ASSERT_EQ(::flock(lock_fd_, LOCK_EX), 0);  // one glusterd on port 24007 at a time
    cleanUp();                                 // leftovers of a crashed earlier run
    if (portInUse(24007)) {
      GTEST_SKIP() << "port 24007 is taken by a glusterd this test did not start; not touching it";
    }
    fs::create_directories(kStateDir / "wd");
    fs::create_directories(kStateDir / "run");
    fs::create_directories(kStateDir / "bricks");
    const std::string probe = (kStateDir / "bricks").string();
    if (::setxattr(probe.c_str(), "trusted.keelson-probe", "1", 1, 0) != 0) {
      GTEST_SKIP() << "the filesystem of " << probe << " has no trusted.* xattrs (glusterd bricks "
                   << "need them): " << std::strerror(errno);
    }
    ::removexattr(probe.c_str(), "trusted.keelson-probe");

    socket_ = (kStateDir / "glusterd.socket").string();
    const auto start = std::chrono::steady_clock::now();
    core::RunOptions options;
    options.timeout = seconds(30);
    const core::RunResult started = core::runProcess(
        {*glusterd_, "-p", (kStateDir / "glusterd.pid").string(), "-l",
         (kStateDir / "glusterd.log").string(), "--xlator-option",
         "management.working-directory=" + (kStateDir / "wd").string(), "--xlator-option",
         "management.glusterd-sockfile=" + socket_, "--xlator-option",
         "management.run-directory=" + (kStateDir / "run").string()},
        options);
    if (!started.ok()) {
      GTEST_SKIP() << "glusterd did not start (exit " << started.exit_code << ", signal "
                   << started.signal << "): " << started.err << logTail();
    }
    for (int i = 0; i < 100 && !cli({"pool", "list"}).ok(); ++i) {
      std::this_thread::sleep_for(milliseconds(100));
    }
    if (!cli({"pool", "list"}).ok()) {
      GTEST_SKIP() << "glusterd started but does not answer on " << socket_ << logTail();
    }
    glusterd_pid_ = readPidFile(kStateDir / "glusterd.pid");
    ASSERT_TRUE(glusterd_pid_) << "no pid in " << kStateDir / "glusterd.pid";
    startup_ = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    RecordProperty("glusterd_startup_ms", std::to_string(startup_.count()));
  }

  void TearDown() override {
    if (lock_fd_ < 0) return;
    cleanUp();
    EXPECT_TRUE(processesUsingStateDir().empty()) << "processes left behind";
    ::close(lock_fd_);
  }

  core::RunResult cli(std::vector<std::string> args) const {
    std::vector<std::string> argv = {*gluster_, "--mode=script", "--glusterd-sock=" + socket_,
                                     "--timeout=10"};
    argv.insert(argv.end(), args.begin(), args.end());
    core::RunOptions options;
    options.timeout = seconds(30);
    return core::runProcess(argv, options);
  }

  GlusterCollectOptions collectorOptions() const {
    GlusterCollectOptions options;
    options.exec.method = HostExecMethod::kDirect;
    options.glusterd_socket = socket_;
    options.command_timeout = seconds(10);
    return options;
  }

  void createVolume() {
    brick_ = (kStateDir / "bricks" / "b1").string();
    std::array<char, 256> host{};
    ASSERT_EQ(::gethostname(host.data(), host.size() - 1), 0);
    brick_name_ = std::string(host.data()) + ":" + brick_;
    core::RunResult r = cli({"volume", "create", kVolume, brick_name_, "force"});
    ASSERT_TRUE(r.ok()) << r.out << r.err << logTail();
    r = cli({"volume", "start", kVolume});
    ASSERT_TRUE(r.ok()) << r.out << r.err << logTail();
  }

  std::string logTail() const {
    const std::string log = readFile(kStateDir / "glusterd.log");
    return "\n--- glusterd.log (tail) ---\n" +
           log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
  }

  /// Stops and deletes the volume (if glusterd answers), then kills what is left: glusterd by
  /// its pid file, bricks by theirs, and any other process whose command line names
  /// kStateDir. Removes the brick sockets and logs glusterd leaves outside kStateDir.
  void cleanUp() {
    if (glusterd_pid_) ::kill(*glusterd_pid_, SIGCONT);  // in case a test froze it
    // Brick processes leave their -S socket in /var/run/gluster even when stopped cleanly.
    std::vector<std::string> sockets;
    for (pid_t pid : processesUsingStateDir()) {
      if (auto sock = argAfter(pid, "-S")) sockets.push_back(*sock);
    }
    const auto running = readPidFile(kStateDir / "glusterd.pid");
    if (gluster_ && running && alive(*running) && fs::exists(kStateDir / "glusterd.socket")) {
      socket_ = (kStateDir / "glusterd.socket").string();
      core::RunOptions quick;
      quick.timeout = seconds(15);
      for (const auto& args : {std::vector<std::string>{"volume", "stop", kVolume, "force"},
                               std::vector<std::string>{"volume", "delete", kVolume}}) {
        std::vector<std::string> argv = {*gluster_, "--mode=script", "--glusterd-sock=" + socket_,
                                         "--timeout=5"};
        argv.insert(argv.end(), args.begin(), args.end());
        try {
          core::runProcess(argv, quick);
        } catch (const Error&) {
        }
      }
    }
    std::vector<pid_t> victims;
    if (auto pid = readPidFile(kStateDir / "glusterd.pid")) victims.push_back(*pid);
    std::error_code ec;
    if (fs::exists(kStateDir / "run")) {
      for (const auto& e : fs::recursive_directory_iterator(kStateDir / "run", ec)) {
        if (e.path().extension() == ".pid") {
          if (auto pid = readPidFile(e.path())) victims.push_back(*pid);
        }
      }
    }
    for (pid_t pid : processesUsingStateDir()) victims.push_back(pid);
    for (pid_t pid : victims) {
      // Only what belongs to this test: a recycled pid would not mention kStateDir.
      if (!alive(pid) || cmdline(pid).find(kStateDir.string()) == std::string::npos) continue;
      if (auto sock = argAfter(pid, "-S")) sockets.push_back(*sock);
      ::kill(pid, SIGCONT);
      ::kill(pid, SIGTERM);
      if (!waitGone(pid, seconds(5))) {
        ::kill(pid, SIGKILL);
        waitGone(pid, seconds(5));
      }
    }
    for (const auto& sock : sockets) {
      if (sock.starts_with("/var/run/gluster/") || sock.starts_with("/run/gluster/")) {
        fs::remove(sock, ec);
      }
    }
    const std::string log_prefix = "tmp-keelson-gluster-it-";
    if (fs::exists("/var/log/glusterfs/bricks")) {
      for (const auto& e : fs::directory_iterator("/var/log/glusterfs/bricks", ec)) {
        if (e.path().filename().string().starts_with(log_prefix)) fs::remove(e.path(), ec);
      }
    }
    fs::remove_all(kStateDir, ec);
  }

  std::optional<std::string> glusterd_;
  std::optional<std::string> gluster_;
  std::optional<pid_t> glusterd_pid_;
  std::string socket_;
  std::string brick_;
  std::string brick_name_;
  milliseconds startup_{0};
  int lock_fd_ = -1;
};

TEST_F(GlusterdTest, CollectorAgreesWithTheCliAndTheKernel) {
  ASSERT_NO_FATAL_FAILURE(createVolume());

  const auto start = std::chrono::steady_clock::now();
  const GlusterStatus status = collectGluster(collectorOptions());
  const auto took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  RecordProperty("collect_ms", std::to_string(took.count()));
  std::cout << "glusterd startup " << startup_.count() << " ms, collection " << took.count()
            << " ms\n";

  ASSERT_EQ(status.state, GlusterState::kOk) << status.error;
  EXPECT_EQ(status.cli_path, *gluster_);
  EXPECT_EQ(status.volumes_error, std::nullopt);
  EXPECT_EQ(status.volume_status_error, std::nullopt);
  EXPECT_EQ(status.peers_error, std::nullopt);

  // Volume: against the CLI's human-readable `volume info`.
  const core::RunResult info_text = cli({"volume", "info", kVolume});
  ASSERT_TRUE(info_text.ok()) << info_text.out;
  const auto info = keyValues(info_text.out);
  ASSERT_EQ(status.volumes.size(), 1U);
  const GlusterVolume& v = status.volumes[0];
  EXPECT_EQ(v.name, info.at("Volume Name"));
  EXPECT_EQ(v.id, info.at("Volume ID"));
  EXPECT_EQ(v.type, info.at("Type"));
  EXPECT_EQ(v.status, info.at("Status"));
  EXPECT_EQ(v.status, "Started");
  EXPECT_EQ(std::to_string(v.brick_count), info.at("Number of Bricks"));
  EXPECT_EQ(v.transport, info.at("Transport-type"));
  ASSERT_EQ(v.bricks.size(), 1U);
  EXPECT_EQ(v.bricks[0].name, info.at("Brick1"));
  EXPECT_EQ(v.bricks[0].name, brick_name_);
  EXPECT_EQ(v.bricks[0].path, brick_);
  std::map<std::string, std::string> options(v.options.begin(), v.options.end());
  EXPECT_EQ(options, reconfiguredOptions(info_text.out));

  // This node's UUID: glusterd.info on disk, and the brick's host.
  const std::string node_info = readFile(kStateDir / "wd" / "glusterd.info");
  const auto uuid_at = node_info.find("UUID=");
  ASSERT_NE(uuid_at, std::string::npos) << node_info;
  const std::string uuid = trim(node_info.substr(uuid_at + 5, 36));
  EXPECT_EQ(v.bricks[0].host_uuid, uuid);

  // Brick process: against the plain `volume status VOL detail`, its pid file and the kernel.
  const core::RunResult detail_text = cli({"volume", "status", kVolume, "detail"});
  ASSERT_TRUE(detail_text.ok()) << detail_text.out;
  const auto detail = keyValues(detail_text.out);
  ASSERT_EQ(status.volume_status.size(), 1U);
  ASSERT_EQ(status.volume_status[0].bricks.size(), 1U);
  const GlusterBrickStatus& b = status.volume_status[0].bricks[0];
  EXPECT_EQ(b.hostname + ":" + b.path, brick_name_);
  EXPECT_EQ("Brick " + brick_name_, detail.at("Brick"));
  EXPECT_TRUE(b.online);
  EXPECT_EQ(detail.at("Online"), "Y");
  ASSERT_TRUE(b.pid.has_value());
  EXPECT_EQ(std::to_string(*b.pid), detail.at("Pid"));
  EXPECT_TRUE(alive(*b.pid));
  EXPECT_THAT(cmdline(*b.pid), HasSubstr("--brick-name " + brick_));
  ASSERT_TRUE(b.port.has_value());
  EXPECT_EQ(std::to_string(*b.port), detail.at("TCP Port"));
  EXPECT_EQ(std::to_string(b.inodes_total.value_or(0)), detail.at("Inode Count"));
  EXPECT_EQ(b.fs_type, detail.at("File System"));
  EXPECT_EQ(b.device, detail.at("Device"));

  struct statvfs st {};
  ASSERT_EQ(::statvfs(brick_.c_str(), &st), 0);
  EXPECT_EQ(b.size_total_bytes, std::uint64_t{st.f_blocks} * st.f_bsize);
  EXPECT_EQ(b.inodes_total, std::uint64_t{st.f_files});
  EXPECT_EQ(b.block_size_bytes, std::uint64_t{st.f_bsize});
  // Free space moves while others use the disk; it must be close, and never above the total.
  ASSERT_TRUE(b.size_free_bytes.has_value());
  const double free_now = static_cast<double>(std::uint64_t{st.f_bfree} * st.f_bsize);
  EXPECT_NEAR(static_cast<double>(*b.size_free_bytes), free_now, 0.02 * free_now + 1e9);
  EXPECT_LE(*b.size_free_bytes, *b.size_total_bytes);
  const MountEntry mount = mountOf(brick_);
  EXPECT_EQ(b.device, mount.device);
  EXPECT_EQ(b.fs_type, mount.type);

  // Peers: a single-node pool has none.
  const core::RunResult peers_text = cli({"peer", "status"});
  EXPECT_THAT(peers_text.out, HasSubstr("Number of Peers: 0"));
  EXPECT_TRUE(status.peers.empty());
  const core::RunResult pool_text = cli({"pool", "list"});
  EXPECT_THAT(pool_text.out, HasSubstr(uuid));

  // Heal: a distribute volume has none, and the collector does not ask.
  ASSERT_EQ(status.heal.size(), 1U);
  EXPECT_EQ(status.heal[0].state, GlusterHealState::kNotApplicable);

  // The JSON carries the same numbers.
  const nlohmann::json json = toJson(status);
  EXPECT_EQ(json["state"], "ok");
  EXPECT_EQ(json["volumes"][0]["name"], kVolume);
  EXPECT_EQ(json["volumes"][0]["bricks"][0]["disk_total_bytes"],
            std::uint64_t{st.f_blocks} * st.f_bsize);
  EXPECT_EQ(json["volumes"][0]["bricks"][0]["pid"], *b.pid);
  EXPECT_TRUE(json["errors"].empty());
}

TEST_F(GlusterdTest, StoppedDaemonIsReportedUnreachable) {
  ASSERT_EQ(::kill(*glusterd_pid_, SIGTERM), 0);
  ASSERT_TRUE(waitGone(*glusterd_pid_, seconds(10))) << "glusterd did not stop";
  const auto start = std::chrono::steady_clock::now();
  const GlusterStatus status = collectGluster(collectorOptions());
  const auto took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  RecordProperty("collect_ms", std::to_string(took.count()));
  EXPECT_EQ(status.state, GlusterState::kDaemonUnreachable);
  EXPECT_THAT(status.error, HasSubstr("Connection failed"));
  EXPECT_TRUE(status.volumes.empty());
  EXPECT_EQ(toJson(status)["state"], "daemon_unreachable");
  EXPECT_LT(took, seconds(5));
}

TEST_F(GlusterdTest, HungDaemonIsUnreachableWithinTheCommandDeadline) {
  ASSERT_EQ(::kill(*glusterd_pid_, SIGSTOP), 0);
  GlusterCollectOptions options = collectorOptions();
  options.command_timeout = seconds(2);
  const auto start = std::chrono::steady_clock::now();
  const GlusterStatus status = collectGluster(options);
  const auto took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  ::kill(*glusterd_pid_, SIGCONT);
  RecordProperty("collect_ms", std::to_string(took.count()));
  EXPECT_EQ(status.state, GlusterState::kDaemonUnreachable);
  EXPECT_THAT(status.error, HasSubstr("timed out"));
  // The CLI's own --timeout=2 answers; the runner's kill (2 s + 5 s) is the backstop.
  EXPECT_LT(took, seconds(8));
}

}  // namespace
}  // namespace keelson::host
