#!/usr/bin/env bash
# nsys argument handling: bad arguments exit 2 with a message, --help exits 0, and a bench to a
# closed port fails fast (exit 1) with a clear error instead of hanging.
#   cli_test.sh path/to/nsys
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1

# expect CODE PATTERN ARGS...: runs nsys ARGS (10 s at most), checks the exit code, and that
# stdout+stderr match PATTERN.
expect() {
  local want=$1 pattern=$2
  shift 2
  local rc=0
  timeout 10 "$nsys" "$@" >"$work_dir/out" 2>&1 || rc=$?
  [[ $rc -eq $want ]] || fail "nsys $* exited $rc, expected $want: $(cat "$work_dir/out")"
  grep -qiE -- "$pattern" "$work_dir/out" ||
    fail "nsys $*: output does not match '$pattern': $(cat "$work_dir/out")"
  echo "ok: nsys $* -> $rc"
}

expect 0 'Usage' --help
expect 0 'Usage' serve --help
expect 0 'Usage' bench --help
expect 0 'nsys 0' --version
expect 2 'subcommand is required'
expect 2 'not expected' bench --port 5555 --bogus
expect 2 'subcommand is required|not expected' frobnicate
expect 2 'port' bench --port
expect 2 'port.*required' bench --conns 4
expect 2 'port' bench --port 70000
expect 2 'conns' bench --port 5555 --conns 0
expect 2 'conns' bench --port 5555 --conns many
expect 2 'framing' serve --port 0 --framing morse
expect 2 'proto' bench --port 5555 --proto carrier-pigeon
expect 2 'excludes' bench --port 5555 --connect-rate --idle-conns 10
# UDP: options that do not apply are refused, not ignored.
expect 2 'proto' serve --port 0 --proto carrier-pigeon
expect 2 'window' bench --proto udp --port 5555 --window 0
expect 2 'size.*8.*65507' bench --proto udp --port 5555 --size 4
expect 2 'size.*8.*65507' bench --proto udp --port 5555 --size 65508
expect 2 'framing.*tcp only' bench --proto udp --port 5555 --framing line
expect 2 'connect-rate.*tcp only' bench --proto udp --port 5555 --connect-rate
expect 2 'idle-conns.*tcp only' bench --proto udp --port 5555 --idle-conns 10
expect 2 'lost-after.*udp only' bench --port 5555 --lost-after 1
expect 2 'lost-after' bench --proto udp --port 5555 --lost-after 0
expect 2 'tls needs --cert and --key' serve --proto tls --port 0
expect 2 'cert.*tls, https and wss only' serve --proto tcp --port 0 --cert x.pem --key x.key
expect 2 'wss needs --cert and --key' serve --proto wss --port 0
expect 2 'dir.*http and https only' serve --proto ws --port 0 --dir .
expect 2 'https needs --cert and --key' serve --proto https --port 0
expect 2 'framing.*tcp, tls and udp only' serve --proto http --port 0 --framing raw
expect 2 'dir.*http and https only' serve --proto tcp --port 0 --dir /tmp
expect 2 'require-client-cert.*needs --ca' serve --proto tls --port 0 --cert a --key b --require-client-cert
expect 2 'insecure.*tls only' bench --port 5555 --insecure
expect 2 'connect-rate.*tcp only' bench --proto tls --port 5555 --connect-rate
expect 2 'upload.*workload of its own' bench --port 5555 --upload --window 4
expect 2 'verify' bench --port 5555 --verify slow
expect 2 'verify.*tcp and tls echo workloads only' bench --proto udp --port 5555 --verify fast
expect 2 'verify.*tcp and tls echo workloads only' bench --port 5555 --connect-rate --verify full
expect 0 '1 message in 64' bench --help
expect 2 'upload.*tcp only' bench --proto udp --port 5555 --upload
expect 2 'threads.*one I/O thread' serve --proto udp --port 0 --threads 4
expect 2 'framing.*tcp only' serve --proto udp --port 0 --framing raw
expect 2 'max-connections.*tcp only' serve --proto udp --port 0 --max-connections 5
expect 2 'proxy-protocol' serve --port 0 --proxy-protocol sometimes
expect 2 'proxy-protocol.*tcp only' serve --proto udp --port 0 --proxy-protocol required
expect 2 'log-connections.*tcp only' serve --proto udp --port 0 --log-connections
expect 0 'proxy-protocol' serve --help
expect 2 'max-message-size.*65527' serve --proto udp --port 0 --max-message-size 70000
# HTTP: its own options, none of the echo workloads'.
expect 2 'pipeline.*http only' bench --port 5555 --pipeline 4
expect 2 'path.*http only' bench --port 5555 --path /hello
expect 2 'sliding.*http only' bench --port 5555 --sliding
expect 2 'threads.*http only' bench --port 5555 --threads 2
expect 2 'size.*does not apply to --proto http' bench --proto http --port 5555 --size 100
expect 2 'verify.*does not apply to --proto http' bench --proto http --port 5555 --verify full
expect 2 'pipeline.*give one' bench --proto http --port 5555 --pipeline 4 --window 4
expect 2 'path.*origin-form' bench --proto http --port 5555 --path hello
expect 2 'method' bench --proto http --port 5555 --method BREW
expect 2 'pipeline' bench --proto http --port 5555 --pipeline 0
expect 0 'pipeline' bench --help

# A port nobody listens on: 9 (discard) is below the ephemeral range, so no test elsewhere on
# this machine can be handed it by the OS while we run (a port a server just released could).
closed_port=9
if command -v ss >/dev/null && ss -Htuln "sport = :$closed_port" | grep -q .; then
  fail "something listens on port $closed_port here; this test needs it closed"
fi
start=$(date +%s)
expect 1 'connect to 127\.0\.0\.1:9: connection refused' bench --port "$closed_port" --duration 30
expect 1 'connection refused' bench --port "$closed_port" --connect-rate --duration 30
expect 1 'connection refused' bench --port "$closed_port" --idle-conns 10 --hold 30
expect 1 '127\.0\.0\.1:9: connection refused' bench --proto udp --port "$closed_port" --duration 30
expect 1 '127\.0\.0\.1:9: connection refused' bench --proto http --port "$closed_port" --connections 4
(( $(date +%s) - start <= 5 )) || fail "refused connections took more than 5 s to report"

# Binding a port in use is a clear error too.
start_server "$nsys" --threads 1
expect 1 'bind.*in use' serve --port "$server_port" --bind 127.0.0.1
stop_server
start_server "$nsys" --proto udp --threads 1
expect 1 'bind.*in use' serve --proto udp --port "$server_port" --bind 127.0.0.1
stop_server
echo "PASS"
