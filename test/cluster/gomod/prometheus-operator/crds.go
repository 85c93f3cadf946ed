//go:build crds

// Package crds keeps the Prometheus Operator API types in go.mod: test/cluster/build runs
// controller-gen over them to generate the ServiceMonitor, PodMonitor and PrometheusRule CRDs.
package crds

import _ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
