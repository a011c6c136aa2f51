#!/usr/bin/env bash
# Generates throw-away certificates for the TLS tests and benchmarks into OUTDIR, with openssl.
# Nothing here is secret or kept: tests run it into a temporary directory at test time, and no
# private key is ever committed.
#
#   scripts/gen-test-certs.sh OUTDIR
#
# Writes (all keys ECDSA P-256, PEM; every certificate valid for 2 days unless noted):
#   ca.pem ca.key                 the test CA
#   server.pem server.key         server certificate signed by ca: localhost, 127.0.0.1, ::1
#   client.pem client.key         client certificate (CN=test-client, clientAuth) signed by ca
#   expired.pem expired.key       server certificate for localhost, signed by ca, expired in 2020
#   wronghost.pem wronghost.key   server certificate signed by ca for wrong.example only
#   other-ca.pem other-ca.key     a second CA that nobody trusts
#   untrusted.pem untrusted.key   server certificate for localhost signed by other-ca
#   untrusted-client.pem/.key     client certificate signed by other-ca
#   ca-dir/                       ca.pem in OpenSSL's hashed directory layout (openssl rehash)
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
cd "$out"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

make_ca() {  # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 2 -subj "/CN=$2" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# name ca subject extensions-file [openssl ca date options...]
make_leaf() {
  local name=$1 ca=$2 subject=$3 ext=$4
  shift 4
  key "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$subject" -out "$name.csr" 2>/dev/null
  if [[ $# -eq 0 ]]; then
    openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
      -sha256 -days 2 -extfile "$ext" -out "$name.pem" 2>/dev/null
  else
    # Fixed past dates need `openssl ca` (OpenSSL 3.0's x509 has no -not_before).
    local db
    db=$(mktemp -d)
    : >"$db/index.txt"
    echo 01 >"$db/serial"
    cat >"$db/ca.cnf" <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
EOF
    openssl ca -batch -config "$db/ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" \
      -in "$name.csr" -extfile "$ext" -out "$name.pem" -notext "$@" 2>/dev/null
    rm -rf "$db"
  fi
  rm -f "$name.csr"
}

cat >server.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
cat >wronghost.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:wrong.example
EOF
cat >client.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOF

make_ca ca "network_system test CA"
make_ca other-ca "untrusted test CA"
make_leaf server ca localhost server.ext
make_leaf client ca test-client client.ext
make_leaf expired ca localhost server.ext -startdate 20200101000000Z -enddate 20200102000000Z
make_leaf wronghost ca wrong.example wronghost.ext
make_leaf untrusted other-ca localhost server.ext
make_leaf untrusted-client other-ca test-client client.ext
rm -f ./*.ext ./*.srl

mkdir -p ca-dir
cp ca.pem ca-dir/
openssl rehash ca-dir >/dev/null 2>&1 || c_rehash ca-dir >/dev/null
chmod 600 ./*.key
