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
# Variables (make VAR=value): BUILD_TYPE, JOBS, CTEST_JOBS, CTEST_ARGS, FUZZ_SECONDS.

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

BUILD_DIR := build
ASAN_DIR  := build-asan
TSAN_DIR  := build-tsan
FUZZ_DIR  := build-fuzz
BENCH_DIR := build-bench
FUZZ_RUN  := fuzz-corpus-run

CMAKE_COMMON := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
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
	cmake -S . -B $(ASAN_DIR) $(CMAKE_COMMON) -DNETWORK_SANITIZE=address,undefined \
	  -DNETWORK_BUILD_TESTS=ON -DNETWORK_BUILD_SAMPLES=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ctest --test-dir $(ASAN_DIR) $(CTEST_COMMON)

tsan: deps
	cmake -S . -B $(TSAN_DIR) $(CMAKE_COMMON) -DNETWORK_SANITIZE=thread \
	  -DNETWORK_BUILD_TESTS=ON -DNETWORK_BUILD_SAMPLES=OFF -DNETWORK_BUILD_TOOLS=OFF
	cmake --build $(TSAN_DIR) -j $(JOBS)
	ctest --test-dir $(TSAN_DIR) -L integration $(CTEST_COMMON)

# fuzz/CMakeLists.txt instruments the library for coverage and ASan+UBSan. Every executable
# named *_fuzz under build-fuzz/fuzz/ runs on a scratch copy of its seed corpus (fuzz/corpus/
# <target>/ or fuzz/corpus/<target without _fuzz>/, left untouched); crashes are written to
# fuzz-corpus-run/<target>/artifacts/.
fuzz: deps
	cmake -S . -B $(FUZZ_DIR) $(CMAKE_COMMON) \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DNETWORK_BUILD_FUZZERS=ON -DNETWORK_BUILD_TESTS=OFF -DNETWORK_BUILD_SAMPLES=OFF \
	  -DNETWORK_BUILD_TOOLS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	@targets=$$(find $(FUZZ_DIR)/fuzz -maxdepth 2 -type f -name '*_fuzz' -perm -u+x | sort); \
	if [[ -z "$$targets" ]]; then \
	  echo "fuzz: no *_fuzz executable under $(FUZZ_DIR)/fuzz" >&2; exit 1; \
	fi; \
	for bin in $$targets; do \
	  name=$$(basename "$$bin"); \
	  work=$(FUZZ_RUN)/$$name; rm -rf "$$work"; mkdir -p "$$work/corpus" "$$work/artifacts"; \
	  for seeds in fuzz/corpus/$$name fuzz/corpus/$${name%_fuzz}; do \
	    if [[ -d $$seeds ]]; then cp -r "$$seeds/." "$$work/corpus/"; break; fi; \
	  done; \
	  dict=(); for d in fuzz/$$name.dict fuzz/$${name%_fuzz}.dict; do \
	    if [[ -f $$d ]]; then dict=(-dict=$$d); break; fi; \
	  done; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS) s ($$(ls "$$work/corpus" | wc -l) seed inputs)"; \
	  "$$bin" "$${dict[@]}" -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$$work/artifacts/" "$$work/corpus" \
	    > "$$work/log.txt" 2>&1 || { tail -n 60 "$$work/log.txt"; \
	      echo "fuzz: $$name FAILED; inputs in $$work/artifacts/" >&2; exit 1; }; \
	  grep -E '^(Done [0-9]+ runs|stat::peak_rss_mb)' "$$work/log.txt" || true; \
	  echo "fuzz: $$name passed"; \
	done

bench-build: deps
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DNETWORK_ENABLE_LTO=ON \
	  -DNETWORK_BUILD_BENCHMARKS=ON -DNETWORK_BUILD_TESTS=OFF -DNETWORK_BUILD_SAMPLES=OFF
	cmake --build $(BENCH_DIR) -j $(JOBS)

bench: bench-build
	scripts/bench.sh $(BENCH_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR) $(BENCH_DIR) $(FUZZ_RUN)
