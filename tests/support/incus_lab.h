#pragma once
// One Incus target endpoint with everything a migration needs, on a host that cannot run VMs.
//
// IncusLab = the real incusd (IncusServer) + the stand-in fronting it (`incus-standin -upstream
// unix://<incusd socket>`) on 127.0.0.1 with its own generated certificate, trusting the
// server's trusted client certificate. Through endpoint():
//   * projects, storage pools, networks, custom volumes and incusd's operations are the real
//     daemon's (forwarded);
//   * VM instances are the stand-in's: pools and attached custom volumes are checked on the real
//     daemon, and a VM's root disk is a sparse file of the root disk's size exactly where
//     incusd's dir driver keeps it (mm::incus::locate_instance_root_volume), removed with the VM.
// The lab adds a second dir pool "pool02", optionally a second project, and a managed network
// "incusbr0": a macvlan network on a veth pair inside incusd's network namespace (a bridge needs
// dnsmasq, which is not installed; incusd is given a sysfs of its own namespace so it sees the
// veth).
//
// The stand-in runs in incusd's network namespace (the IncusServer constructor moved the calling
// thread there): reach endpoint() from that thread and the processes it starts, e.g.
// migration-managerd.
#include <memory>
#include <string>

#include "orchestrator/target/target_status.h"
#include "tests/support/incus_server.h"
#include "tests/support/servers.h"

namespace mm::test {

struct IncusLabOptions {
  bool second_pool = true;     // dir pool "pool02" (source <INCUS_DIR>/storage-pools/pool02)
  std::string second_project;  // e.g. "tenant" (features.storage.volumes on, root disk on
                               // "default" in its default profile); empty: none
  bool network = true;         // managed network "incusbr0" (macvlan)
  std::string standin_args = "-op-delay 10ms";  // extra incus-standin flags
};

class IncusLab {
 public:
  static constexpr const char* kPool2 = "pool02";
  static constexpr const char* kNetwork = "incusbr0";

  // Starts a private incusd of its own (joins its network namespace; ~2 s).
  explicit IncusLab(const IncusLabOptions& options = {});
  // On a running incusd, e.g. IncusEnvironment::server(); idempotent on the same server.
  explicit IncusLab(IncusServer& server, const IncusLabOptions& options = {});
  ~IncusLab();
  IncusLab(const IncusLab&) = delete;
  IncusLab& operator=(const IncusLab&) = delete;

  // The one target endpoint: the stand-in's https URL, the trusted client certificate and key,
  // and the stand-in's certificate fingerprint pinned.
  target::TargetEndpoint endpoint() const;
  IncusServer& incus() const { return *server_; }  // the real daemon (its own endpoint, CLI)
  const IncusStandin& front() const { return *standin_; }
  // The absolute config.source of a dir pool, as the daemon reports it.
  std::string pool_source(const std::string& pool) const;

 private:
  void set_up(const IncusLabOptions& options);
  void add_network();
  std::unique_ptr<IncusServer> owned_;
  IncusServer* server_ = nullptr;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<IncusStandin> standin_;
};

}  // namespace mm::test
