#pragma once
// Turns the PropertyCollector's objects (VMs, networks, folders, datacenters, hosts' network
// systems, switches) into the source-independent inventory: inventory paths from the parent
// chain as vCenter shows them (/Europe/Lab/vm/prod/web/web01, /ha-datacenter/vm/Win2016), VM
// hardware, disks, NICs with guest IPs, flattened snapshots, networks with VLAN and switch.
// Pure: no I/O, so it is unit-tested and fuzzed on captured replies.
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "orchestrator/source/source_inventory.h"
#include "orchestrator/vmware/vim25_messages.h"

namespace mm::vmware {

// The property paths read per managed object type (RetrievePropertiesEx propSet).
struct PropertyPaths {
  const char* type;
  std::vector<const char*> paths;
};
const std::vector<PropertyPaths>& inventory_property_paths();
// The container view's object types.
const std::vector<const char*>& inventory_view_types();

class InventoryBuilder {
 public:
  // `root_folder`: ServiceContent.rootFolder, where inventory paths start (it is not in them).
  explicit InventoryBuilder(std::string root_folder) : root_folder_(std::move(root_folder)) {}
  // Adds every object of a page (later pages may hold the same object: the last one wins).
  void add(RetrieveResult page);
  // The hosts' HostNetworkSystem objects (standard port groups' VLANs live there).
  std::vector<MoRef> network_systems() const;
  // Throws ReplyError naming the object and property for anything it cannot accept.
  source::Inventory build() const;

 private:
  const ObjectContent* find(const std::string& value) const;
  std::string path_of(const ObjectContent& obj) const;
  std::string name_of(const ObjectContent& obj) const;
  source::VmInfo vm_of(const ObjectContent& obj) const;
  void nics_of(const ObjectContent& obj, pugi::xml_node devices, source::VmInfo& vm) const;

  std::string root_folder_;
  std::deque<RetrieveResult> pages_;                     // stable addresses for objects_
  std::map<std::string, const ObjectContent*> objects_;  // by moref value
};

// The VirtualDisks of a config.hardware.device list (a VM's or a snapshot's); `tpm` (optional) is
// set when the list holds a VirtualTPM. `where` names the list in error messages.
std::vector<source::DiskInfo> parse_virtual_disks(pugi::xml_node devices, const std::string& where,
                                                  bool* tpm = nullptr);

// "windows2019srv_64Guest" -> "x86_64", "arm64Guest"-like ids -> "aarch64", else "i686".
std::string architecture_of_guest_id(const std::string& guest_id);

}  // namespace mm::vmware
