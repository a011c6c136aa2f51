#!/usr/bin/env bash
# The package_consumer test: installs a built network_system into a scratch prefix, builds the
# outside project in consumer/ against it with find_package(), and runs what it built:
#   0. with --nsys=1 (the tools were built): the installed <prefix>/bin/nsys runs from the
#      prefix: --help, then a short serve + bench round with every echo checked;
#   1. consumer_check: a server on a free port and a client round-trip one message;
#   2. the README quick-start server and client, verbatim (they hard-code port 8080): the
#      server runs in the background, the client connects and sends its message, then the
#      server is killed, which ends the client's wait_for_stop(); the client must exit 0
#      without printing an error.
# Exit 77 (ctest SKIP_RETURN_CODE) when port 8080 is already taken, after step 1 passed.
#
# Usage: run_package_test.sh --build-dir=DIR --consumer-dir=DIR --work-dir=DIR
#          [--cxx=COMPILER] [--build-type=TYPE] [--generator=GEN] [--sanitize=LIST] [--jobs=N]
#          [--nsys=0|1]
set -euo pipefail

build_dir= consumer_dir= work_dir= cxx= build_type=RelWithDebInfo generator=Ninja sanitize=
jobs=2 with_nsys=0
for arg in "$@"; do
  value=${arg#*=}
  case "$arg" in
    --build-dir=*) build_dir=$value ;;
    --consumer-dir=*) consumer_dir=$value ;;
    --work-dir=*) work_dir=$value ;;
    --cxx=*) cxx=$value ;;
    --build-type=*) build_type=${value:-RelWithDebInfo} ;;
    --generator=*) generator=$value ;;
    --sanitize=*) sanitize=$value ;;
    --jobs=*) jobs=$value ;;
    --nsys=*) with_nsys=$value ;;
    *) echo "run_package_test: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
if [[ -z "$build_dir" || -z "$consumer_dir" || -z "$work_dir" ]]; then
  echo "run_package_test: --build-dir, --consumer-dir and --work-dir are required" >&2
  exit 2
fi

readonly quickstart_port=8080
readonly quickstart_message_bytes=$((4 + 22))  # length prefix + "Hello, Network System!"
server_pid=
client_pid=
nsys_pid=

step() { echo "== $*"; }
die() { echo "run_package_test: FAILED: $*" >&2; exit 1; }

