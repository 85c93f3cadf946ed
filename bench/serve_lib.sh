# Helpers shared by the keelson serve benchmarks (bench/serve_vs_apiserver, bench/serve_hostile).
# Source it from bash after `cd` to the repository root.

# bench_cluster_env: exports the test control plane's KEY=VALUE lines ($KEELSON_TEST_DIR/env:
# KUBECTL, KUBECONFIG, ...); fails when there is no test cluster.
bench_cluster_env() {
  local env_file="${KEELSON_TEST_DIR:-/tmp/keelson-test-cluster}/env"
  [[ -f "${env_file}" ]] || { echo "no test cluster ($env_file): run test/cluster/up" >&2; return 1; }
  set -a
  # shellcheck disable=SC1090
  source "${env_file}"
  set +a
}

# bench_serve_pods NS PODS NODES: PODS pods p-0... in namespace NS, created once and spread by
# spec.nodeName over NODES kwok nodes bench-serve-0... (sized to hold them), plus one pod no node
# can take (NS/pending). Pods already there are kept, so later benchmarks reuse them.
bench_serve_pods() {
  local ns=$1 pods=$2 nodes=$3 have i chunks
  "$KUBECTL" get ns "$ns" >/dev/null 2>&1 || "$KUBECTL" create ns "$ns" >/dev/null
  for ((i = 0; i < nodes; i++)); do
    "$KUBECTL" get node "bench-serve-$i" >/dev/null 2>&1 ||
      test/cluster/add-node "bench-serve-$i" --cpu 1000 --memory 4000Gi --pods $((pods / nodes + 10)) >/dev/null
  done
  have=$("$KUBECTL" -n "$ns" get pods --no-headers 2>/dev/null | wc -l)
  if ((have < pods)); then
    echo "creating $((pods - have)) pods ..." >&2
    # Chunks of 500 pods in files, four kubectl processes at a time.
    chunks=$(mktemp -d)
    python3 - "$ns" "$pods" "$nodes" "$have" "$chunks" <<'PY'
import json, sys
ns, pods, nodes, have, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def pod(i):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"p-{i}", "namespace": ns, "labels": {"app": "bench", "shard": str(i % 50)}},
            "spec": {"nodeName": f"bench-serve-{i % nodes}",
                     "containers": [{"name": "app", "image": "registry.example.com/app:1",
                                     "env": [{"name": "MODE", "value": "bench"}],
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                                   "limits": {"memory": "256Mi"}}}]}}
for start in range(have, pods, 500):
    items = [pod(i) for i in range(start, min(pods, start + 500))]
    with open(f"{out}/pods-{start}.json", "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)
PY
    # Pods that already exist (an earlier, interrupted run) make kubectl complain; that is fine.
    bench_create_chunks "$chunks"
  fi
  "$KUBECTL" -n "$ns" get pod pending >/dev/null 2>&1 || "$KUBECTL" -n "$ns" run pending \
    --image=registry.example.com/app:1 --overrides='{"spec":{"containers":[{"name":"pending","image":"registry.example.com/app:1","resources":{"requests":{"cpu":"100000"}}}]}}' >/dev/null
  bench_settle "$ns"
}

# bench_serve_events NS PODS EVENTS: EVENTS Warning events ev-0... in namespace NS about the pods
# p-0... (spread over PODS pods), as in a namespace whose pods crash-loop. Created once; the API
# server deletes events after its --event-ttl (1 hour), so missing ones are created again.
bench_serve_events() {
  local ns=$1 pods=$2 events=$3 have chunks
  have=$("$KUBECTL" -n "$ns" get events --field-selector=reason=BenchBackOff --no-headers 2>/dev/null | wc -l)
  ((have >= events)) && return 0
  echo "creating $((events - have)) events ..." >&2
  chunks=$(mktemp -d)
  python3 - "$ns" "$pods" "$events" "$chunks" <<'PY'
import json, sys
ns, pods, events, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def event(i):
    pod = f"p-{i * 7919 % pods}"
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"ev-{i}", "namespace": ns},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": ns},
            "reason": "BenchBackOff", "type": "Warning", "count": 1,
            "message": f"Back-off restarting failed container app in pod {pod}",
            "source": {"component": "kubelet"}}
for start in range(0, events, 1000):
    items = [event(i) for i in range(start, min(events, start + 1000))]
    with open(f"{out}/events-{start}.json", "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)
PY
  # The events that still exist make kubectl complain; that is fine.
  bench_create_chunks "$chunks"
}

# bench_create_chunks DIR: `kubectl create -f` of every DIR/*.json, four at a time, ignoring
# objects that already exist; then removes DIR.
bench_create_chunks() {
  ls "$1"/*.json | xargs -P4 -I{} sh -c '"$KUBECTL" create -f "$1" >/dev/null 2>&1 || true' _ {}
  rm -rf "$1"
}

# bench_settle NS: waits (up to 10 minutes) until kwok has marked every pod of NS but `pending`
# Running. Until then it updates thousands of pod statuses, and the API server and etcd take
# the CPU the measurements share (a /describe p99 of 38 ms instead of 4 ms).
bench_settle() {
  local ns=$1 waiting i
  for ((i = 0; i < 120; i++)); do
    waiting=$("$KUBECTL" -n "$ns" get pods --field-selector=status.phase!=Running \
      --no-headers 2>/dev/null | grep -vc '^pending ' || true)
    ((waiting == 0)) && return 0
    ((i % 12 == 0)) && echo "waiting for $waiting pods to be Running ..." >&2
    sleep 5
  done
  echo "warning: $waiting pods of $ns are still not Running; measuring anyway" >&2
}

# bench_free_port: a free TCP port on 127.0.0.1.
bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_serve_start KEELSON LOG [ARGS...]: starts `KEELSON serve` on 127.0.0.1 and a free port
# over the test cluster, without host sampling, logging at warn to LOG, with ARGS added; waits up
# to 2 minutes for /readyz 200. Sets serve_pid and serve_port. The caller stops it
# (kill "$serve_pid", e.g. in an EXIT trap). With --authentication=none: every request reaches
# its handler (the worst case; with delegated access a caller without credentials costs a 401).
bench_serve_start() {
  local keelson=$1 log=$2 i
  shift 2
  serve_port=$(bench_free_port)
  LOG_LEVEL=warn "$keelson" serve --kubeconfig "$KUBECONFIG" --address 127.0.0.1 \
    --port "$serve_port" --no-host --authentication=none "$@" >"$log" 2>&1 &
  serve_pid=$!
  for ((i = 0; i < 600; i++)); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$serve_port/readyz")" == 200 ]] && return 0
    kill -0 "$serve_pid" 2>/dev/null || { echo "keelson serve exited; see $log" >&2; return 1; }
    sleep 0.2
  done
  echo "keelson serve not ready after 2 minutes; see $log" >&2
  return 1
}
