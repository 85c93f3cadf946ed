#!/bin/bash
# Regenerates the GlusterFS CLI fixtures in this folder from a real glusterd (Debian's
# glusterfs-server). Run as root on a scratch machine: it starts two private glusterd instances
# (their own working directories, CLI sockets and run directories under $WORK, so a glusterd that
# the machine already runs is not touched, but port 24007 must be free), creates volumes on local
# directories, FUSE-mounts one to make self-heal entries, then stops and deletes everything.
#
#   tests/data/gluster/capture.sh            # writes *.xml / *.txt next to this script
#
# Fixtures keep what the CLI printed byte for byte; the tests read them as real samples.
set -euo pipefail

OUT="$(cd "$(dirname "$0")" && pwd)"
WORK=/tmp/keelson-gluster-capture
HOST="$(hostname)"
# glusterd A answers on the default CLI socket: glfsheal (behind `volume heal ... info`) always
# asks glusterd there, so heal fixtures need it. B gets a private socket.
A_SOCK=/var/run/glusterd.socket
CLI=(gluster --mode=script)

if ! getent hosts "$HOST" | grep -q '^127\.'; then
  echo "capture.sh: hostname $HOST must resolve to a 127.x address (glusterd A binds 127.0.0.1)" >&2
  exit 1
fi
if ss -ltn | grep -q ':24007 ' || gluster --mode=script --timeout=2 pool list >/dev/null 2>&1; then
  echo "capture.sh: a glusterd is running (port 24007 or $A_SOCK); refusing to interfere" >&2
  exit 1
fi
# Brick and self-heal processes put sockets in /var/run/gluster whatever the run directory;
# remember what is there so that only ours are removed.
mkdir -p /var/run/gluster
SOCKETS_BEFORE="$(ls /var/run/gluster/*.socket 2>/dev/null || true)"

