#!/usr/bin/env bash
# Smoke test of the VMware test double over the wire, with curl and raw vim25 SOAP:
# start-up line, TLS fingerprint, RetrieveServiceContent, Login (bad and good password),
# FindByInventoryPath, the PropertyCollector, QueryChangedDiskAreas (a reply and a fault), Logout.
#   tests/vmware-sim/smoke.sh [PATH/TO/vmware-sim]     (default: build it into a temp dir)
# SMOKE_KEEP=1 keeps the work directory (requests' replies, the simulator's stderr).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/vmware-sim-smoke.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "${SMOKE_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

bin=${1:-}
if [ -z "$bin" ]; then
  "$here/build.sh" "$work/bin"
  bin=$work/bin/vmware-sim
fi

passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION FILE REGEX...
  local what=$1 file=$2; shift 2
  local re
  for re in "$@"; do
    if ! grep -Eq -- "$re" "$file"; then
      bad "$what: no match for '$re' in: $(head -c 1500 "$file")"
      return 0
    fi
  done
  ok "$what"
}
field() { # field NAME: a string field of the start-up JSON line
  grep -o "\"$1\":\"[^\"]*\"" "$work/info.json" | head -n1 | sed "s/^\"$1\":\"//; s/\"\$//"
}

mkdir -p "$work/ds"
sed "s|\"datastores\": \[{\"name\": \"datastore1\"}\]|\"datastores\": [{\"name\": \"datastore1\", \"path\": \"$work/ds\"}]|" \
  "$here/testdata/lab.json" > "$work/model.json"
grep -q "$work/ds" "$work/model.json" || { echo "FAIL: could not place the datastore"; exit 1; }

"$bin" --model vcenter --config "$work/model.json" --username smoke --password 's3cret-pw' \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 1 300); do
  if [ -s "$work/stdout" ]; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "FAIL: vmware-sim exited"; cat "$work/stderr"; exit 1; fi
  sleep 0.1
done
head -n1 "$work/stdout" > "$work/info.json"
check "start-up line" "$work/info.json" '^\{.*"url":"https://127\.0\.0\.1:[0-9]+/sdk"' \
  '"fingerprint":"([0-9A-F]{2}:){31}[0-9A-F]{2}"' '"username":"smoke"'

