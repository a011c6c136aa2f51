# network_system: one entry point for building, testing and the demo.
#
#   make demo       install deps, build, run the showcase: nsys serve vs the raw-epoll reference
#                   under a short series of nsys bench workloads, with a table of ratios
#   make test       install deps, configure, build, run every test (ctest)
#   make sanitize   the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan       the integration tests under ThreadSanitizer
#   make fuzz       build the libFuzzer targets with clang-14, run each for FUZZ_SECONDS
#   make bench      loopback benchmarks against the raw-epoll, raw-UDP and openssl s_server
#                   references (about 5 minutes after the build);
#                   writes bench-results/ and prints the table with ratios
#   make clean      remove every build tree
#
# Variables (make VAR=value): BUILD_TYPE, JOBS, CTEST_JOBS, CTEST_ARGS, FUZZ_SECONDS, FUZZ_JOBS.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

BUILD_TYPE   ?= RelWithDebInfo
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
# Integration tests open many sockets and threads; at most two test processes at a time.
CTEST_JOBS   ?= 2
# Extra ctest arguments, e.g. CTEST_ARGS='-R framing'.
CTEST_ARGS   ?=
FUZZ_SECONDS ?= 30
FUZZ_JOBS    ?= $(JOBS)

BUILD_DIR := build
ASAN_DIR  := build-asan
TSAN_DIR  := build-tsan
FUZZ_DIR  := build-fuzz
BENCH_DIR := build-bench
FUZZ_RUN  := fuzz-corpus-run

CMAKE_COMMON := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
# Sanitizer trees: -O1 (what the ASan and TSan manuals advise) and line tables only (-g1: file
# and line in every report). They compile in about half the time of -O2 -g, which keeps CI
# within its budget as the code grows.
SAN_FLAGS := -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O1 -g1 -DNDEBUG' \
             -DCMAKE_C_FLAGS_RELWITHDEBINFO='-O1 -g1 -DNDEBUG'
CTEST_COMMON := --output-on-failure --timeout 600 -j $(CTEST_JOBS) $(CTEST_ARGS)

export ASAN_OPTIONS  ?= detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS  ?= halt_on_error=1:second_deadlock_stack=1

.PHONY: deps configure build test demo sanitize tsan fuzz bench-build bench clean

deps:
	@scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_COMMON) \
	  -DNETWORK_BUILD_TESTS=ON -DNETWORK_BUILD_SAMPLES=ON

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) $(CTEST_COMMON)

# The showcase: nsys serve (the library) and the raw-epoll reference under a short series of
# nsys bench workloads, with a table of ratios (scripts/demo.sh; about 30 s after the build).
# Uses the optimised benchmark tree that make bench uses.
demo: bench-build
	scripts/demo.sh $(BENCH_DIR)

sanitize: deps
	cmake -S . -B $(ASAN_DIR) $(CMAKE_COMMON) $(SAN_FLAGS) -DNETWORK_SANITIZE=address,undefined \
	  -DNETWORK_BUILD_TESTS=ON -DNETWORK_BUILD_SAMPLES=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ctest --test-dir $(ASAN_DIR) $(CTEST_COMMON)

tsan: deps
	cmake -S . -B $(TSAN_DIR) $(CMAKE_COMMON) $(SAN_FLAGS) -DNETWORK_SANITIZE=thread \
	  -DNETWORK_BUILD_TESTS=ON -DNETWORK_BUILD_SAMPLES=OFF -DNETWORK_BUILD_TOOLS=OFF
	cmake --build $(TSAN_DIR) -j $(JOBS)
	ctest --test-dir $(TSAN_DIR) -L integration $(CTEST_COMMON)

# fuzz/CMakeLists.txt instruments the library for coverage and ASan+UBSan. Every executable
# named *_fuzz under build-fuzz/fuzz/ runs for FUZZ_SECONDS, FUZZ_JOBS at a time, on a scratch
# copy of its seed corpus (scripts/run-fuzzers.sh); crashes are written to
# fuzz-corpus-run/<target>/artifacts/.
fuzz: deps
	cmake -S . -B $(FUZZ_DIR) $(CMAKE_COMMON) \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DNETWORK_BUILD_FUZZERS=ON -DNETWORK_BUILD_TESTS=OFF -DNETWORK_BUILD_SAMPLES=OFF \
	  -DNETWORK_BUILD_TOOLS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	scripts/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_RUN) $(FUZZ_SECONDS) $(FUZZ_JOBS)

bench-build: deps
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DNETWORK_ENABLE_LTO=ON \
	  -DNETWORK_BUILD_BENCHMARKS=ON -DNETWORK_BUILD_TESTS=OFF -DNETWORK_BUILD_SAMPLES=OFF
	cmake --build $(BENCH_DIR) -j $(JOBS)

bench: bench-build
	scripts/bench.sh $(BENCH_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR) $(BENCH_DIR) $(FUZZ_RUN)
