#!/usr/bin/env bash
# I/O threads of nsys serve: under a one-CPU affinity mask (taskset) the default is one I/O
# thread; an explicit --threads still wins.
#   threads_test.sh path/to/nsys
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1
command -v taskset >/dev/null || fail "taskset (util-linux) is not installed"

# Threads of process $1 (/proc/PID/task).
thread_count() { find "/proc/$1/task" -mindepth 1 -maxdepth 1 | wc -l; }

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

echo "PASS"
