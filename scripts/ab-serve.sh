#!/usr/bin/env bash
# A/B of two `nsys serve` builds (for example the commit before a change and after it) on the
# TCP workloads 1-5 of make bench, and T1-like TLS upload: each round runs A then B (order
# alternating), server pinned to CPU 0, load generator (the newer nsys bench) to CPU 1, and the
# ratio B / A is the median of the per-round ratios (SPEC §10: the same run, drift cancels).
#
#   scripts/ab-serve.sh NSYS_A NSYS_B [ROUNDS (3)] [SECONDS (3)]
#
# Prints one line per workload: msg/s (or p50 for workload 1) of A and B and the ratio B/A.
set -euo pipefail

a=${1:?usage: $0 NSYS_A NSYS_B [ROUNDS] [SECONDS]}
b=${2:?usage: $0 NSYS_A NSYS_B [ROUNDS] [SECONDS]}
rounds=${3:-3}
seconds=${4:-3}
gen=$b  # the generator: B's nsys bench

tmp=$(mktemp -d)
pid=""
cleanup() { [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start_server() {  # start_server NSYS -> sets pid, port
  : >"$tmp/serve.out"
  taskset -c 0 "$1" serve --proto tcp --port 0 --bind 127.0.0.1 --threads 1 >"$tmp/serve.out" 2>/dev/null &
  pid=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$tmp/serve.out" && break
    sleep 0.05
  done
  port=$(grep -o "listening on [^ ]*" "$tmp/serve.out" | sed 's/.*://')
}
stop_server() { kill -INT "$pid"; wait "$pid" || true; pid=""; }

# measure NSYS ARGS... -> prints msg/s (or p50 µs with --window 1)
measure() {
  local server=$1; shift
  start_server "$server"
  taskset -c 1 "$gen" bench --proto tcp --port "$port" --duration "$seconds" --warmup 0.5 --json "$@" \
    >"$tmp/bench.json"
  stop_server
  python3 - "$tmp/bench.json" "$*" <<'EOF'
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
if d.get("errors", 0):
    sys.exit("echo errors: %s" % d["errors"])
if "--window 1 " in sys.argv[2] + " ":
    print(d["latency_us"]["p50"])
else:
    print(d["msg_per_s"])
EOF
}

declare -a names=("1 ping-pong 64 B" "2 W=256 1 conn 64 B" "3 W=256 64 conns 64 B"
                  "4 W=256 64 conns 1 KiB" "5 W=16 64 conns 8 KiB")
declare -a args=("--conns 1 --window 1 --size 64" "--conns 1 --window 256 --size 64"
                 "--conns 64 --window 256 --size 64" "--conns 64 --window 256 --size 1024"
                 "--conns 64 --window 16 --size 8192")
for i in "${!names[@]}"; do
  ratios=()
  va=() vb=()
  for r in $(seq "$rounds"); do
    if (( r % 2 )); then
      x=$(measure "$a" ${args[$i]}); y=$(measure "$b" ${args[$i]})
    else
      y=$(measure "$b" ${args[$i]}); x=$(measure "$a" ${args[$i]})
    fi
    va+=("$x"); vb+=("$y")
    ratios+=("$(python3 -c "print(round($y/$x, 3))")")
  done
  python3 - "${names[$i]}" "${va[*]}" "${vb[*]}" "${ratios[*]}" <<'EOF'
import statistics, sys
name, va, vb, rs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4].split()
unit = "p50 us" if name.startswith("1 ") else "msg/s"
print(f"{name:26s} A {statistics.median(map(float, va)):>12.1f}  B {statistics.median(map(float, vb)):>12.1f} "
      f"{unit}  B/A {statistics.median(map(float, rs)):.3f}  (rounds {' '.join(rs)})")
EOF
done
