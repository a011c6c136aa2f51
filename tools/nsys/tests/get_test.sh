#!/usr/bin/env bash
# nsys get against nsys serve --proto http and https: GET /hello, POST /echo (inline, @file,
# chunked), -o, -H, -i, the exit codes (0 on 2xx, 1 on another status or a failure, 2 on bad
# arguments), and HTTPS verified against the test CA (and refused against another CA).
#   get_test.sh path/to/nsys path/to/gen-test-certs.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
nsys=$1
certs=$work_dir/certs
bash "$2" "$certs" >/dev/null || fail "gen-test-certs.sh failed"

# get EXPECTED_RC ARGS...: nsys get ARGS (20 s at most) with stdout in $work_dir/body and
# stderr in $work_dir/err.
get() {
  local want=$1 rc=0
  shift
  timeout 20 "$nsys" get "$@" >"$work_dir/body" 2>"$work_dir/err" || rc=$?
  [[ $rc -eq $want ]] || fail "nsys get $* exited $rc, expected $want: $(cat "$work_dir/err")"
}

start_server "$nsys" --proto http --threads 1
base=http://127.0.0.1:$server_port

get 0 "$base/hello"
[[ $(cat "$work_dir/body") == "Hello, World!" ]] || fail "GET /hello body: $(cat "$work_dir/body")"
grep -q '^HTTP/1.1 200' "$work_dir/err" || fail "no status line on stderr: $(cat "$work_dir/err")"
grep -qi '^content-type: text/plain' "$work_dir/err" || fail "no headers on stderr"
echo "ok: GET /hello"

get 0 -X POST --data 'a=1&b=2' -H 'Content-Type: text/x-test' "$base/echo"
[[ $(cat "$work_dir/body") == "a=1&b=2" ]] || fail "POST /echo body: $(cat "$work_dir/body")"
grep -qi '^content-type: text/x-test' "$work_dir/err" || fail "echoed Content-Type: $(cat "$work_dir/err")"
echo "ok: POST /echo with -H"

head -c 300000 /dev/urandom >"$work_dir/upload.bin"
get 0 --data "@$work_dir/upload.bin" --chunked -H 'Content-Type: application/octet-stream' \
  -o "$work_dir/download.bin" "$base/echo"
cmp -s "$work_dir/upload.bin" "$work_dir/download.bin" || fail "chunked upload came back changed"
[[ ! -s "$work_dir/body" ]] || fail "-o wrote the body to stdout too"
echo "ok: POST @file --chunked -o FILE (300000 random bytes back unchanged)"

get 0 -i "$base/hello"
head -n1 "$work_dir/body" | grep -q '^HTTP/1.1 200' || fail "-i: no status line on stdout"
tail -c 13 "$work_dir/body" | grep -q 'Hello, World!' || fail "-i: no body after the headers"
echo "ok: -i"

get 1 "$base/no-such-path"
grep -q '^HTTP/1.1 404' "$work_dir/err" || fail "404 not shown: $(cat "$work_dir/err")"
echo "ok: 404 exits 1"
stop_server

get 1 "$base/hello"
grep -q 'connection_refused' "$work_dir/err" || fail "refused port: $(cat "$work_dir/err")"
get 1 "ftp://127.0.0.1/"
grep -q 'http_invalid_url' "$work_dir/err" || fail "bad URL: $(cat "$work_dir/err")"
get 2 -H 'no colon' "$base/hello"
get 2 --insecure --cacert "$certs/ca.pem" "$base/hello"
echo "ok: refused port, bad URL and bad arguments"

start_server "$nsys" --proto https --threads 1 --cert "$certs/server.pem" --key "$certs/server.key"
secure=https://localhost:$server_port
get 0 --cacert "$certs/ca.pem" "$secure/hello"
[[ $(cat "$work_dir/body") == "Hello, World!" ]] || fail "https GET /hello: $(cat "$work_dir/body")"
get 0 --cacert "$certs/ca.pem" --data 'over tls' "$secure/echo"
[[ $(cat "$work_dir/body") == "over tls" ]] || fail "https POST /echo: $(cat "$work_dir/body")"
get 1 --cacert "$certs/other-ca.pem" "$secure/hello"
grep -q 'certificate_verification_failed' "$work_dir/err" || fail "untrusted CA: $(cat "$work_dir/err")"
get 0 --insecure "$secure/hello"
echo "ok: https with the test CA, refused with another CA, --insecure"
stop_server
