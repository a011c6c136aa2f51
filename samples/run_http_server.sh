#!/usr/bin/env bash
# The sample_http_server test: runs simple_http_server on a free port, asks it with curl for
# /hello, /users/42, a POST to /echo, the coroutine route /slow, the Server-Sent Events of
# /events and a 3 MB upload to /upload, then stops it with SIGTERM; it must exit 0.
#
# Usage: run_http_server.sh <simple_http_server>
set -euo pipefail

server_bin=$1
log=$(mktemp)
upload=$(mktemp)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -f "$log" "$upload"
}
trap cleanup EXIT

"$server_bin" 0 > "$log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^http server listening on port \([0-9]*\).*/\1/p' "$log")
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$port" ]]; then
  cat "$log"
  echo "run_http_server.sh: the server did not start" >&2
  exit 1
fi

check() {
  local want=$1; shift
  local got
  got=$(curl -q -sS --noproxy '*' --max-time 20 "$@")
  if [[ "$got" != "$want" ]]; then
    echo "run_http_server.sh: curl $* gave '$got', expected '$want'" >&2
    exit 1
  fi
}
check 'Hello, World!' "http://127.0.0.1:$port/hello"
check '{"id":"42"}' "http://127.0.0.1:$port/users/42"
check 'ping' --data-binary ping -H 'Content-Type: text/plain' "http://127.0.0.1:$port/echo"
check 'done' "http://127.0.0.1:$port/slow"
check "$(printf 'id: 0\ndata: tick 0\n\nid: 1\ndata: tick 1\n\nid: 2\ndata: tick 2')" -N "http://127.0.0.1:$port/events"
head -c 3000000 /dev/urandom > "$upload"
check '3000000 bytes' -T "$upload" "http://127.0.0.1:$port/upload"

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
grep -q '^served 6 requests' "$log" || { cat "$log"; echo "run_http_server.sh: no summary" >&2; exit 1; }
exit "$status"
