#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing network_system need, when missing.
#
# Idempotent: a package already installed is left alone, `apt-get update` runs only when
# something must be installed, and nothing asks questions. Runs as root, or through sudo when
# that is available.
#
#   scripts/install-deps.sh            # install what is missing
#   scripts/install-deps.sh --check    # only report what is missing (exit 1 if anything is)
#
# Later issues extend the list below (and only the list below).
set -euo pipefail

packages=(
  # toolchain and build
  build-essential g++ make cmake ninja-build pkg-config git
  # library dependencies
  libasio-dev        # standalone Asio (header-only, ASIO_STANDALONE)
  libssl-dev         # OpenSSL 3.0
  node-llhttp        # HTTP/1.1 parser: its generated C sources, built into an internal target
  zlib1g-dev libbrotli-dev   # HTTP and WebSocket compression
  # tests, benchmarks, tools
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  # sanitizers and libFuzzer (make sanitize / tsan / fuzz); llvm-14 has llvm-symbolizer
  clang-14 libclang-rt-14-dev llvm-14
  # test helpers: ss (tests/package waits on sockets), timeout/kill live in coreutils/procps
  iproute2 procps
  # the nsys UDP tests run a faulty echo server in /usr/bin/python3
  python3
  # TLS peers of the interop tests (tests/interop): openssl s_client/s_server (and
  # gen-test-certs.sh), gnutls-cli, testssl (its Depends bring dnsutils and bsdextrautils)
  openssl gnutls-bin testssl.sh
  # load balancer in front of nsys serve with the PROXY protocol (tests/interop/haproxy_test)
  haproxy
  # HTTP peers: curl (interop), nginx (HTTP reference and upstream), wrk (load)
  curl nginx wrk
  # headless browser of the HTTP interop tests (tests/interop/http_chromium_test)
  chromium
  # WebSocket peers of the interop tests (SPEC §9): Python websockets, Node ws
  python3-websockets
  node-ws
)

check_only=0
if [[ "${1:-}" == "--check" ]]; then
  check_only=1
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true)" == "ii"* ]]
}

missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [[ $check_only -eq 1 ]]; then
  exit 1
fi

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "install-deps: not root and sudo is not available; install as root:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
echo "install-deps: apt-get install ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null

still_missing=()
for p in "${missing[@]}"; do
  is_installed "$p" || still_missing+=("$p")
done
if [[ ${#still_missing[@]} -ne 0 ]]; then
  echo "install-deps: still missing after install: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${#missing[@]} package(s)"
