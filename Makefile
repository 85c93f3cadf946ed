# keelson: `make run` shows this machine (and the cluster in $KUBECONFIG); `make test` proves it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# make build/run use PRESET (dev: no test hooks); the test targets use their own presets (test,
# asan, tsan), which compile the test hooks (serve --test-handler-delay) the tests exercise.
PRESET ?= dev
TEST_PRESET ?= test
BUILD_DIR := build/$(PRESET)
KEELSON := $(BUILD_DIR)/src/cli/keelson
JOBS ?= $(shell nproc)
export KEELSON_TEST_DIR ?= /tmp/keelson-test-cluster

.PHONY: bootstrap configure build run test test-asan test-unit lint format cluster-up cluster-down bench clean

bootstrap:
	scripts/bootstrap

configure:
	cmake --preset $(PRESET) >/dev/null

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

# One snapshot of this machine, and of the cluster in $KUBECONFIG when it is set.
run: bootstrap build
	@if [ -n "$${KUBECONFIG:-}" ]; then \
	  $(KEELSON) capture; \
	else \
	  echo "KUBECONFIG is not set: host only (keelson capture needs a cluster)"; \
	  $(KEELSON) host; \
	fi

# Every test: unit, fuzz seeds, and integration tests against a real control plane and glusterd.
# Built in the test preset (build/test), which has the test hooks.
test: bootstrap
	$(MAKE) build PRESET=$(TEST_PRESET)
	test/cluster/build
	test/cluster/up
	trap 'test/cluster/down' EXIT; \
	  ctest --preset $(TEST_PRESET) -j $(JOBS) --timeout 900

# Unit tests and fuzz seeds under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: bootstrap
	$(MAKE) build PRESET=asan
	ctest --preset asan -j $(JOBS) -L 'unit|fuzz' --timeout 900

test-unit: bootstrap
	$(MAKE) build PRESET=$(TEST_PRESET)
	ctest --preset $(TEST_PRESET) -j $(JOBS) -L 'unit|fuzz'

lint:
	git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

cluster-up:
	test/cluster/up

cluster-down:
	test/cluster/down

bench:
	$(MAKE) build PRESET=release
	bench/run

clean:
	rm -rf build