url=$(field url)
hostport=${url#https://}
hostport=${hostport%%/*}
fingerprint=$(field fingerprint)
served=$(openssl s_client -connect "$hostport" </dev/null 2>/dev/null |
  openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//')
if [ "$served" = "$fingerprint" ]; then ok "served certificate matches the fingerprint"
else bad "fingerprint: served '$served', announced '$fingerprint'"; fi

soap() { # soap OUTFILE BODY: POST one SOAP call with the session cookie; prints the HTTP code
  curl -sS -k -o "$1" -w '%{http_code}' -b "$work/cookies" -c "$work/cookies" \
    -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: "urn:vim25/7.0"' \
    --data-binary "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soapenv:Body>$2</soapenv:Body></soapenv:Envelope>" \
    "$url"
}
tag() { # tag FILE NAME: the text of the first <NAME ...>text</NAME>
  grep -o "<$2[^>]*>[^<]*</$2>" "$1" | head -n1 | sed 's/<[^>]*>//g'
}
: > "$work/cookies"

code=$(soap "$work/sc.xml" '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>')
check "RetrieveServiceContent (HTTP $code)" "$work/sc.xml" 'RetrieveServiceContentResponse xmlns="urn:vim25"' \
  '<sessionManager type="SessionManager">' '<searchIndex type="SearchIndex">' '<apiType>VirtualCenter</apiType>'
sm=$(tag "$work/sc.xml" sessionManager)
si=$(tag "$work/sc.xml" searchIndex)
pc=$(tag "$work/sc.xml" propertyCollector)

code=$(soap "$work/badlogin.xml" "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">$sm</_this><userName>smoke</userName><password>wrong</password></Login>")
if [ "$code" = 500 ]; then ok "bad password refused (HTTP 500)"; else bad "bad password: HTTP $code"; fi
check "bad password fault" "$work/badlogin.xml" 'InvalidLoginFault'

code=$(soap "$work/login.xml" "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">$sm</_this><userName>smoke</userName><password>s3cret-pw</password></Login>")
check "Login (HTTP $code)" "$work/login.xml" 'LoginResponse xmlns="urn:vim25"' '<userName>smoke</userName>'
grep -q vmware_soap_session "$work/cookies" && ok "session cookie set" || bad "no vmware_soap_session cookie"

code=$(soap "$work/find.xml" "<FindByInventoryPath xmlns=\"urn:vim25\"><_this type=\"SearchIndex\">$si</_this><inventoryPath>Europe/Lab/vm/prod/web/web01</inventoryPath></FindByInventoryPath>")
check "FindByInventoryPath (HTTP $code)" "$work/find.xml" '<returnval type="VirtualMachine">vm-[0-9]+</returnval>'
vm=$(tag "$work/find.xml" returnval)

code=$(soap "$work/props.xml" "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><specSet><propSet><type>VirtualMachine</type><pathSet>snapshot</pathSet><pathSet>config.changeTrackingEnabled</pathSet><pathSet>config.guestFullName</pathSet></propSet><objectSet><obj type=\"VirtualMachine\">$vm</obj></objectSet></specSet><options/></RetrievePropertiesEx>")
check "RetrievePropertiesEx (HTTP $code)" "$work/props.xml" '<currentSnapshot type="VirtualMachineSnapshot">snapshot-[0-9]+</currentSnapshot>' \
  'Ubuntu Linux \(64-bit\)' '<name>migration</name>'
snap=$(tag "$work/props.xml" currentSnapshot)

# Put data on the disk so that "*" reports something: 4 KiB at 1 MiB.
image=$work/ds/web01/web01-flat.vmdk
dd if=/dev/urandom of="$image" bs=4096 count=1 seek=256 conv=notrunc status=none

qcda() {
  soap "$1" "<QueryChangedDiskAreas xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">$vm</_this><snapshot type=\"VirtualMachineSnapshot\">$snap</snapshot><deviceKey>2000</deviceKey><startOffset>$2</startOffset><changeId>$3</changeId></QueryChangedDiskAreas>"
}
code=$(qcda "$work/qcda.xml" 0 '*')
check "QueryChangedDiskAreas * (HTTP $code)" "$work/qcda.xml" \
  '<QueryChangedDiskAreasResponse xmlns="urn:vim25"><returnval><startOffset>0</startOffset><length>1073741824</length><changedArea><start>1048576</start><length>65536</length></changedArea></returnval></QueryChangedDiskAreasResponse>'

code=$(qcda "$work/qcda-bad.xml" 0 '52 00 00 00 00 00 00 00-00 00 00 00 00 00 00 00/1')
if [ "$code" = 500 ]; then ok "unknown changeId refused (HTTP 500)"; else bad "unknown changeId: HTTP $code"; fi
check "unknown changeId fault" "$work/qcda-bad.xml" 'InvalidArgumentFault' '<invalidProperty>changeId</invalidProperty>'

# Incremental: the changeId of the current snapshot, a write recorded in the disk's journal,
# a new snapshot, then the areas changed since that changeId as of the new snapshot.
code=$(soap "$work/snapcfg.xml" "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><specSet><propSet><type>VirtualMachineSnapshot</type><pathSet>config.hardware.device</pathSet></propSet><objectSet><obj type=\"VirtualMachineSnapshot\">$snap</obj></objectSet></specSet><options/></RetrievePropertiesEx>")
check "snapshot config (HTTP $code)" "$work/snapcfg.xml" '<changeId>52( [0-9a-f]{2}){7}-[0-9a-f]{2}( [0-9a-f]{2}){7}/[0-9]+</changeId>'
changeid=$(tag "$work/snapcfg.xml" changeId) # disk 2000 comes first
dd if=/dev/urandom of="$image" bs=512 count=1 seek=$((300 * 2048)) conv=notrunc status=none
echo '{"offset":314572800,"length":512}' >> "$image.cbt.jsonl"
code=$(soap "$work/snap.xml" "<CreateSnapshot_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">$vm</_this><name>smoke</name><memory>false</memory><quiesce>false</quiesce></CreateSnapshot_Task>")
check "CreateSnapshot_Task (HTTP $code)" "$work/snap.xml" '<returnval type="Task">'
code=$(soap "$work/props2.xml" "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><specSet><propSet><type>VirtualMachine</type><pathSet>snapshot.currentSnapshot</pathSet></propSet><objectSet><obj type=\"VirtualMachine\">$vm</obj></objectSet></specSet><options/></RetrievePropertiesEx>")
newsnap=$(grep -o 'type="VirtualMachineSnapshot">snapshot-[0-9]*<' "$work/props2.xml" | sed 's/.*>//; s/<$//' || true)
if [ -n "$newsnap" ] && [ "$newsnap" != "$snap" ]; then ok "new current snapshot $newsnap"; else bad "no new snapshot: $(cat "$work/props2.xml")"; fi
snap=$newsnap
code=$(qcda "$work/qcda-inc.xml" 0 "$changeid")
check "QueryChangedDiskAreas since $changeid (HTTP $code)" "$work/qcda-inc.xml" \
  '<returnval><startOffset>0</startOffset><length>1073741824</length><changedArea><start>314572800</start><length>65536</length></changedArea></returnval>'

code=$(soap "$work/logout.xml" "<Logout xmlns=\"urn:vim25\"><_this type=\"SessionManager\">$sm</_this></Logout>")
check "Logout (HTTP $code)" "$work/logout.xml" 'LogoutResponse'
code=$(qcda "$work/qcda-anon.xml" 0 '*')
check "no session after Logout (HTTP $code)" "$work/qcda-anon.xml" 'NotAuthenticatedFault'

kill "$pid"
if wait "$pid"; then ok "stops on SIGTERM"; else bad "exit status $? on SIGTERM"; fi
pid=

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
