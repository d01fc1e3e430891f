// The model file: what the simulated ESXi host or vCenter holds. See docs/vmware-simulator.md.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type modelFile struct {
	Datacenter       string         `json:"datacenter"`        // vCenter only (ESXi: ha-datacenter)
	DatacenterFolder string         `json:"datacenter_folder"` // vCenter only: folders above the datacenter
	Cluster          string         `json:"cluster"`           // vCenter only
	Hosts            []string       `json:"hosts"`             // vCenter only: host names in the cluster
	Datastores       []datastoreDef `json:"datastores"`
	Folders          []string       `json:"folders"` // VM folders, relative to the datacenter's vm folder
	Networks         []networkDef   `json:"networks"`
	VMs              []vmDef        `json:"vms"`
}

type datastoreDef struct {
	Name string `json:"name"`
	Path string `json:"path"` // local directory; created if missing; "" = a temporary directory
}

type networkDef struct {
	Name   string `json:"name"`
	Type   string `json:"type"`   // "standard" (default) or "distributed"
	VLAN   int32  `json:"vlan"`   // VLAN ID
	Switch string `json:"switch"` // distributed: the switch (default "DSwitch"); standard: vSwitch (default vSwitch0)
	Folder string `json:"folder"` // distributed: network folder holding the switch and its port groups
}

type vmDef struct {
	Name           string        `json:"name"`
	Folder         string        `json:"folder"`    // relative to the datacenter's vm folder
	Host           string        `json:"host"`      // vCenter: host name (default the first)
	Datastore      string        `json:"datastore"` // where the .vmx lives (default the first datastore)
	GuestID        string        `json:"guest_id"`  // e.g. ubuntu64Guest (default otherGuest64)
	GuestOS        string        `json:"guest_os"`  // guest OS full name, e.g. "Ubuntu Linux (64-bit)"
	CPUs           int32         `json:"cpus"`
	CoresPerSocket int32         `json:"cores_per_socket"`
	MemoryMB       int64         `json:"memory_mb"`
	Firmware       string        `json:"firmware"` // bios (default) or efi
	SecureBoot     bool          `json:"secure_boot"`
	TPM            bool          `json:"tpm"`
	PowerState     string        `json:"power_state"` // poweredOn, poweredOff (default), suspended
	ChangeTracking bool          `json:"change_tracking"`
	UUID           string        `json:"uuid"`          // BIOS UUID (config.uuid); default derived from the path
	InstanceUUID   string        `json:"instance_uuid"` // config.instanceUuid
	Annotation     string        `json:"annotation"`
	Hostname       string        `json:"hostname"` // guest.hostName
	ToolsRunning   *bool         `json:"tools_running"`
	Disks          []diskDef     `json:"disks"`
	NICs           []nicDef      `json:"nics"`
	Snapshots      []snapshotDef `json:"snapshots"`
	Current        string        `json:"current_snapshot"` // default: the last one created
}

type diskDef struct {
	Key        int32  `json:"key"`        // device key (default by controller: 2000+, 16000+, 32000+, 3000+)
	Capacity   int64  `json:"capacity"`   // bytes (required)
	File       string `json:"file"`       // backing, "[ds] dir/name.vmdk" (default [first ds] VM/VM.vmdk, VM_1.vmdk...)
	Image      string `json:"image"`      // local raw image (default: the backing's -flat.vmdk in the datastore)
	Journal    string `json:"journal"`    // change journal (default IMAGE.cbt.jsonl)
	Controller string `json:"controller"` // pvscsi (default), lsilogic, lsilogic-sas, buslogic, sata, nvme, ide
	Unit       *int32 `json:"unit"`
	Mode       string `json:"mode"`    // persistent (default), independent_persistent, independent_nonpersistent
	Sharing    string `json:"sharing"` // sharingNone (default), sharingMultiWriter
	Thin       *bool  `json:"thin"`    // default true
	RDM        string `json:"rdm"`     // "", physicalMode or virtualMode
}

