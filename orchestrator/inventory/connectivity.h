#pragma once
// What the API needs from the sync machinery: check a source or target it just wrote and report
// the outcome, and run a source sync on demand. SyncService implements it; a null pointer in the
// router means "no clients wired": statuses stay as stored ("Unknown").
#include <string>

namespace mm::inventory {

struct ConnectivityResult {
  std::string status;       // a status string from status.h
  std::string fingerprint;  // with "Confirm TLS fingerprint": the certificate the server served
  bool finished = true;     // false: still running when the wait ended; status is the stored one
  std::string error;        // why a sync failed, for the API's error answer ("" on success)
};

class Connectivity {
 public:
  virtual ~Connectivity() = default;
  // Checks (and for a source, syncs) the named object on the worker, waiting a bounded time.
  virtual ConnectivityResult check_source(const std::string& name) = 0;
  virtual ConnectivityResult check_target(const std::string& name) = 0;
  // False when no client of that kind is wired in.
  virtual bool can_sync_sources() const = 0;
};

}  // namespace mm::inventory
