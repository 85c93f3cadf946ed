#include "host/system_collector.h"

#include <optional>
#include <string>

#include "core/error.h"
#include "host/proc/parse_util.h"
#include "host/proc/stat.h"
#include "host/proc/uptime.h"

namespace keelson::host {
namespace {

std::string readTrimmed(const HostFs& fs, std::string_view path) {
  return std::string(detail::trim(fs.readFile(path, 65536)));
}

// True when the agent is in the UTS namespace of the host's init, so the kernel's hostname is
// the host's. Unknown (links unreadable) counts as false only if /etc/hostname can answer.
bool sharesHostUtsNamespace(const HostFs& fs) {
  if (fs.root() == "/") return true;
  const auto host_ns = fs.readLink("/proc/1/ns/uts");
  const auto own_ns = HostFs("/").readLink("/proc/self/ns/uts");
  if (!host_ns || !own_ns) return false;
  return *host_ns == *own_ns;
}

// Reads an os-release candidate. An absolute symlink (/etc/os-release -> /usr/lib/os-release)
// is resolved inside the host root, not the agent's own filesystem.
std::optional<std::string> readOsRelease(const HostFs& fs, const std::string& path) {
  std::string target = path;
  if (const auto link = fs.readLink(path); link && link->starts_with('/')) target = *link;
  return fs.readFileIfExists(target, 1u << 20);
}

}  // namespace

SystemInfo collectSystem(const HostFs& fs) {
  SystemInfo info;
  info.hostname_source = "kernel";
  if (!sharesHostUtsNamespace(fs)) {
    try {
      if (const auto text = fs.readFileIfExists("/etc/hostname", 65536)) {
        // hostname(5): the first line, comments allowed.
        std::string_view name = detail::trim(*text);
        name = detail::trim(name.substr(0, name.find('\n')));
        if (!name.empty() && name.front() != '#') {
          info.hostname = std::string(name);
          info.hostname_source = "etc/hostname";
        }
      }
    } catch (const Error&) {
      // Fall back to the kernel's hostname.
    }
  }
  if (info.hostname.empty()) info.hostname = readTrimmed(fs, "/proc/sys/kernel/hostname");
  info.kernel_release = readTrimmed(fs, "/proc/sys/kernel/osrelease");
  if (const auto version = fs.readFileIfExists("/proc/sys/kernel/version", 65536)) {
    info.kernel_version = std::string(detail::trim(*version));
  }
  auto os_release = readOsRelease(fs, "/etc/os-release");
  if (!os_release) os_release = readOsRelease(fs, "/usr/lib/os-release");
  if (os_release) info.os = parseOsRelease(*os_release);

  try {
    info.uptime_seconds = parseUptime(fs.readFile("/proc/uptime")).uptime_seconds;
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kBadInput) throw;
    throw Error(ErrorCode::kBadInput, "host file " + fs.path("/proc/uptime") + ": " + error.what());
  }
  info.boot_time_unix_seconds = parseStat(fs.readFile("/proc/stat")).boot_time_unix_seconds;
  if (!info.boot_time_unix_seconds) {
    throw Error(ErrorCode::kBadInput, "host file " + fs.path("/proc/stat") + ": no btime line");
  }
  return info;
}

}  // namespace keelson::host
