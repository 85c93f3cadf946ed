#!/bin/bash
# Captures a /proc and /sys fixture tree from the machine it runs on, for the host collector
# tests: `capture-tree.sh <out-dir>` writes <out-dir>/t0 (every file the collectors read) and
# <out-dir>/t1 (the files that change, captured again one second later). Three processes are
# started for the capture so the process section has something to rank: a CPU burner as UID
# 4242 (not in /etc/passwd), and a sleeper as UID 65534 whose command name has spaces and
# parentheses; and some disk and loopback traffic between the samples. Run as root.
set -euo pipefail
out=${1:?usage: capture-tree.sh <out-dir>}
work=$(mktemp -d)
trap 'kill $burner $sleeper 2>/dev/null || true; rm -rf "$work"' EXIT

cp /bin/sleep "$work/x) (y z"
setpriv --reuid=4242 --regid=4242 --clear-groups bash -c 'while :; do :; done' &
burner=$!
setpriv --reuid=65534 --regid=65534 --clear-groups "$work/x) (y z" 1000 &
sleeper=$!
sleep 0.5
pids="1 2 $burner $sleeper"

copy() {  # copy <tree> <absolute path>...
  local tree=$1; shift
  for f in "$@"; do
    mkdir -p "$tree$(dirname "$f")"
    cat "$f" > "$tree$f"
  done
}
sample() {  # the files the two-sample sections read
  local tree=$1
  copy "$tree" /proc/stat /proc/diskstats /proc/1/net/dev
  for pid in $pids; do copy "$tree" "/proc/$pid/stat"; done
}

sample "$out/t0"
# Some disk and loopback traffic between the samples, so that rates are not all zero.
dd if=/dev/zero of="$work/io" bs=1M count=4 oflag=direct status=none
python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(10): s.sendto(b"k" * 1000, ("127.0.0.1", 9))'
sleep 1
sample "$out/t1"

t0=$out/t0
copy "$t0" /proc/loadavg /proc/uptime /proc/cpuinfo /proc/meminfo /proc/1/mountinfo \
  /proc/1/net/tcp /proc/1/net/tcp6 /proc/1/net/udp /proc/1/net/udp6 \
  /proc/sys/kernel/hostname /proc/sys/kernel/osrelease /proc/sys/kernel/version \
  /etc/os-release /etc/passwd /etc/hostname /sys/devices/system/cpu/online
for pid in $pids; do copy "$t0" "/proc/$pid/status" "/proc/$pid/cmdline"; done
for cpu in /sys/devices/system/cpu/cpu[0-9]*; do
  copy "$t0" "$cpu/topology/physical_package_id" "$cpu/topology/core_id"
done
for dev in /sys/block/*; do copy "$t0" "$dev/dev"; done
# Connectivity: routes, resolver, and each interface's attributes (carrier cannot be read while
# a device is down, tun_flags exists only for tun/tap devices: those are skipped).
copy "$t0" /proc/1/net/route /proc/1/net/ipv6_route /etc/resolv.conf
for dev in /sys/class/net/*/; do
  dev=${dev%/}
  for attr in operstate flags carrier type mtu address uevent tun_flags; do
    [ -r "$dev/$attr" ] && cat "$dev/$attr" >/dev/null 2>&1 && copy "$t0" "$dev/$attr"
  done
done
echo "captured pids: $pids"
