#pragma once
// The lab's VMs: what the VMware simulator is told about them (the model file), the real data put
// on their disks at start, and the guest churn that keeps writing to the running ones, journaled
// for change tracking as a guest's writes are on a disk with CBT on.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/source/source_inventory.h"

namespace mm::vmware {
class VmwareClient;
}

namespace mm::lab {

struct LabVm {
  std::string name;  // also its folder and files in the datastore: NAME/NAME-flat.vmdk
  std::string uuid;  // config.instanceUuid
  std::string guest_id, guest_os, firmware, ip;
  int cpus = 1;
  int memory_mb = 1024;
  uint64_t disk_bytes = 0;
};

// The first `n` lab VMs (1..9): CentOS9, Debian12, Win2016 as in the reference documents, then
// more of the same kinds. Disks of 128-256 MiB.
std::vector<LabVm> lab_vms(int n);

// The simulator's model file (tests/vmware-sim, docs/vmware-simulator.md): an ESXi host with
// datastore "datastore-01" at @DS@, port group "VMWARE", the VMs powered on with CBT on.
std::string simulator_model(const std::vector<LabVm>& vms);

// Puts real data on about half of a disk: runs of 256 KiB - 4 MiB of data with holes between,
// chosen by `seed`, each write journaled. Returns the bytes written.
uint64_t fill_disk(const std::string& image, uint64_t size, uint32_t seed);

// Every tick, writes three areas (64 - 512 KiB, 64 KiB aligned) to each VM that is powered on,
// asking the simulator for the power state just before writing: a powered-off VM (cut over by the
// migration) must stay as the migration left it.
class GuestChurn {
 public:
  // `sim`: the simulator, its certificate pinned; vm_images: each VM with its disk's flat image.
  GuestChurn(source::SourceEndpoint sim, std::vector<std::pair<LabVm, std::string>> vm_images);
  ~GuestChurn();
  struct Tick {
    int vms_written = 0;
    uint64_t bytes = 0;
  };
  Tick tick();  // throws nothing: a failed power check skips the VM this time

 private:
  void connect();
  source::SourceEndpoint sim_;
  std::vector<std::pair<LabVm, std::string>> vms_;
  std::vector<std::string> morefs_;
  std::unique_ptr<vmware::VmwareClient> client_;
  uint32_t seed_ = 1000;
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace mm::lab
