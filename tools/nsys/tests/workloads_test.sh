#!/usr/bin/env bash
# The connection-rate and idle-connection workloads of nsys bench, briefly, against nsys serve.
#   workloads_test.sh path/to/nsys
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1

start_server "$nsys" --threads 1
out=$(timeout 20 "$nsys" bench --port "$server_port" --connect-rate --conns 4 --duration 1 \
        --json) || fail "connect-rate exited $?: $out"
cycles=$(json_number connections "$out")
[[ $(json_number errors "$out") -eq 0 ]] || fail "connect-rate errors: $out"
[[ $cycles -gt 0 ]] || fail "no connection cycle completed: $out"
echo "ok: connect-rate: $cycles connect/echo/close cycles"

out=$(timeout 20 "$nsys" bench --port "$server_port" --idle-conns 300 --batch 100 --hold 0.5 \
        --json) || fail "idle-conns exited $?: $out"
[[ $(json_number idle_conns "$out") -eq 300 ]] || fail "idle-conns: $out"
[[ $(json_number errors "$out") -eq 0 ]] || fail "idle-conns errors: $out"
echo "ok: held 300 idle connections"
stop_server
[[ $(summary_field errors) -eq 0 ]] || fail "server counted errors"
(( $(summary_field connections) >= cycles + 300 )) || fail "server saw fewer connections"
echo "PASS"
