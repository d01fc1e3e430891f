#!/usr/bin/env bash
# Runs scripts/demo.sh on a build tree in a temporary directory and checks that it ended with the
# digest proof: exit 0, one "yes" row per VM in the proof table, and the closing line.
#   run_demo_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/mm-demo-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp MM_BUILD_DIR=$build "$src/scripts/demo.sh" 2>&1 | tee "$tmp/demo.out"
rc=${PIPESTATUS[0]}
fail() { echo "demo test: $*" >&2; exit 1; }
[ "$rc" -eq 0 ] || fail "scripts/demo.sh exited $rc"
proof=$(sed -n '/== Proof:/,/== Summary/p' "$tmp/demo.out")
rows=$(grep -cE '^[A-Za-z0-9-]+ +[0-9a-f]{16,} +[0-9a-f]{16,} +yes$' <<<"$proof")
[ "$rows" -eq 3 ] || fail "expected 3 matching digest rows in the proof, found $rows"
grep -q "every target disk's digest equals its source's" "$tmp/demo.out" || fail "no closing line"
[ -z "$(ls -A "$tmp" | grep -v '^demo.out$')" ] || fail "the demo left files behind: $(ls "$tmp")"
echo "demo test: passed"
