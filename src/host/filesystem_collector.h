#pragma once

#include <sys/statvfs.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/host_fs.h"
#include "host/proc/mountinfo.h"
#include "host/statvfs_prober.h"

namespace keelson::host {

/// Filesystem types that are not storage and are skipped by default: kernel interfaces (proc,
/// sysfs, devtmpfs, devpts, cgroup, cgroup2, securityfs, debugfs, tracefs, pstore, bpf, mqueue,
/// configfs, fusectl, binfmt_misc, nsfs, rpc_pipefs, efivarfs, selinuxfs), placeholders
/// (autofs: its real mounts appear separately), hugetlbfs (pages, not bytes; see meminfo), ramfs
/// (no size accounting) and read-only images that are always full (squashfs, erofs, iso9660).
/// Kept: disk, network and FUSE filesystems, tmpfs (RAM-backed but can fill: /run, /dev/shm)
/// and overlay (a container's root; per-container overlays are dropped by mount point, below).
std::vector<std::string> defaultExcludedFsTypes();

/// Mount points skipped by default, with everything below them: /proc, /sys, /dev/pts, and
/// container-runtime and kubelet internals that repeat a backing filesystem or are per-pod
/// volumes (reported by the kubelet): /var/lib/docker, /var/lib/containers/storage,
/// /run/containerd, /var/run/containerd, /run/k3s/containerd, /var/lib/kubelet/pods,
/// /run/netns, /run/docker/netns.
std::vector<std::string> defaultExcludedMountPoints();

/// Which mounts to report and how long to wait for each.
struct FilesystemOptions {
  std::vector<std::string> exclude_fs_types = defaultExcludedFsTypes();  ///< Exact type names.
  /// Mount point prefixes, matched per path component ("/var/lib/docker" matches itself and
  /// "/var/lib/docker/x", not "/var/lib/dockerd").
  std::vector<std::string> exclude_mount_points = defaultExcludedMountPoints();
  /// Report overlay mounts only at "/" (a container's own root when the agent runs without a
  /// host mount); elsewhere they are per-container roots that repeat their backing filesystem.
  bool overlay_only_at_root = true;
  /// How long each statvfs may take before the mount is reported stale.
  std::chrono::milliseconds statvfs_deadline{2000};
};

/// Space and inode usage of one filesystem, computed as df(1) does.
struct FsUsage {
  std::uint64_t total_bytes = 0;      ///< f_blocks * f_frsize.
  std::uint64_t free_bytes = 0;       ///< f_bfree * f_frsize (including root-reserved blocks).
  std::uint64_t available_bytes = 0;  ///< f_bavail * f_frsize (for unprivileged users).
  std::uint64_t used_bytes = 0;       ///< (f_blocks - f_bfree) * f_frsize.
  /// used / (used + available) * 100, as df's Use%; nullopt when both are 0.
  std::optional<double> usage_percent;
  std::uint64_t inodes_total = 0;  ///< f_files.
  std::uint64_t inodes_free = 0;   ///< f_ffree.
  std::uint64_t inodes_used = 0;   ///< f_files - f_ffree.
  /// inodes_used / inodes_total * 100; nullopt when the filesystem has no inode limit (btrfs).
  std::optional<double> inodes_usage_percent;
};

/// Computes FsUsage from statvfs results, as df does (f_frsize, or f_bsize if 0, is the unit).
/// Pure.
FsUsage fsUsageFromStatvfs(const struct statvfs& stat) noexcept;

/// One reported filesystem.
struct Filesystem {
  std::string device;            ///< The mount source, e.g. "/dev/vda", "server:/export", "tmpfs".
  std::string mount_point;       ///< Where it is mounted on the host, e.g. "/", "/var/lib".
  std::string fs_type;           ///< E.g. "ext4", "nfs4", "fuse.sshfs".
  std::string mount_options;     ///< Per-mount options, e.g. "rw,relatime".
  bool read_only = false;        ///< Mounted "ro".
  std::uint32_t major = 0;       ///< st_dev major.
  std::uint32_t minor = 0;       ///< st_dev minor.
  std::optional<FsUsage> usage;  ///< nullopt when statvfs failed or is stale.
  bool stale = false;  ///< statvfs did not return by the deadline (a hung NFS/FUSE mount).
  std::string error;   ///< Why usage is missing (empty when it is present).
};

/// Reads the host's mount table: `/proc/1/mountinfo` (the host's init, so the host's mount
/// namespace when the host root is a host mount), falling back to `/proc/self/mountinfo`.
/// Throws Error(kNotFound/kUnavailable) if neither can be read.
std::vector<MountInfo> readMounts(const HostFs& fs);

/// Chooses the mounts to report, in mount-table order. Pure. Drops excluded types and mount
/// points; keeps only the last mount of a mount point (a later mount hides an earlier one on
/// the same path); keeps one mount per device (major:minor): the one mounting the filesystem's
/// root ("/") on the shortest path, else the shortest path (ties: the lower path), so bind
/// mounts (kubelet volumes, container mounts of host paths) do not repeat a filesystem. See
/// FilesystemOptions for overlay.
std::vector<MountInfo> selectMounts(const std::vector<MountInfo>& mounts,
                                    const FilesystemOptions& options);

/// Reports the selected mounts with their usage: statvfs on `<root>/<mount point>` through
/// `prober`, each with `options.statvfs_deadline`, all started together. A mount whose statvfs
/// fails carries `error`; one that misses the deadline is `stale`. Throws as readMounts.
std::vector<Filesystem> collectFilesystems(const HostFs& fs, const FilesystemOptions& options,
                                           StatvfsProber& prober);

}  // namespace keelson::host
