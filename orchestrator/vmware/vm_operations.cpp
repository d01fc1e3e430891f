// VmwareClient: power, snapshot and change-tracking operations, each a vSphere task waited on;
// and QueryChangedDiskAreas for cbt/.
#include <thread>

#include "orchestrator/vmware/inventory_builder.h"
#include "orchestrator/vmware/vim25_messages.h"
#include "orchestrator/vmware/vim25_request.h"
#include "orchestrator/vmware/vmware_client.h"

namespace mm::vmware {
namespace {

using source::SourceError;

MoRef vm_ref(const std::string& moref) {
  return {"VirtualMachine", moref};
}

}  // namespace

MoRef VmwareClient::start_task(std::string_view method, const MoRef& this_ref,
                               const std::string& inner) {
  connect();
  const Reply reply = session_.call(method, this_ref, inner);
  try {
    return to_moref(reply.returnval(), std::string(method) + " returnval");
  } catch (const ReplyError& e) {
    throw SourceError(SourceError::Kind::kProtocol, e.what());
  }
}

MoRef VmwareClient::wait_for_task(const MoRef& task) {
  const auto deadline = std::chrono::steady_clock::now() + session_.options().task_timeout;
  const MoRef& pc = session_.service_content().property_collector;
  const std::string spec =
      "<specSet><propSet><type>Task</type><pathSet>info</pathSet></propSet>"
      "<objectSet>" +
      moref_element("obj", task) + "</objectSet></specSet><options/>";
  auto pause = std::chrono::milliseconds(20);
  for (;;) {
    const Reply reply = session_.call("RetrievePropertiesEx", pc, spec);
    TaskInfo info;
    try {
      const RetrieveResult r = parse_retrieve_result(reply);
      if (r.objects.size() != 1 || !r.objects[0].prop("info")) {
        throw ReplyError("vim25 reply: task " + task.value + ": no info property");
      }
      info = parse_task_info(r.objects[0].prop("info"), task.value + " info");
    } catch (const ReplyError& e) {
      throw SourceError(SourceError::Kind::kProtocol, e.what());
    }
    if (info.state == "success") return info.result;
    if (info.state == "error") {
      std::string what = "task " + task.value + " failed";
      if (!info.error_type.empty()) what += " with " + info.error_type;
      if (!info.error_message.empty()) what += ": " + info.error_message;
      throw TaskError(info.error_type, what);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw TaskError("", "task " + task.value + " did not finish within " +
                              std::to_string(session_.options().task_timeout.count()) + " s");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

namespace {

// One property of one object through RetrievePropertiesEx; an empty node when it is unset.
RetrieveResult retrieve_one(VimSession& session, const MoRef& obj, const std::string& path) {
  const std::string spec = "<specSet><propSet><type>" + xml_escape(obj.type) + "</type><pathSet>" +
                           xml_escape(path) + "</pathSet></propSet><objectSet>" +
                           moref_element("obj", obj) + "</objectSet></specSet><options/>";
  try {
    RetrieveResult r = parse_retrieve_result(
        session.call("RetrievePropertiesEx", session.service_content().property_collector, spec));
    if (r.objects.size() != 1) {
      throw ReplyError("vim25 reply: " + obj.value + ": expected one object, got " +
                       std::to_string(r.objects.size()));
    }
    return r;
  } catch (const ReplyError& e) {
    throw SourceError(SourceError::Kind::kProtocol, e.what());
  }
}

}  // namespace

std::vector<source::DiskInfo> VmwareClient::snapshot_disks(const std::string& snapshot_moref) {
  connect();
  const RetrieveResult r =
      retrieve_one(session_, {"VirtualMachineSnapshot", snapshot_moref}, "config.hardware.device");
  pugi::xml_node devices = r.objects[0].prop("config.hardware.device");
  if (!devices) {
    throw SourceError(SourceError::Kind::kProtocol,
                      "snapshot " + snapshot_moref + " has no config.hardware.device");
  }
  try {
    return parse_virtual_disks(devices, snapshot_moref + " config.hardware.device");
  } catch (const ReplyError& e) {
    throw SourceError(SourceError::Kind::kProtocol, e.what());
  }
}

std::string VmwareClient::power_state(const std::string& vm_moref) {
  connect();
  const RetrieveResult r = retrieve_one(session_, vm_ref(vm_moref), "runtime.powerState");
  const std::string state = r.objects[0].prop("runtime.powerState").text().get();
  if (state != "poweredOn" && state != "poweredOff" && state != "suspended") {
    throw SourceError(SourceError::Kind::kProtocol,
                      vm_moref + " runtime.powerState: unknown power state \"" + state + "\"");
  }
  return state;
}

void VmwareClient::power_on(const std::string& vm_moref) {
  wait_for_task(start_task("PowerOnVM_Task", vm_ref(vm_moref), ""));
}

void VmwareClient::power_off(const std::string& vm_moref) {
  wait_for_task(start_task("PowerOffVM_Task", vm_ref(vm_moref), ""));
}

std::string VmwareClient::create_snapshot(const std::string& vm_moref, const std::string& name,
                                          const std::string& description) {
  const MoRef result =
      wait_for_task(start_task("CreateSnapshot_Task", vm_ref(vm_moref),
                               element("name", name) + element("description", description) +
                                   "<memory>false</memory><quiesce>false</quiesce>"));
  if (result.empty() || result.type != "VirtualMachineSnapshot") {
    throw SourceError(SourceError::Kind::kProtocol,
                      "CreateSnapshot_Task on " + vm_moref + " returned no snapshot");
  }
  return result.value;
}

void VmwareClient::remove_snapshot(const std::string& snapshot_moref, bool remove_children) {
  wait_for_task(start_task("RemoveSnapshot_Task", {"VirtualMachineSnapshot", snapshot_moref},
                           element("removeChildren", remove_children ? "true" : "false") +
                               "<consolidate>true</consolidate>"));
}

void VmwareClient::enable_change_tracking(const std::string& vm_moref) {
  wait_for_task(start_task("ReconfigVM_Task", vm_ref(vm_moref),
                           "<spec xsi:type=\"VirtualMachineConfigSpec\">"
                           "<changeTrackingEnabled>true</changeTrackingEnabled></spec>"));
}

std::string VmwareChangedAreas::query_changed_disk_areas(const std::string& snapshot_moref,
                                                         int32_t device_key, int64_t start_offset,
                                                         const std::string& change_id) {
  session_.login();
  std::string inner;
  if (!snapshot_moref.empty()) {
    inner += moref_element("snapshot", {"VirtualMachineSnapshot", snapshot_moref});
  }
  inner += element("deviceKey", std::to_string(device_key)) +
           element("startOffset", std::to_string(start_offset)) + element("changeId", change_id);
  return session_.call_raw("QueryChangedDiskAreas", vm_ref(vm_moref_), inner);
}

source::Inventory VmwareConnector::fetch_inventory(const source::SourceEndpoint& endpoint) {
  VmwareClient client(endpoint, options_);
  client.connect();
  source::Inventory inv = client.inventory();
  client.disconnect();
  return inv;
}

}  // namespace mm::vmware
