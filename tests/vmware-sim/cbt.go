// Changed-block tracking for the simulator: the one vim25 method govmomi's simulator lacks,
// QueryChangedDiskAreas, added by wrapping simulator.VirtualMachine (the extension pattern of
// govmomi's simulator/example_extend_test.go).
//
// Two things differ from that example, both forced by the simulator's code:
//   - the wrapper embeds simulator.VirtualMachine by value, not by pointer: the PropertyCollector
//     digs the mo type out of a wrapper through its first field and panics on a pointer;
//   - snapshots are taken, removed and reverted here (cbtVM, cbtSnapshot) instead of by the
//     simulator, whose snapshot code asserts Map.Get(vm).(*simulator.VirtualMachine) and would
//     panic on any wrapped VM. Doing it here also gives each snapshot its own copy of the disk
//     devices, so each snapshot keeps the changeIds it was taken with.
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// cbtSettings are the server-wide knobs of QueryChangedDiskAreas.
var cbtSettings = struct {
	MaxAreas    int   // areas per reply at most (ESXi: about 2000)
	Granularity int64 // areas are widened to multiples of this (VMFS CBT: 64 KiB blocks)
}{2000, 65536}

// diskFiles tells where a disk's data and change journal live on the local file system.
type diskFiles struct {
	Image   string // raw image with the disk's contents ("" = unknown: "*" reports the whole disk)
	Journal string // JSON-lines change journal
}

// datastoreDirs maps a datastore name to its local directory (filled while building the model).
var datastoreDirs = map[string]string{}
var datastoreDirsMu sync.Mutex

// localPath turns "[ds] dir/file.vmdk" into the file's local path, "" if the datastore is unknown.
func localPath(dsPath string) string {
	if !strings.HasPrefix(dsPath, "[") {
		return ""
	}
	i := strings.Index(dsPath, "]")
	if i < 0 {
		return ""
	}
	datastoreDirsMu.Lock()
	dir, ok := datastoreDirs[dsPath[1:i]]
	datastoreDirsMu.Unlock()
	if !ok {
		return ""
	}
	return filepath.Join(dir, strings.TrimSpace(dsPath[i+1:]))
}

// flatPath returns the local path of the flat extent of a descriptor "[ds] dir/name.vmdk".
func flatPath(dsPath string) string {
	p := localPath(dsPath)
	if p == "" || !strings.HasSuffix(p, ".vmdk") {
		return p
	}
	return strings.TrimSuffix(p, ".vmdk") + "-flat.vmdk"
}

type cbtVM struct {
	simulator.VirtualMachine

	files   map[int32]diskFiles // by device key, from the model (others are derived)
	diskIDs map[int32]string    // by device key: the disk's change-tracking UUID, "" = not tracked
	seq     map[int32]int       // by device key: last sequence number handed out
	sid     int32               // last snapshot id
}

func wrapVM(vm *simulator.VirtualMachine, files map[int32]diskFiles) *cbtVM {
	w := &cbtVM{
		VirtualMachine: *vm,
		files:          files,
		diskIDs:        map[int32]string{},
		seq:            map[int32]int{},
	}
	if w.files == nil {
		w.files = map[int32]diskFiles{}
	}
	simulator.Map.Put(w)
	return w
}

func (vm *cbtVM) disks(devs []types.BaseVirtualDevice) []*types.VirtualDisk {
	var out []*types.VirtualDisk
	for _, d := range devs {
		if disk, ok := d.(*types.VirtualDisk); ok {
			out = append(out, disk)
		}
	}
	return out
}

func backingFile(disk *types.VirtualDisk) string {
	if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
		return b.GetVirtualDeviceFileBackingInfo().FileName
	}
	return ""
}

func (vm *cbtVM) filesOf(disk *types.VirtualDisk) diskFiles {
	f, ok := vm.files[disk.Key]
	if !ok {
		f.Image = flatPath(backingFile(disk))
	}
	if f.Journal == "" && f.Image != "" {
		f.Journal = f.Image + ".cbt.jsonl"
	}
	return f
}

func capacityOf(disk *types.VirtualDisk) int64 {
	if disk.CapacityInBytes > 0 {
		return disk.CapacityInBytes
	}
	return disk.CapacityInKB * 1024
}