type nicDef struct {
	MAC     string   `json:"mac"`
	Network string   `json:"network"`
	Type    string   `json:"type"` // vmxnet3 (default), e1000, e1000e
	IPs     []string `json:"ips"`  // guest IPs reported by the tools
	Key     int32    `json:"key"`
}

type snapshotDef struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Children    []snapshotDef `json:"children"`
}

func loadModelFile(path string) (*modelFile, error) {
	m := &modelFile{}
	if path == "" {
		return m, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

// builder populates the simulator through its own API, in process.
type builder struct {
	ctx     context.Context
	c       *vim25.Client
	finder  *find.Finder
	vcenter bool
	m       *modelFile
	tmpDirs []string

	dc      *object.Datacenter
	folders *object.DatacenterFolders
	hosts   []*object.HostSystem
	pool    *object.ResourcePool // vCenter: the cluster's root pool
	dvs     map[string]*object.DistributedVirtualSwitch
}

func newModel(kind string) *simulator.Model {
	var m *simulator.Model
	if kind == "esxi" {
		m = simulator.ESX()
	} else {
		m = simulator.VPX()
		m.Datacenter, m.Host, m.Cluster, m.ClusterHost, m.Portgroup = 0, 0, 0, 0, 0
	}
	m.Datastore, m.Machine, m.Autostart = 0, 0, false
	return m
}

func (b *builder) wait(t *object.Task, err error) (types.AnyType, error) {
	if err != nil {
		return nil, err
	}
	info, err := t.WaitForResult(b.ctx, nil)
	if err != nil {
		return nil, err
	}
	return info.Result, nil
}

// folderPath makes (or finds) nested folders below parent.
func (b *builder) folderPath(parent *object.Folder, rel string) (*object.Folder, error) {
	f := parent
	for _, name := range strings.Split(strings.Trim(rel, "/"), "/") {
		if name == "" {
			continue
		}
		var mf mo.Folder
		if err := f.Properties(b.ctx, f.Reference(), []string{"childEntity"}, &mf); err != nil {
			return nil, err
		}
		var next *object.Folder
		for _, ref := range mf.ChildEntity {
			if ref.Type != "Folder" {
				continue
			}
			child := object.NewFolder(b.c, ref)
			n, err := child.ObjectName(b.ctx)
			if err == nil && n == name {
				next = child
				break
			}
		}
		if next == nil {
			var err error
			if next, err = f.CreateFolder(b.ctx, name); err != nil {
				return nil, fmt.Errorf("folder %q: %v", name, err)
			}
		}
		f = next
	}
	return f, nil
}

func (b *builder) build() error {
	if err := b.buildTopology(); err != nil {
		return err
	}
	if err := b.buildDatastores(); err != nil {
		return err
	}
	if err := b.buildNetworks(); err != nil {
		return err
	}
	for _, f := range b.m.Folders {
		if _, err := b.folderPath(b.folders.VmFolder, f); err != nil {
			return err
		}
	}
	for i := range b.m.VMs {
		if err := b.buildVM(&b.m.VMs[i]); err != nil {
			return fmt.Errorf("vm %q: %v", b.m.VMs[i].Name, err)
		}
	}
	return nil
}

func (b *builder) buildTopology() error {
	ctx := b.ctx
	b.dvs = map[string]*object.DistributedVirtualSwitch{}
	if !b.vcenter {
		b.dc = object.NewDatacenter(b.c, esx.Datacenter.Reference())
		folders, err := b.dc.Folders(ctx)
		if err != nil {
			return err
		}
		b.folders = folders
		b.hosts = []*object.HostSystem{object.NewHostSystem(b.c, esx.HostSystem.Reference())}
		return nil
	}
	name := b.m.Datacenter
	if name == "" {
		name = "DC0"
	}
	parent, err := b.folderPath(object.NewRootFolder(b.c), b.m.DatacenterFolder)
	if err != nil {
		return err
	}
	if b.dc, err = parent.CreateDatacenter(ctx, name); err != nil {
		return err
	}
	if b.folders, err = b.dc.Folders(ctx); err != nil {
		return err
	}
	cname := b.m.Cluster
	if cname == "" {
		cname = "Cluster0"
	}
	cluster, err := b.folders.HostFolder.CreateCluster(ctx, cname, types.ClusterConfigSpecEx{})
	if err != nil {
		return err
	}
	hosts := b.m.Hosts
	if len(hosts) == 0 {
		hosts = []string{"esxi01.example.test"}
	}
	for _, h := range hosts {
		res, err := b.wait(cluster.AddHost(ctx, types.HostConnectSpec{HostName: h}, true, nil, nil))
		if err != nil {
			return fmt.Errorf("host %q: %v", h, err)
		}
		b.hosts = append(b.hosts, object.NewHostSystem(b.c, res.(types.ManagedObjectReference)))
	}
	b.pool, err = cluster.ResourcePool(ctx)
	return err
}

func (b *builder) buildDatastores() error {
	dss := b.m.Datastores
	if len(dss) == 0 {
		dss = []datastoreDef{{Name: "datastore1"}}
		b.m.Datastores = dss
	}
	for i := range dss {
		d := &dss[i]
		if d.Name == "" {
			return fmt.Errorf("datastore %d: no name", i)
		}
		if d.Path == "" {
			dir, err := os.MkdirTemp("", "vmware-sim-"+d.Name+"-")
			if err != nil {
				return err
			}
			b.tmpDirs = append(b.tmpDirs, dir)
			d.Path = dir
		}
		abs, err := filepath.Abs(d.Path)
		if err != nil {
			return err
		}
		d.Path = abs
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
		for _, h := range b.hosts {
			dss, err := h.ConfigManager().DatastoreSystem(b.ctx)
			if err != nil {
				return err
			}
			if _, err := dss.CreateLocalDatastore(b.ctx, d.Name, abs); err != nil {
				return fmt.Errorf("datastore %q: %v", d.Name, err)
			}
		}
		datastoreDirsMu.Lock()
		datastoreDirs[d.Name] = abs
		datastoreDirsMu.Unlock()
	}
	return nil
}

func (b *builder) networkExists(name string) bool {
	_, err := b.finder.Network(b.ctx, name)
	return err == nil
}

// esxiNetworkRef gives a standard port group's Network object the identifier ESXi gives it,
// "HaNetwork-<name>" (what inventories show as the network's id); the simulator's AddPortGroup
// names it as vCenter would ("network-N"). Done before any VM refers to the network.
func (b *builder) esxiNetworkRef(name string) error {
	folder, ok := simulator.Map.Get(b.folders.NetworkFolder.Reference()).(*simulator.Folder)
	if !ok {
		return fmt.Errorf("port group %q: no network folder", name)
	}
	net, ok := simulator.Map.FindByName(name, folder.ChildEntity).(*mo.Network)
	if !ok {
		return fmt.Errorf("port group %q: no Network object", name)
	}
	dc, ok := simulator.Map.Get(b.dc.Reference()).(*simulator.Datacenter)
	if !ok {
		return fmt.Errorf("port group %q: no datacenter", name)
	}
	old := net.Self
	simulator.Map.Remove(old)
	net.Self.Value = "HaNetwork-" + name
	simulator.Map.Put(net)
	for _, refs := range []*[]types.ManagedObjectReference{&folder.ChildEntity, &dc.Network} {
		for i := range *refs {
			if (*refs)[i] == old {
				(*refs)[i] = net.Self
			}
		}
	}
	return nil
}

func (b *builder) buildNetworks() error {
	ctx := b.ctx
	b.finder.SetDatacenter(b.dc)
	for _, n := range b.m.Networks {
		switch n.Type {
		case "", "standard":
			if b.networkExists(n.Name) {
				continue
			}
			vswitch := n.Switch
			if vswitch == "" {
				vswitch = "vSwitch0"
			}
			for i, h := range b.hosts {
				ns, err := h.ConfigManager().NetworkSystem(ctx)
				if err != nil {
					return err
				}
				err = ns.AddPortGroup(ctx, types.HostPortGroupSpec{
					Name: n.Name, VlanId: n.VLAN, VswitchName: vswitch, Policy: types.HostNetworkPolicy{},
				})
				if err != nil && i == 0 {
					return fmt.Errorf("port group %q: %v", n.Name, err)
				}
			}
			if !b.vcenter {
				if err := b.esxiNetworkRef(n.Name); err != nil {
					return err
				}
			}
		case "distributed":
			sw := n.Switch
			if sw == "" {
				sw = "DSwitch"
			}
			dvs := b.dvs[sw]
			if dvs == nil {
				folder, err := b.folderPath(b.folders.NetworkFolder, n.Folder)
				if err != nil {
					return err
				}
				spec := types.DVSCreateSpec{ConfigSpec: &types.VMwareDVSConfigSpec{}}
				cs := spec.ConfigSpec.GetDVSConfigSpec()
				cs.Name = sw
				res, err := b.wait(folder.CreateDVS(ctx, spec))
				if err != nil {
					return fmt.Errorf("switch %q: %v", sw, err)
				}
				dvs = object.NewDistributedVirtualSwitch(b.c, res.(types.ManagedObjectReference))
				// Every host joins the switch (as the simulator's own model does it).
				var members types.DVSConfigSpec
				for _, h := range b.hosts {
					members.Host = append(members.Host, types.DistributedVirtualSwitchHostMemberConfigSpec{
						Operation: string(types.ConfigSpecOperationAdd), Host: h.Reference(),
					})
				}
				if _, err := b.wait(dvs.Reconfigure(ctx, &members)); err != nil {
					return fmt.Errorf("switch %q: adding hosts: %v", sw, err)
				}
				b.dvs[sw] = dvs
			}
			pg := types.DVPortgroupConfigSpec{
				Name:     n.Name,
				Type:     string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
				NumPorts: 128,
				DefaultPortConfig: &types.VMwareDVSPortSetting{
					Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: n.VLAN},
				},
			}
			if _, err := b.wait(dvs.AddPortgroup(ctx, []types.DVPortgroupConfigSpec{pg})); err != nil {
				return fmt.Errorf("port group %q: %v", n.Name, err)
			}
		default:
			return fmt.Errorf("network %q: unknown type %q", n.Name, n.Type)
		}
	}
	return nil
}

// controllerKind maps the model's controller names to object.VirtualDeviceList names
// and device-key bases.
type controllerKind struct {
	ctrlKey int32 // key of bus 0's controller
	diskKey int32 // key of bus 0, unit 0's disk
	perBus  int32
}

var controllerKinds = map[string]controllerKind{
	"pvscsi":       {1000, 2000, 16},
	"lsilogic":     {1000, 2000, 16},
	"lsilogic-sas": {1000, 2000, 16},
	"buslogic":     {1000, 2000, 16},
	"sata":         {15000, 16000, 30},
	"nvme":         {31000, 32000, 15},
	"ide":          {200, 3000, 2},
}

func (b *builder) buildVM(v *vmDef) error {
	ctx := b.ctx
	if v.Name == "" {
		return fmt.Errorf("no name")
	}
	ds := v.Datastore
	if ds == "" {
		ds = b.m.Datastores[0].Name
	}
	dsDir, ok := datastoreDirs[ds]
	if !ok {
		return fmt.Errorf("unknown datastore %q", ds)
	}
	// Leave no file of an earlier run in the way of the simulator's create.
	vmDir := filepath.Join(dsDir, v.Name)
	for _, f := range []string{v.Name + ".vmx", v.Name + ".nvram", "vmware.log"} {
		_ = os.Remove(filepath.Join(vmDir, f))
	}
	if old, _ := filepath.Glob(filepath.Join(vmDir, v.Name+"-Snapshot*.vmsn")); old != nil {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}

	guestID := v.GuestID
	if guestID == "" {
		guestID = string(types.VirtualMachineGuestOsIdentifierOtherGuest64)
	}
	firmware := v.Firmware
	if firmware == "" {
		firmware = "bios"
	}
	spec := types.VirtualMachineConfigSpec{
		Name:                  v.Name,
		GuestId:               guestID,
		NumCPUs:               v.CPUs,
		NumCoresPerSocket:     v.CoresPerSocket,
		MemoryMB:              v.MemoryMB,
		Firmware:              firmware,
		Uuid:                  v.UUID,
		InstanceUuid:          v.InstanceUUID,
		Annotation:            v.Annotation,
		ChangeTrackingEnabled: types.NewBool(v.ChangeTracking),
		Files:                 &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s] %s/%s.vmx", ds, v.Name, v.Name)},
	}
	if firmware == "efi" {
		spec.BootOptions = &types.VirtualMachineBootOptions{EfiSecureBootEnabled: types.NewBool(v.SecureBoot)}
	} else if v.SecureBoot {
		return fmt.Errorf("secure_boot needs firmware efi")
	}

	var devices object.VirtualDeviceList
	controllers := map[string]types.BaseVirtualController{}
	nextUnit := map[string]int32{}
	files := map[int32]diskFiles{}
	rdm := map[int32]*types.VirtualDiskRawDiskMappingVer1BackingInfo{}
	for i := range v.Disks {
		d := &v.Disks[i]
		kindName := d.Controller
		if kindName == "" {
			kindName = "pvscsi"
		}
		kind, ok := controllerKinds[kindName]
		if !ok {
			return fmt.Errorf("disk %d: unknown controller %q", i, d.Controller)
		}
		ctrl := controllers[kindName]
		if ctrl == nil {
			var dev types.BaseVirtualDevice
			var err error
			switch kindName {
			case "sata":
				dev = &types.VirtualAHCIController{VirtualSATAController: types.VirtualSATAController{
					VirtualController: types.VirtualController{BusNumber: 0}}}
			case "nvme":
				dev, err = devices.CreateNVMEController()
			case "ide":
				dev = nil // the default IDE controller 200 exists already
			default:
				dev, err = devices.CreateSCSIController(kindName)
			}
			if err != nil {
				return err
			}
			if dev != nil {
				dev.GetVirtualDevice().Key = kind.ctrlKey
				dev.(types.BaseVirtualController).GetVirtualController().BusNumber = 0
				devices = append(devices, dev)
				ctrl = dev.(types.BaseVirtualController)
			} else {
				ctrl = &types.VirtualIDEController{VirtualController: types.VirtualController{
					VirtualDevice: types.VirtualDevice{Key: 200}}}
			}
			controllers[kindName] = ctrl
		}
		unit := nextUnit[kindName]
		if d.Unit != nil {
			unit = *d.Unit
		} else if kind.perBus == 16 && unit == 7 {
			unit = 8 // the SCSI controller's own unit
		}
		nextUnit[kindName] = unit + 1
		if d.Capacity <= 0 {
			return fmt.Errorf("disk %d: capacity must be positive", i)
		}
		key := d.Key
		if key == 0 {
			key = kind.diskKey + unit
		}
		file := d.File
		if file == "" {
			base := v.Name
			if i > 0 {
				base = fmt.Sprintf("%s_%d", v.Name, i)
			}
			file = fmt.Sprintf("[%s] %s/%s.vmdk", ds, v.Name, base)
		}
		if err := prepareDiskFiles(file, d); err != nil {
			return fmt.Errorf("disk %d: %v", i, err)
		}
		thin := d.Thin == nil || *d.Thin
		mode := d.Mode
		if mode == "" {
			mode = string(types.VirtualDiskModePersistent)
		}
		sharing := d.Sharing
		if sharing == "" {
			sharing = string(types.VirtualDiskSharingSharingNone)
		}
		// RDMs are created flat and turned into mappings after creation (cbtVM.setRDM).
		backing := &types.VirtualDiskFlatVer2BackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: file},
			DiskMode:                     mode,
			ThinProvisioned:              types.NewBool(thin),
			Sharing:                      sharing,
		}
		switch d.RDM {
		case "":
		case "physicalMode", "virtualMode":
			rdm[key] = &types.VirtualDiskRawDiskMappingVer1BackingInfo{
				LunUuid:           fmt.Sprintf("0200%02x000060000000000000000000000000000000564d776172", i),
				DeviceName:        fmt.Sprintf("vml.0200%02x00006000000000000000000000000000", i),
				CompatibilityMode: d.RDM,
				DiskMode:          mode,
				Sharing:           sharing,
			}
		default:
			return fmt.Errorf("disk %d: rdm must be physicalMode or virtualMode, not %q", i, d.RDM)
		}
		u := unit
		disk := &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key:           key,
				ControllerKey: ctrl.GetVirtualController().Key,
				UnitNumber:    &u,
				Backing:       backing,
			},
			CapacityInBytes: d.Capacity,
			CapacityInKB:    d.Capacity / 1024,
		}
		devices = append(devices, disk)
		files[key] = diskFiles{Image: d.Image, Journal: d.Journal}
	}

	for i, n := range v.NICs {
		backing, err := b.nicBacking(n.Network)
		if err != nil {
			return fmt.Errorf("nic %d: %v", i, err)
		}
		typ := n.Type
		if typ == "" {
			typ = "vmxnet3"
		}
		dev, err := devices.CreateEthernetCard(typ, backing)
		if err != nil {
			return fmt.Errorf("nic %d: %v", i, err)
		}
		card := dev.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		card.Key = n.Key
		if card.Key == 0 {
			card.Key = 4000 + int32(i)
		}
		if n.MAC != "" {
			card.AddressType = string(types.VirtualEthernetCardMacTypeManual)
			card.MacAddress = strings.ToLower(n.MAC)
		}
		devices = append(devices, dev)
	}
	if v.TPM {
		devices = append(devices, &types.VirtualTPM{VirtualDevice: types.VirtualDevice{Key: 11000}})
	}
	spec.DeviceChange, _ = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	for _, dc := range spec.DeviceChange {
		// The disk files exist already (prepareDiskFiles): attach them, do not create them.
		dc.GetVirtualDeviceConfigSpec().FileOperation = ""
	}

	folder := b.folders.VmFolder
	if v.Folder != "" {
		var err error
		if folder, err = b.folderPath(folder, v.Folder); err != nil {
			return err
		}
	}
	host := b.hosts[0]
	if v.Host != "" {
		host = nil
		for _, h := range b.hosts {
			if n, _ := h.ObjectName(ctx); n == v.Host {
				host = h
			}
		}
		if host == nil {
			return fmt.Errorf("unknown host %q", v.Host)
		}
	}
	pool := b.pool
	if pool == nil {
		var err error
		if pool, err = host.ResourcePool(ctx); err != nil {
			return err
		}
	}
	res, err := b.wait(folder.CreateVM(ctx, spec, pool, host))
	if err != nil {
		return err
	}
	ref := res.(types.ManagedObjectReference)

	raw, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok {
		return fmt.Errorf("created VM %s not found", ref)
	}
	w := wrapVM(raw, files)
	simulator.Map.WithLock(w, func() {
		b.guestInfo(w, v)
		w.setRDM(rdm)
		err = w.syncTracking()
	})
	if err != nil {
		return err
	}

	vm := object.NewVirtualMachine(b.c, ref)
	switch v.PowerState {
	case "", "poweredOff":
	case "poweredOn":
		_, err = b.wait(vm.PowerOn(ctx))
	case "suspended":
		if _, err = b.wait(vm.PowerOn(ctx)); err == nil {
			_, err = b.wait(vm.Suspend(ctx))
		}
	default:
		err = fmt.Errorf("unknown power_state %q", v.PowerState)
	}
	if err != nil {
		return err
	}
	simulator.Map.WithLock(w, func() { b.toolsState(w, v) })

	byName := map[string]types.ManagedObjectReference{}
	if err := createSnapshots(b, vm, v.Snapshots, nil, byName); err != nil {
		return err
	}
	if len(byName) > 0 {
		cur := v.Current
		if cur == "" {
			cur = lastSnapshot(v.Snapshots)
		}
		ref, ok := byName[cur]
		if !ok {
			return fmt.Errorf("current_snapshot %q is not one of the VM's snapshots", cur)
		}
		res, err := methods.RevertToSnapshot_Task(ctx, b.c, &types.RevertToSnapshot_Task{This: ref})
		if err != nil {
			return fmt.Errorf("current_snapshot: %v", err)
		}
		if _, err := b.wait(object.NewTask(b.c, res.Returnval), nil); err != nil {
			return fmt.Errorf("current_snapshot: %v", err)
		}
	}
	return nil
}

