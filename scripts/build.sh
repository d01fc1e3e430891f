#!/usr/bin/env bash
# Configures and builds one build tree. Usage: scripts/build.sh [release|sanitize|fuzz] [TARGET]
#   release  -> build/          (RelWithDebInfo; binaries in build/bin)
#   sanitize -> build-sanitize/ (AddressSanitizer + UBSan, tests only)
#   fuzz     -> build-fuzz/     (clang + libFuzzer)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=${MM_JOBS:-$(nproc)}
case "$flavour" in
  release)  dir=build;          args=() ;;
  sanitize) dir=build-sanitize; args=(-DMM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
  fuzz)     dir=build-fuzz;     args=(-DMM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
                                      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release, sanitize or fuzz)" >&2; exit 2 ;;
esac
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" "${generator[@]}" "${args[@]}"
fi
# An optional second argument names the target to build (default: all).
if [ -n "${2:-}" ]; then
  cmake --build "$dir" -j "$jobs" --target "$2"
else
  cmake --build "$dir" -j "$jobs"
fi
