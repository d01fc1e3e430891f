#pragma once
// The target connectivity check the daemon runs (target::TargetConnector) for Incus targets.
#include "orchestrator/target/target_status.h"

namespace mm::incus {

class IncusConnector : public target::TargetConnector {
 public:
  // Connects, checks the pin (or the system CAs), then GET /1.0 must say auth "trusted".
  // Throws target::TargetError (an IncusError); a bad connection_timeout is kProtocol.
  void check(const target::TargetEndpoint& endpoint) override;
};

}  // namespace mm::incus
