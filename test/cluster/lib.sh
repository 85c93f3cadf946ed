# shellcheck shell=bash
# Shared helpers for the test/cluster scripts. Sourced, never executed.

CLUSTER_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "${CLUSTER_SCRIPTS_DIR}/versions.sh"

KEELSON_CACHE="${KEELSON_CACHE:-${HOME}/.cache/keelson}"
KEELSON_TEST_DIR="${KEELSON_TEST_DIR:-/tmp/keelson-test-cluster}"

# Bump when the way binaries are built changes (flags, package list, ...).
BUILD_RECIPE=1

# Binaries produced by ./build, all placed in one bin/ directory.
CLUSTER_BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

log() { printf '[test-cluster] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Cache key: readable pins plus a hash over everything that determines the
# binaries (go.mod, go.sum, our etcd main, the build recipe number).
version_key() {
    local h
    h="$(
        cd "${CLUSTER_SCRIPTS_DIR}/gomod" &&
            {
                echo "recipe=${BUILD_RECIPE}"
                cat kubernetes/go.mod kubernetes/go.sum etcd/go.mod etcd/go.sum etcd/main.go kwok/go.mod kwok/go.sum
            } | sha256sum | cut -c1-12
    )"
    printf 'k8s-%s_etcd-%s_kwok-%s_%s' "${K8S_VERSION}" "${ETCD_VERSION}" "${KWOK_VERSION}" "${h}"
}

cluster_bin_dir() {
    printf '%s/test-cluster/%s/bin' "${KEELSON_CACHE}" "$(version_key)"
}

# metrics-server has its own cache key and directory, so adding or bumping it
# never invalidates the (expensive) control-plane binaries above.
METRICS_SERVER_RECIPE=1
metrics_server_version_key() {
    local h
    h="$(
        cd "${CLUSTER_SCRIPTS_DIR}/gomod" &&
            {
                echo "recipe=${METRICS_SERVER_RECIPE}"
                cat metrics-server/go.mod metrics-server/go.sum
            } | sha256sum | cut -c1-12
    )"
    printf 'metrics-server-%s_%s' "${METRICS_SERVER_VERSION}" "${h}"
}

metrics_server_bin_dir() {
    printf '%s/test-cluster/%s/bin' "${KEELSON_CACHE}" "$(metrics_server_version_key)"
}

metrics_server_cached() {
    local dir
    dir="$(metrics_server_bin_dir)"
    [[ -f "${dir}/.complete" && -x "${dir}/metrics-server" ]]
}

# helm and the Prometheus Operator CRDs, for the chart tests: their own cache key and directory
# too (bin/helm, crds/*.yaml), keyed on their go.mod and go.sum.
DEPLOY_TOOLS_RECIPE=1
deploy_tools_version_key() {
    local h
    h="$(
        cd "${CLUSTER_SCRIPTS_DIR}/gomod" &&
            {
                echo "recipe=${DEPLOY_TOOLS_RECIPE}"
                cat helm/go.mod helm/go.sum prometheus-operator/go.mod prometheus-operator/go.sum
            } | sha256sum | cut -c1-12
    )"
    printf 'helm-%s_prometheus-operator-%s_%s' "${HELM_VERSION}" "${PROMETHEUS_OPERATOR_VERSION}" "${h}"
}

deploy_tools_dir() {
    printf '%s/test-cluster/%s' "${KEELSON_CACHE}" "$(deploy_tools_version_key)"
}

# The CRDs deploy_tools_dir holds under crds/, by resource name (not the env file's
# PROMETHEUS_OPERATOR_CRDS, the directory, which sourcing a cluster's env sets).
PROMETHEUS_OPERATOR_CRD_RESOURCES=(servicemonitors podmonitors prometheusrules)

deploy_tools_cached() {
    local dir crd
    dir="$(deploy_tools_dir)"
    [[ -f "${dir}/.complete" && -x "${dir}/bin/helm" ]] || return 1
    for crd in "${PROMETHEUS_OPERATOR_CRD_RESOURCES[@]}"; do
        [[ -f "${dir}/crds/monitoring.coreos.com_${crd}.yaml" ]] || return 1
    done
}

# True when every binary exists in the cache (a marker is written last).
binaries_cached() {
    local dir
    dir="$(cluster_bin_dir)"
    [[ -f "${dir}/.complete" ]] || return 1
    local b
    for b in "${CLUSTER_BINARIES[@]}"; do
        [[ -x "${dir}/${b}" ]] || return 1
    done
}

# Prints N distinct free TCP ports on 127.0.0.1, one per line. All sockets are
# held open until every port is chosen, so they differ from each other; there
# is an unavoidable small race between choosing and the component binding.
free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print("\n".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# True if PID is alive (not a zombie) and runs the binary named NAME; guards
# against pid reuse and against dead components nobody has reaped yet.
is_ours() {
    local name="$1" pid="$2" exe
    [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
    exe="$(readlink "/proc/${pid}/exe" 2>/dev/null)" || return 1
    [[ "$(basename "${exe% (deleted)}")" == "${name}" ]]
}

# is_running PID: the process exists and has not exited (PID 1 here may leave zombies, so
# `kill -0` is not enough). Unlike is_ours it does not look at the executable, which right
# after launch may still be the shell or setsid that is about to exec the component.
is_running() {
    local pid="$1" stat
    [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
    stat="$(cat "/proc/${pid}/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat:0:1}" != "Z" && "${stat:0:1}" != "X" ]]
}

# Loads $KEELSON_TEST_DIR/env (KUBECTL, KUBECONFIG, ...) if present.
load_cluster_env() {
    local env_file="${KEELSON_TEST_DIR}/env"
    [[ -f "${env_file}" ]] || return 1
    # shellcheck source=/dev/null
    source "${env_file}"
}

# Same as load_cluster_env, but fails loudly; for helpers that need a cluster.
require_cluster() {
    load_cluster_env || die "no cluster found in ${KEELSON_TEST_DIR} (run test/cluster/up first)"
    [[ -x "${KUBECTL:-}" ]] || die "KUBECTL from ${KEELSON_TEST_DIR}/env is not executable"
    export KUBECONFIG
}

# Serialises up/down on one KEELSON_TEST_DIR (tests may call ./up from several
# processes at once). The lock is held on fd 8 until the script exits; child
# scripts inherit it through KEELSON_TEST_DIR_LOCKED.
lock_test_dir() {
    [[ -z "${KEELSON_TEST_DIR_LOCKED:-}" ]] || return 0
    mkdir -p "$(dirname "${KEELSON_TEST_DIR}")"
    exec 8>"${KEELSON_TEST_DIR}.lock"
    flock 8
    export KEELSON_TEST_DIR_LOCKED=1
}

kc() { "${KUBECTL}" --kubeconfig="${KUBECONFIG}" "$@"; }
