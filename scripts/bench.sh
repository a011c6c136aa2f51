#!/usr/bin/env bash
# The loopback benchmarks of issues 3 and 4 (what `make bench` runs). Builds nothing: it expects a
# build tree configured with -DCMAKE_BUILD_TYPE=Release -DNETWORK_ENABLE_LTO=ON
# -DNETWORK_BUILD_BENCHMARKS=ON.
#
#   scripts/bench.sh [BUILD_DIR]          # default: $BENCH_BUILD_DIR or build-bench
#
# Every workload runs against our echo server (A: `nsys serve --threads 1`, the library's
# messaging_server) and the reference (B: benchmarks/reference/epoll_echo_server, raw epoll, one
# thread), alternating A/B round by round, server pinned to CPU 0 and load generator (`nsys
# bench`, raw epoll, one thread) to CPU 1. Results are ratios ours / reference from the same run
# (SPEC §10): this machine is shared and absolute numbers drift. Workload U1 is UDP: `nsys serve
# --proto udp` (messaging_udp_server) against benchmarks/reference/udp_echo_server (recvmmsg a
# batch, sendmmsg it back), loaded by `nsys bench --proto udp` (recvmmsg/sendmmsg, one thread).
#
# Generator check (issue 8): in each round of workloads 3 and 4, benchmarks/reference/
# frame_count_client (raw epoll, one thread, counts frames and checks their length headers only)
# also loads the reference, next to nsys bench's run against it (order alternating). nsys bench
# passes when it drives the reference to at least 0.95x of what that plain client does: then it
# is not the limit of what it measures.
#
# HTTP/1.1 (issue 9), the H rows: wrk -t1 -c64 on GET /hello against our server (`nsys serve
# --proto http --threads 1`) and nginx (one worker, the same body), server on CPU 0 and wrk on
# CPU 1, alternating round by round: H1 one request in flight per connection, H2 16-deep
# pipelining (a wrk Lua script written to a temp file). Target: >= 1.2x nginx's req/s with a p99
# no worse than nginx's (wrk --latency). While `nsys serve --proto http` does not start (it must
# print "listening on" within 10 s) the ours column says n/a; BENCH_HTTP_OURS=nginx puts a
# second nginx in its place, a self-check of the rows (the ratios should be about 1). H3 is the
# generator check of SPEC §10 for HTTP: `nsys bench --proto http` (-c64, depth 1 and 16) and wrk
# both load nginx in the same round; a row says so when nsys bench drives nginx to less than
# wrk does.
#
# Writes bench-results/<stamp>.{json,md} and bench-results/latest.{json,md}, prints the table.
# Exit code 1 when an echo was lost or corrupted (the figures would mean nothing; UDP datagrams
# lost are reported in the table, not failed: UDP may drop); missed performance targets are
# reported, not failed (BENCH_STRICT=1 fails on them too).
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_SECONDS per run (4), BENCH_WARMUP (0.5),
# BENCH_IDLE_CONNS (10000), BENCH_IDLE_ROUNDS (2), BENCH_MICRO_MIN_TIME (0.2), BENCH_OUT_DIR,
# BENCH_ONLY (all; http: the H rows alone, which need only nsys, nginx and wrk),
# BENCH_HTTP_OURS (nsys; nginx: the self-check above).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${BENCH_BUILD_DIR:-$root/build-bench}}
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-4}
warmup=${BENCH_WARMUP:-0.5}
idle_conns=${BENCH_IDLE_CONNS:-10000}
idle_rounds=${BENCH_IDLE_ROUNDS:-2}
micro_min_time=${BENCH_MICRO_MIN_TIME:-0.2}
out_dir=${BENCH_OUT_DIR:-$root/bench-results}
only=${BENCH_ONLY:-all}
http_ours=${BENCH_HTTP_OURS:-nsys}
case $only in all | http) ;; *) echo "bench: BENCH_ONLY is all or http, not '$only'" >&2; exit 2 ;; esac
case $http_ours in nsys | nginx) ;; *) echo "bench: BENCH_HTTP_OURS is nsys or nginx" >&2; exit 2 ;; esac

nsys=$build/tools/nsys/nsys
reference=$build/benchmarks/epoll_echo_server
udp_reference=$build/benchmarks/udp_echo_server
frame_count=$build/benchmarks/frame_count_client
micro=$build/benchmarks/micro_benchmarks
report=$build/benchmarks/bench_report
needed=("$nsys")
[[ $only == all ]] && needed+=("$reference" "$udp_reference" "$frame_count" "$micro" "$report")
for exe in "${needed[@]}"; do
  if [[ ! -x "$exe" ]]; then
    echo "bench: $exe is missing. Configure and build first:" >&2
    echo "  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DNETWORK_ENABLE_LTO=ON \\" >&2
    echo "    -DNETWORK_BUILD_BENCHMARKS=ON -DNETWORK_BUILD_TESTS=OFF" >&2
    echo "  cmake --build build-bench" >&2
    exit 1
  fi
done

# Server on CPU 0, generator on CPU 1; on a single-CPU machine both share CPU 0 (said in the table).
server_cpu=0
client_cpu=1
if (( $(nproc) < 2 )); then client_cpu=0; fi
# 10,000 idle connections need 10,000 descriptors on each side (separate processes).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < idle_conns + 100 )); then
  echo "bench: descriptor limit $(ulimit -n) < $idle_conns idle connections; using fewer" >&2
  idle_conns=$(( $(ulimit -n) - 100 ))
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
tmp=$(mktemp -d)
records=$tmp/records.jsonl
: >"$records"
declare -A srv_pid=() srv_port=()
errors_seen=0

