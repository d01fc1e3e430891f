#!/usr/bin/env bash
# Builds the Incus stand-in (Go standard library only, no module download):
#   tests/incus/standin/build.sh OUT_DIR   -> OUT_DIR/incus-standin
# Idempotent: rebuilt only when a source file or the Go toolchain changed (stamp beside the binary).
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
if ! command -v go >/dev/null 2>&1; then
  echo "incus-standin: no 'go' command: install golang-go (scripts/install-deps.sh)" >&2
  exit 1
fi
export GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=0

out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bin=$out/incus-standin
cache=$(go env GOCACHE 2>/dev/null || true)
if [ -z "$cache" ] || [ "$cache" = off ]; then cache=$out/.incus-standin-go-cache; fi
export GOCACHE=${GOCACHE:-$cache}

stamp=$({ go version; cd "$src" && find . -maxdepth 1 -name '*.go' -print0 | sort -z | xargs -0 sha256sum; } |
  sha256sum | cut -d' ' -f1)
exec 9>"$out/.incus-standin.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [ -x "$bin" ] && [ -f "$bin.stamp" ] && [ "$(cat "$bin.stamp")" = "$stamp" ]; then
  exit 0
fi
echo "incus-standin: building $bin"
tmp=$(mktemp "$out/.incus-standin.XXXXXX")
trap 'rm -f "$tmp"' EXIT
(cd "$src" && go build -p 1 -trimpath -o "$tmp" .)
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
echo "$stamp" >"$bin.stamp"
