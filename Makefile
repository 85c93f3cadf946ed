# keelson: `make run` shows this machine (and the cluster in $KUBECONFIG); `make test` proves it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# make build/run use PRESET (dev: keelson only, no tests, no test hooks); the test targets use
# their own presets (test, asan, tsan), which compile the tests and the test hooks (serve
# --test-handler-delay) they exercise. `run` installs only what it needs (scripts/bootstrap run),
# the test targets the test dependencies too (scripts/bootstrap test).
PRESET ?= dev
TEST_PRESET ?= test
BUILD_DIR := build/$(PRESET)
KEELSON := $(BUILD_DIR)/src/cli/keelson
JOBS ?= $(shell nproc)
export KEELSON_TEST_DIR ?= /tmp/keelson-test-cluster

.PHONY: bootstrap bootstrap-run bootstrap-image bootstrap-test configure build run image test \
	test-asan test-tsan test-soak test-unit fuzz lint format cluster-up cluster-down bench clean

bootstrap:
	scripts/bootstrap all

bootstrap-run:
	scripts/bootstrap run

bootstrap-image:
	scripts/bootstrap image

bootstrap-test:
	scripts/bootstrap test

configure:
	cmake --preset $(PRESET) >/dev/null

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

# One snapshot of this machine, and of the cluster in $KUBECONFIG when it is set. Builds only
# the keelson binary, not the tests.
run: bootstrap-run configure
	cmake --build --preset $(PRESET) -j $(JOBS) --target keelson
	@if [ -n "$${KUBECONFIG:-}" ]; then \
	  $(KEELSON) capture; \
	else \
	  echo "KUBECONFIG is not set: host only (keelson capture needs a cluster)"; \
	  $(KEELSON) host; \
	fi

# The container image as an OCI archive, build/image/keelson-oci.tar, without a container engine
# (scripts/build-image: mmdebstrap and umoci; deploy/Dockerfile builds the same with docker).
image: bootstrap-image
	scripts/build-image

# Every test: unit, fuzz seeds, and integration tests against a real control plane and glusterd.
# Built in the test preset (build/test), which has the test hooks.
test: bootstrap-test
	$(MAKE) build PRESET=$(TEST_PRESET)
	test/cluster/build
	test/cluster/up
	trap 'test/cluster/down' EXIT; \
	  ctest --preset $(TEST_PRESET) -j $(JOBS) --timeout 900

# Unit tests and fuzz seeds under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: bootstrap-test
	$(MAKE) build PRESET=asan
	ctest --preset asan -j $(JOBS) -L 'unit|fuzz' --timeout 900

# The unit suites that run threads (server, informer and cluster cache, serve, process runner,
# statvfs prober, history store), labelled `tsan` in their CMakeLists, under ThreadSanitizer.
# Builds only those executables (target tests_tsan).
test-tsan: bootstrap-test
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS) --target tests_tsan
	ctest --preset tsan -j $(JOBS) -L tsan --timeout 900

# Each libFuzzer target (the fuzz preset: clang, keelson's libraries instrumented for coverage,
# ASan+UBSan) for FUZZ_SECONDS on its seed corpus, which it only reads (new inputs go to
# build/fuzz/fuzz-corpus/). A crash leaves its input as build/fuzz/crash-<target>-*.
FUZZ_SECONDS ?= 10
fuzz: bootstrap-test
	cmake --preset fuzz -DKEELSON_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzz_targets
	ctest --preset fuzz -j $(JOBS) -L fuzz_run

# keelson serve under ASan+UBSan and under TSan, 60 s each, while pods churn and every route and
# /metrics are requested concurrently (tests/soak/serve_churn). Builds only the keelson binary in
# each preset; the test cluster is its own (KEELSON_TEST_DIR=$(SOAK_TEST_DIR)).
SOAK_TEST_DIR ?= /tmp/keelson-soak-cluster
test-soak: bootstrap-test
	test/cluster/build
	for p in asan tsan; do \
	  cmake --preset $$p >/dev/null && cmake --build --preset $$p -j $(JOBS) --target keelson; \
	done
	KEELSON_TEST_DIR=$(SOAK_TEST_DIR) tests/soak/serve_churn

test-unit: bootstrap-test
	$(MAKE) build PRESET=$(TEST_PRESET)
	ctest --preset $(TEST_PRESET) -j $(JOBS) -L 'unit|fuzz'

# Formatting, and the layering of ../shared/DESIGN.md: no module includes one above it.
lint:
	git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror
	scripts/check-layers

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

cluster-up:
	test/cluster/up

cluster-down:
	test/cluster/down

bench: bootstrap-test
	$(MAKE) build PRESET=release
	bench/run

clean:
	rm -rf build
