#!/usr/bin/env bash
# The showcase (what `make demo` runs): an echo server on the library (`nsys serve`) and the
# raw-epoll reference, a short series of `nsys bench` workloads against each (about 20 s in
# all), and a table of the results with the ratio ours / reference. Builds nothing.
#
#   scripts/demo.sh [BUILD_DIR]     # default: $DEMO_BUILD_DIR or build
#
# The build needs -DNETWORK_BUILD_BENCHMARKS=ON for the reference server and the table. For
# the full, longer measurement (medians of several rounds, micro-benchmarks): make bench.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${DEMO_BUILD_DIR:-$root/build}}
seconds=${DEMO_SECONDS:-2}
nsys=$build/tools/nsys/nsys
reference=$build/benchmarks/epoll_echo_server
report=$build/benchmarks/bench_report
for exe in "$nsys" "$reference" "$report"; do
  if [[ ! -x "$exe" ]]; then
    echo "demo: $exe is missing; build with -DNETWORK_BUILD_BENCHMARKS=ON (and tools on)." >&2
    exit 1
  fi
done

bold=""; dim=""; reset=""
if [[ -t 1 ]]; then bold=$'\e[1m'; dim=$'\e[2m'; reset=$'\e[0m'; fi
server_cpu=0
client_cpu=1
if (( $(nproc) < 2 )); then client_cpu=0; fi

tmp=$(mktemp -d)
declare -A pid=() port=()
cleanup() {
  for kind in "${!pid[@]}"; do kill -KILL "${pid[$kind]}" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

json_number() { { grep -o "\"$1\":[0-9.e+-]*" <<<"$2" || true; } | head -n1 | cut -d: -f2; }

start() {  # start ours|reference COMMAND...
  local kind=$1
  shift
  taskset -c "$server_cpu" "$@" >"$tmp/$kind.out" 2>"$tmp/$kind.err" &
  pid[$kind]=$!
  for _ in $(seq 100); do
    port[$kind]=$(grep -oE '(port=|listening on .*:)[0-9]+' "$tmp/$kind.out" |
                    grep -oE '[0-9]+$' || true)
    [[ -n "${port[$kind]}" ]] && return 0
    kill -0 "${pid[$kind]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: the $kind server did not start: $(cat "$tmp/$kind.err")" >&2
  exit 1
}

echo "${bold}network_system demo: TCP echo over loopback, the library vs the physical limit${reset}"
echo
echo "  ours:      nsys serve --threads 1   (messaging_server: sessions, framing, write queue)"
echo "  reference: epoll_echo_server        (a minimal raw-epoll loop, one thread)"
echo "  load:      nsys bench               (raw-epoll generator that checks every echo: --verify)"
echo "  server on CPU $server_cpu, generator on CPU $client_cpu;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
start ours "$nsys" serve --proto tcp --port 0 --bind 127.0.0.1 --threads 1
start reference "$reference" --port 0 --bind 127.0.0.1
echo "  nsys serve listening on 127.0.0.1:${port[ours]}, reference on 127.0.0.1:${port[reference]}"
echo

ids=(1 2 3 4)
declare -A title=(
  [1]="ping-pong, 1 conn, 64 B"
  [2]="pipelined W=256, 1 conn, 64 B"
  [3]="pipelined W=256, 64 conns, 1 KiB"
  [4]="connection rate (8 loops)"
)
declare -A args=(
  [1]="--conns 1 --window 1 --size 64"
  [2]="--conns 1 --window 256 --size 64"
  [3]="--conns 64 --window 256 --size 1024"
  [4]="--connect-rate --conns 8 --size 64"
)
records=$tmp/records.jsonl
: >"$records"
failed=0
for id in "${ids[@]}"; do
  echo "${bold}[$id/${#ids[@]}] ${title[$id]}${reset}" \
       " ${dim}(nsys bench ${args[$id]} --duration $seconds)${reset}"
  for kind in ours reference; do
    rc=0
    # shellcheck disable=SC2086
    out=$(timeout 30 taskset -c "$client_cpu" "$nsys" bench --proto tcp --port "${port[$kind]}" \
            --duration "$seconds" --warmup 0.3 --json --no-progress ${args[$id]} \
            2>"$tmp/bench.err") || rc=$?
    if [[ $rc -ne 0 || $out != \{* ]]; then
      echo "    $kind: nsys bench failed ($rc): $(cat "$tmp/bench.err") $out"
      failed=1
      out=${out:-'{"errors":1}'}
    fi
    printf '{"workload":"%s","server":"%s","round":1,"result":%s}\n' "$id" "$kind" "$out" \
      >>"$records"
    rate=$(json_number msg_per_s "$out"); unit="msg/s"
    [[ -n "$rate" ]] || { rate=$(json_number conn_per_s "$out"); unit="conn/s"; }
    printf '    %-10s %12.0f %-7s p50 %7.1f us   errors %s\n' "$kind" "${rate:-0}" "$unit" \
      "$(json_number p50 "$out")" "$(json_number errors "$out")"
  done
done

echo
echo "${bold}What nsys bench shows a person${reset} (64 conns x window 16 x 8 KiB, nsys serve):"
timeout 30 taskset -c "$client_cpu" "$nsys" bench --proto tcp --port "${port[ours]}" --conns 64 \
  --window 16 --size 8192 --duration "$seconds" || failed=1

kill -TERM "${pid[ours]}" "${pid[reference]}"
wait "${pid[ours]}" "${pid[reference]}" || true
pid=()
echo
echo "nsys serve stopped: $(grep '^summary:' "$tmp/ours.out" || echo '(no summary)')"
echo

cat >"$tmp/workloads.json" <<'EOF'
[
  {"id": "1", "title": "ping-pong, 1 conn, 64 B", "metric": "latency_p50",
   "target": {"kind": "max_ratio", "value": 1.05, "text": "p50 ≤ 1.05×"}},
  {"id": "2", "title": "pipelined W=256, 1 conn, 64 B", "metric": "msg_per_s",
   "target": {"kind": "min_ratio", "value": 0.9, "text": "≥ 0.9×"}},
  {"id": "3", "title": "pipelined W=256, 64 conns, 1 KiB", "metric": "msg_per_s",
   "target": {"kind": "min_ratio", "value": 0.95, "text": "≥ 0.95×"}},
  {"id": "4", "title": "connection rate (8 loops)", "metric": "conn_per_s",
   "target": {"kind": "none", "text": "(reported)"}}
]
EOF
cat >"$tmp/meta.json" <<EOF
{"title": "Demo results (one short run each; make bench measures properly)",
 "load_after": "$(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load average; read the ratios)"}
EOF
"$report" --workloads "$tmp/workloads.json" --records "$records" --meta "$tmp/meta.json"
echo
if (( failed )); then
  echo "demo: some runs failed (see above)" >&2
  exit 1
fi
echo "demo: done. Try it yourself:"
echo "  $nsys serve --port 5555 &"
echo "  $nsys bench --port 5555 --conns 8 --window 32"