// setChangeID returns a copy of the disk whose backing carries the changeId.
func setChangeID(disk *types.VirtualDisk, id string) *types.VirtualDisk {
	c := *disk
	switch b := disk.Backing.(type) {
	case *types.VirtualDiskFlatVer2BackingInfo:
		x := *b
		x.ChangeId = id
		c.Backing = &x
	case *types.VirtualDiskSeSparseBackingInfo:
		x := *b
		x.ChangeId = id
		c.Backing = &x
	case *types.VirtualDiskSparseVer2BackingInfo:
		x := *b
		x.ChangeId = id
		c.Backing = &x
	case *types.VirtualDiskRawDiskMappingVer1BackingInfo:
		x := *b
		x.ChangeId = id
		c.Backing = &x
	}
	return &c
}

func changeIDOf(disk *types.VirtualDisk) string {
	switch b := disk.Backing.(type) {
	case *types.VirtualDiskFlatVer2BackingInfo:
		return b.ChangeId
	case *types.VirtualDiskSeSparseBackingInfo:
		return b.ChangeId
	case *types.VirtualDiskSparseVer2BackingInfo:
		return b.ChangeId
	case *types.VirtualDiskRawDiskMappingVer1BackingInfo:
		return b.ChangeId
	}
	return ""
}

// devicesWith returns a fresh device slice (never sharing an array with a snapshot's copy) whose
// disks carry the given changeIds.
func devicesWith(devs []types.BaseVirtualDevice, ids map[int32]string) []types.BaseVirtualDevice {
	out := make([]types.BaseVirtualDevice, len(devs))
	for i, d := range devs {
		if disk, ok := d.(*types.VirtualDisk); ok {
			out[i] = setChangeID(disk, ids[disk.Key])
		} else {
			out[i] = d
		}
	}
	return out
}

func (vm *cbtVM) tracking() bool {
	return vm.Config.ChangeTrackingEnabled != nil && *vm.Config.ChangeTrackingEnabled
}

// mark hands each tracked disk a new changeId and records it in the disk's journal.
// It returns the changeIds by device key.
func (vm *cbtVM) mark() (map[int32]string, error) {
	ids := map[int32]string{}
	for _, disk := range vm.disks(vm.Config.Hardware.Device) {
		uuid := vm.diskIDs[disk.Key]
		if uuid == "" {
			continue
		}
		vm.seq[disk.Key]++
		id := fmt.Sprintf("%s/%d", uuid, vm.seq[disk.Key])
		if j := vm.filesOf(disk).Journal; j != "" {
			if err := appendMark(j, id); err != nil {
				return nil, err
			}
		}
		ids[disk.Key] = id
	}
	return ids, nil
}

// syncTracking brings the disks' change-tracking state in line with config.changeTrackingEnabled:
// disks newly tracked get a new UUID and a first mark ("UUID/0"); untracked disks lose theirs.
func (vm *cbtVM) syncTracking() error {
	ids := map[int32]string{}
	on := vm.tracking()
	seen := map[int32]bool{}
	for _, disk := range vm.disks(vm.Config.Hardware.Device) {
		seen[disk.Key] = true
		if !on {
			delete(vm.diskIDs, disk.Key)
			continue
		}
		if vm.diskIDs[disk.Key] == "" {
			vm.diskIDs[disk.Key] = newDiskUUID()
			vm.seq[disk.Key] = 0
			id := vm.diskIDs[disk.Key] + "/0"
			if j := vm.filesOf(disk).Journal; j != "" {
				if err := appendMark(j, id); err != nil {
					return err
				}
			}
		}
		ids[disk.Key] = fmt.Sprintf("%s/%d", vm.diskIDs[disk.Key], vm.seq[disk.Key])
	}
	for k := range vm.diskIDs {
		if !seen[k] {
			delete(vm.diskIDs, k)
		}
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "config.hardware.device", Val: devicesWith(vm.Config.Hardware.Device, ids)},
	})
	return nil
}

// ReconfigVMTask lets the simulator reconfigure the VM, then follows changeTrackingEnabled.
func (vm *cbtVM) ReconfigVMTask(ctx *simulator.Context, req *types.ReconfigVM_Task) soap.HasFault {
	var res soap.HasFault
	vm.rdmAsFlat(func() { res = vm.VirtualMachine.ReconfigVMTask(ctx, req) })
	if err := vm.syncTracking(); err != nil {
		log.Printf("%s: change tracking: %v", vm.Name, err)
	}
	return res
}