// createSnapshots creates a snapshot tree depth first; before each snapshot the VM's current
// snapshot is set to the intended parent (nil: a new root).
func createSnapshots(b *builder, vm *object.VirtualMachine, list []snapshotDef,
	parent *types.ManagedObjectReference, byName map[string]types.ManagedObjectReference) error {
	for _, s := range list {
		if s.Name == "" {
			return fmt.Errorf("snapshot without a name")
		}
		if _, dup := byName[s.Name]; dup {
			return fmt.Errorf("snapshot name %q used twice", s.Name)
		}
		w := simulator.Map.Get(vm.Reference()).(*cbtVM)
		simulator.Map.WithLock(w, func() {
			if w.Snapshot != nil {
				info := *w.Snapshot
				info.CurrentSnapshot = parent
				simulator.Map.Update(w, []types.PropertyChange{{Name: "snapshot", Val: &info}})
			}
		})
		res, err := b.wait(vm.CreateSnapshot(b.ctx, s.Name, s.Description, false, false))
		if err != nil {
			return fmt.Errorf("snapshot %q: %v", s.Name, err)
		}
		ref := res.(types.ManagedObjectReference)
		byName[s.Name] = ref
		if err := createSnapshots(b, vm, s.Children, &ref, byName); err != nil {
			return err
		}
	}
	return nil
}

