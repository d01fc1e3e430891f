#include "orchestrator/incus/connector.h"

#include <algorithm>
#include <stdexcept>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"

namespace mm::incus {

void IncusConnector::check(const target::TargetEndpoint& endpoint) {
  std::unique_ptr<IncusClient> client;
  try {
    client = std::make_unique<IncusClient>(endpoint);
  } catch (const std::invalid_argument& e) {
    throw IncusError(target::TargetError::Kind::kProtocol, e.what());
  }
  // A status check should not hang for the whole operation timeout.
  client->set_request_timeout(
      std::min<std::chrono::milliseconds>(client->operation_timeout(), std::chrono::seconds(30)));
  client->check_trusted();
}

}  // namespace mm::incus
