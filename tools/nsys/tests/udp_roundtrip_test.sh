#!/usr/bin/env bash
# A short nsys serve --proto udp + nsys bench --proto udp round, IPv4 and IPv6: every echoed
# datagram checked, none lost, the server stopped with SIGTERM and its summary consistent. Then
# the generator against deliberately faulty echo servers, to show that its check catches
# duplicated, corrupted and truncated datagrams. Correctness, not speed.
#   udp_roundtrip_test.sh path/to/nsys
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1

# bench_udp ARGS...: a bench run whose JSON is left in $out; fails on a non-zero exit.
bench_udp() {
  out=$(timeout 20 "$nsys" bench --proto udp --json --no-progress "$@") ||
    fail "bench --proto udp $* exited $?: $out"
}

# A 10 s loss timeout: on loopback with so few datagrams in flight nothing may be lost, and a
# machine stalled for longer than that fails the test honestly rather than flakily.
for bind in 127.0.0.1 ::1; do
  server_bind=$bind start_server "$nsys" --proto udp --threads 1
  total=0
  for size in 8 64 1400 65507; do
    conns=4 window=8
    # A 64 KiB datagram takes over half of a default receive buffer (212,992 B): two queued
    # for one socket may overflow it, which UDP answers with a drop. One at a time, then.
    (( size > 10000 )) && conns=1 window=1
    bench_udp --host "$bind" --port "$server_port" --conns "$conns" --window "$window" \
      --size "$size" --duration 0.3 --lost-after 10
    messages=$(json_number messages "$out")
    [[ $(json_number errors "$out") -eq 0 ]] || fail "$bind, $size B: errors: $out"
    [[ $(json_number lost "$out") -eq 0 ]] || fail "$bind, $size B: datagrams lost: $out"
    [[ $messages -ge 100 ]] || fail "$bind, $size B: only $messages datagrams echoed: $out"
    total=$(( total + messages ))
    echo "ok: $bind, $size B datagrams: $messages echoed and checked, 0 errors, 0 lost"
  done
  # The table form (what a person sees) works too.
  timeout 20 "$nsys" bench --proto udp --host "$bind" --port "$server_port" --duration 0.2 \
    --window 4 >"$work_dir/table" || fail "bench (table) failed: $(cat "$work_dir/table")"
  grep -q 'errors  *0' "$work_dir/table" || fail "table: $(cat "$work_dir/table")"
  grep -q 'lost  *0' "$work_dir/table" || fail "table: $(cat "$work_dir/table")"
  stop_server
  [[ $(summary_field errors) -eq 0 ]] || fail "server counted errors"
  [[ $(summary_field dropped) -eq 0 ]] || fail "server dropped datagrams"
  [[ $(summary_field messages_in) -eq $(summary_field messages_out) ]] ||
    fail "server received and sent different counts"
  (( $(summary_field messages_in) >= total )) || fail "server saw fewer datagrams than echoed"
done

# Faulty servers: every 50th datagram duplicated, bit-flipped or cut short.
python=/usr/bin/python3
if [[ ! -x $python ]]; then
  echo "skipped: faulty-server checks ($python is not installed)"
  echo "PASS"
  exit 0
fi
for fault in duplicate corrupt truncate; do
  "$python" "$(dirname "$0")/faulty_udp_echo.py" "$fault" >"$work_dir/faulty-$fault.out" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q '^port=' "$work_dir/faulty-$fault.out" && break
    sleep 0.1
  done
  port=$(sed -n 's/^port=//p' "$work_dir/faulty-$fault.out")
  [[ -n "$port" ]] || fail "the faulty $fault server printed no port"
  rc=0
  out=$(timeout 20 "$nsys" bench --proto udp --port "$port" --window 4 --duration 0.3 --json \
          --lost-after 10) || rc=$?
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  [[ $rc -eq 1 ]] || fail "bench against a $fault server exited $rc (expected 1): $out"
  [[ $(json_number errors "$out") -gt 0 ]] || fail "no error against a $fault server: $out"
  echo "ok: a $fault server: $(json_number errors "$out") errors reported, exit 1"
done
echo "PASS"