cleanup() {
  for pid in $client_pid $server_pid $nsys_pid; do
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# True when something listens on TCP port $1 (IPv4 or IPv6). /proc needs no extra tool.
port_listening() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v port=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == port { found = 1 }
                       END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Payload bytes the kernel has received on the established connection(s) to local port $1.
server_bytes_received() {
  ss -Htin state established "( sport = :$1 )" 2>/dev/null |
    grep -o 'bytes_received:[0-9]*' | cut -d: -f2 | awk '{ n += $1 } END { print n + 0 }'
}

# Waits up to $2 seconds (in 0.1 s steps) for the command $1 to succeed.
wait_until() {
  local cond=$1 tenths=$(($2 * 10)) i
  for ((i = 0; i < tenths; i++)); do
    if eval "$cond"; then return 0; fi
    sleep 0.1
  done
  return 1
}

rm -rf "$work_dir"
mkdir -p "$work_dir"
prefix="$work_dir/prefix"

step "install $build_dir into $prefix"
cmake --install "$build_dir" --prefix "$prefix" --config "$build_type" > "$work_dir/install.log" \
  || { cat "$work_dir/install.log"; die "cmake --install"; }
[[ -f $(find "$prefix" -name network_systemConfig.cmake -print -quit) ]] \
  || die "no network_systemConfig.cmake under $prefix"

if [[ $with_nsys == 1 ]]; then
  nsys="$prefix/bin/nsys"
  step "installed nsys: $nsys"
  [[ -x "$nsys" ]] || die "cmake --install did not install an executable $nsys"
  "$nsys" --help > "$work_dir/nsys-help.out" 2>&1 || die "nsys --help: $(cat "$work_dir/nsys-help.out")"
  grep -q 'serve' "$work_dir/nsys-help.out" && grep -q 'bench' "$work_dir/nsys-help.out" \
    || die "nsys --help lists no serve and bench: $(cat "$work_dir/nsys-help.out")"

  step "installed nsys: serve + bench round"
  "$nsys" serve --port 0 --bind 127.0.0.1 --threads 1 > "$work_dir/nsys-serve.out" \
    2> "$work_dir/nsys-serve.err" &
  nsys_pid=$!
  wait_until "grep -qs '^listening on ' '$work_dir/nsys-serve.out' || ! kill -0 $nsys_pid 2>/dev/null" 10 \
    || die "installed nsys serve printed no 'listening on' within 10 s"
  nsys_port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work_dir/nsys-serve.out")
  [[ -n "$nsys_port" ]] || die "installed nsys serve: $(cat "$work_dir/nsys-serve.out" "$work_dir/nsys-serve.err")"
  bench=$(timeout -k 5 30 "$nsys" bench --port "$nsys_port" --conns 2 --window 4 --size 64 \
            --duration 0.5 --json --no-progress) || die "installed nsys bench exited $?: $bench"
  errors=$(grep -o '"errors":[0-9]*' <<<"$bench" | head -n1 | cut -d: -f2)
  messages=$(grep -o '"messages":[0-9]*' <<<"$bench" | head -n1 | cut -d: -f2)
  [[ "$errors" == 0 && "${messages:-0}" -gt 0 ]] || die "installed nsys bench: $bench"
  kill -TERM "$nsys_pid"
  wait_until "! kill -0 $nsys_pid 2>/dev/null" 10 || die "installed nsys serve ignored SIGTERM"
  nsys_rc=0
  wait "$nsys_pid" || nsys_rc=$?
  nsys_pid=
  [[ $nsys_rc -eq 0 ]] || die "installed nsys serve exited with $nsys_rc"
  grep -q '^summary: ' "$work_dir/nsys-serve.out" || die "installed nsys serve printed no summary"
  echo "installed nsys: $messages messages echoed, 0 errors"
fi

step "configure and build the consumer project against the installed package"
configure_args=(-S "$consumer_dir" -B "$work_dir/build" -G "$generator"
  -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_PREFIX_PATH="$prefix"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if [[ -n "$cxx" ]]; then configure_args+=(-DCMAKE_CXX_COMPILER="$cxx"); fi
if [[ -n "$sanitize" ]]; then
  # The consumer's own code gets the same instrumentation as the library it links.
  configure_args+=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize -fno-omit-frame-pointer")
fi
cmake "${configure_args[@]}" > "$work_dir/configure.log" 2>&1 \
  || { cat "$work_dir/configure.log"; die "configuring the consumer"; }
grep -- '-- network_system ' "$work_dir/configure.log" || true
found_dir=$(sed -n 's/^network_system_DIR:PATH=//p' "$work_dir/build/CMakeCache.txt")
[[ "$found_dir" == "$prefix"/* ]] || die "found network_system in '$found_dir', not in $prefix"
cmake --build "$work_dir/build" -j "$jobs" > "$work_dir/build.log" 2>&1 \
  || { cat "$work_dir/build.log"; die "building the consumer"; }
bin="$work_dir/build"

step "consumer_check"
timeout -k 5 30 "$bin/consumer_check" || die "consumer_check exited with $?"

step "README quick start: server and client on port $quickstart_port"
if port_listening "$quickstart_port"; then
  echo "port $quickstart_port is already in use; skipping the quick-start programs"
  exit 77
fi

"$bin/quickstart_server" > "$work_dir/server.out" 2> "$work_dir/server.err" &
server_pid=$!
if ! wait_until "port_listening $quickstart_port || ! kill -0 $server_pid 2>/dev/null" 10 \
   || ! kill -0 "$server_pid" 2>/dev/null; then
  cat "$work_dir/server.out" "$work_dir/server.err"
  die "quickstart_server did not listen on port $quickstart_port within 10 s"
fi
grep -q "Server running on port 8080" "$work_dir/server.out" \
  || die "quickstart_server did not print its banner: $(cat "$work_dir/server.out")"

timeout -k 5 30 "$bin/quickstart_client" > "$work_dir/client.out" 2> "$work_dir/client.err" &
client_pid=$!

# The client sends one message and then waits for the server to close the connection. Kill the
# server only once its kernel has received that message, so the client's send cannot race it.
if command -v ss >/dev/null 2>&1; then
  wait_until "[[ \$(server_bytes_received $quickstart_port) -ge $quickstart_message_bytes ]] \
              || ! kill -0 $client_pid 2>/dev/null" 10 \
    || die "the server did not receive the client's message within 10 s"
else
  echo "(ss not found: waiting 2 s for the client's message instead)"
  sleep 2
fi

kill -TERM "$server_pid" 2>/dev/null || true
wait_until "! kill -0 $server_pid 2>/dev/null" 5 || kill -KILL "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

client_rc=0
wait "$client_pid" || client_rc=$?
client_pid=
echo "client stdout: $(cat "$work_dir/client.out")"
if [[ -s "$work_dir/client.err" ]]; then
  cat "$work_dir/client.err" >&2
  die "quickstart_client printed an error"
fi
[[ $client_rc -eq 0 ]] || die "quickstart_client exited with $client_rc (124 = timed out)"
echo "package_consumer: passed"