func lastSnapshot(list []snapshotDef) string {
	if len(list) == 0 {
		return ""
	}
	last := list[len(list)-1]
	if n := lastSnapshot(last.Children); n != "" {
		return n
	}
	return last.Name
}

func (b *builder) nicBacking(network string) (types.BaseVirtualDeviceBackingInfo, error) {
	if network == "" {
		network = "VM Network"
	}
	net, err := b.finder.Network(b.ctx, network)
	if err != nil {
		return nil, fmt.Errorf("network %q: %v", network, err)
	}
	return net.EthernetCardBackingInfo(b.ctx)
}

// guestInfo sets what VMware Tools would report, and the guest OS full name.
func (b *builder) guestInfo(w *cbtVM, v *vmDef) {
	full := v.GuestOS
	if full == "" {
		full = w.Config.GuestId
	}
	w.Config.GuestFullName = full
	w.Summary.Config.GuestFullName = full
	w.Guest.GuestId = w.Config.GuestId
	w.Guest.GuestFullName = full
	w.Guest.HostName = v.Hostname

	var nets []types.GuestNicInfo
	devs := object.VirtualDeviceList(w.Config.Hardware.Device)
	for i, n := range v.NICs {
		var card *types.VirtualEthernetCard
		for _, d := range devs.SelectByType((*types.VirtualEthernetCard)(nil)) {
			c := d.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
			if (n.Key != 0 && c.Key == n.Key) || (n.Key == 0 && c.Key == 4000+int32(i)) {
				card = c
			}
		}
		info := types.GuestNicInfo{Network: n.Network, IpAddress: n.IPs, Connected: true}
		if info.Network == "" {
			info.Network = "VM Network"
		}
		if card != nil {
			info.MacAddress = card.MacAddress
			info.DeviceConfigId = card.Key
		}
		if len(n.IPs) > 0 {
			info.IpConfig = &types.NetIpConfigInfo{}
			for _, ip := range n.IPs {
				prefix := int32(24)
				if strings.Contains(ip, ":") {
					prefix = 64
				}
				info.IpConfig.IpAddress = append(info.IpConfig.IpAddress, types.NetIpConfigInfoIpAddress{
					IpAddress: ip, PrefixLength: prefix, State: "preferred",
				})
			}
		}
		nets = append(nets, info)
	}
	w.Guest.Net = nets
}