cleanup() {
  # TERM first: nginx's master takes its worker with it then (SIGKILL would leave it running).
  for kind in "${!srv_pid[@]}"; do
    kill -TERM "${srv_pid[$kind]}" 2>/dev/null || true
  done
  for _ in $(seq 20); do
    local left=0
    for kind in "${!srv_pid[@]}"; do kill -0 "${srv_pid[$kind]}" 2>/dev/null && left=1; done
    (( left )) || break
    sleep 0.1
  done
  for kind in "${!srv_pid[@]}"; do
    kill -KILL "${srv_pid[$kind]}" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }

json_number() {  # json_number KEY JSON -> the first numeric value of "KEY"
  { grep -o "\"$1\":[0-9.e+-]*" <<<"$2" || true; } | head -n1 | cut -d: -f2
}

# Server kinds: ours, reference (TCP); ours-udp, reference-udp (UDP); ours-tls, reference-tls
# (TLS: nsys serve --proto tls --sink, and openssl s_server). The records name the side only
# (ours / reference); the workload says which protocol.
side_of() { local k=${1%-udp}; k=${k%-http}; echo "${k%-tls}"; }
proto_of() {
  case $1 in *-udp) echo udp ;; *-tls) echo tls ;; *-http) echo http ;; *) echo tcp ;; esac
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# The TLS workloads use one suite on both sides, chosen by the client.
tls_suite=TLS_AES_128_GCM_SHA256
certs=$tmp/certs

# start_server KIND: starts it pinned to the server CPU; sets srv_pid/srv_port.
start_server() {
  local kind=$1 log=$tmp/$1.out
  case $kind in
    ours)
      taskset -c "$server_cpu" "$nsys" serve --proto tcp --port 0 --bind 127.0.0.1 --threads 1 \
        --max-connections 20000 >"$log" 2>"$tmp/$kind.err" & ;;
    reference)
      taskset -c "$server_cpu" "$reference" --port 0 --bind 127.0.0.1 >"$log" \
        2>"$tmp/$kind.err" & ;;
    ours-udp)
      taskset -c "$server_cpu" "$nsys" serve --proto udp --port 0 --bind 127.0.0.1 --threads 1 \
        >"$log" 2>"$tmp/$kind.err" & ;;
    reference-udp)
      taskset -c "$server_cpu" "$udp_reference" --port 0 --bind 127.0.0.1 >"$log" \
        2>"$tmp/$kind.err" & ;;
    ours-tls)
      taskset -c "$server_cpu" "$nsys" serve --proto tls --port 0 --bind 127.0.0.1 --threads 1 \
        --sink --framing raw --cert "$certs/server.pem" --key "$certs/server.key" >"$log" \
        2>"$tmp/$kind.err" & ;;
    reference-tls)
      # s_server polls stdin next to the socket: a stdin at EOF would make it spin, so it gets
      # a FIFO that never delivers. It writes what it receives to stdout (/dev/null).
      local p
      p=$(free_port)
      rm -f "$tmp/s_server.in"
      mkfifo "$tmp/s_server.in"
      exec {fifo_fd}<>"$tmp/s_server.in"
      taskset -c "$server_cpu" openssl s_server -accept "127.0.0.1:$p" -quiet \
        -cert "$certs/server.pem" -key "$certs/server.key" <&"$fifo_fd" >/dev/null \
        2>"$tmp/$kind.err" &
      exec {fifo_fd}>&-
      for _ in $(seq 100); do
        ss -Hltn "sport = :$p" | grep -q . && break
        sleep 0.1
      done
      echo "listening on 127.0.0.1:$p" >"$log" ;;
  esac
  srv_pid[$kind]=$!
  local port=""
  for _ in $(seq 100); do
    port=$(grep -oE '(port=|listening on .*:)[0-9]+' "$log" 2>/dev/null | grep -oE '[0-9]+$' ||
             true)
    [[ -n "$port" ]] && break
    if ! kill -0 "${srv_pid[$kind]}" 2>/dev/null; then
      say "bench: $kind server died: $(cat "$tmp/$kind.err")"
      exit 1
    fi
    sleep 0.1
  done
  [[ -n "$port" ]] || { say "bench: $kind server printed no port within 10 s"; exit 1; }
  srv_port[$kind]=$port
}

# check_alive KIND: a server that died makes every later figure meaningless: say how it ended
# (exit code; 128 + N for signal N) and stop the run.
check_alive() {
  local kind=$1 pid=${srv_pid[$1]} rc=0
  kill -0 "$pid" 2>/dev/null && return 0
  wait "$pid" || rc=$?
  unset "srv_pid[$kind]"
  say "bench: the $kind server (pid $pid) died with exit code $rc: $(tail -5 "$tmp/$kind.err")"
  exit 1
}

