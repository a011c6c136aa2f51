#!/usr/bin/env bash
# I/O threads and scale-out of nsys serve: under a one-CPU affinity mask (taskset) the default
# is one I/O thread; --reuse-port lets two servers share a port and both serve (one SO_REUSEPORT
# listener per I/O thread), while a server without it cannot bind that port.
#   threads_test.sh path/to/nsys
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1
command -v taskset >/dev/null || fail "taskset (util-linux) is not installed"

second_pid=""
trap '[[ -n "$second_pid" ]] && kill -KILL "$second_pid" 2>/dev/null; cleanup' EXIT

# Threads of process $1 (/proc/PID/task).
thread_count() { find "/proc/$1/task" -mindepth 1 -maxdepth 1 | wc -l; }

# Listening TCP sockets on 127.0.0.1:$1 (/proc/net/tcp, state 0A).
listeners_on() {
  local hex
  hex=$(printf '0100007F:%04X' "$1")
  awk -v local="$hex" 'NR > 1 && $2 == local && $4 == "0A" { n++ } END { print n + 0 }' /proc/net/tcp
}

# --- the default thread count follows the affinity mask ----------------------------------------
# The first CPU this test may run on (taskset -c 0 would fail where CPU 0 is not allowed).
cpu=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)
[[ -n "$cpu" ]] || fail "cannot read Cpus_allowed_list"
printf '#!/bin/sh\nexec taskset -c %s "%s" "$@"\n' "$cpu" "$nsys" >"$work_dir/nsys-one-cpu"
chmod +x "$work_dir/nsys-one-cpu"
start_server "$work_dir/nsys-one-cpu"
grep -q ', 1 I/O thread(s)' "$work_dir/server.err" ||
  fail "under taskset -c $cpu: $(cat "$work_dir/server.err")"
# The main thread waiting for signals, and the one I/O thread.
[[ $(thread_count "$server_pid") -eq 2 ]] ||
  fail "under taskset -c $cpu nsys serve runs $(thread_count "$server_pid") threads, not 2"
out=$(timeout 20 "$nsys" bench --port "$server_port" --conns 4 --window 8 --duration 0.3 --json \
        --no-progress) || fail "bench exited $?: $out"
[[ $(json_number errors "$out") -eq 0 ]] || fail "bench reported errors: $out"
stop_server
echo "ok: taskset -c $cpu nsys serve starts 1 I/O thread"

# An explicit --threads still wins over the mask.
start_server "$work_dir/nsys-one-cpu" --threads 3
grep -q ', 3 I/O thread(s)' "$work_dir/server.err" || fail "--threads 3: $(cat "$work_dir/server.err")"
[[ $(thread_count "$server_pid") -eq 4 ]] || fail "--threads 3 runs $(thread_count "$server_pid") threads"
stop_server
echo "ok: --threads 3 under the same mask starts 3"

# --- --reuse-port ---------------------------------------------------------------------------------
start_server "$nsys" --threads 2 --reuse-port
grep -q 'SO_REUSEPORT' "$work_dir/server.err" || fail "no SO_REUSEPORT in: $(cat "$work_dir/server.err")"
port=$server_port
[[ $(listeners_on "$port") -eq 2 ]] || fail "2 threads with --reuse-port: $(listeners_on "$port") listeners"

# A server without --reuse-port cannot join the port.
rc=0
timeout 10 "$nsys" serve --port "$port" --bind 127.0.0.1 >"$work_dir/plain.out" 2>"$work_dir/plain.err" ||
  rc=$?
[[ $rc -eq 1 ]] || fail "plain nsys serve on a --reuse-port port exited $rc, not 1"
grep -q 'bind.*in use' "$work_dir/plain.err" || fail "plain nsys serve: $(cat "$work_dir/plain.err")"

# A second process with --reuse-port can.
"$nsys" serve --port "$port" --bind 127.0.0.1 --threads 2 --reuse-port >"$work_dir/second.out" \
  2>"$work_dir/second.err" &
second_pid=$!
for _ in $(seq 100); do
  grep -qs '^listening on ' "$work_dir/second.out" && break
  kill -0 "$second_pid" 2>/dev/null || fail "second nsys serve exited: $(cat "$work_dir/second.err")"
  sleep 0.1
done
grep -q "^listening on 127.0.0.1:$port\$" "$work_dir/second.out" ||
  fail "second nsys serve: $(cat "$work_dir/second.out" "$work_dir/second.err")"
[[ $(listeners_on "$port") -eq 4 ]] || fail "two servers: $(listeners_on "$port") listeners, not 4"

# 32 connections over four listeners, two per process: a working spread leaves one process
# without any with a probability of 2 * 2^-32.
conns=32
out=$(timeout 20 "$nsys" bench --port "$port" --conns "$conns" --window 4 --duration 0.5 --json \
        --no-progress) || fail "bench exited $?: $out"
[[ $(json_number errors "$out") -eq 0 ]] || fail "bench reported errors: $out"
[[ $(json_number messages "$out") -gt 0 ]] || fail "bench echoed nothing: $out"

kill -TERM "$second_pid"
for _ in $(seq 100); do
  kill -0 "$second_pid" 2>/dev/null || break
  sleep 0.1
done
rc=0
wait "$second_pid" || rc=$?
second_pid=""
[[ $rc -eq 0 ]] || fail "second nsys serve exited with $rc after SIGTERM"
second_summary=$(grep '^summary: ' "$work_dir/second.out") || fail "second server: no summary"
second_connections=$(sed -n 's/.* connections=\([0-9]*\).*/\1/p' <<<"$second_summary")
stop_server
first_connections=$(summary_field connections)
echo "connections: first server $first_connections, second $second_connections"
[[ $first_connections -gt 0 && $second_connections -gt 0 ]] || fail "one server served nothing"
[[ $((first_connections + second_connections)) -eq $conns ]] ||
  fail "the servers counted $((first_connections + second_connections)) connections, not $conns"
[[ $(listeners_on "$port") -eq 0 ]] || fail "listeners left on port $port after both stopped"

# UDP has no acceptor to multiply.
rc=0
"$nsys" serve --proto udp --port 0 --reuse-port >/dev/null 2>"$work_dir/udp.err" || rc=$?
[[ $rc -eq 2 ]] && grep -q 'reuse-port' "$work_dir/udp.err" ||
  fail "--proto udp --reuse-port: exit $rc: $(cat "$work_dir/udp.err")"
echo "PASS"
