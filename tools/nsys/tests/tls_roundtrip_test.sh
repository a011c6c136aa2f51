#!/usr/bin/env bash
# nsys over TLS with throw-away certificates: serve --proto tls + bench --proto tls echo (every
# byte checked, the chain and host name verified), the upload workload into --sink, mutual TLS,
# and the clear errors of an untrusted certificate. Correctness, not speed.
#   tls_roundtrip_test.sh path/to/nsys path/to/gen-test-certs.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1
certs=$work_dir/certs
bash "$2" "$certs" >/dev/null || fail "gen-test-certs.sh failed"
tls=(--proto tls --cert "$certs/server.pem" --key "$certs/server.key")

start_server "$nsys" "${tls[@]}" --threads 2
for size in 64 40000; do
  out=$(timeout 20 "$nsys" bench --proto tls --host localhost --port "$server_port" \
          --ca "$certs/ca.pem" --duration 1 --conns 4 --window 8 --size "$size" --json) ||
    fail "bench exited $?: $out"
  [[ $(json_number errors "$out") -eq 0 ]] || fail "bench reported errors: $out"
  [[ $(json_number messages "$out") -gt 0 ]] || fail "bench echoed no message: $out"
  echo "ok: tls echo, $size B: $(json_number messages "$out") messages echoed, 0 errors"
done
# The chain is checked: a client that trusts another CA is refused with the reason.
out=$(timeout 20 "$nsys" bench --proto tls --host localhost --port "$server_port" \
        --ca "$certs/other-ca.pem" --duration 0.5 2>&1) && fail "an untrusted chain was accepted"
grep -q 'certificate verify failed' <<<"$out" || fail "unclear refusal: $out"
# So is the name: the certificate does not name wrong.example.
out=$(timeout 20 "$nsys" bench --proto tls --host 127.0.0.1 --server-name wrong.example \
        --port "$server_port" --ca "$certs/ca.pem" --duration 0.5 2>&1) &&
  fail "a certificate for another name was accepted"
grep -q 'hostname mismatch' <<<"$out" || fail "unclear refusal: $out"
echo "ok: untrusted CA and wrong host name refused"
stop_server
[[ $(summary_field messages_in) -gt 0 ]] || fail "server received no message"

# Upload into a sink: every chunk arrives whole (the server counts no truncated message).
start_server "$nsys" "${tls[@]}" --threads 1 --sink
out=$(timeout 20 "$nsys" bench --proto tls --port "$server_port" --insecure --upload \
        --size 65536 --conns 2 --duration 1 --json) || fail "upload exited $?: $out"
[[ $(json_number errors "$out") -eq 0 ]] || fail "upload reported errors: $out"
chunks=$(json_number chunks "$out")
stop_server
[[ $(summary_field errors) -eq 0 ]] || fail "the sink counted errors: $summary"
[[ $(summary_field messages_in) -ge $chunks ]] || fail "the sink got fewer than $chunks chunks"
echo "ok: upload, $chunks chunks of 64 KiB taken whole"

# Mutual TLS: nsys bench presents no client certificate, so the handshake is refused.
start_server "$nsys" "${tls[@]}" --threads 1 --ca "$certs/ca.pem" --require-client-cert
timeout 20 "$nsys" bench --proto tls --port "$server_port" --insecure --duration 0.5 \
  >/dev/null 2>&1 && fail "a client without a certificate was served"
stop_server
grep -q 'mutual TLS requires one' "$work_dir/server.err" ||
  fail "the server did not say why: $(cat "$work_dir/server.err")"
echo "ok: mutual TLS refuses a client without a certificate"
echo "PASS"
