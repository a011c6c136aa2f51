#!/usr/bin/env bash
# The sample_coro_tls_echo test: makes throw-away certificates (scripts/gen-test-certs.sh) in a
# temporary directory and runs coro_tcp_echo over TLS with them.
#
# Usage: run_coro_tls.sh <coro_tcp_echo> <gen-test-certs.sh>
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bash "$2" "$dir" > /dev/null
timeout -k 5 60 "$1" --tls "$dir/server.pem" "$dir/server.key" "$dir/ca.pem" 200