func (vm *cbtVM) DestroyTask(ctx *simulator.Context, req *types.Destroy_Task) soap.HasFault {
	var res soap.HasFault
	vm.rdmAsFlat(func() { res = vm.VirtualMachine.DestroyTask(ctx, req) })
	return res
}

func (vm *cbtVM) RefreshStorageInfo(ctx *simulator.Context, req *types.RefreshStorageInfo) soap.HasFault {
	var res soap.HasFault
	vm.rdmAsFlat(func() { res = vm.VirtualMachine.RefreshStorageInfo(ctx, req) })
	return res
}

// setRDM turns the given disks' backings into raw device mappings. The simulator creates disks
// with flat backings only (its disk-layout code knows no other), so RDMs are set after creation.
func (vm *cbtVM) setRDM(rdm map[int32]*types.VirtualDiskRawDiskMappingVer1BackingInfo) {
	if len(rdm) == 0 {
		return
	}
	out := make([]types.BaseVirtualDevice, len(vm.Config.Hardware.Device))
	for i, d := range vm.Config.Hardware.Device {
		out[i] = d
		if disk, ok := d.(*types.VirtualDisk); ok {
			if b, ok := rdm[disk.Key]; ok {
				c := *disk
				nb := *b
				nb.FileName = backingFile(disk)
				nb.Datastore = disk.Backing.(types.BaseVirtualDeviceFileBackingInfo).GetVirtualDeviceFileBackingInfo().Datastore
				nb.ChangeId = changeIDOf(disk)
				c.Backing = &nb
				out[i] = &c
			}
		}
	}
	simulator.Map.Update(vm, []types.PropertyChange{{Name: "config.hardware.device", Val: out}})
}

// rdmAsFlat runs f (a simulator method) with the RDM disks shown as flat disks, which is all the
// simulator's disk code handles, and makes them RDMs again afterwards.
func (vm *cbtVM) rdmAsFlat(f func()) {
	rdm := map[int32]*types.VirtualDiskRawDiskMappingVer1BackingInfo{}
	devs := make([]types.BaseVirtualDevice, len(vm.Config.Hardware.Device))
	for i, d := range vm.Config.Hardware.Device {
		devs[i] = d
		if disk, ok := d.(*types.VirtualDisk); ok {
			if b, ok := disk.Backing.(*types.VirtualDiskRawDiskMappingVer1BackingInfo); ok {
				rdm[disk.Key] = b
				c := *disk
				c.Backing = &types.VirtualDiskFlatVer2BackingInfo{
					VirtualDeviceFileBackingInfo: b.VirtualDeviceFileBackingInfo,
					DiskMode:                     b.DiskMode,
					Sharing:                      b.Sharing,
					ChangeId:                     b.ChangeId,
				}
				devs[i] = &c
			}
		}
	}
	if len(rdm) == 0 {
		f()
		return
	}
	vm.Config.Hardware.Device = devs
	f()
	if vm.Config == nil {
		return
	}
	// Disks still present with the same file become RDMs again.
	keep := map[int32]*types.VirtualDiskRawDiskMappingVer1BackingInfo{}
	for _, disk := range vm.disks(vm.Config.Hardware.Device) {
		if b, ok := rdm[disk.Key]; ok && backingFile(disk) == b.FileName {
			keep[disk.Key] = b
		}
	}
	vm.setRDM(keep)
}