cleanup() {
  set +e
  umount "$WORK/mnt" 2>/dev/null
  kill -CONT "$(cat "$WORK/a/glusterd.pid" 2>/dev/null)" 2>/dev/null
  "${CLI[@]}" peer detach 127.0.0.2 force >/dev/null 2>&1
  for v in kv1 kv2 kv3 kv5; do "${CLI[@]}" volume stop "$v" force >/dev/null 2>&1; done
  for v in kv1 kv2 kv3 kv4 kv5; do "${CLI[@]}" volume delete "$v" >/dev/null 2>&1; done
  for pidfile in "$WORK"/a/glusterd.pid "$WORK"/b/glusterd.pid $(find "$WORK"/a/run "$WORK"/b/run \
      -name '*.pid' 2>/dev/null); do
    [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 1
  # Brick and self-heal processes use sockets and logs at fixed places; remove ours only.
  for s in /var/run/gluster/*.socket; do
    grep -qxF "$s" <<<"$SOCKETS_BEFORE" || rm -f "$s"
  done
  rm -rf /var/run/gluster/shd/kv[1-5]
  rm -f /var/log/glusterfs/bricks/tmp-keelson-gluster-capture-*.log
  rm -f /var/log/glusterfs/glfsheal-kv[1-5].log /var/log/glusterfs/tmp-keelson-gluster-capture-mnt.log
  rm -rf "$WORK"
}
trap cleanup EXIT

rm -rf "$WORK"
rm -f "$OUT"/*.xml "$OUT"/*.txt
mkdir -p "$WORK"/a/wd "$WORK"/a/run "$WORK"/b/wd "$WORK"/b/run "$WORK"/bricks "$WORK"/mnt

start_glusterd() {  # name bind-address socket
  glusterd -p "$WORK/$1/glusterd.pid" -l "$WORK/$1/glusterd.log" \
    --xlator-option "management.working-directory=$WORK/$1/wd" \
    --xlator-option "management.transport.socket.bind-address=$2" \
    --xlator-option "management.glusterd-sockfile=$3" \
    --xlator-option "management.run-directory=$WORK/$1/run"
  for _ in $(seq 50); do
    gluster --mode=script --glusterd-sock="$3" --timeout=5 pool list \
      >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "capture.sh: glusterd $1 did not come up" >&2
  exit 1
}

# save NAME CMD...: the CLI's stdout, byte for byte (the XML), into $OUT/NAME.
save() {
  local name="$1"
  shift
  "${CLI[@]}" --xml "$@" >"$OUT/$name" || true
  echo "captured $name"
}

start_glusterd a 127.0.0.1 "$A_SOCK"

save volume_info_empty.xml volume info all
save volume_status_no_volumes.xml volume status all detail
save peer_status_empty.xml peer status

b="$WORK/bricks"
"${CLI[@]}" volume create kv1 "$HOST:$b/kv1" force
"${CLI[@]}" volume create kv2 replica 2 "$HOST:$b/kv2a" "$HOST:$b/kv2b" force
"${CLI[@]}" volume create kv3 disperse 3 redundancy 1 "$HOST:$b/kv3a" "$HOST:$b/kv3b" \
  "$HOST:$b/kv3c" force
"${CLI[@]}" volume create kv4 replica 2 "$HOST:$b/kv4a" "$HOST:$b/kv4b" "$HOST:$b/kv4c" \
  "$HOST:$b/kv4d" force
"${CLI[@]}" volume create kv5 "$HOST:$b/kv5" force
save volume_status_none_started.xml volume status all detail
for v in kv1 kv2 kv3 kv5; do "${CLI[@]}" volume start "$v"; done
"${CLI[@]}" volume stop kv5
"${CLI[@]}" volume set kv1 performance.cache-size 64MB
"${CLI[@]}" volume set kv1 auth.allow 127.0.0.1

save volume_info_all.xml volume info all
save volume_info_not_found.xml volume info nosuchvol
save volume_status_all_detail.xml volume status all detail
save volume_status_all.xml volume status all
save volume_status_not_started.xml volume status kv4 detail
save heal_info_replicate_clean.xml volume heal kv2 info
save heal_info_disperse_clean.xml volume heal kv3 info
save heal_info_distribute.xml volume heal kv1 info
save heal_info_not_started.xml volume heal kv4 info
save heal_info_summary_clean.xml volume heal kv2 info summary

# Take one replica brick down and write through a FUSE mount: the surviving brick records
# entries that need healing, and the dead one is reported as not connected.
mount -t glusterfs "$HOST:/kv2" "$WORK/mnt"
kill "$(cat "$WORK"/a/run/vols/kv2/*kv2b.pid)"
sleep 2
for i in 1 2 3 4 5; do echo "data$i" >"$WORK/mnt/file$i"; done
mkdir "$WORK/mnt/dir1"
echo x >"$WORK/mnt/dir1/f"
sleep 1
umount "$WORK/mnt"
save heal_info_pending.xml volume heal kv2 info
save heal_info_summary_pending.xml volume heal kv2 info summary
save volume_status_all_detail_brick_down.xml volume status all detail

# A second glusterd on 127.0.0.2 becomes a peer; then it is stopped.
start_glusterd b 127.0.0.2 "$WORK/b/glusterd.socket"
"${CLI[@]}" peer probe 127.0.0.2
sleep 2
save peer_status_connected.xml peer status
save pool_list.xml pool list
kill "$(cat "$WORK/b/glusterd.pid")"
sleep 3
save peer_status_disconnected.xml peer status
"${CLI[@]}" peer detach 127.0.0.2 force

# The daemon hung (SIGSTOP) with the CLI's own --timeout, then the daemon gone. These are not
# XML: the CLI prints a message and exits non-zero; record stdout, stderr and the exit code.
plain() {  # name cmd...
  local name="$1" rc=0
  shift
  "$@" >"$OUT/$name.stdout.txt" 2>"$OUT/$name.stderr.txt" || rc=$?
  echo "$rc" >"$OUT/$name.exitcode.txt"
  echo "captured $name (exit $rc)"
}
kill -STOP "$(cat "$WORK/a/glusterd.pid")"
plain cli_timeout_volume_info "${CLI[@]}" --xml --timeout=2 volume info all
plain cli_timeout_peer_status "${CLI[@]}" --xml --timeout=2 peer status
kill -CONT "$(cat "$WORK/a/glusterd.pid")"
plain cli_unrecognized_option "${CLI[@]}" --xml --no-such-option volume info all
"${CLI[@]}" volume stop kv1 force
"${CLI[@]}" volume stop kv2 force
"${CLI[@]}" volume stop kv3 force
for v in kv1 kv2 kv3 kv4 kv5; do "${CLI[@]}" volume delete "$v"; done
kill "$(cat "$WORK/a/glusterd.pid")"
sleep 1
plain daemon_down "${CLI[@]}" --xml --timeout=2 volume info all
