#!/usr/bin/env bash
# nsys serve's WebSocket echo (SPEC §8) against Python's websockets library (a client we did not
# write): --proto ws on any path, with and without permessage-deflate; --proto http at /ws
# next to GET /hello; --proto wss with the test CA. Exits 77 (skipped) only when
# python3-websockets is not installed.
#   ws_serve_test.sh path/to/nsys path/to/gen-test-certs.sh path/to/ws_client_peer.py
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1
peer=$3
python=/usr/bin/python3
"$python" -c 'import websockets' 2>/dev/null || { echo "python3-websockets is not installed"; exit 77; }

# client URL COMPRESSION [CA]: the peer's JSON report must say ok.
client() {
  local out
  out=$(timeout 60 "$python" "$peer" "$@") || fail "ws client $* failed: $out"
  grep -q '"ok": true' <<<"$out" || fail "ws client $*: $out"
  grep -q '"binary_ok": true' <<<"$out" || fail "ws client $*: binary echo differs: $out"
  grep -q '"in_order": true' <<<"$out" || fail "ws client $*: order: $out"
}

start_server "$nsys" --proto ws --threads 1
client "ws://127.0.0.1:$server_port/any/path" deflate
client "ws://127.0.0.1:$server_port/" none
stop_server

start_server "$nsys" --proto http --threads 1
client "ws://127.0.0.1:$server_port/ws" deflate
[[ $(curl -q -sS --noproxy '*' --max-time 10 "http://127.0.0.1:$server_port/hello") == "Hello, World!" ]] ||
  fail "GET /hello next to /ws"
stop_server

certs=$work_dir/certs
bash "$2" "$certs" >/dev/null || fail "gen-test-certs.sh failed"
start_server "$nsys" --proto wss --threads 1 --cert "$certs/server.pem" --key "$certs/server.key"
client "wss://localhost:$server_port/secure" deflate "$certs/ca.pem"
stop_server
echo "ws_serve_test: ok"