stop_server() {
  local kind=$1 pid=${srv_pid[$1]}
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "srv_pid[$kind]"
  if [[ $(side_of "$kind") == ours ]] && ! [[ $kind == ours-http && $http_ours == nginx ]]; then
    local summary
    summary=$(grep '^summary:' "$tmp/$kind.out" || echo "summary: (none)")
    say "    nsys serve $summary"
  fi
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# record WORKLOAD SERVER ROUND EXTRA_JSON RESULT_JSON
record() {
  local result=${5:-}
  [[ $result == \{* ]] || result='{"errors":1,"error_samples":["nsys bench gave no result"]}'
  printf '{"workload":"%s","server":"%s","round":%d%s,"result":%s}\n' \
    "$1" "$2" "$3" "$4" "$result" >>"$records"
  local errors
  errors=$(json_number errors "$result")
  if [[ ${errors:-1} != 0 ]]; then
    errors_seen=1
    say "    ERRORS: $(grep -o '"error_samples":\[[^]]*\]' <<<"$result" || true)"
  fi
}

# run_echo ID SERVER_KIND ROUND ARGS...: one nsys bench run, recorded.
run_echo() {
  local id=$1 kind=$2 round=$3
  shift 3
  local limit
  limit=$(awk -v s="$seconds" -v w="$warmup" 'BEGIN {printf "%d", s + w + 30}')
  local out rc=0
  out=$(timeout "$limit" taskset -c "$client_cpu" "$nsys" bench --proto "$(proto_of "$kind")" \
          --host 127.0.0.1 \
          --port "${srv_port[$kind]}" --duration "$seconds" --warmup "$warmup" --json \
          --no-progress "$@" 2>"$tmp/bench.err") || rc=$?
  [[ $rc -eq 0 ]] || say "    nsys bench exited $rc: $(cat "$tmp/bench.err")"
  check_alive "$kind"
  record "$id" "$(side_of "$kind")" "$round" "" "$out"
  last_result=$out
  local rate p50 lost
  rate=$(json_number msg_per_s "$out"); [[ -n "$rate" ]] || rate=$(json_number conn_per_s "$out")
  [[ -n "$rate" ]] || rate=$(json_number chunks "$out")  # upload: chunks written
  p50=$(json_number p50 "$out")
  lost=$(json_number lost "$out")
  printf '  w%s round %d/%d %-13s %12.0f /s   p50 %8.1f us%s\n' "$id" "$round" "$rounds" \
    "$kind" "${rate:-0}" "${p50:-0}" "${lost:+   lost $lost}" >&2
}

# run_frame_count ID ROUND ARGS...: one frame_count_client run against the reference (the
# generator check of workload ID), recorded with nsys bench's run against the reference of the
# same round (left in $last_result) as workload G<ID>.
run_frame_count() {
  local id=$1 round=$2
  shift 2
  local out rc=0
  out=$(timeout $(( seconds + 30 )) taskset -c "$client_cpu" "$frame_count" --host 127.0.0.1 \
          --port "${srv_port[reference]}" --duration "$seconds" --warmup "$warmup" --json "$@" \
          2>"$tmp/frame_count.err") || rc=$?
  [[ $rc -eq 0 ]] || say "    frame_count_client exited $rc: $(cat "$tmp/frame_count.err")"
  check_alive reference
  record "G$id" frame_count_client "$round" "" "$out"
  printf '  w%s round %d/%d %-13s %12.0f /s   (frame_count_client -> reference)\n' "$id" \
    "$round" "$rounds" "generator" "$(json_number msg_per_s "$out")" >&2
}

# run_rounds ID ARGS...: the A/B rounds of one workload against the servers in $pair. With
# check_generator=1, also the generator check (run_frame_count) next to the reference's run.
run_rounds() {
  local id=$1 r kind
  shift
  for (( r = 1; r <= rounds; r++ )); do
    # A then B on odd rounds, B then A on even ones, so that drift hits both alike.
    local order=$pair
    (( r % 2 == 0 )) && order="${pair#* } ${pair% *}"
    for kind in $order; do
      # The plain client runs after nsys bench on odd rounds, before it on even ones.
      if (( check_generator && r % 2 == 0 )) && [[ $kind == reference ]]; then
        # shellcheck disable=SC2046
        run_frame_count "$id" "$r" $(frame_count_args "$@")
      fi
      run_echo "$id" "$kind" "$r" "$@"
      if [[ $kind == reference ]] && (( check_generator )); then
        record "G$id" nsys_bench "$r" "" "$last_result"
        if (( r % 2 == 1 )); then
          # shellcheck disable=SC2046
          run_frame_count "$id" "$r" $(frame_count_args "$@")
        fi
      fi
    done
  done
}

# frame_count_args ARGS...: the --conns/--window/--size of an nsys bench command line.
frame_count_args() {
  while (( $# > 0 )); do
    case $1 in
      --conns | --window | --size) printf '%s %s ' "$1" "$2"; shift 2 ;;
      *) shift ;;
    esac
  done
}
check_generator=0

# ---- HTTP/1.1 (issue 9): the H rows -------------------------------------------------------
# shellcheck source=SCRIPTDIR/../tools/nsys/tests/nginx.sh
source "$root/tools/nsys/tests/nginx.sh"
http_path=/hello
http_conns=64
http_depth=16
http_na=""  # why the ours column is n/a ("" when it runs)
# wrk takes whole seconds.
wrk_seconds=$(awk -v s="$seconds" 'BEGIN {d = int(s); if (d < s) d++; if (d < 1) d = 1; print d}')

# start_http KIND: ours-http (nsys serve --proto http --threads 1, or a second nginx with
# BENCH_HTTP_OURS=nginx) or reference-http (nginx, 1 worker), on the server CPU. Returns 1 and
# leaves the reason in http_na when it does not start, instead of ending the run.
start_http() {
  local kind=$1
  if [[ $kind == reference-http || $http_ours == nginx ]]; then
    nginx_prefix_cmd="taskset -c $server_cpu"
    if ! start_nginx "$tmp/$kind" 2>"$tmp/$kind.err"; then
      http_na="nginx did not start: $(tail -2 "$tmp/$kind.err" | tr '\n' ' ')"
      return 1
    fi
    srv_pid[$kind]=$nginx_pid
    srv_port[$kind]=$nginx_port
    echo "listening on 127.0.0.1:$nginx_port" >"$tmp/$kind.out"
    return 0
  fi
  local log=$tmp/$kind.out
  taskset -c "$server_cpu" "$nsys" serve --proto http --port 0 --bind 127.0.0.1 --threads 1 \
    >"$log" 2>"$tmp/$kind.err" &
  local pid=$! port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log" 2>/dev/null || true)
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$port" ]]; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    http_na="n/a: nsys serve --proto http not available ($(head -c 200 "$tmp/$kind.err" |
      tr '\n' ' ' | sed 's/ *$//'))"
    return 1
  fi
  srv_pid[$kind]=$pid
  srv_port[$kind]=$port
}

# wrk_json: wrk --latency's report (stdin) as one JSON object in nsys bench's shape: msg_per_s
# (= req_per_s), latency_us p50/p75/p90/p99, errors (non-2xx/3xx responses + socket errors).
wrk_json() {
  awk '
    function us(v) {
      if (v ~ /us$/) return v + 0
      if (v ~ /ms$/) return (v + 0) * 1e3
      if (v ~ /s$/) return (v + 0) * 1e6
      return v + 0
    }
    /^ +50% / {p50 = us($2)} /^ +75% / {p75 = us($2)} /^ +90% / {p90 = us($2)}
    /^ +99% / {p99 = us($2)}
    / requests in / {n = $1; d = $4 + 0}
    /Non-2xx or 3xx responses:/ {bad = $NF}
    /Socket errors:/ {gsub(",", ""); sock = $4 + $6 + $8 + $10}
    /^Requests\/sec:/ {rps = $2}
    END {
      if (rps == "") {print "{\"errors\":1,\"error_samples\":[\"wrk gave no result\"]}"; exit}
      e = bad + sock
      printf "{\"tool\":\"wrk\",\"requests\":%d,\"duration_s\":%.3f,\"req_per_s\":%.2f,", n, d, rps
      printf "\"msg_per_s\":%.2f,\"latency_us\":{\"p50\":%.1f,\"p75\":%.1f,\"p90\":%.1f,", rps, p50, p75, p90
      printf "\"p99\":%.1f},\"non_2xx\":%d,\"socket_errors\":%d,\"errors\":%d,", p99, bad, sock, e
      printf "\"error_samples\":[%s]}\n", e ? "\"wrk: non-2xx/3xx responses or socket errors\"" : ""
    }'
}

# run_wrk ID KIND ROUND DEPTH: one wrk -t1 -c64 run (DEPTH 16: the pipelining script),
# recorded; the result is left in $last_result.
run_wrk() {
  local id=$1 kind=$2 round=$3 depth=$4 script=()
  (( depth > 1 )) && script=(-s "$tmp/pipeline$depth.lua")
  local out rc=0
  out=$(timeout $(( wrk_seconds + 30 )) taskset -c "$client_cpu" wrk -t1 -c"$http_conns" \
          -d"${wrk_seconds}s" --latency "${script[@]}" \
          "http://127.0.0.1:${srv_port[$kind]}$http_path" 2>"$tmp/wrk.err") || rc=$?
  [[ $rc -eq 0 ]] || say "    wrk exited $rc: $(cat "$tmp/wrk.err")"
  check_alive "$kind"
  last_result=$(wrk_json <<<"$out")
  record "$id" "$(side_of "$kind")" "$round" ',"client":"wrk"' "$last_result"
  printf '  w%s round %d/%d %-14s %12.0f req/s   p99 %9.1f us   (wrk)\n' "$id" "$round" \
    "$rounds" "$kind" "$(json_number req_per_s "$last_result")" \
    "$(json_number p99 "$last_result")" >&2
}

# run_http_bench ID ROUND DEPTH: nsys bench --proto http against nginx with wrk's load (-c64,
# DEPTH in flight, no warm-up: wrk has none), recorded as the nsys_bench side of ID.
run_http_bench() {
  local id=$1 round=$2 depth=$3 out rc=0
  out=$(timeout $(( wrk_seconds + 30 )) taskset -c "$client_cpu" "$nsys" bench --proto http \
          --host 127.0.0.1 --port "${srv_port[reference-http]}" --path "$http_path" \
          --connections "$http_conns" --pipeline "$depth" --duration "$wrk_seconds" --json \
          --no-progress 2>"$tmp/bench.err") || rc=$?
  [[ $rc -eq 0 ]] || say "    nsys bench exited $rc: $(cat "$tmp/bench.err")"
  check_alive reference-http
  record "$id" nsys_bench "$round" "" "$out"
  printf '  w%s round %d/%d %-14s %12.0f req/s   p99 %9.1f us   (nsys bench -> nginx)\n' \
    "$id" "$round" "$rounds" "generator" "$(json_number req_per_s "$out")" \
    "$(json_number p99 "$out")" >&2
}

# http_rows: H1 (depth 1) and H2 (depth 16), wrk against ours and nginx, A/B alternating; in
# each round, H3a/H3b: nsys bench against nginx next to wrk's run against it (order alternating).
http_rows() {
  local tool
  for tool in wrk nginx python3; do
    if ! command -v "$tool" >/dev/null; then
      http_na_all="n/a: $tool is not installed (scripts/install-deps.sh installs it)"
      say "bench: HTTP rows $http_na_all"
      return 0
    fi
  done
  cat >"$tmp/pipeline$http_depth.lua" <<LUA
-- $http_depth requests in one write; wrk sends the next batch once all $http_depth are answered.
init = function(args)
  local batch = {}
  for i = 1, $http_depth do batch[i] = wrk.format(nil, "$http_path") end
  req = table.concat(batch)
end
request = function() return req end
LUA
  if ! start_http reference-http; then
    http_na_all="n/a: $http_na"
    say "bench: HTTP rows $http_na_all"
    return 0
  fi
  local pair="ours-http reference-http"
  if ! start_http ours-http; then
    say "bench: H1/H2 ours: $http_na"
    pair="reference-http"
  fi
  say "bench: HTTP/1.1: wrk -t1 -c$http_conns -d${wrk_seconds}s --latency GET $http_path;" \
    "ours = $([[ $http_ours == nginx ]] && echo "a second nginx (self-check)" || echo "nsys serve --proto http --threads 1"), reference = nginx (1 worker)"
  local r row depth kind order gen
  for (( r = 1; r <= rounds; r++ )); do
    for row in 1 2; do
      depth=1
      gen=H3a
      if (( row == 2 )); then depth=$http_depth; gen=H3b; fi
      order=$pair
      (( r % 2 == 0 )) && [[ $pair == *" "* ]] && order="${pair#* } ${pair% *}"
      for kind in $order; do
        if [[ $kind == reference-http ]] && (( r % 2 == 0 )); then
          run_http_bench "$gen" "$r" "$depth"
        fi
        run_wrk "H$row" "$kind" "$r" "$depth"
        if [[ $kind == reference-http ]]; then
          record "$gen" wrk "$r" "" "$last_result"
          (( r % 2 == 1 )) && run_http_bench "$gen" "$r" "$depth"
        fi
      done
    done
  done
  for kind in ours-http reference-http; do
    [[ -n "${srv_pid[$kind]:-}" ]] && stop_server "$kind"
  done
  return 0
}
http_na_all=""

# http_report RECORDS OUT_MD OUT_JSON: the H rows (medians of the rounds, the median of the
# per-round ratios ours / nginx, the targets) as Markdown in the main table's format, and as
# JSON.
http_report() {
  HTTP_NA="$http_na" HTTP_NA_ALL="$http_na_all" HTTP_OURS="$http_ours" HTTP_DEPTH=$http_depth \
    HTTP_CONNS=$http_conns WRK_SECONDS=$wrk_seconds SERVER_CPU=$server_cpu \
    CLIENT_CPU=$client_cpu python3 - "$@" <<'PY'
import json, os, statistics, sys

records_path, out_md, out_json = sys.argv[1:4]
recs = [json.loads(l) for l in open(records_path) if l.strip()]
env = os.environ
depth, conns = env["HTTP_DEPTH"], env["HTTP_CONNS"]
self_check = env["HTTP_OURS"] == "nginx"

def rounds(wid, server, key):
    out = {}
    for r in recs:
        if r["workload"] == wid and r["server"] == server:
            res = r["result"]
            v = res.get("latency_us", {}).get("p99") if key == "p99" else res.get(key)
            if isinstance(v, (int, float)):
                out[r["round"]] = float(v)
    return out

def errors(wid, server):
    return sum(int(r["result"].get("errors", 1)) for r in recs
               if r["workload"] == wid and r["server"] == server)

def med(d):
    return statistics.median(d.values()) if d else None

def ratios(a, b):
    return [a[k] / b[k] for k in sorted(a) if k in b and b[k] > 0]

def si(v):
    return "%.2f M" % (v / 1e6) if v >= 1e6 else "%.1f k" % (v / 1e3) if v >= 1e3 else "%.0f " % v

def lat(us):
    return "%.2f ms" % (us / 1e3) if us >= 1000 else "%.0f µs" % us

def cell(rps, p99):
    return "—" if not rps else "%sreq/s (p99 %s)" % (si(med(rps)), lat(med(p99) or 0))

summary, rows = [], []
na = env["HTTP_NA_ALL"] or (env["HTTP_NA"] if not self_check else "")
for wid, title in (("H1", "GET /hello keep-alive, wrk -t1 -c%s" % conns),
                   ("H2", "GET /hello pipelined x%s (wrk script), -c%s" % (depth, conns))):
    o_rps, r_rps = rounds(wid, "ours", "req_per_s"), rounds(wid, "reference", "req_per_s")
    o_p99, r_p99 = rounds(wid, "ours", "p99"), rounds(wid, "reference", "p99")
    rr = ratios(o_rps, r_rps)
    # wrk's pipelining script can leave a side's latency at 0 us (it times batches, and a
    # batch answered in one read may read as 0): a p99 ratio then means nothing.
    pr = [o_p99[k] / r_p99[k] for k in sorted(o_p99) if k in r_p99 and o_p99[k] > 0 and r_p99[k] > 0]
    if len(pr) < len(rr):
        pr = []
    ratio = statistics.median(rr) if rr else None
    p99_ratio = statistics.median(pr) if pr else None
    met = None
    if ratio is not None and p99_ratio is not None:
        met = ratio >= 1.2 and p99_ratio <= 1.0
    elif ratio is not None:
        met = "req/s %s; p99 n/a (wrk reported 0 µs)" % ("yes" if ratio >= 1.2 else "**no**")
    if self_check:
        title += " — ours = a second nginx (self-check of the rows)"
    ours_cell = cell(o_rps, o_p99) if o_rps else (na or "—")
    rows.append("| %s | %s | %s | %s | %s | %s | ≥ 1.2× req/s, p99 ≤ nginx's | %s |" % (
        wid, title, ours_cell, cell(r_rps, r_p99),
        "—" if ratio is None else ("%.2f× (p99 %.2f×)" % (ratio, p99_ratio) if p99_ratio is not None
                                   else "%.2f× (p99 n/a)" % ratio),
        " ".join("%.2f" % v for v in rr) or "—",
        "—" if met is None else (met if isinstance(met, str) else ("yes" if met else "**no**"))))
    summary.append({"id": wid, "title": title, "metric": "req_per_s and p99 (wrk --latency)",
                    "ours": {"median_req_per_s": med(o_rps), "median_p99_us": med(o_p99),
                             "rounds_req_per_s": list(o_rps.values()),
                             "errors": errors(wid, "ours"), "n/a": ours_cell if not o_rps else None},
                    "reference": {"median_req_per_s": med(r_rps), "median_p99_us": med(r_p99),
                                  "rounds_req_per_s": list(r_rps.values()),
                                  "errors": errors(wid, "reference")},
                    "ratio": ratio, "p99_ratio": p99_ratio, "round_ratios": rr,
                    "target": {"min_ratio": 1.2, "max_p99_ratio": 1.0}, "target_met": None if isinstance(met, str) else met})

gen_rows, gen_notes = [], []
for wid, d in (("H3a", "1"), ("H3b", depth)):
    n_rps, w_rps = rounds(wid, "nsys_bench", "req_per_s"), rounds(wid, "wrk", "req_per_s")
    n_p99, w_p99 = rounds(wid, "nsys_bench", "p99"), rounds(wid, "wrk", "p99")
    rr = ratios(n_rps, w_rps)
    ratio = statistics.median(rr) if rr else None
    ok = None if ratio is None else ratio >= 0.95
    title = "nginx, -c%s, %s in flight" % (conns, d)
    verdict = "—" if ok is None else ("yes" if ok else "**no**")
    if ratio is not None and ratio < 1.0:
        verdict += " — less than wrk"
        gen_notes.append("%s: nsys bench drove nginx to less than wrk did: %.2f× of wrk's"
                         " rate." % (wid, ratio))
    gen_rows.append("| %s | %s | %s | %s | %s | %s | ≥ 0.95× of wrk | %s |" % (
        wid, title, cell(n_rps, n_p99), cell(w_rps, w_p99),
        "—" if ratio is None else "%.2f×" % ratio, " ".join("%.2f" % v for v in rr) or "—",
        verdict))
    summary.append({"id": wid, "group": "generator", "title": title,
                    "nsys_bench": {"median_req_per_s": med(n_rps), "median_p99_us": med(n_p99),
                                   "errors": errors(wid, "nsys_bench")},
                    "wrk": {"median_req_per_s": med(w_rps), "median_p99_us": med(w_p99)},
                    "ratio": ratio, "round_ratios": rr, "target": {"min_ratio": 0.95},
                    "target_met": ok})

md = ["", "### HTTP/1.1 (issue 9)", "",
      "wrk -t1 -c%s -d%ss --latency on GET /hello (200 text/plain, 13 bytes), server on CPU %s,"
      " wrk on CPU %s; ours = %s, reference = nginx (worker_processes 1, access_log off,"
      " keepalive_requests 1000000, `return 200`); medians of the rounds, ratio = the median of"
      " the per-round ratios; p99 from wrk --latency." % (
          conns, env["WRK_SECONDS"], env["SERVER_CPU"], env["CLIENT_CPU"],
          "a second nginx (self-check)" if self_check else "nsys serve --proto http --threads 1"),
      "",
      "| # | workload | ours | reference | ratio | per-round ratios | target | met |",
      "|---|---|---|---|---|---|---|---|"] + rows + [
      "",
      "**HTTP generator check** (SPEC §10): nsys bench --proto http and wrk both load nginx, in"
      " the same round, with the same requests (wrk's own, byte for byte). Pipelined, both send"
      " %s requests in one write and the next %s once all are answered; wrk times each batch,"
      " nsys bench every request, so their pipelined p99s differ in kind. A pass at ≥ 0.95×"
      " allows for the drift of a shared machine; a row says so when nsys bench drove nginx to"
      " less than wrk did." % (depth, depth),
      "",
      "| # | workload | nsys bench | wrk | ratio | per-round ratios | target | pass |",
      "|---|---|---|---|---|---|---|---|"] + gen_rows + [""] + gen_notes
if env["HTTP_NA_ALL"]:
    md.insert(2, "The HTTP rows did not run: %s" % env["HTTP_NA_ALL"])
open(out_md, "w").write("\n".join(md) + "\n")
json.dump(summary, open(out_json, "w"), indent=2)
PY
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
say "bench: $build, $rounds rounds x ${seconds}s (+${warmup}s warm-up) per workload and server"
say "bench: server on CPU $server_cpu, generator on CPU $client_cpu; load average $load_before"

if [[ $only == all ]]; then  # the TCP, UDP and TLS workloads, 7, and the micro-benchmarks
declare -A args=(
  [1]="--conns 1 --window 1 --size 64"
  [2]="--conns 1 --window 256 --size 64"
  [3]="--conns 64 --window 256 --size 64"
  [4]="--conns 64 --window 256 --size 1024"
  [5]="--conns 64 --window 16 --size 8192"
  [6]="--connect-rate --conns 16 --size 64"
)
start_server ours
start_server reference
pair="ours reference"
for id in 1 2 3 4 5 6; do
  check_generator=0
  [[ $id == 3 || $id == 4 ]] && check_generator=1
  # shellcheck disable=SC2086
  run_rounds "$id" ${args[$id]}
done
check_generator=0
stop_server ours
stop_server reference

# Workload U1 (issue 4): UDP 64 B datagrams, 64 in flight on one socket.
start_server ours-udp
start_server reference-udp
pair="ours-udp reference-udp"
run_rounds U1 --conns 1 --window 64 --size 64
stop_server ours-udp
stop_server reference-udp

# Workloads T1/T2 (issue 4): TLS against openssl s_server, on one TLS 1.3 suite.
"$root/scripts/gen-test-certs.sh" "$certs" >/dev/null
start_server ours-tls
start_server reference-tls
for (( r = 1; r <= rounds; r++ )); do
  order="ours-tls reference-tls"
  (( r % 2 == 0 )) && order="reference-tls ours-tls"
  for kind in $order; do
    # T1: bulk upload on one connection, 64 KiB writes, into a sink.
    run_echo T1 "$kind" "$r" --upload --framing raw --size 65536 --conns 1 --insecure \
      --tls-ciphersuites "$tls_suite"
  done
  for kind in $order; do
    # T2: full handshakes per second, openssl s_time as the client of both.
    out=$(timeout $(( seconds + 20 )) taskset -c "$client_cpu" openssl s_time -new \
            -connect "127.0.0.1:${srv_port[$kind]}" -time "$seconds" \
            -ciphersuites "$tls_suite" 2>&1 | grep -E 'connections in [0-9]+ real' || true)
    check_alive "$kind"
    n=$(awk '{print $1}' <<<"$out")
    result='{"errors":1,"error_samples":["openssl s_time gave no result"]}'
    if [[ -n $n ]]; then
      result=$(awk -v n="$n" -v s="$seconds" '
        BEGIN {printf "{\"errors\":0,\"connections\":%d,\"conn_per_s\":%.1f}", n, n / s}')
    fi
    record T2 "$(side_of "$kind")" "$r" "" "$result"
    printf '  wT2 round %d/%d %-13s %12.0f handshakes/s\n' "$r" "$rounds" "$kind" \
      "$(json_number conn_per_s "$result")" >&2
  done
done
stop_server ours-tls
stop_server reference-tls

# Workload 7: a fresh server per round; its RSS with no connection, holding them, and after.
hold=3
for (( r = 1; r <= idle_rounds; r++ )); do
  order="ours reference"
  (( r % 2 == 0 )) && order="reference ours"
  for kind in $order; do
    start_server "$kind"
    pid=${srv_pid[$kind]}
    base_fds=$(fd_count "$pid")
    before=$(rss_kb "$pid")
    taskset -c "$client_cpu" "$nsys" bench --proto tcp --host 127.0.0.1 \
      --port "${srv_port[$kind]}" --idle-conns "$idle_conns" --batch 500 --hold "$hold" \
      --connect-timeout 10 --json --no-progress >"$tmp/idle.json" 2>"$tmp/bench.err" &
    bench_pid=$!
    # Measure once the server holds every connection (it has accepted them all), within 20 s.
    for _ in $(seq 200); do
      (( $(fd_count "$pid") >= base_fds + idle_conns )) && break
      kill -0 "$bench_pid" 2>/dev/null || break
      sleep 0.1
    done
    sleep 0.5  # the sessions of the last connections accepted start up
    held_fds=$(( $(fd_count "$pid") - base_fds ))
    hold_kb=$(rss_kb "$pid")
    rc=0
    wait "$bench_pid" || rc=$?
    [[ $rc -eq 0 ]] || say "    nsys bench exited $rc: $(cat "$tmp/bench.err")"
    for _ in $(seq 50); do (( $(fd_count "$pid") <= base_fds )) && break; sleep 0.1; done
    after=$(rss_kb "$pid")
    rss_fields=",\"conns\":$held_fds,\"rss_before_kb\":$before"
    rss_fields+=",\"rss_hold_kb\":$hold_kb,\"rss_after_kb\":$after"
    record 7 "$kind" "$r" "$rss_fields" "$(cat "$tmp/idle.json")"
    printf '  w7 round %d/%d %-9s RSS %6d KiB idle, %6d KiB with %d connections, %6d KiB after\n' \
      "$r" "$idle_rounds" "$kind" "$before" "$hold_kb" "$held_fds" "$after" >&2
    stop_server "$kind"
  done
done

say "bench: micro-benchmarks (CPU cost, in memory)"
taskset -c "$client_cpu" "$micro" --benchmark_min_time="$micro_min_time" \
  --benchmark_out="$tmp/micro.json" --benchmark_out_format=json >"$tmp/micro.txt" 2>&1 ||
  {
    say "bench: micro-benchmarks failed: $(tail -5 "$tmp/micro.txt")"
    echo '{}' >"$tmp/micro.json"
  }
fi  # BENCH_ONLY=all

http_rows

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(( $(date +%s) - started ))
model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo | tr -d '"\\')
setup="ours = nsys serve --threads 1 (messaging_server echo, 1 I/O thread); reference ="
setup+=" epoll_echo_server (raw epoll, 1 thread); U1: ours = nsys serve --proto udp"
setup+=" (messaging_udp_server, 1 I/O thread), reference = udp_echo_server (recvmmsg/sendmmsg,"
setup+=" 1 thread); server on CPU $server_cpu, nsys bench (raw-epoll"
setup+=" generator, 1 thread) on CPU $client_cpu; medians of $rounds rounds of ${seconds} s after"
setup+=" ${warmup} s warm-up (workload 7: $idle_rounds rounds, $idle_conns connections), A/B"
setup+=" alternating; ratio = the median of the per-round ratios ours / reference (both run back"
setup+=" to back in each round, so drift between rounds cancels); the ours and reference columns"
setup+=" are medians of the rounds"
note="Workload 1 compares p50 latency (lower is better: target ours ≤ 1.05× the reference);"
note+=" workloads 2–6 compare throughput (higher is better). Workload 7 is the server's resident"
note+=" memory (VmRSS) per idle connection while holding them, and with no connection; its"
note+=" targets are absolute, for ours. MB/s counts echoed payload bytes once. U1 compares"
note+=" datagrams echoed per second; a datagram not echoed within 1 s counts as lost (shown)."
note+=" T1/T2: ours = nsys serve --proto tls --sink (secure_messaging_server), reference ="
note+=" openssl s_server, both on CPU $server_cpu with an ECDSA P-256 certificate and $tls_suite"
note+=" (chosen by the client); T1's client is nsys bench --upload (MB/s of payload taken), T2's"
note+=" is openssl s_time -new (full handshakes per second)."
notes_json="\"$note\",
    \"The generator checks every echo: nsys bench --verify fast (its default for pipelined runs: workloads 2-5) checks every message's length prefix and sequence number and every byte of 1 message in 64, the latency of which is the sample of the percentiles; workload 1 (--verify full), 6, U1 and T1 check every byte.\",
    \"Generator check: G3 and G4 compare nsys bench with benchmarks/reference/frame_count_client (raw epoll, 1 thread, counts frames and checks their length headers only), both loading the reference server in the same round (order alternating, on CPU $client_cpu); nsys bench passes at ≥ 0.95× of the plain client's msg/s, so that it is not the limit of what it measures.\""
if [[ $only == http ]]; then
  setup="BENCH_ONLY=http: the HTTP/1.1 rows alone ($rounds rounds; see below)"
  notes_json=""
fi
cat >"$tmp/meta.json" <<EOF
{
  "title": "network_system loopback benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')",
  "date": "$(date -u '+%Y-%m-%dT%H:%M:%SZ')",
  "setup": "$setup",
  "machine": "$(nproc) CPUs, ${model:-unknown CPU}, Linux $(uname -r)",
  "load_before": "$load_before (1/5/15-min load average)",
  "load_after": "$load_after after ${elapsed} s",
  "command": "make bench  (scripts/bench.sh $(basename "$build"))",
  "notes": [
    $notes_json
  ]
}
EOF

mkdir -p "$out_dir"
cat >"$tmp/workloads.json" <<'EOF'
[
  {"id": "1", "title": "ping-pong, 1 conn, 64 B", "metric": "latency_p50",
   "target": {"kind": "max_ratio", "value": 1.05, "text": "p50 ≤ 1.05×"}},
  {"id": "2", "title": "pipelined W=256, 1 conn, 64 B", "metric": "msg_per_s",
   "target": {"kind": "min_ratio", "value": 0.9, "text": "≥ 0.9×"}},
  {"id": "3", "title": "pipelined W=256, 64 conns, 64 B", "metric": "msg_per_s",
   "target": {"kind": "min_ratio", "value": 0.9, "text": "≥ 0.9×"}},
  {"id": "4", "title": "pipelined W=256, 64 conns, 1 KiB", "metric": "msg_per_s",
   "target": {"kind": "min_ratio", "value": 0.95, "text": "≥ 0.95×"}},
  {"id": "5", "title": "pipelined W=16, 64 conns, 8 KiB", "metric": "msg_per_s",
   "target": {"kind": "min_ratio", "value": 0.95, "text": "≥ 0.95×"}},
  {"id": "6", "title": "connection rate: connect, 1 echo, close (16 loops)", "metric": "conn_per_s",
   "target": {"kind": "none", "text": "(reported)"}},
  {"id": "7", "title": "idle connections: server RSS", "metric": "rss_per_conn",
   "target": {"kind": "rss", "max_per_conn_bytes": 2048, "max_idle_bytes": 10000000,
              "text": "≤ 2 KiB/conn, < 10 MB idle"}},
  {"id": "G3", "group": "generator", "title": "pipelined W=256, 64 conns, 64 B",
   "metric": "msg_per_s", "sides": ["nsys_bench", "frame_count_client"],
   "target": {"kind": "min_ratio", "value": 0.95, "text": "≥ 0.95×"}},
  {"id": "G4", "group": "generator", "title": "pipelined W=256, 64 conns, 1 KiB",
   "metric": "msg_per_s", "sides": ["nsys_bench", "frame_count_client"],
   "target": {"kind": "min_ratio", "value": 0.95, "text": "≥ 0.95×"}},
  {"id": "U1", "title": "UDP 64 B datagrams, 64 in flight (1 socket)", "metric": "dgram_per_s",
   "target": {"kind": "min_ratio", "value": 0.95, "text": "≥ 0.95×"}},
  {"id": "T1", "title": "TLS 1.3 bulk upload, 1 conn, 64 KiB writes (vs openssl s_server)",
   "metric": "mb_per_s", "target": {"kind": "min_ratio", "value": 0.9, "text": "≥ 0.9×"}},
  {"id": "T2", "title": "TLS 1.3 full handshakes, openssl s_time (vs openssl s_server)",
   "metric": "handshake_per_s", "target": {"kind": "min_ratio", "value": 0.9, "text": "≥ 0.9×"}}
]
EOF
echo
http_report "$records" "$tmp/http.md" "$tmp/http.json"
if [[ $only == all ]]; then
  "$report" --workloads "$tmp/workloads.json" --records "$records" --micro "$tmp/micro.json" \
    --meta "$tmp/meta.json" --out-json "$out_dir/$stamp.json" --out-md "$out_dir/$stamp.md"
else
  # The H rows alone: bench_report's header and JSON frame, without its (empty) tables.
  python3 - "$tmp/meta.json" "$records" "$out_dir/$stamp.md" "$out_dir/$stamp.json" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
records = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
md = ["## " + meta["title"], ""]
md += ["- **%s**: %s" % (k, meta[k]) for k in
       ("date", "setup", "machine", "load_before", "load_after", "command") if k in meta]
open(sys.argv[3], "w").write("\n".join(md) + "\n")
json.dump({"meta": meta, "workloads": [], "generator_check": [], "records": records},
          open(sys.argv[4], "w"), indent=2)
PY
  cat "$out_dir/$stamp.md"
fi
cat "$tmp/http.md" >>"$out_dir/$stamp.md"
cat "$tmp/http.md"
python3 - "$out_dir/$stamp.json" "$tmp/http.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
run["http"] = json.load(open(sys.argv[2]))
open(sys.argv[1], "w").write(json.dumps(run, indent=2) + "\n")
PY
cp "$out_dir/$stamp.json" "$out_dir/latest.json"
cp "$out_dir/$stamp.md" "$out_dir/latest.md"
echo
echo "bench: wrote $out_dir/$stamp.md and .json (also latest.md / latest.json) in ${elapsed} s"

if (( errors_seen )); then
  echo "bench: FAILED: echoes were lost or corrupted, or HTTP requests failed (see above); the" \
    "figures are not valid" >&2
  exit 1
fi
if [[ ${BENCH_STRICT:-0} == 1 ]] && grep -q '\*\*no\*\*' "$out_dir/$stamp.md"; then
  echo "bench: some targets were not met (BENCH_STRICT=1)" >&2
  exit 1
fi
