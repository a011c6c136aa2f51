#!/usr/bin/env bash
# frame_count_client against epoll_echo_server: a short run counts echoes with no error and
# prints its machine-readable lines; bad arguments exit 2; a closed port fails (exit 1).
#   frame_count_client_test.sh path/to/frame_count_client path/to/epoll_echo_server
set -euo pipefail
client=$1
server=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() { [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$server" --port 0 >"$work/server.out" &
pid=$!
for _ in $(seq 100); do grep -qs '^port=' "$work/server.out" && break; sleep 0.1; done
port=$(sed -n 's/^port=//p' "$work/server.out")
[[ -n $port ]] || fail "epoll_echo_server printed no port"

for size in 64 1024; do
  out=$(timeout 20 "$client" --port "$port" --conns 4 --window 32 --size "$size" --duration 0.5 \
          --warmup 0.1 --json) || fail "exit $?: $out"
  grep -q '"errors":0' <<<"$out" || fail "errors: $out"
  messages=$(grep -oE '"messages":[0-9]+' <<<"$out" | cut -d: -f2)
  (( messages > 100 )) || fail "only ${messages:-no} echoes: $out"
  echo "ok: $size B: $messages echoes counted"
done
out=$(timeout 20 "$client" --port "$port" --conns 2 --duration 0.2 --warmup 0) || fail "plain: $out"
grep -qE '^msg_per_s=[0-9.]+ messages=[0-9]+ seconds=[0-9.]+ errors=0$' <<<"$out" ||
  fail "plain line: $out"
rc=0
timeout 10 "$client" --port 0 >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "--port 0 exited $rc, expected 2"
kill -TERM "$pid"
wait "$pid" || true
pid=""
rc=0
timeout 10 "$client" --port "$port" --duration 0.2 >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "a closed port exited $rc, expected 1"
echo "PASS"
