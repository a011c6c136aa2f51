# shellcheck shell=bash
# Helpers shared by the nsys ctest scripts (sourced). Every wait is bounded.

set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

work_dir=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

# start_server NSYS ARGS...: runs `nsys serve --port 0 --bind ${server_bind:-127.0.0.1} ARGS`
# and sets server_pid and server_port once it prints "listening on ...:PORT" (at most 10 s).
start_server() {
  local nsys=$1
  shift
  # Gone before the server starts: its shell truncates them only after the fork, and the wait
  # below must not read the lines of a previous server meanwhile.
  rm -f "$work_dir/server.out" "$work_dir/server.err"
  "$nsys" serve --port 0 --bind "${server_bind:-127.0.0.1}" "$@" >"$work_dir/server.out" \
    2>"$work_dir/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    if grep -qs '^listening on ' "$work_dir/server.out"; then
      server_port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work_dir/server.out")
      [[ -n "$server_port" ]] || fail "cannot read the port from: $(cat "$work_dir/server.out")"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || fail "nsys serve exited: $(cat "$work_dir/server.err")"
    sleep 0.1
  done
  fail "nsys serve did not print 'listening on' within 10 s"
}

# stop_server: SIGTERM, then waits (at most 10 s) and checks the exit code and the summary.
stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$server_pid" 2>/dev/null && fail "nsys serve did not stop within 10 s of SIGTERM"
  wait "$server_pid" || rc=$?
  server_pid=""
  [[ $rc -eq 0 ]] || fail "nsys serve exited with $rc after SIGTERM"
  summary=$(grep '^summary: ' "$work_dir/server.out") ||
    fail "no summary line: $(cat "$work_dir/server.out")"
  echo "server $summary"
}

# json_number KEY JSON: the value of a top-level numeric field.
json_number() {
  local v
  v=$(grep -o "\"$1\":[0-9.e+-]*" <<<"$2" | head -n1 | cut -d: -f2)
  [[ -n "$v" ]] || fail "no \"$1\" in: $2"
  echo "$v"
}

# summary_field KEY: a key=value field of the server's summary line.
summary_field() {
  sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$summary"
}
