#include "host/filesystem_collector.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/error.h"

namespace keelson::host {
namespace {

bool underPrefix(const std::string& path, const std::string& prefix) {
  if (prefix.empty()) return false;
  if (prefix == "/") return true;
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/' || prefix.back() == '/';
}

// Lower is better when choosing among the mounts of one device.
auto preference(const MountInfo& mount) {
  return std::make_tuple(mount.root == "/" ? 0 : 1, mount.mount_point.size(), mount.mount_point);
}

}  // namespace

std::vector<std::string> defaultExcludedFsTypes() {
  return {"proc",    "sysfs",    "devtmpfs",    "devpts", "cgroup",     "cgroup2",   "securityfs",
          "debugfs", "tracefs",  "pstore",      "bpf",    "mqueue",     "hugetlbfs", "configfs",
          "fusectl", "autofs",   "binfmt_misc", "nsfs",   "rpc_pipefs", "efivarfs",  "selinuxfs",
          "ramfs",   "squashfs", "erofs",       "iso9660"};
}

std::vector<std::string> defaultExcludedMountPoints() {
  return {"/proc",
          "/sys",
          "/dev/pts",
          "/var/lib/docker",
          "/var/lib/containers/storage",
          "/run/containerd",
          "/var/run/containerd",
          "/run/k3s/containerd",
          "/var/lib/kubelet/pods",
          "/run/netns",
          "/run/docker/netns"};
}

FsUsage fsUsageFromStatvfs(const struct statvfs& stat) noexcept {
  const std::uint64_t unit = stat.f_frsize != 0 ? stat.f_frsize : stat.f_bsize;
  const std::uint64_t blocks = stat.f_blocks;
  const std::uint64_t bfree = std::min<std::uint64_t>(stat.f_bfree, blocks);
  const std::uint64_t bavail = std::min<std::uint64_t>(stat.f_bavail, blocks);
  FsUsage usage;
  usage.total_bytes = blocks * unit;
  usage.free_bytes = bfree * unit;
  usage.available_bytes = bavail * unit;
  usage.used_bytes = (blocks - bfree) * unit;
  const std::uint64_t denominator = usage.used_bytes + usage.available_bytes;
  if (denominator != 0) {
    usage.usage_percent =
        static_cast<double>(usage.used_bytes) * 100.0 / static_cast<double>(denominator);
  }
  usage.inodes_total = stat.f_files;
  usage.inodes_free = std::min<std::uint64_t>(stat.f_ffree, stat.f_files);
  usage.inodes_used = usage.inodes_total - usage.inodes_free;
  if (usage.inodes_total != 0) {
    usage.inodes_usage_percent =
        static_cast<double>(usage.inodes_used) * 100.0 / static_cast<double>(usage.inodes_total);
  }
  return usage;
}

std::vector<MountInfo> readMounts(const HostFs& fs) {
  // /proc/1 may be unreadable (no CAP_SYS_PTRACE); our own table is the next best view.
  try {
    if (auto text = fs.readFileIfExists("/proc/1/mountinfo", HostFs::kLargeTableMaxBytes))
      return parseMountinfo(*text);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kUnavailable) throw;
  }
  return parseMountinfo(fs.readFile("/proc/self/mountinfo", HostFs::kLargeTableMaxBytes));
}

std::vector<MountInfo> selectMounts(const std::vector<MountInfo>& mounts,
                                    const FilesystemOptions& options) {
  const std::set<std::string, std::less<>> excluded_types(options.exclude_fs_types.begin(),
                                                          options.exclude_fs_types.end());
  auto excluded = [&](const MountInfo& mount) {
    if (excluded_types.contains(mount.fs_type)) return true;
    if (options.overlay_only_at_root && mount.fs_type == "overlay" && mount.mount_point != "/") {
      return true;
    }
    return std::any_of(
        options.exclude_mount_points.begin(), options.exclude_mount_points.end(),
        [&](const std::string& prefix) { return underPrefix(mount.mount_point, prefix); });
  };

  // The last mount on each mount point hides earlier ones.
  std::map<std::string, std::size_t> last_on_path;
  for (std::size_t i = 0; i < mounts.size(); ++i) last_on_path[mounts[i].mount_point] = i;

  // The preferred mount of each device among the visible, included ones.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> best_of_device;
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    const auto& mount = mounts[i];
    if (last_on_path[mount.mount_point] != i || excluded(mount)) continue;
    const auto device = std::make_pair(mount.major, mount.minor);
    const auto [it, inserted] = best_of_device.emplace(device, i);
    if (!inserted && preference(mount) < preference(mounts[it->second])) it->second = i;
  }
  std::vector<std::size_t> chosen;
  chosen.reserve(best_of_device.size());
  for (const auto& [device, index] : best_of_device) chosen.push_back(index);
  std::sort(chosen.begin(), chosen.end());
  std::vector<MountInfo> selected;
  selected.reserve(chosen.size());
  for (const auto index : chosen) selected.push_back(mounts[index]);
  return selected;
}

std::vector<Filesystem> collectFilesystems(const HostFs& fs, const FilesystemOptions& options,
                                           StatvfsProber& prober) {
  const auto mounts = selectMounts(readMounts(fs), options);
  std::vector<std::string> paths;
  paths.reserve(mounts.size());
  for (const auto& mount : mounts) paths.push_back(fs.path(mount.mount_point));
  const auto results = prober.probeAll(paths, options.statvfs_deadline);

  std::vector<Filesystem> filesystems;
  filesystems.reserve(mounts.size());
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    const auto& mount = mounts[i];
    Filesystem filesystem;
    filesystem.device = mount.source;
    filesystem.mount_point = mount.mount_point;
    filesystem.fs_type = mount.fs_type;
    filesystem.mount_options = mount.mount_options;
    filesystem.read_only = hasMountOption(mount.mount_options, "ro");
    filesystem.major = mount.major;
    filesystem.minor = mount.minor;
    const auto& result = results[i];
    switch (result.status) {
      case StatvfsProber::Result::Status::kOk:
        filesystem.usage = fsUsageFromStatvfs(result.stat);
        break;
      case StatvfsProber::Result::Status::kStale:
        filesystem.stale = true;
        filesystem.error = paths[i] + ": " + result.message;
        break;
      case StatvfsProber::Result::Status::kFailed:
        filesystem.error = paths[i] + ": " + result.message;
        break;
    }
    filesystems.push_back(std::move(filesystem));
  }
  return filesystems;
}

}  // namespace keelson::host