func (b *builder) toolsState(w *cbtVM, v *vmDef) {
	running := w.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	if v.ToolsRunning != nil {
		running = running && *v.ToolsRunning
	}
	w.Summary.Guest.GuestId = w.Config.GuestId
	w.Summary.Guest.GuestFullName = w.Guest.GuestFullName
	if !running {
		// Without Tools the guest reports nothing: vSphere leaves the guest OS, host name and
		// networking of GuestInfo unset (the configured OS stays in config.guestFullName).
		w.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
		w.Guest.GuestState = "notRunning"
		w.Guest.IpAddress = ""
		w.Guest.GuestId = ""
		w.Guest.GuestFullName = ""
		w.Guest.HostName = ""
		w.Guest.Net = nil
		w.Summary.Guest.GuestId = ""
		w.Summary.Guest.GuestFullName = ""
		w.Summary.Guest.ToolsRunningStatus = w.Guest.ToolsRunningStatus
		return
	}
	w.Guest.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
	w.Guest.ToolsVersion = "12352"
	w.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	w.Guest.GuestState = "running"
	for _, n := range w.Guest.Net {
		if len(n.IpAddress) > 0 {
			w.Guest.IpAddress = n.IpAddress[0]
			break
		}
	}
	w.Summary.Guest.ToolsStatus = w.Guest.ToolsStatus
	w.Summary.Guest.ToolsRunningStatus = w.Guest.ToolsRunningStatus
	w.Summary.Guest.HostName = w.Guest.HostName
	w.Summary.Guest.IpAddress = w.Guest.IpAddress
}