// CreateSnapshotTask takes a snapshot: each tracked disk gets a new changeId, recorded in its
// journal, in the snapshot's config and in the VM's config.
func (vm *cbtVM) CreateSnapshotTask(ctx *simulator.Context, req *types.CreateSnapshot_Task) soap.HasFault {
	task := simulator.CreateTask(vm, "createSnapshot", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		if req.Name == "" {
			return nil, &types.InvalidName{Name: req.Name}
		}
		ids, err := vm.mark()
		if err != nil {
			return nil, &types.FileFault{File: err.Error()}
		}

		snap := &cbtSnapshot{}
		snap.Self = types.ManagedObjectReference{Type: "VirtualMachineSnapshot"}
		snap.Vm = vm.Self
		snap.Config = *vm.Config
		snap.Config.Hardware.Device = devicesWith(vm.Config.Hardware.Device, ids)
		simulator.Map.Put(snap)

		vm.sid++
		item := types.VirtualMachineSnapshotTree{
			Snapshot:        snap.Self,
			Vm:              vm.Self,
			Name:            req.Name,
			Description:     req.Description,
			Id:              vm.sid,
			CreateTime:      time.Now(),
			State:           vm.Runtime.PowerState,
			Quiesced:        req.Quiesce,
			ReplaySupported: types.NewBool(false),
		}

		if vm.Snapshot == nil {
			vm.Snapshot = &types.VirtualMachineSnapshotInfo{}
		}
		roots := copyTree(vm.Snapshot.RootSnapshotList)
		if cur := vm.Snapshot.CurrentSnapshot; cur != nil {
			if parent, ok := simulator.Map.Get(*cur).(*cbtSnapshot); ok {
				parent.ChildSnapshot = append(parent.ChildSnapshot, snap.Self)
			}
			if p := findInTree(roots, *cur); p != nil {
				p.ChildSnapshotList = append(p.ChildSnapshotList, item)
			} else {
				roots = append(roots, item)
			}
		} else {
			roots = append(roots, item)
		}

		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "snapshot", Val: &types.VirtualMachineSnapshotInfo{
				CurrentSnapshot:  &snap.Self,
				RootSnapshotList: roots,
			}},
			{Name: "config.hardware.device", Val: devicesWith(vm.Config.Hardware.Device, ids)},
		})
		vm.writeSnapshotFile(req.Name, vm.sid)
		return snap.Self, nil
	})

	return &methods.CreateSnapshot_TaskBody{
		Res: &types.CreateSnapshot_TaskResponse{Returnval: task.Run()},
	}
}

// writeSnapshotFile leaves a .vmsn file beside the .vmx, as ESXi does (best effort).
func (vm *cbtVM) writeSnapshotFile(name string, id int32) {
	vmx := localPath(vm.Config.Files.VmPathName)
	if vmx == "" {
		return
	}
	p := filepath.Join(filepath.Dir(vmx), fmt.Sprintf("%s-Snapshot%d.vmsn", vm.Name, id))
	_ = os.WriteFile(p, []byte("snapshot "+name+"\n"), 0o644)
}

// RemoveAllSnapshotsTask removes every snapshot of the VM.
func (vm *cbtVM) RemoveAllSnapshotsTask(ctx *simulator.Context, req *types.RemoveAllSnapshots_Task) soap.HasFault {
	task := simulator.CreateTask(vm, "removeAllSnapshots", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		if vm.Snapshot == nil {
			return nil, nil
		}
		refs := allInTree(vm.Snapshot.RootSnapshotList)
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "snapshot", Val: nil}})
		for _, ref := range refs {
			simulator.Map.Remove(ref)
		}
		return nil, nil
	})
	return &methods.RemoveAllSnapshots_TaskBody{
		Res: &types.RemoveAllSnapshots_TaskResponse{Returnval: task.Run()},
	}
}

