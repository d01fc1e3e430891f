#include "orchestrator/api/connectivity_answer.h"

#include "orchestrator/inventory/status.h"

namespace mm::api {

Response connectivity_answer(const inventory::ConnectivityResult& r, int status,
                             const std::string& location) {
  nlohmann::json meta = {{"ConnectivityStatus", r.status}};
  if (r.status == inventory::kStatusConfirmFingerprint) meta["certFingerprint"] = r.fingerprint;
  Response out = sync_response(meta, status);
  out.headers.emplace_back("Location", location);
  return out;
}

}  // namespace mm::api
