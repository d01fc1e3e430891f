#pragma once
// What the API asks of preflight (orchestrator/migration/preflight.h implements it against the
// store and the Incus targets): one verdict per instance with every check and its reason.
#include <nlohmann/json.hpp>

namespace mm::migration {

class PreflightService {
 public:
  virtual ~PreflightService() = default;
  // The request and answer shapes are in docs/preflight.md. Throws std::invalid_argument for a
  // malformed request (400) and state::StoreError kNotFound for an unknown batch or instance.
  virtual nlohmann::json run(const nlohmann::json& request) = 0;
};

}  // namespace mm::migration
