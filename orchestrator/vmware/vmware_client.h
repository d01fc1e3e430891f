#pragma once
// The VMware source client: one logged-in vim25 session with the inventory read and the
// operations migration needs on a VM (by moref). Synchronous; use one client per thread.
//
//   VmwareClient c(endpoint);            // nothing sent yet
//   c.connect();                         // certificate check, Login
//   source::Inventory inv = c.inventory();
//   std::string snap = c.create_snapshot("vm-42", "migration");
//   VmwareChangedAreas q(c.session(), "vm-42");
//   cbt::changed_areas(q, snap, 2000, capacity, "*");
//
// Every call throws source::SourceError (VimCallError for a server fault, TaskError for a task
// that ended in error).
#include <chrono>
#include <string>

#include "cbt/vmware_changed_areas.h"
#include "orchestrator/source/source_inventory.h"
#include "orchestrator/vmware/vim_session.h"

namespace mm::vmware {

// A vSphere task that ended in error or did not end in time (kProtocol).
class TaskError : public source::SourceError {
 public:
  TaskError(std::string fault_type, const std::string& what)
      : SourceError(Kind::kProtocol, what), fault_type_(std::move(fault_type)) {}
  // The task's fault ("InvalidPowerState"), "" for a timeout.
  const std::string& fault_type() const { return fault_type_; }

 private:
  std::string fault_type_;
};

class VmwareClient {
 public:
  explicit VmwareClient(source::SourceEndpoint endpoint, SessionOptions options = {});
  ~VmwareClient();  // logs out

  void connect();  // RetrieveServiceContent + Login (again after disconnect)
  void disconnect() noexcept;
  VimSession& session() { return session_; }
  bool is_esxi() const { return session_.is_esxi(); }  // after connect

  // The whole inventory through a container view over the root folder, paged.
  source::Inventory inventory();

  void power_on(const std::string& vm_moref);
  void power_off(const std::string& vm_moref);  // hard power off (no guest shutdown)
  // A snapshot without memory and without quiescing; returns its moref ("snapshot-7").
  std::string create_snapshot(const std::string& vm_moref, const std::string& name,
                              const std::string& description = "");
  void remove_snapshot(const std::string& snapshot_moref, bool remove_children = false);
  // ReconfigVM_Task with changeTrackingEnabled = true (takes effect at the next snapshot or
  // power cycle on a running VM, as on ESXi).
  void enable_change_tracking(const std::string& vm_moref);

  // The disks as a snapshot holds them (config.hardware.device of the VirtualMachineSnapshot):
  // each disk's changeId there is the one the next top-up asks QueryChangedDiskAreas about.
  std::vector<source::DiskInfo> snapshot_disks(const std::string& snapshot_moref);
  // runtime.powerState: poweredOn | poweredOff | suspended.
  std::string power_state(const std::string& vm_moref);

  // Waits for Task `task_moref` to succeed (returning its result moref, if any) or throws
  // TaskError with the task's localized message. Polls the task's info, up to task_timeout.
  MoRef wait_for_task(const MoRef& task);

 private:
  MoRef start_task(std::string_view method, const MoRef& this_ref, const std::string& inner);

  VimSession session_;
};

// cbt::ChangedAreasQuery over a session: QueryChangedDiskAreas on one VM, returning the raw reply
// (faults included) for cbt::changed_areas to parse and page.
class VmwareChangedAreas : public cbt::ChangedAreasQuery {
 public:
  VmwareChangedAreas(VimSession& session, std::string vm_moref)
      : session_(session), vm_moref_(std::move(vm_moref)) {}
  std::string query_changed_disk_areas(const std::string& snapshot_moref, int32_t device_key,
                                       int64_t start_offset, const std::string& change_id) override;

 private:
  VimSession& session_;
  std::string vm_moref_;
};

// source::SourceConnector for the daemon's inventory sync: connect, read, log out.
class VmwareConnector : public source::SourceConnector {
 public:
  explicit VmwareConnector(SessionOptions options = {}) : options_(options) {}
  source::Inventory fetch_inventory(const source::SourceEndpoint& endpoint) override;

 private:
  SessionOptions options_;
};

}  // namespace mm::vmware
