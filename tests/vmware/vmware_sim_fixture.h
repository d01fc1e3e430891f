#pragma once
// Starts the VMware test double (tests/vmware-sim) with a model file written by the test, and
// reads its start-up line (URL, certificate fingerprint, datastore directories). Stopped (SIGKILL
// to its process group) when the fixture goes. MM_VMWARE_SIM_TRACE=FILE keeps its SOAP trace.
#include <map>
#include <memory>
#include <string>

#include "orchestrator/source/source_inventory.h"
#include "tests/support/servers.h"

namespace mm::test {

class VmwareSim {
 public:
  // model: "esxi" or "vcenter"; model_json may contain @DS@, replaced by a datastore directory.
  VmwareSim(const std::string& model, const std::string& model_json,
            const std::string& extra_flags = "");
  const std::string& url() const { return url_; }
  const std::string& fingerprint() const { return fingerprint_; }  // as announced: AB:CD:...
  const std::string& datastore_dir() const { return datastore_dir_; }
  source::SourceEndpoint endpoint(bool pinned = true) const;
  static constexpr const char* kUser = "administrator@vsphere.local";
  static constexpr const char* kPassword = "Passw0rd!";

 private:
  TempDir dir_;
  std::string url_, fingerprint_, datastore_dir_;
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace mm::test
