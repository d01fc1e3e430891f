#!/usr/bin/env bash
# Builds the VMware test double (tests/vmware-sim) against Debian's govmomi.
#   tests/vmware-sim/build.sh OUT_DIR          -> OUT_DIR/vmware-sim
#   tests/vmware-sim/build.sh --test [GO_TEST_ARGS...]   runs its Go tests
# Idempotent: the binary is rebuilt only when a source file, the Go toolchain or the govmomi
# package changed (a stamp beside the binary records what it was built from).
# Needs golang-go and golang-github-vmware-govmomi-dev (scripts/install-deps.sh installs them).
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
gocode=/usr/share/gocode

if ! command -v go >/dev/null 2>&1; then
  echo "vmware-sim: no 'go' command: install golang-go (scripts/install-deps.sh)" >&2
  exit 1
fi
if [ ! -d "$gocode/src/github.com/vmware/govmomi/simulator" ]; then
  echo "vmware-sim: $gocode has no govmomi: install golang-github-vmware-govmomi-dev (scripts/install-deps.sh)" >&2
  exit 1
fi

# GOPATH mode against the Debian packages: no module download, no network.
export GO111MODULE=off GOPATH=$gocode GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=0
# The build cache: the caller's, else Go's default, else one beside the output.
cache_default() {
  local c
  c=$(go env GOCACHE 2>/dev/null || true)
  if [ -z "$c" ] || [ "$c" = off ]; then c=$1; fi
  echo "$c"
}

if [ "${1:-}" = "--test" ]; then
  shift
  export GOCACHE=${GOCACHE:-$(cache_default "${TMPDIR:-/tmp}/vmware-sim-go-cache")}
  cd "$src"
  exec go test -p 1 -count=1 "$@" .
fi

out=${1:?usage: build.sh OUT_DIR | --test [go test args]}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bin=$out/vmware-sim
export GOCACHE=${GOCACHE:-$(cache_default "$out/.vmware-sim-go-cache")}

stamp_of() {
  {
    go version
    dpkg-query -W -f='${Version}\n' golang-github-vmware-govmomi-dev 2>/dev/null || echo unknown
    cd "$src" && find . -maxdepth 1 -name '*.go' ! -name '*_test.go' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

exec 9>"$out/.vmware-sim.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

stamp=$(stamp_of)
if [ -x "$bin" ] && [ -f "$bin.stamp" ] && [ "$(cat "$bin.stamp")" = "$stamp" ]; then
  exit 0
fi

echo "vmware-sim: building $bin"
tmp=$(mktemp "$out/.vmware-sim.XXXXXX")
trap 'rm -f "$tmp"' EXIT
(cd "$src" && go build -p 1 -trimpath -o "$tmp" .)
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
echo "$stamp" > "$bin.stamp"
