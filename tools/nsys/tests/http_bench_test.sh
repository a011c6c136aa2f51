#!/usr/bin/env bash
# nsys bench --proto http against nginx (a server we did not write), 1 s per run: keep-alive
# request/response and 16-deep pipelining (in batches, and --sliding) get responses and no
# error; HEAD is read
# without a body; a path nginx does not serve is counted as status errors (exit 1). Then
# against http_faulty_server.py: valid chunked responses give no error, and a server that
# answers garbage, 503s, or closes connections gets its errors counted by kind (exit 1), never
# a crash or a hang. Exits 77 (skipped) only when nginx is not installed.
#   http_bench_test.sh path/to/nsys
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
# shellcheck source-path=SCRIPTDIR source=nginx.sh
source "$(dirname "$0")/nginx.sh"
nsys=$1
trap 'stop_nginx; cleanup' EXIT

# bench EXPECTED_RC ARGS...: a bench run whose JSON is left in $out.
bench() {
  local want=$1 rc=0
  shift
  out=$(timeout 20 "$nsys" bench --proto http --json --no-progress "$@") || rc=$?
  [[ $rc -eq $want ]] || fail "bench $* exited $rc (expected $want): $out"
}
# kind_count KIND: errors_by_kind.KIND of $out.
kind_count() {
  grep -o "\"$1\":[0-9]*" <<<"$(grep -o '"errors_by_kind":{[^}]*}' <<<"$out")" | cut -d: -f2
}

python=/usr/bin/python3
[[ -x $python ]] || fail "$python is needed (the faulty server, and the free port for nginx)"

if command -v nginx >/dev/null; then
  start_nginx "$work_dir/nginx" || fail "nginx did not start"
  for depth in 1 16; do
    bench 0 --port "$nginx_port" --connections 8 --pipeline "$depth" --duration 1
    [[ $(json_number errors "$out") -eq 0 ]] || fail "nginx, depth $depth: errors: $out"
    requests=$(json_number requests "$out")
    [[ $requests -gt 0 ]] || fail "nginx, depth $depth: no response: $out"
    grep -q "\"statuses\":{\"200\":[0-9]*}" <<<"$out" || fail "nginx, depth $depth: not all 200: $out"
    [[ $(json_number pipeline "$out") -eq $depth ]] || fail "pipeline not $depth: $out"
    (( $(json_number samples "$out") >= requests )) || fail "a latency per request: $out"
    echo "ok: nginx, 8 connections x $depth in flight: $requests responses, 0 errors"
  done
  bench 0 --port "$nginx_port" --connections 8 --pipeline 16 --sliding --duration 0.5
  [[ $(json_number errors "$out") -eq 0 ]] || fail "nginx, depth 16, sliding: errors: $out"
  [[ $(json_number requests "$out") -gt 0 ]] || fail "nginx, depth 16, sliding: none: $out"
  grep -q '"refill":"sliding"' <<<"$out" || fail "not sliding: $out"
  echo "ok: nginx, 8 connections x 16 in flight, a request per response: 0 errors"
  # Three event loops on threads of their own, 8 connections shared 3/3/2: one result.
  bench 0 --port "$nginx_port" --connections 8 --pipeline 4 --threads 3 --duration 0.5
  [[ $(json_number errors "$out") -eq 0 ]] || fail "nginx, --threads 3: errors: $out"
  [[ $(json_number threads "$out") -eq 3 ]] || fail "nginx, --threads 3: not 3: $out"
  requests=$(json_number requests "$out")
  [[ $requests -gt 0 ]] || fail "nginx, --threads 3: no response: $out"
  (( $(json_number samples "$out") >= requests )) || fail "--threads 3: latencies lost: $out"
  echo "ok: nginx, 3 threads x 8 connections x 4: $requests responses, 0 errors"
  bench 0 --port "$nginx_port" --conns 2 --method HEAD --duration 0.3
  [[ $(json_number errors "$out") -eq 0 ]] || fail "nginx, HEAD: errors: $out"
  [[ $(json_number requests "$out") -gt 0 ]] || fail "nginx, HEAD: no response: $out"
  echo "ok: nginx, HEAD /hello: responses without a body, 0 errors"
  bench 1 --port "$nginx_port" --conns 2 --pipeline 4 --path /nope --duration 0.3
  [[ $(kind_count status) -gt 0 ]] || fail "nginx, 404: no status error: $out"
  [[ $(kind_count status) -eq $(json_number errors "$out") ]] || fail "404: other errors: $out"
  grep -q '"404":' <<<"$out" || fail "nginx, 404 not counted: $out"
  echo "ok: nginx, GET /nope: $(kind_count status) status errors counted, nothing else"
  # What a person sees: the table.
  timeout 20 "$nsys" bench --proto http --port "$nginx_port" --conns 4 --duration 0.3 \
    >"$work_dir/table" || fail "bench (table) failed: $(cat "$work_dir/table")"
  grep -q 'req/s' "$work_dir/table" || fail "table: $(cat "$work_dir/table")"
  grep -q 'errors  *0' "$work_dir/table" || fail "table: $(cat "$work_dir/table")"
  stop_nginx
  nginx_ran=1
else
  echo "nginx is not installed (scripts/install-deps.sh installs it): the nginx runs are skipped"
  nginx_ran=0
fi

# faulty MODE EXPECTED_RC ARGS...: a run against http_faulty_server.py MODE; JSON in $out.
faulty() {
  local mode=$1 want=$2
  shift 2
  local log=$work_dir/faulty-$mode.out
  rm -f "$log"  # a port from an earlier run must not be read
  "$python" "$(dirname "$0")/http_faulty_server.py" "$mode" >"$log" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -qs '^port=' "$log" && break
    sleep 0.1
  done
  local port
  port=$(sed -n 's/^port=//p' "$log")
  [[ -n "$port" ]] || fail "the faulty $mode server printed no port"
  bench "$want" --port "$port" --duration 1 "$@"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
for depth in 1 8; do
  faulty chunked 0 --conns 4 --pipeline "$depth"
  [[ $(json_number errors "$out") -eq 0 ]] || fail "chunked, depth $depth: errors: $out"
  [[ $(json_number requests "$out") -gt 0 ]] || fail "chunked, depth $depth: no response: $out"
  echo "ok: chunked responses with extensions and trailers, depth $depth: 0 errors"
done
for mode in garbage status close; do
  faulty "$mode" 1 --conns 4 --pipeline 4
  case $mode in
    garbage) kind=malformed ;;
    status) kind=status ;;
    close) kind=closed ;;
  esac
  [[ $(kind_count "$kind") -gt 0 ]] || fail "$mode: no $kind error counted: $out"
  [[ $(json_number requests "$out") -gt 0 ]] || fail "$mode: no response counted: $out"
  echo "ok: a server that answers $mode: $(kind_count "$kind") $kind errors" \
    "($(json_number errors "$out") in all), $(json_number requests "$out") responses"
done
(( nginx_ran )) || exit 77
echo "PASS"