// QueryChangedDiskAreas answers from the disk's change journal (changeId given) or from the
// allocation map of the disk's image file (changeId "*"), paged as ESXi pages it.
func (vm *cbtVM) QueryChangedDiskAreas(ctx *simulator.Context, req *types.QueryChangedDiskAreas) soap.HasFault {
	body := &methods.QueryChangedDiskAreasBody{}
	fail := func(msg string, f types.BaseMethodFault) soap.HasFault {
		body.Fault_ = simulator.Fault(msg, f)
		return body
	}

	var devs []types.BaseVirtualDevice
	var snapChangeID string
	if req.Snapshot != nil {
		snap, ok := simulator.Map.Get(*req.Snapshot).(*cbtSnapshot)
		if !ok || snap.Vm != vm.Self {
			return fail(fmt.Sprintf("snapshot %s not found", req.Snapshot.Value),
				&types.ManagedObjectNotFound{Obj: *req.Snapshot})
		}
		devs = snap.Config.Hardware.Device
		if snap.Config.ChangeTrackingEnabled == nil || !*snap.Config.ChangeTrackingEnabled {
			return fail("change tracking was not enabled when the snapshot was taken",
				&types.FileFault{File: snap.Config.Files.VmPathName})
		}
	} else {
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
			return fail("without a snapshot the virtual machine must be powered off",
				&types.InvalidPowerState{ExistingState: vm.Runtime.PowerState,
					RequestedState: types.VirtualMachinePowerStatePoweredOff})
		}
		devs = vm.Config.Hardware.Device
	}
	if !vm.tracking() {
		return fail("change tracking is not enabled for this virtual machine",
			&types.FileFault{File: vm.Config.Files.VmPathName})
	}

	var disk *types.VirtualDisk
	for _, d := range vm.disks(devs) {
		if d.Key == req.DeviceKey {
			disk = d
		}
	}
	if disk == nil {
		return fail(fmt.Sprintf("no virtual disk with device key %d", req.DeviceKey),
			&types.InvalidArgument{InvalidProperty: "deviceKey"})
	}
	capacity := capacityOf(disk)
	if req.StartOffset < 0 || req.StartOffset >= capacity {
		return fail(fmt.Sprintf("startOffset %d is outside the disk (capacity %d)", req.StartOffset, capacity),
			&types.InvalidArgument{InvalidProperty: "startOffset"})
	}
	if req.Snapshot != nil {
		snapChangeID = changeIDOf(disk)
		if snapChangeID == "" {
			return fail("the disk was not tracked when the snapshot was taken",
				&types.FileFault{File: backingFile(disk)})
		}
	}

	files := vm.filesOf(disk)
	var raw []extent
	var err error
	if req.ChangeId == "*" {
		raw, err = allocatedExtents(files.Image, capacity)
	} else {
		uuid := vm.diskIDs[disk.Key]
		if i := strings.LastIndex(req.ChangeId, "/"); i < 0 || uuid == "" || req.ChangeId[:i] != uuid {
			return fail(fmt.Sprintf("invalid changeId %q for disk %d", req.ChangeId, disk.Key),
				&types.InvalidArgument{InvalidProperty: "changeId"})
		}
		raw, err = readJournal(files.Journal, req.ChangeId, snapChangeID)
		if err == errMarkNotFound || err == errMarkOrder {
			return fail(fmt.Sprintf("invalid changeId %q for disk %d: %v", req.ChangeId, disk.Key, err),
				&types.InvalidArgument{InvalidProperty: "changeId"})
		}
	}
	if err != nil {
		return fail(err.Error(), &types.FileFault{File: backingFile(disk)})
	}

	areas := normalize(raw, capacity, cbtSettings.Granularity)
	length, out := page(areas, capacity, req.StartOffset, cbtSettings.MaxAreas)
	info := types.DiskChangeInfo{StartOffset: req.StartOffset, Length: length}
	for _, e := range out {
		info.ChangedArea = append(info.ChangedArea, types.DiskChangeExtent{Start: e.Start, Length: e.Length})
	}
	body.Res = &types.QueryChangedDiskAreasResponse{Returnval: info}
	return body
}

// cbtSnapshot is a snapshot whose removal and revert work on a wrapped VM.
type cbtSnapshot struct {
	simulator.VirtualMachineSnapshot
}

func (s *cbtSnapshot) vm() (*cbtVM, bool) {
	vm, ok := simulator.Map.Get(s.Vm).(*cbtVM)
	return vm, ok
}

