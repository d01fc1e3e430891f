#!/usr/bin/env bash
# The copy engine alone (`scripts/demo.sh --copy-only`): a generated 2 GiB disk (random data in
# scattered runs, holes between) is served by nbdkit on a unix socket, copied with mm-transfer
# (progress bar, checkpoint), checked by comparing the disk digests of both sides and by a
# block-by-block verify, and the report printed. Needs nothing of the user's; everything lives in a
# temporary directory removed at the end.
#   scripts/demo-copy.sh [--size 2G] [--keep]     (MM_BUILD_DIR: the build tree, default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
size=2G
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "demo --copy-only: unknown argument $1 (use --size N, --keep)" >&2; exit 2 ;;
  esac
done
mm=${MM_BUILD_DIR:-$PWD/build}/bin/mm-transfer
[ -x "$mm" ] || { echo "demo: $mm is missing: run ./scripts/run-demo (it builds first)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/mm-demo.XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ "$keep" = 1 ] && echo "demo: kept $work" || rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Serving a generated $size disk with nbdkit (sparse-random, about half data)"
nbdkit -U "$work/source.sock" -P "$work/nbdkit.pid" sparse-random size="$size" percent=40 seed=2026
for _ in $(seq 100); do [ -s "$work/nbdkit.pid" ] && [ -S "$work/source.sock" ] && break; sleep 0.05; done
pid=$(cat "$work/nbdkit.pid")
source="nbd+unix:///?socket=$work/source.sock"
"$mm" map "$source" | tail -n 3

step "Copying it into $work/disk.img"
"$mm" copy "$source" "$work/disk.img" --progress --checkpoint "$work/disk.checkpoint" --json >"$work/report.json"

step "Checking: the digest of the source and of the copy, then block by block"
src_digest=$("$mm" checksum "$source" | awk '{print $1}')
dst_digest=$("$mm" checksum "$work/disk.img" | awk '{print $1}')
echo "source digest  $src_digest"
echo "copy digest    $dst_digest"
[ "$src_digest" = "$dst_digest" ] || { echo "demo: the digests differ" >&2; exit 1; }
"$mm" verify "$source" "$work/disk.img"

step "Report"
py=/usr/bin/python3  # Debian's (install-deps); one earlier on PATH may be a slow shim
[ -x "$py" ] || py=python3
"$py" - "$work/report.json" "$work/disk.img" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
st = os.stat(sys.argv[2])
mib = lambda b: f"{b / 2**20:,.1f} MiB"
print(f"disk size        {mib(r['size'])}")
print(f"read and written {mib(r['bytes_written'])} (holes and zeroes were never read: {mib(r['bytes_skipped'])})")
print(f"time             {r['seconds']:.2f} s, {r['throughput_bytes_per_second'] / 1e6:,.0f} MB/s of disk")
print(f"copy on disk     {mib(st.st_blocks * 512)} allocated (sparse, like the source)")
print(f"digest           {r['digest']}")
PY
echo
echo "demo: done — the copy is identical to the source."
