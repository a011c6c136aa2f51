#!/usr/bin/env bash
# A short nsys serve + nsys bench round for one framing: every echo checked, some echoed, the
# server stopped with SIGTERM and its summary line consistent. Correctness, not speed.
#   roundtrip_test.sh path/to/nsys length|raw|line
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1
framing=$2

start_server "$nsys" --framing "$framing" --threads 2
for size in 64 3000; do
  out=$(timeout 20 "$nsys" bench --port "$server_port" --framing "$framing" --duration 1 \
          --conns 4 --window 8 --size "$size" --json) || fail "bench exited $?: $out"
  errors=$(json_number errors "$out")
  messages=$(json_number messages "$out")
  [[ $errors -eq 0 ]] || fail "bench reported $errors errors: $out"
  [[ $messages -gt 0 ]] || fail "bench echoed no message: $out"
  echo "ok: $framing framing, $size B: $messages messages echoed, 0 errors"
done
# The table form (what a person sees) works too.
timeout 20 "$nsys" bench --port "$server_port" --framing "$framing" --duration 0.5 --window 4 \
  >"$work_dir/table" || fail "bench (table) failed: $(cat "$work_dir/table")"
grep -q 'errors  *0' "$work_dir/table" || fail "table: $(cat "$work_dir/table")"
stop_server
[[ $(summary_field errors) -eq 0 ]] || fail "server counted errors"
[[ $(summary_field connections) -eq 9 ]] || fail "server should have seen 9 connections"
[[ $(summary_field messages_in) -gt 0 ]] || fail "server received no message"
echo "PASS"
