#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/process_runner.h"
#include "host/exec.h"
#include "host/gluster_xml.h"

namespace keelson::host {

/// Whether GlusterFS could be asked at all. A state, not an error: every node reports one.
enum class GlusterState {
  kOk,                 ///< glusterd answered; sections may still carry their own errors.
  kNotInstalled,       ///< No gluster CLI on the host.
  kDaemonUnreachable,  ///< The CLI exists but glusterd did not answer (down, hung, no socket).
};

/// "ok", "not_installed" or "daemon_unreachable".
std::string_view glusterStateName(GlusterState state) noexcept;

/// Whether a volume's self-heal backlog was read.
enum class GlusterHealState {
  kOk,             ///< Bricks hold the backlog.
  kNotApplicable,  ///< Not a replicate/disperse volume, or not started; reason says which.
  kError,          ///< The heal query failed; reason says why.
};

/// "ok", "not_applicable" or "error".
std::string_view glusterHealStateName(GlusterHealState state) noexcept;

/// The self-heal backlog of one volume.
struct GlusterVolumeHeal {
  std::string volume;
  GlusterHealState state = GlusterHealState::kOk;
  std::string reason;  ///< Why not applicable, or the error; empty when kOk.
  std::vector<GlusterHealBrick> bricks;
};

/// Which heal query to run. `info summary` prints counts only (bounded output, split-brain
/// counts); `info` lists every entry, which can be megabytes on a volume with a big backlog.
enum class GlusterHealCommand { kInfoSummary, kInfo };

/// How collectGluster finds and asks the gluster CLI.
struct GlusterCollectOptions {
  /// How to reach the host (host root, nsenter/chroot/direct); the CLI runs through hostExec
  /// so that a pod sees the node's gluster and glusterd.
  HostExecOptions exec;
  /// The CLI as the host sees it; empty means findHostProgram("gluster") along exec.host_path
  /// (which includes /usr/sbin).
  std::string cli_path;
  /// glusterd's CLI socket (`--glusterd-sock`); empty means the CLI's default
  /// (/var/run/glusterd.socket).
  std::string glusterd_socket;
  /// Each CLI command gets `--timeout=` this many seconds (the CLI gives up on a stuck glusterd
  /// by itself) and is killed if it has not finished 5 s after that.
  std::chrono::seconds command_timeout{15};
  /// Query the self-heal backlog of started replicate and disperse volumes.
  bool collect_heal = true;
  GlusterHealCommand heal_command = GlusterHealCommand::kInfoSummary;
};

/// A snapshot of the GlusterFS state on this node, as the gluster CLI reports it. Each section
/// (volumes, brick status, peers, per-volume heal) is filled or carries its own error.
struct GlusterStatus {
  GlusterState state = GlusterState::kNotInstalled;
  /// Why the state is not kOk (e.g. "gluster volume info all: Connection failed. Please check
  /// if gluster daemon is operational."); empty when kOk.
  std::string error;
  /// The CLI used, as the host sees it (e.g. "/usr/sbin/gluster").
  std::string cli_path;
  /// How the host was reached ("nsenter", "chroot", "direct"); empty when not known.
  std::string exec_method;

  std::vector<GlusterVolume> volumes;  ///< `volume info all`.
  std::optional<std::string> volumes_error;
  std::vector<GlusterVolumeStatus> volume_status;  ///< `volume status all detail`.
  std::optional<std::string> volume_status_error;
  std::vector<GlusterPeer> peers;  ///< `peer status`: the other nodes of the pool.
  std::optional<std::string> peers_error;
  std::vector<GlusterVolumeHeal> heal;  ///< One entry per volume of `volumes`.

  std::chrono::milliseconds duration{0};  ///< Wall time of the whole collection.
};

/// Runs one gluster command line (argv[0] is the CLI as the host sees it) with a deadline and
/// returns what it did. May throw keelson::Error (e.g. kNotFound). The seam tests replace.
using GlusterCommandRunner =
    std::function<core::RunResult(const std::vector<std::string>& argv, std::chrono::milliseconds)>;

/// How one CLI run is to be read.
struct GlusterReply {
  enum class Kind {
    kXml,          ///< `xml` holds the document (text the CLI printed before it is dropped).
    kUnreachable,  ///< glusterd did not answer: "Connection failed", "Request timed out", or
                   ///< the CLI had to be killed at the deadline.
    kFailed,       ///< Anything else without a document (usage error, crash, ...).
  };
  Kind kind = Kind::kFailed;
  std::string xml;
  std::string message;  ///< For kUnreachable and kFailed: what happened, naming the command.
};

/// Classifies the CLI's output for `command` (e.g. "volume info all"). Note that gluster 10
/// prints "Error : Request timed out" and then an empty, successful-looking document when
/// `volume info` times out; that is kUnreachable, not zero volumes. Pure.
GlusterReply classifyGlusterReply(const core::RunResult& run, std::string_view command);

/// Collects GlusterFS state through the gluster CLI (`--mode=script --xml`), run on the host
/// by hostExec. Never throws for GlusterFS conditions: a missing CLI is kNotInstalled, a
/// glusterd that does not answer `volume info all` is kDaemonUnreachable (and nothing else is
/// asked), and any later failure is recorded in that section. If glusterd stops answering
/// mid-way the remaining commands are skipped rather than each waiting for its deadline.
/// Takes up to (3 + heal volumes) command runs. Thread-safe (no shared state).
GlusterStatus collectGluster(const GlusterCollectOptions& options);

/// collectGluster with the CLI location and the runner given: nullopt cli_path means
/// kNotInstalled. Thread-safe if `run` is.
GlusterStatus collectGlusterWith(const std::optional<std::string>& cli_path,
                                 const GlusterCollectOptions& options,
                                 const GlusterCommandRunner& run);

/// The status as JSON with snake_case keys:
///   {"state": "ok"|"not_installed"|"daemon_unreachable", "error": "..." (when not ok),
///    "cli": "/usr/sbin/gluster", "exec_method": "direct", "duration_ms": 83,
///    "volumes": [{"name", "id", "status", "type", "brick_count", "dist_count",
///                 "replica_count", "arbiter_count", "disperse_count", "redundancy_count",
///                 "snapshot_count", "transport", "options": {name: value},
///                 "bricks": [{"name": "host:/path", "host", "path", "host_uuid", "is_arbiter",
///                             "online", "pid", "port", "disk_total_bytes", "disk_free_bytes",
///                             "inodes_total", "inodes_free", "block_size_bytes", "fs_type",
///                             "device", "mount_options"}],
///                 "heal": {"state": "ok"|"not_applicable"|"error", "reason",
///                          "entries_pending" (sum over bricks that could count),
///                          "bricks": [{"name", "host", "path", "status", "connected",
///                                      "entries_pending", "entries_heal_pending",
///                                      "entries_in_split_brain",
///                                      "entries_possibly_healing"}]}}],
///    "peers": [{"hostname", "hostnames", "uuid", "state", "state_code", "connected"}],
///    "errors": {"volumes"|"volume_status"|"peers": "..."} (only sections that failed)}
/// Brick status fields come from `volume status` and are null when it has no row for the
/// brick (volume not started, section failed); unknown numbers are null.
nlohmann::json toJson(const GlusterStatus& status);

}  // namespace keelson::host
