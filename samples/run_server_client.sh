#!/usr/bin/env bash
# The sample_tcp_server_and_client test: runs simple_tcp_server on a free port, runs
# simple_tcp_client against it, then stops the server with SIGTERM; both must exit 0.
#
# Usage: run_server_client.sh <simple_tcp_server> <simple_tcp_client>
set -euo pipefail

server_bin=$1
client_bin=$2
log=$(mktemp)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -f "$log"
}
trap cleanup EXIT

"$server_bin" 0 > "$log" 2>&1 &
server_pid=$!

# The server prints "echo server listening on port N"; wait for it (10 s at most).
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^echo server listening on port \([0-9]*\).*/\1/p' "$log")
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$port" ]]; then
  cat "$log"
  echo "FAILED: simple_tcp_server did not report its port" >&2
  exit 1
fi

client_rc=0
timeout -k 5 60 "$client_bin" 127.0.0.1 "$port" 200 || client_rc=$?

kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=
echo "--- server output"
cat "$log"
if [[ $client_rc -ne 0 || $server_rc -ne 0 ]]; then
  echo "FAILED: client exited with $client_rc, server with $server_rc" >&2
  exit 1
fi
grep -q "received SIGTERM, stopping" "$log" || { echo "FAILED: no clean stop" >&2; exit 1; }
echo "passed"
