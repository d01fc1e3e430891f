#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the benchmarks and the demo need.
# Idempotent: packages already present are left alone, and apt-get runs only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  liburing-dev libnbd-dev libnbd-bin nbdkit qemu-utils
  libzstd-dev libxxhash-dev libboost-dev nlohmann-json3-dev libyaml-cpp-dev
  libsqlite3-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  libpugixml-dev libre2-dev uuid-dev iproute2
  libarchive-dev  # artifacts: the VDDK tarball listed and extracted
  clang libclang-rt-dev openssl
  golang-starlark-dev
  golang-go golang-github-vmware-govmomi-dev curl
  libext2fs-dev gdisk fdisk dosfstools ntfs-3g xfsprogs  # disk inspection and its test images
  python3  # the demo: its prompt answerer (pty) and JSON reading
  chromium chromium-driver  # the web interface's browser tests (tests/web)
)

# The web interface (web/) is built with Node.js 20+ and npm 11, which this machine image provides
# (Debian's own nodejs is too old for Vite): they are expected on PATH, not installed here.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: node and npm are missing: the web interface (web/) needs Node.js 20+ and npm 11 on PATH" >&2
  exit 1
fi

# Incus 6.0 (the target test double) comes from bookworm-backports. The machine's apt configuration is
# left alone: apt reads a private sources directory holding copies of the machine's own sources plus
# the backports suite on the same archive URI (read from those sources, never written here).
install_incus() {
  if [ -x /usr/libexec/incus/incusd ] && command -v incus >/dev/null 2>&1; then
    echo "install-deps: incus present"
    return 0
  fi
  local uri="" dir sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  # deb822 first: the URIs of the stanza whose Suites name the release itself.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk 'BEGIN{RS=""; FS="\n"} {u=""; s=0
            for (i = 1; i <= NF; i++) {
              if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); u = a[2] }
              if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) s = 1 }
            if (s && u != "") { print u; exit }}' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 ~ /[ \t]bookworm[ \t]/ { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  if [ -z "$uri" ]; then
    echo "install-deps: no Debian bookworm source in /etc/apt: cannot add bookworm-backports for incus" >&2
    return 1
  fi
  dir=$(mktemp -d /tmp/mm-incus-apt.XXXXXX)
  mkdir -p "$dir/lists/partial"
  cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list "$dir/" 2>/dev/null || true
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$dir/base.list"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" >"$dir/mm-backports.sources"
  local opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$dir" -o Dir::State::Lists="$dir/lists")
  echo "install-deps: installing incus-base incus-client from bookworm-backports ($uri)"
  local rc=0
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" update -q &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y -q \
      --no-install-recommends -t bookworm-backports incus-base incus-client; }; then
    rc=1
  fi
  rm -rf "$dir"
  return $rc
}
install_incus

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
