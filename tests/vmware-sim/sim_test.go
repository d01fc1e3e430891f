package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const mib = 1 << 20

func startForTest(t *testing.T, kind string, m *modelFile) (*instance, *govmomi.Client) {
	t.Helper()
	cert, err := loadOrMakeCert("", "")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := start(options{kind: kind, model: m, listen: "127.0.0.1:0",
		username: "alice", password: "secret", cert: cert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.stop)

	ctx := context.Background()
	u, _ := url.Parse(inst.info["url"].(string))
	u.User = url.UserPassword("alice", "wrong")
	if _, err := govmomi.NewClient(ctx, u, true); err == nil {
		t.Fatal("a bad password logged in")
	}
	u.User = url.UserPassword("alice", "secret")
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		t.Fatal(err)
	}
	return inst, c
}

func findVM(t *testing.T, c *govmomi.Client, path string) *object.VirtualMachine {
	t.Helper()
	ref, err := object.NewSearchIndex(c.Client).FindByInventoryPath(context.Background(), path)
	if err != nil || ref == nil {
		t.Fatalf("FindByInventoryPath(%s): %v %v", path, ref, err)
	}
	return ref.(*object.VirtualMachine)
}

func vmProps(t *testing.T, vm *object.VirtualMachine) mo.VirtualMachine {
	t.Helper()
	var m mo.VirtualMachine
	if err := vm.Properties(context.Background(), vm.Reference(), nil, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func snapshotChangeID(t *testing.T, c *govmomi.Client, snap types.ManagedObjectReference, key int32) string {
	t.Helper()
	var m mo.VirtualMachineSnapshot
	pc := object.NewCommon(c.Client, snap)
	if err := pc.Properties(context.Background(), snap, []string{"config"}, &m); err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok && disk.Key == key {
			return changeIDOf(disk)
		}
	}
	t.Fatalf("no disk %d in snapshot %s", key, snap)
	return ""
}

// query pages through QueryChangedDiskAreas as a client does, returning every area and the
// number of calls it took.
func query(c *govmomi.Client, vm types.ManagedObjectReference, snap *types.ManagedObjectReference,
	key int32, changeID string, capacity int64) ([]extent, int, error) {
	var out []extent
	calls := 0
	for off := int64(0); off < capacity; {
		res, err := methods.QueryChangedDiskAreas(context.Background(), c.Client, &types.QueryChangedDiskAreas{
			This: vm, Snapshot: snap, DeviceKey: key, StartOffset: off, ChangeId: changeID,
		})
		calls++
		if err != nil {
			return nil, calls, err
		}
		r := res.Returnval
		if r.StartOffset != off || r.Length <= 0 {
			return nil, calls, fmt.Errorf("reply window %d+%d for startOffset %d", r.StartOffset, r.Length, off)
		}
		for _, a := range r.ChangedArea {
			if a.Start < r.StartOffset || a.Start+a.Length > r.StartOffset+r.Length {
				return nil, calls, fmt.Errorf("area %d+%d outside the window %d+%d", a.Start, a.Length, r.StartOffset, r.Length)
			}
			out = append(out, extent{a.Start, a.Length})
		}
		off = r.StartOffset + r.Length
	}
	return out, calls, nil
}

func writeDisk(t *testing.T, image, journal string, off int64, data []byte) {
	t.Helper()
	f, err := os.OpenFile(image, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
	f.Close()
	j, err := os.OpenFile(journal, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(j, "{\"offset\":%d,\"length\":%d}\n", off, len(data))
	j.Close()
}

func faultIs(err error, want interface{}) bool {
	if !soap.IsSoapFault(err) {
		return false
	}
	got := soap.ToSoapFault(err).VimFault()
	name := func(x interface{}) string { return strings.TrimPrefix(fmt.Sprintf("%T", x), "*") }
	return name(got) == name(want)
}

func TestVCenterInventoryAndCBT(t *testing.T) {
	dir := t.TempDir()
	const capacity = 64 * mib
	m := &modelFile{
		Datacenter: "DC1", DatacenterFolder: "Region", Hosts: []string{"h1.test", "h2.test"},
		Datastores: []datastoreDef{{Name: "ds1", Path: filepath.Join(dir, "ds1")}},
		Folders:    []string{"empty/folder"},
		Networks: []networkDef{
			{Name: "VM Network"},
			{Name: "pg-a", Type: "distributed", VLAN: 10},
		},
		VMs: []vmDef{
			{
				Name: "vm1", Folder: "prod", GuestID: "debian11_64Guest", GuestOS: "Debian GNU/Linux 11 (64-bit)",
				CPUs: 2, MemoryMB: 1024, Firmware: "efi", SecureBoot: true, TPM: true,
				PowerState: "poweredOn", ChangeTracking: true, Hostname: "vm1.test",
				Disks: []diskDef{{Key: 2000, Capacity: capacity}},
				NICs: []nicDef{{MAC: "00:50:56:01:02:03", Network: "pg-a", IPs: []string{"192.0.2.10"}},
					{Network: "VM Network"}},
				Snapshots: []snapshotDef{{Name: "s1"}},
			},
			{Name: "vm2", Disks: []diskDef{{Capacity: mib, Controller: "sata"}}},
		},
	}
	_, c := startForTest(t, "vcenter", m)
	ctx := context.Background()

	vm := findVM(t, c, "/Region/DC1/vm/prod/vm1")
	p := vmProps(t, vm)
	if p.Config.GuestFullName != "Debian GNU/Linux 11 (64-bit)" || p.Guest.GuestFullName != p.Config.GuestFullName ||
		p.Config.Hardware.NumCPU != 2 || p.Config.Hardware.MemoryMB != 1024 || p.Config.Firmware != "efi" ||
		!*p.Config.BootOptions.EfiSecureBootEnabled || p.Runtime.PowerState != "poweredOn" ||
		!*p.Config.ChangeTrackingEnabled || p.Guest.HostName != "vm1.test" || p.Guest.IpAddress != "192.0.2.10" {
		t.Fatalf("vm1 properties: %+v %+v", p.Config, p.Guest)
	}
	var tpm, nics int
	for _, d := range p.Config.Hardware.Device {
		switch x := d.(type) {
		case *types.VirtualTPM:
			tpm++
		case types.BaseVirtualEthernetCard:
			nics++
			if nics == 1 && x.GetVirtualEthernetCard().MacAddress != "00:50:56:01:02:03" {
				t.Errorf("MAC %s", x.GetVirtualEthernetCard().MacAddress)
			}
		}
	}
	if tpm != 1 || nics != 2 || len(p.Guest.Net) != 2 || p.Guest.Net[0].Network != "pg-a" {
		t.Fatalf("devices: tpm %d nics %d guest.net %+v", tpm, nics, p.Guest.Net)
	}
	if findVM(t, c, "/Region/DC1/vm/vm2") == nil {
		t.Fatal("vm2")
	}
	if ref, _ := object.NewSearchIndex(c.Client).FindByInventoryPath(ctx, "/Region/DC1/network/pg-a"); ref == nil {
		t.Fatal("no distributed port group pg-a")
	}

	image := filepath.Join(dir, "ds1", "vm1", "vm1-flat.vmdk")
	journal := image + ".cbt.jsonl"
	if st, err := os.Stat(image); err != nil || st.Size() != capacity {
		t.Fatalf("image: %v %v", st, err)
	}

	s1 := *p.Snapshot.CurrentSnapshot
	id1 := snapshotChangeID(t, c, s1, 2000)
	if !strings.HasPrefix(id1, "52 ") || !strings.HasSuffix(id1, "/1") || len(id1) != len("52 00 00 00 00 00 00 00-00 00 00 00 00 00 00 00/1") {
		t.Fatalf("changeId %q", id1)
	}

	// First sync: nothing allocated yet.
	if areas, _, err := query(c, vm.Reference(), &s1, 2000, "*", capacity); err != nil || len(areas) != 0 {
		t.Fatalf("* on an empty disk: %v %v", areas, err)
	}

	writeDisk(t, image, journal, 1*mib, make([]byte, 4096))
	writeDisk(t, image, journal, 10*mib+5, []byte("hello"))
	writeDisk(t, image, journal, 1*mib+4096, make([]byte, 100)) // merges with the first

	res, err := vm.CreateSnapshot(ctx, "s2", "", false, false)
	if err != nil {
		t.Fatal(err)
	}
	info, err := res.WaitForResult(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2 := info.Result.(types.ManagedObjectReference)
	id2 := snapshotChangeID(t, c, s2, 2000)
	if id2 != strings.TrimSuffix(id1, "1")+"2" {
		t.Fatalf("second changeId %q after %q", id2, id1)
	}

	want := []extent{{1 * mib, 65536}, {10 * mib, 65536}}
	areas, calls, err := query(c, vm.Reference(), &s2, 2000, id1, capacity)
	if err != nil || fmt.Sprint(areas) != fmt.Sprint(want) || calls != 1 {
		t.Fatalf("changed since s1: %v (%d calls) %v, want %v", areas, calls, err, want)
	}
	// "*": the data written (the image is sparse; file system blocks are 4 KiB or so).
	areas, _, err = query(c, vm.Reference(), &s2, 2000, "*", capacity)
	if err != nil || fmt.Sprint(areas) != fmt.Sprint(want) {
		t.Fatalf("* after writes: %v %v", areas, err)
	}

	// Paging: one area per reply.
	cbtSettings.MaxAreas = 1
	areas, calls, err = query(c, vm.Reference(), &s2, 2000, id1, capacity)
	cbtSettings.MaxAreas = 2000
	if err != nil || fmt.Sprint(areas) != fmt.Sprint(want) || calls != 2 { // the last page runs to the end
		t.Fatalf("paged: %v in %d calls, %v", areas, calls, err)
	}

	// Writes after s2 are not part of s2.
	writeDisk(t, image, journal, 20*mib, make([]byte, 10))
	if areas, _, err = query(c, vm.Reference(), &s2, 2000, id2, capacity); err != nil || len(areas) != 0 {
		t.Fatalf("changed since s2 as of s2: %v %v", areas, err)
	}
	if areas, _, err = query(c, vm.Reference(), &s2, 2000, id1, capacity); err != nil || len(areas) != 2 {
		t.Fatalf("changed since s1 as of s2 after later writes: %v %v", areas, err)
	}
	// A changeId newer than the snapshot, a foreign one, a bad device key, a bad offset.
	if _, _, err = query(c, vm.Reference(), &s1, 2000, id2, capacity); !faultIs(err, &types.InvalidArgument{}) {
		t.Fatalf("newer changeId: %v", err)
	}
	if _, _, err = query(c, vm.Reference(), &s2, 2000, "52 00 00 00 00 00 00 00-00 00 00 00 00 00 00 00/1", capacity); !faultIs(err, &types.InvalidArgument{}) {
		t.Fatalf("foreign changeId: %v", err)
	}
	if _, _, err = query(c, vm.Reference(), &s2, 2999, "*", capacity); !faultIs(err, &types.InvalidArgument{}) {
		t.Fatalf("bad device key: %v", err)
	}
	_, err = methods.QueryChangedDiskAreas(ctx, c.Client, &types.QueryChangedDiskAreas{
		This: vm.Reference(), Snapshot: &s2, DeviceKey: 2000, StartOffset: capacity, ChangeId: "*"})
	if !faultIs(err, &types.InvalidArgument{}) {
		t.Fatalf("startOffset at the capacity: %v", err)
	}

	// Snapshot tree and removal.
	p = vmProps(t, vm)
	if len(p.Snapshot.RootSnapshotList) != 1 || len(p.Snapshot.RootSnapshotList[0].ChildSnapshotList) != 1 ||
		*p.Snapshot.CurrentSnapshot != s2 {
		t.Fatalf("snapshot tree: %+v", p.Snapshot)
	}
	rm, err := methods.RemoveSnapshot_Task(ctx, c.Client, &types.RemoveSnapshot_Task{This: s1, RemoveChildren: false})
	if err != nil {
		t.Fatal(err)
	}
	if err := object.NewTask(c.Client, rm.Returnval).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	p = vmProps(t, vm)
	if len(p.Snapshot.RootSnapshotList) != 1 || p.Snapshot.RootSnapshotList[0].Snapshot != s2 {
		t.Fatalf("after removing s1: %+v", p.Snapshot)
	}
	if areas, _, err = query(c, vm.Reference(), &s2, 2000, id1, capacity); err != nil || len(areas) != 2 {
		t.Fatalf("changeId of a removed snapshot: %v %v", areas, err)
	}
	if _, _, err = query(c, vm.Reference(), &s1, 2000, "*", capacity); err == nil {
		t.Fatal("query on a removed snapshot worked")
	}
	rm2, err := methods.RemoveSnapshot_Task(ctx, c.Client, &types.RemoveSnapshot_Task{This: s2})
	if err != nil {
		t.Fatal(err)
	}
	if err := object.NewTask(c.Client, rm2.Returnval).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if p = vmProps(t, vm); p.Snapshot != nil {
		t.Fatalf("snapshots left: %+v", p.Snapshot)
	}

	// Without a snapshot: only powered off.
	_, err = methods.QueryChangedDiskAreas(ctx, c.Client, &types.QueryChangedDiskAreas{
		This: vm.Reference(), DeviceKey: 2000, ChangeId: "*"})
	if !faultIs(err, &types.InvalidPowerState{}) {
		t.Fatalf("no snapshot, powered on: %v", err)
	}

	// Change tracking off then on: a new disk UUID, old changeIds invalid.
	for _, on := range []bool{false, true} {
		task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ChangeTrackingEnabled: types.NewBool(on)})
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	res, err = vm.CreateSnapshot(ctx, "s3", "", false, false)
	if err != nil {
		t.Fatal(err)
	}
	if info, err = res.WaitForResult(ctx, nil); err != nil {
		t.Fatal(err)
	}
	s3 := info.Result.(types.ManagedObjectReference)
	id3 := snapshotChangeID(t, c, s3, 2000)
	if id3[:47] == id1[:47] || !strings.HasSuffix(id3, "/1") {
		t.Fatalf("changeId after re-enabling: %q (before %q)", id3, id1)
	}
	if _, _, err = query(c, vm.Reference(), &s3, 2000, id1, capacity); !faultIs(err, &types.InvalidArgument{}) {
		t.Fatalf("old changeId after re-enabling: %v", err)
	}

	// vm2 does not track changes.
	vm2 := findVM(t, c, "/Region/DC1/vm/vm2")
	_, err = methods.QueryChangedDiskAreas(ctx, c.Client, &types.QueryChangedDiskAreas{
		This: vm2.Reference(), DeviceKey: 16000, ChangeId: "*"})
	if !faultIs(err, &types.FileFault{}) {
		t.Fatalf("vm2 without change tracking: %v", err)
	}
}

func TestESXi(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "elsewhere.img")
	m := &modelFile{
		Datastores: []datastoreDef{{Name: "datastore1", Path: filepath.Join(dir, "ds")}},
		VMs: []vmDef{{Name: "esx-vm", ChangeTracking: true, PowerState: "poweredOff",
			Disks:     []diskDef{{Capacity: 8 * mib, Image: img}, {Capacity: mib, RDM: "physicalMode", Controller: "nvme"}},
			Snapshots: []snapshotDef{{Name: "a", Children: []snapshotDef{{Name: "b"}, {Name: "c"}}}},
			Current:   "b"}},
	}
	_, c := startForTest(t, "esxi", m)
	vm := findVM(t, c, "/ha-datacenter/vm/esx-vm")
	p := vmProps(t, vm)
	tree := p.Snapshot.RootSnapshotList
	if len(tree) != 1 || tree[0].Name != "a" || len(tree[0].ChildSnapshotList) != 2 ||
		*p.Snapshot.CurrentSnapshot != tree[0].ChildSnapshotList[0].Snapshot {
		t.Fatalf("snapshot tree: %+v", p.Snapshot)
	}
	// The image lives outside the datastore: the flat file links to it.
	if target, err := os.Readlink(filepath.Join(dir, "ds", "esx-vm", "esx-vm-flat.vmdk")); err != nil || target != img {
		t.Fatalf("flat link: %q %v", target, err)
	}
	if err := os.WriteFile(img, []byte("data"), 0o644); err != nil { // shrinks it: the rest is a hole
		t.Fatal(err)
	}
	// The datastore file service serves the image through the flat file, with ranges.
	u := c.Client.URL()
	u.Path = "/folder/esx-vm/esx-vm-flat.vmdk"
	u.RawQuery = "dcPath=ha-datacenter&dsName=datastore1"
	resp, err := c.Client.DownloadRequest(context.Background(), u, &soap.Download{Method: "GET",
		Headers: map[string]string{"Range": "bytes=1-2"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || string(got) != "at" {
		t.Fatalf("range read: %s %q", resp.Status, got)
	}

	// The RDM disk stays an RDM through a reconfiguration.
	task, err := vm.Reconfigure(context.Background(), types.VirtualMachineConfigSpec{MemoryMB: 64})
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	p = vmProps(t, vm)
	rdm := 0
	for _, d := range p.Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok {
			if b, ok := disk.Backing.(*types.VirtualDiskRawDiskMappingVer1BackingInfo); ok {
				rdm++
				if disk.Key != 32000 || b.CompatibilityMode != "physicalMode" || !strings.HasSuffix(b.ChangeId, "/3") /* three snapshots */ {
					t.Fatalf("rdm disk %d %+v", disk.Key, b)
				}
			}
		}
	}
	if rdm != 1 || p.Config.Hardware.MemoryMB != 64 {
		t.Fatalf("after reconfigure: %d RDMs, %d MB", rdm, p.Config.Hardware.MemoryMB)
	}

	// Powered off: the current state can be queried without a snapshot.
	areas, _, err := query(c, vm.Reference(), nil, 2000, "*", 8*mib)
	if err != nil || fmt.Sprint(areas) != fmt.Sprint([]extent{{0, 65536}}) {
		t.Fatalf("%v %v", areas, err)
	}
}
