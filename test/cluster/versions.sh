# shellcheck shell=bash
# shellcheck disable=SC2034  # consumed by the scripts that source this file
# Pinned upstream versions for the integration-test control plane.
# After changing any of these, run ./update-gomod to regenerate the go.mod /
# go.sum files under gomod/ (and commit them). The binary cache key is derived
# from those files, so a change here automatically triggers a rebuild.
K8S_VERSION=v1.36.3     # k8s.io/kubernetes: kube-apiserver, -controller-manager, -scheduler, kubectl
ETCD_VERSION=v3.6.16    # go.etcd.io/etcd/server/v3 (etcd main is etcdmain.Main)
KWOK_VERSION=v0.8.0     # sigs.k8s.io/kwok/cmd/kwok
METRICS_SERVER_VERSION=v0.9.0   # sigs.k8s.io/metrics-server/cmd/metrics-server (serves metrics.k8s.io)