// prepareDiskFiles makes the files the simulator expects for a disk backing "[ds] dir/name.vmdk":
// a descriptor and a flat extent in the datastore. The flat extent is the disk's image: a sparse
// file of the disk's capacity, or a symlink to the model's image when that lives elsewhere.
func prepareDiskFiles(file string, d *diskDef) error {
	desc := localPath(file)
	if desc == "" {
		return fmt.Errorf("backing %q: unknown datastore", file)
	}
	flat := flatPath(file)
	if err := os.MkdirAll(filepath.Dir(desc), 0o755); err != nil {
		return err
	}
	if d.Image != "" {
		abs, err := filepath.Abs(d.Image)
		if err != nil {
			return err
		}
		d.Image = abs
		if abs != flat {
			if _, err := os.Lstat(flat); os.IsNotExist(err) {
				if err := os.Symlink(abs, flat); err != nil {
					return err
				}
			}
		}
	} else {
		d.Image = flat
	}
	if _, err := os.Stat(d.Image); os.IsNotExist(err) {
		f, err := os.OpenFile(d.Image, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		err = f.Truncate(d.Capacity)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if st, err := os.Stat(desc); err != nil || st.Size() == 0 {
		if err := os.WriteFile(desc, []byte(descriptor(filepath.Base(flat), d.Capacity)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// descriptor is a monolithic-flat VMDK descriptor as ESXi writes it.
func descriptor(flat string, capacity int64) string {
	sectors := capacity / 512
	cyl := sectors / (255 * 63)
	return fmt.Sprintf(`# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=fffffffe
parentCID=ffffffff
createType="vmfs"

# Extent description
RW %d VMFS "%s"

# The Disk Data Base
#DDB

ddb.adapterType = "lsilogic"
ddb.geometry.cylinders = "%d"
ddb.geometry.heads = "255"
ddb.geometry.sectors = "63"
ddb.thinProvisioned = "1"
ddb.virtualHWVersion = "13"
`, sectors, flat, cyl)
}
