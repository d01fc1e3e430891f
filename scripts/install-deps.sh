#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the benchmarks and the demo need.
# Idempotent: packages already present are left alone, and apt-get runs only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  liburing-dev libnbd-dev libnbd-bin nbdkit qemu-utils
  libzstd-dev libxxhash-dev libboost-dev nlohmann-json3-dev libyaml-cpp-dev
  libsqlite3-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  libpugixml-dev libre2-dev uuid-dev
  clang libclang-rt-dev openssl
  golang-starlark-dev
  golang-go golang-github-vmware-govmomi-dev curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
