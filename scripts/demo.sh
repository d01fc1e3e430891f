#!/usr/bin/env bash
# The demo: a whole warm migration on the embedded lab, as a user drives it.
#   mm-lab            the VMware simulator (3 VMs, real data on their disks, change tracking on, the
#                     guests writing every 2 s) and the Incus lab target (a private incusd + the VM
#                     stand-in), all on loopback
#   migration-managerd on its own state directory and unix socket, reading the datastore as a
#                     mounted directory (--datastore-dir)
#   migration-manager  the documents' commands: source add/update (the fingerprint checked against
#                     the lab's), target add/update, instance list, network edit, a batch whose window
#                     opens a minute ahead, batch start, `queue list` as it moves, and batch info
# then proves each target disk's digest equals its source's (mm-transfer checksum of the source image
# the cutover left), prints a summary and cleans everything up. Needs root (incusd). A few minutes.
#   scripts/demo.sh [--keep] [--window-in SECONDS]
#   scripts/demo.sh --copy-only [--size 2G] [--keep]    the copy engine alone (scripts/demo-copy.sh)
# MM_BUILD_DIR: the build tree (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
[ "${1:-}" = --copy-only ] && { shift; exec "$repo/scripts/demo-copy.sh" "$@"; }
keep=0
window_in=60
while [ $# -gt 0 ]; do
  case $1 in
    --keep) keep=1; shift ;;
    --window-in) window_in=$2; shift 2 ;;
    *) echo "demo: unknown argument $1 (use --keep, --window-in SECONDS, or --copy-only)" >&2; exit 2 ;;
  esac
done
bin=${MM_BUILD_DIR:-$repo/build}/bin
for b in mm-lab migration-managerd migration-manager mm-transfer vmware-sim incus-standin; do
  [ -x "$bin/$b" ] || { echo "demo: $bin/$b is missing: run ./scripts/run-demo (it builds first)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (the lab runs a private incusd)" >&2; exit 1; }