func (s *cbtSnapshot) RemoveSnapshotTask(ctx *simulator.Context, req *types.RemoveSnapshot_Task) soap.HasFault {
	task := simulator.CreateTask(s, "removeSnapshot", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		vm, ok := s.vm()
		if !ok {
			return nil, &types.ManagedObjectNotFound{Obj: s.Vm}
		}
		var removed []types.ManagedObjectReference
		simulator.Map.WithLock(vm, func() {
			if vm.Snapshot == nil {
				return
			}
			roots := copyTree(vm.Snapshot.RootSnapshotList)
			node := findInTree(roots, s.Self)
			if node == nil {
				return
			}
			removed = []types.ManagedObjectReference{s.Self}
			if req.RemoveChildren {
				removed = append(removed, allInTree(node.ChildSnapshotList)...)
			}
			parent := parentInTree(roots, s.Self)
			roots = removeFromTree(roots, s.Self, req.RemoveChildren)

			// Fix the snapshot objects' childSnapshot lists.
			if parent != nil {
				if p, ok := simulator.Map.Get(*parent).(*cbtSnapshot); ok {
					var kids []types.ManagedObjectReference
					if pn := findInTree(roots, *parent); pn != nil {
						for _, c := range pn.ChildSnapshotList {
							kids = append(kids, c.Snapshot)
						}
					}
					p.ChildSnapshot = kids
				}
			}

			cur := vm.Snapshot.CurrentSnapshot
			for _, r := range removed {
				if cur != nil && *cur == r {
					cur = parent
				}
			}
			if len(roots) == 0 {
				simulator.Map.Update(vm, []types.PropertyChange{{Name: "snapshot", Val: nil}})
			} else {
				simulator.Map.Update(vm, []types.PropertyChange{{Name: "snapshot", Val: &types.VirtualMachineSnapshotInfo{
					CurrentSnapshot: cur, RootSnapshotList: roots,
				}}})
			}
		})
		if removed == nil {
			return nil, &types.ManagedObjectNotFound{Obj: s.Self}
		}
		for _, r := range removed {
			simulator.Map.Remove(r)
		}
		return nil, nil
	})
	return &methods.RemoveSnapshot_TaskBody{
		Res: &types.RemoveSnapshot_TaskResponse{Returnval: task.Run()},
	}
}

func (s *cbtSnapshot) RevertToSnapshotTask(ctx *simulator.Context, req *types.RevertToSnapshot_Task) soap.HasFault {
	task := simulator.CreateTask(s, "revertToSnapshot", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		vm, ok := s.vm()
		if !ok {
			return nil, &types.ManagedObjectNotFound{Obj: s.Vm}
		}
		simulator.Map.WithLock(vm, func() {
			info := *vm.Snapshot
			self := s.Self
			info.CurrentSnapshot = &self
			simulator.Map.Update(vm, []types.PropertyChange{{Name: "snapshot", Val: &info}})
		})
		return nil, nil
	})
	return &methods.RevertToSnapshot_TaskBody{
		Res: &types.RevertToSnapshot_TaskResponse{Returnval: task.Run()},
	}
}

// Snapshot tree helpers. Trees are copied before being changed, so a property-collector reader
// never sees a list being edited in place.

func copyTree(in []types.VirtualMachineSnapshotTree) []types.VirtualMachineSnapshotTree {
	if in == nil {
		return nil
	}
	out := make([]types.VirtualMachineSnapshotTree, len(in))
	for i, n := range in {
		out[i] = n
		out[i].ChildSnapshotList = copyTree(n.ChildSnapshotList)
	}
	return out
}

func findInTree(tree []types.VirtualMachineSnapshotTree, ref types.ManagedObjectReference) *types.VirtualMachineSnapshotTree {
	for i := range tree {
		if tree[i].Snapshot == ref {
			return &tree[i]
		}
		if n := findInTree(tree[i].ChildSnapshotList, ref); n != nil {
			return n
		}
	}
	return nil
}

func parentInTree(tree []types.VirtualMachineSnapshotTree, ref types.ManagedObjectReference) *types.ManagedObjectReference {
	for i := range tree {
		for _, c := range tree[i].ChildSnapshotList {
			if c.Snapshot == ref {
				p := tree[i].Snapshot
				return &p
			}
		}
		if p := parentInTree(tree[i].ChildSnapshotList, ref); p != nil {
			return p
		}
	}
	return nil
}

func removeFromTree(tree []types.VirtualMachineSnapshotTree, ref types.ManagedObjectReference, children bool) []types.VirtualMachineSnapshotTree {
	var out []types.VirtualMachineSnapshotTree
	for _, n := range tree {
		if n.Snapshot == ref {
			if !children {
				out = append(out, n.ChildSnapshotList...)
			}
			continue
		}
		n.ChildSnapshotList = removeFromTree(n.ChildSnapshotList, ref, children)
		out = append(out, n)
	}
	return out
}

func allInTree(tree []types.VirtualMachineSnapshotTree) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, n := range tree {
		out = append(out, n.Snapshot)
		out = append(out, allInTree(n.ChildSnapshotList)...)
	}
	return out
}
