#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace keelson::host {

/// The gluster CLI answered, but with a failure: its `<opRet>` was non-zero. Carries the CLI's
/// own `<opErrno>` and `<opErrstr>` (e.g. "Volume kv1 is not started"). Code kUnavailable.
class GlusterOpError : public Error {
 public:
  GlusterOpError(int op_ret, int op_errno, std::string op_errstr);

  int opRet() const noexcept { return op_ret_; }                       ///< `<opRet>`, e.g. -1.
  int opErrno() const noexcept { return op_errno_; }                   ///< `<opErrno>`, e.g. 22.
  const std::string& opErrstr() const noexcept { return op_errstr_; }  ///< `<opErrstr>` text.

 private:
  int op_ret_;
  int op_errno_;
  std::string op_errstr_;
};

/// One brick as `volume info` lists it.
struct GlusterBrick {
  std::string name;       ///< "host:/path" as the volume was created.
  std::string host;       ///< Part before ":/".
  std::string path;       ///< Absolute brick directory on that host.
  std::string host_uuid;  ///< UUID of the peer that hosts it.
  bool is_arbiter = false;
};

/// One volume from `gluster --xml volume info all`.
struct GlusterVolume {
  std::string name;
  std::string id;      ///< Volume UUID.
  std::string status;  ///< "Created", "Started" or "Stopped" (`<statusStr>`).
  std::string type;    ///< "Distribute", "Replicate", "Disperse", "Distributed-Replicate", ...
  int brick_count = 0;
  int dist_count = 0;  ///< `<distCount>` as the CLI prints it (glusterd's dist_leaf_count).
  int replica_count = 0;
  int arbiter_count = 0;
  int disperse_count = 0;
  int redundancy_count = 0;
  int snapshot_count = 0;
  std::string transport;  ///< "tcp", "rdma" or "tcp,rdma".
  std::vector<GlusterBrick> bricks;
  /// Reconfigured options (name, value) in the CLI's order.
  std::vector<std::pair<std::string, std::string>> options;
};

/// One brick process from `gluster --xml volume status all detail`.
struct GlusterBrickStatus {
  std::string hostname;          ///< Peer hostname as glusterd knows it.
  std::string path;              ///< Brick directory.
  std::string peer_uuid;         ///< `<peerid>`.
  bool online = false;           ///< `<status>` 1.
  std::optional<int> pid;        ///< Brick process id; absent when offline (-1).
  std::optional<int> port;       ///< TCP port; absent when "N/A".
  std::optional<int> rdma_port;  ///< RDMA port; absent when "N/A".
  // The rest only in `detail` output; gluster takes them from statvfs(2) of the brick directory:
  std::optional<std::uint64_t> size_total_bytes;  ///< f_blocks * f_bsize.
  std::optional<std::uint64_t> size_free_bytes;   ///< f_bfree * f_bsize.
  std::optional<std::uint64_t> inodes_total;
  std::optional<std::uint64_t> inodes_free;
  std::optional<std::uint64_t> block_size_bytes;
  std::string device;         ///< Block device of the brick's filesystem.
  std::string fs_type;        ///< e.g. "xfs", "ext4".
  std::string mount_options;  ///< e.g. "rw,relatime".
};

/// The bricks of one started volume from `volume status`. Daemon rows (Self-heal Daemon, NFS
/// Server, ...) are left out: their `<path>` is not a directory.
struct GlusterVolumeStatus {
  std::string volume;
  std::vector<GlusterBrickStatus> bricks;
};

/// One peer from `gluster --xml peer status` (or `pool list`, which adds this node as
/// "localhost" without a state).
struct GlusterPeer {
  std::string hostname;
  std::vector<std::string> hostnames;  ///< Every name the peer is known by.
  std::string uuid;
  std::string state;              ///< `<stateStr>`, e.g. "Peer in Cluster"; empty if absent.
  std::optional<int> state_code;  ///< `<state>`, e.g. 3.
  bool connected = false;
};

/// One brick's self-heal backlog from `volume heal VOL info` or `volume heal VOL info summary`.
struct GlusterHealBrick {
  std::string name;  ///< "host:/path".
  std::string host;
  std::string path;
  std::string host_uuid;   ///< Empty when the CLI prints "-" (brick unreachable).
  std::string status;      ///< "Connected" or why not, e.g. "Transport endpoint is not connected".
  bool connected = false;  ///< status == "Connected".
  /// Entries (files, directories) needing heal: `<numberOfEntries>` of `info`, or
  /// `<totalNumberOfEntries>` of `info summary`. Absent when the CLI could not count ("-").
  std::optional<std::uint64_t> entries_pending;
  std::optional<std::uint64_t> entries_heal_pending;      ///< `info summary` only.
  std::optional<std::uint64_t> entries_in_split_brain;    ///< `info summary` only.
  std::optional<std::uint64_t> entries_possibly_healing;  ///< `info summary` only.
};

// The parsers below are pure: they read the XML that `gluster --xml` prints (pugixml) and
// never run anything. All throw Error(kBadInput) naming the command when the text is not
// such a document (not XML, no <cliOutput>, no <opRet>), and GlusterOpError when the document
// reports a failure (<opRet> non-zero). Numbers that are "N/A", "-" or missing become nullopt.
// Thread-safe.

/// `volume info all` (or `volume info VOL`) → its volumes, in CLI order.
std::vector<GlusterVolume> parseVolumeInfoXml(std::string_view xml);

/// `volume status all [detail]` (or one volume) → bricks per started volume.
std::vector<GlusterVolumeStatus> parseVolumeStatusXml(std::string_view xml);

/// `peer status` or `pool list` → peers.
std::vector<GlusterPeer> parsePeerStatusXml(std::string_view xml);

/// `volume heal VOL info` or `volume heal VOL info summary` → per-brick heal backlog.
std::vector<GlusterHealBrick> parseHealInfoXml(std::string_view xml);

/// Splits a brick name "host:/path" at the first ":/" into host and path (IPv6 hosts keep
/// their colons). Returns {name, ""} when there is no ":/".
std::pair<std::string, std::string> splitBrickName(std::string_view name);

}  // namespace keelson::host