started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/mm-demo.XXXXXX")
chmod 755 "$work"
lab_pid= daemon_pid=
# Stops what this demo started, by pid: the daemon, then the lab (which stops its own servers).
cleanup() {
  local rc=$?
  set +e
  if [ -n "$daemon_pid" ]; then kill -TERM "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; fi
  if [ -n "$lab_pid" ]; then
    kill -TERM "$lab_pid" 2>/dev/null
    for _ in $(seq 600); do kill -0 "$lab_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$lab_pid" 2>/dev/null
    wait "$lab_pid" 2>/dev/null
  fi
  if [ "$rc" -ne 0 ]; then
    echo "demo: FAILED (exit $rc); logs:" >&2
    for f in "$work"/daemon.log "$work"/mm-lab.log; do
      [ -f "$f" ] && { echo "--- $f (last 30 lines)" >&2; tail -n 30 "$f" >&2; }
    done
  fi
  if [ "$keep" = 1 ]; then echo "demo: kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '\033[2m# %s\033[0m\n' "$*"; }
# Shows a command as the user types it, then runs it. The CLI talks to the daemon's unix socket
# ($MIGRATION_MANAGER_SOCKET) and keeps its configuration in the demo's directory.
export MIGRATION_MANAGER_SOCKET=$work/state/unix.socket MIGRATION_MANAGER_CONF=$work/cli
mm() {
  printf '\n$ migration-manager %s\n' "$*"
  "$bin/migration-manager" "$@"
}
# The same, typing ANSWERS at its prompts on a terminal: mm_answering ANSWER... -- ARGS...
mm_answering() {
  local answers=()
  while [ "$1" != -- ]; do answers+=("$1"); shift; done
  shift
  printf '\n$ migration-manager %s\n' "$*"
  "$repo/scripts/answer-prompts" "${answers[@]}" -- "$bin/migration-manager" "$@" | tee "$work/last.out"
  return "${PIPESTATUS[0]}"
}
# Debian's python3 (install-deps): a python3 earlier on PATH may be a slow shim (pyenv).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
json() { "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
elapsed() { echo "$(($(date +%s) - started))s"; }

# --- mm-bench (capacity planning, bin/mm-bench): measure the copy the daemon will make, plan the
# --- batch before it starts (saved as JSON), and after it finished put the measured stage times next
# --- to the prediction. A plan that could not be made (exit 2) is said, and the demo goes on.
bench_plan() {
  [ -x "$bin/mm-bench" ] || return 0
  local img=$ds_dir/${vm_names[0]}/${vm_names[0]}-flat.vmdk rc=0
  step "Capacity planning: mm-bench measure, then mm-bench plan $1"
  note "the copy, and each stage's fixed costs on the lab itself: a snapshot cycle on ${vm_names[0]},"
  note "a probe instance on the target, one mm-transfer process, and ${vm_names[0]} powered off and back on"
  printf '\n$ mm-bench measure --source %s --target mm-bench.img --lab-info lab.json --allow-power-cycle --out measurements.json\n' "$img"
  "$bin/mm-bench" measure --source "$img" --target "$work/mm-bench.img" --lab-info "$lab" \
    --allow-power-cycle --out "$work/measurements.json" ||
    { note "mm-bench measure failed (the demo goes on)"; return 0; }
  printf '\n$ mm-bench plan %s --measurements measurements.json --svg plan.svg\n' "$1"
  "$bin/mm-bench" plan "$1" --measurements "$work/measurements.json" --svg "$work/plan.svg" || rc=$?
  [ "$rc" -eq 2 ] && { note "mm-bench plan failed (the demo goes on)"; return 0; }
  "$bin/mm-bench" plan "$1" --measurements "$work/measurements.json" --json >"$work/plan.json" || true
  planned_batch=$1
}
bench_measured() {
  [ -n "${planned_batch:-}" ] || return 0
  step "The prediction against what happened"
  printf '\n$ mm-bench report %s --plan plan.json\n' "$planned_batch"
  "$bin/mm-bench" report "$planned_batch" --plan "$work/plan.json" || note "mm-bench report failed"
}
# --- end of the mm-bench hook

step "Starting the lab: VMware simulator + Incus target (mm-lab)"
MM_TEST_TMPDIR=$work "$bin/mm-lab" --info "$work/lab.json" --vms 3 --churn 2 >"$work/mm-lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 1200); do
  [ -s "$work/lab.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$work/mm-lab.log" >&2; echo "demo: mm-lab failed" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/lab.json" ] || { echo "demo: mm-lab not ready after 120 s" >&2; exit 1; }
lab=$work/lab.json
export MM_LAB_INFO=$lab  # for mm-bench
vc_url=$(json "$lab" 'd["vmware"]["endpoint"]')
vc_user=$(json "$lab" 'd["vmware"]["username"]')
vc_pass=$(json "$lab" 'd["vmware"]["password"]')
vc_fp=$(json "$lab" 'd["vmware"]["fingerprint"]')
ds_dir=$(json "$lab" 'd["vmware"]["datastore_dir"]["datastore-01"]')
incus_url=$(json "$lab" 'd["incus"]["endpoint"]')
incus_fp=$(json "$lab" 'd["incus"]["fingerprint"]')
pool_dir=$(json "$lab" 'd["incus"]["pool_dirs"]["default"]')
mapfile -t vm_names < <(json "$lab" '"\n".join(v["name"] for v in d["vms"])')
note "ESXi host (simulated): $vc_url; Incus target: $incus_url; ready after $(elapsed)"
for v in "${vm_names[@]}"; do
  img=$ds_dir/$v/$v-flat.vmdk
  note "$v: $(($(stat -c %s "$img") >> 20)) MiB disk, $(($(stat -c %b "$img") * 512 >> 20)) MiB of data; its guest writes every 2 s"
done

step "Starting migration-managerd (state in $work/state)"
"$bin/migration-managerd" --state-dir "$work/state" --datastore-dir "datastore-01=$ds_dir" \
  >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do [ -S "$MIGRATION_MANAGER_SOCKET" ] && break; sleep 0.1; done
[ -S "$MIGRATION_MANAGER_SOCKET" ] || { echo "demo: the daemon did not start" >&2; exit 1; }
note "listening on unix:$MIGRATION_MANAGER_SOCKET"

step "Register the source (the documents' 000: source add, then pin the fingerprint)"
mm_answering "$vc_user" "$vc_pass" "" -- source add esxi01 "$vc_url" || true
seen_fp=$(grep -o 'fingerprint [0-9a-f]\{64\}' "$work/last.out" | awk '{print $2}' || true)
[ -n "$seen_fp" ] || { echo "demo: source add did not report the certificate's fingerprint" >&2; exit 1; }
note "the certificate the source presented: $seen_fp"
[ "$seen_fp" = "$vc_fp" ] || { echo "demo: that is NOT the lab's certificate ($vc_fp)" >&2; exit 1; }
note "it is the one the lab announced: trusting it"
mm_answering "" "" "no" "" "$seen_fp" -- source update esxi01
mm source list

step "Register the target"
mm_answering "" "" "" tls "$(json "$lab" 'd["incus"]["client_cert"]')" \
  "$(json "$lab" 'd["incus"]["client_key"]')" -- target add incus01 "$incus_url" || true
seen_fp=$(grep -o 'fingerprint [0-9a-f]\{64\}' "$work/last.out" | awk '{print $2}' || true)
if [ -n "$seen_fp" ]; then
  [ "$seen_fp" = "$incus_fp" ] || { echo "demo: $seen_fp is NOT the lab's certificate ($incus_fp)" >&2; exit 1; }
  note "the target's certificate is the one the lab announced: trusting it"
  mm_answering "" "" "" "" "" "no" "$seen_fp" -- target update incus01
fi
mm target list

step "The instances and networks the source sync found"
mm instance list
net_uuid=$("$bin/migration-manager" network list -f csv,noheader | head -n 1 | cut -d, -f1)
note "the port group VMWARE lands on network VMWARE by default; the lab's network is incusbr0"
printf '\n$ migration-manager network edit %s < network.yaml\n' "$net_uuid"
printf 'network: incusbr0\nnictype: managed\nvlan_id: ""\n' | tee "$work/network.yaml"
"$bin/migration-manager" network edit "$net_uuid" <"$work/network.yaml"
mm network list

step "A batch with a migration window opening in ${window_in}s"
win_epoch=$(($(date +%s) + window_in))
win_start=$(date -u -d "@$win_epoch" '+%Y-%m-%d %H:%M:%S')
win_end=$(date -u -d "@$((win_epoch + 900))" '+%Y-%m-%d %H:%M:%S')
cat >"$work/batch01.yaml" <<EOF
name: batch01
include_expression: "source == 'esxi01' and len(disks) == 1"
migration_windows:
  - name: window1
    start: $win_start
    end: $win_end
constraints: []
defaults:
    placement:
        target: incus01
        target_project: default
        storage_pool: default
    migration_network: []
config:
    rerun_scriptlets: false
    placement_scriptlet: ""
    post_migration_retries: 5
    instance_restriction_overrides:
        allow_unknown_os: false
        allow_no_ipv4: false
        allow_no_background_import: false
    background_sync_interval: 15s
    final_background_sync_limit: 10s
EOF
mm batch add batch01
printf '\n$ migration-manager batch edit batch01 < batch01.yaml\n'
cat "$work/batch01.yaml"
"$bin/migration-manager" batch edit batch01 <"$work/batch01.yaml"
mm batch info batch01
bench_plan batch01

step "Start the batch and watch the queue"
journal_lines() { cat "$ds_dir"/*/*.cbt.jsonl | grep -c offset || true; }
writes_before=$(journal_lines)
mm batch start batch01
deadline=$((win_epoch + 240))
# Polled twice a second over the socket (cheap); the user's view, `queue list`, is printed whenever
# an instance's status changes, and every 15 s.
poll() {
  curl -sf --unix-socket "$MIGRATION_MANAGER_SOCKET" 'http://mm/1.0/queue?recursion=1' |
    grep -oE '"(instance_name|migration_status)": ?"[^"]*"' | sed 's/.*: \?//' | paste -sd' '
}
last_sig= last_print=0
while :; do
  now=$(date +%s)
  sig=$(poll || true)
  if [ "$sig" != "$last_sig" ] || [ $((now - last_print)) -ge 15 ]; then
    if [ "$now" -lt "$win_epoch" ]; then when="window opens in $((win_epoch - now))s"; else when="window open since $((now - win_epoch))s"; fi
    printf '\n\033[2m# %s (%s)\033[0m' "$(date -u '+%H:%M:%S')" "$when"
    mm queue list
    last_sig=$sig last_print=$now
  fi
  case "$sig" in *'"Error"'*|*'"Blocked"'*|*'"Conflict"'*|*'"Canceled"'*)
    for v in "${vm_names[@]}"; do mm queue show "$v" || true; done
    echo "demo: a migration did not go through" >&2; exit 1 ;;
  esac
  n_done=$(grep -o '"Finished"' <<<"$sig" | wc -l || true)
  [ "$n_done" -eq "${#vm_names[@]}" ] && break
  [ "$now" -lt "$deadline" ] || { echo "demo: not finished 4 minutes after the window opened" >&2; exit 1; }
  sleep 0.5
done
writes_after=$(journal_lines)
mm batch info batch01

step "What happened to each instance (queue events, progress lines left out)"
for v in "${vm_names[@]}"; do
  printf '\n$ migration-manager queue events %s | grep -v progress\n' "$v"
  "$bin/migration-manager" queue events "$v" | tee "$work/events-$v.txt" | grep -v '\.progress' || true
done
"$py" - "$work" "${vm_names[@]}" >"$work/stage-times.txt" <<'PY'
import datetime, sys
work, names = sys.argv[1], sys.argv[2:]
def t(s):  # RFC 3339, fractions of any length (Python's fromisoformat takes at most 6 digits)
    day, _, frac = s.rstrip("Z").partition(".")
    return datetime.datetime.fromisoformat(day) + datetime.timedelta(seconds=float("0." + (frac or "0")))
print(f"{'instance':<10} {'background import':>18} {'top-ups':>22} {'final import':>13} {'downtime':>9}")
for n in names:
    ev = [l.split("  ", 2) for l in open(f"{work}/events-{n}.txt") if l.strip()]
    first = lambda ty: next((t(e[0]) for e in ev if e[1] == ty), None)
    secs = lambda a, b: (b - a).total_seconds() if a and b else float("nan")
    bg = secs(first("background_import.started"), first("background_import.completed"))
    starts = [t(e[0]) for e in ev if e[1] == "top_up.started"]
    ends = [t(e[0]) for e in ev if e[1] == "top_up.completed"]
    tops = ", ".join(f"{(b - a).total_seconds():.1f}s" for a, b in zip(starts, ends)) or "none"
    fin = secs(first("final_import.started"), first("final_import.completed"))
    down = secs(first("source.powered_off"), first("target.started"))
    print(f"{n:<10} {bg:>17.1f}s {len(starts):>3} ({tops[:16]:>16}) {fin:>12.1f}s {down:>8.1f}s")
print("(from the queue events' times; downtime: source powered off until the target started)")
PY

step "Proof: every target disk holds exactly its source disk as the cutover left it"
ok=1
note "source: [datastore-01] VM/VM-flat.vmdk on the ESXi host; target: the VM's root disk in Incus pool default"
printf '%-10s %-32s  %-32s  %s\n' VM "source digest" "target digest" same
for v in "${vm_names[@]}"; do
  src=$("$bin/mm-transfer" checksum "$ds_dir/$v/$v-flat.vmdk" | awk '{print $1}')
  dst=$("$bin/mm-transfer" checksum "$pool_dir/virtual-machines/$v/root.img" | awk '{print $1}')
  same=yes; [ "$src" = "$dst" ] || { same=NO; ok=0; }
  printf '%-10s %-32s  %-32s  %s\n' "$v" "$src" "$dst" "$same"
done
[ "$ok" = 1 ] || { echo "demo: a target disk differs from its source" >&2; exit 1; }

step "Summary"
cat "$work/stage-times.txt"
echo
note "guest writes journaled while the batch ran: $((writes_after - writes_before)) (the VMs kept changing until their cutover)"
note "demo wall time: $(elapsed)"
bench_measured
echo
echo "demo: done — ${#vm_names[@]} VMs migrated; every target disk's digest equals its source's."
