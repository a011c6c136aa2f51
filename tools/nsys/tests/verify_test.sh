#!/usr/bin/env bash
# nsys bench --verify: both modes pass against nsys serve (length and line framing), the default
# is fast for pipelined runs and full for ping-pong, and fast mode still catches what an echo
# server can get wrong: against faulty_tcp_echo.py, which spoils every 7th frame (corrupted
# payload, two frames swapped, a frame duplicated, a frame dropped), both modes report errors
# and exit 1, while the same server without a fault gives none. Correctness, not speed.
#   verify_test.sh path/to/nsys
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1

# bench EXPECTED_RC ARGS...: a bench run whose JSON is left in $out.
bench() {
  local want=$1 rc=0
  shift
  out=$(timeout 20 "$nsys" bench --json --no-progress "$@") || rc=$?
  [[ $rc -eq $want ]] || fail "bench $* exited $rc (expected $want): $out"
}
json_string() {  # json_string KEY JSON
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$2"
}

for framing in length line; do
  start_server "$nsys" --framing "$framing" --threads 1
  for verify in fast full; do
    bench 0 --port "$server_port" --framing "$framing" --verify "$verify" --conns 4 \
      --window 64 --size 200 --duration 0.5
    [[ $(json_number errors "$out") -eq 0 ]] || fail "$framing, $verify: errors: $out"
    [[ $(json_number messages "$out") -gt 1000 ]] || fail "$framing, $verify: few echoes: $out"
    [[ $(json_string verify "$out") == "$verify" ]] || fail "$framing: not $verify: $out"
    echo "ok: $framing framing, --verify $verify: $(json_number messages "$out") echoes, 0 errors"
    # 4 MiB in flight per connection: more than a socket takes at once, so messages also queue
    # behind bytes it has not taken yet.
    bench 0 --port "$server_port" --framing "$framing" --verify "$verify" --conns 2 \
      --window 64 --size 65536 --duration 0.5
    [[ $(json_number errors "$out") -eq 0 ]] || fail "$framing, $verify, 64 KiB: errors: $out"
    [[ $(json_number messages "$out") -gt 64 ]] || fail "$framing, $verify, 64 KiB: few: $out"
    echo "ok: $framing framing, --verify $verify, 64 KiB x 64 in flight: 0 errors"
  done
  stop_server
  [[ $(summary_field errors) -eq 0 ]] || fail "server counted errors"
done

# The defaults, and the table says which check ran.
start_server "$nsys" --threads 1
bench 0 --port "$server_port" --window 8 --duration 0.2
[[ $(json_string verify "$out") == fast ]] || fail "--window 8 should default to fast: $out"
[[ $(json_number payload_checked_1_in "$out") -eq 64 ]] || fail "fast samples 1 in 64: $out"
bench 0 --port "$server_port" --window 1 --duration 0.2
[[ $(json_string verify "$out") == full ]] || fail "--window 1 should default to full: $out"
[[ $(json_number payload_checked_1_in "$out") -eq 1 ]] || fail "full checks all: $out"
timeout 20 "$nsys" bench --port "$server_port" --window 8 --duration 0.2 >"$work_dir/table" ||
  fail "bench (table) failed: $(cat "$work_dir/table")"
grep -q 'verify  *fast' "$work_dir/table" || fail "table: $(cat "$work_dir/table")"
stop_server
echo "ok: defaults (fast for --window 8, full for --window 1)"

python=/usr/bin/python3
[[ -x $python ]] || fail "$python is needed for the faulty-server checks"
# expect_fault FAULT VERIFY PATTERN: a run against the faulty server; PATTERN (grep -E) must be
# in the error samples. FAULT none: no error at all.
expect_fault() {
  local fault=$1 verify=$2 pattern=$3
  local log=$work_dir/faulty-$fault-$verify.out
  "$python" "$(dirname "$0")/faulty_tcp_echo.py" "$fault" >"$log" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -qs '^port=' "$log" && break
    sleep 0.1
  done
  local port
  port=$(sed -n 's/^port=//p' "$log")
  [[ -n "$port" ]] || fail "the faulty $fault server printed no port"
  local want=1
  [[ $fault == none ]] && want=0
  bench "$want" --port "$port" --verify "$verify" --conns 4 --window 16 --size 64 --duration 1
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  local errors
  errors=$(json_number errors "$out")
  if [[ $fault == none ]]; then
    [[ $errors -eq 0 ]] || fail "errors against the server without a fault: $out"
    (( $(json_number messages "$out") > 448 * 4 )) ||
      fail "too few echoes to meet a sampled spoiled frame on each connection: $out"
  else
    [[ $errors -gt 0 ]] || fail "--verify $verify missed a $fault server: $out"
    grep -qE "$pattern" <<<"$out" || fail "--verify $verify, $fault: no '$pattern' in: $out"
  fi
  echo "ok: --verify $verify against a faulty server ($fault): $errors errors reported"
}
for verify in fast full; do
  expect_fault none "$verify" ''
  expect_fault corrupt "$verify" 'corrupted payload at byte 63 of message'
  expect_fault swap "$verify" 'out of sequence'
  expect_fault duplicate "$verify" 'out of sequence'
  expect_fault drop "$verify" 'out of sequence'
done
echo "PASS"
