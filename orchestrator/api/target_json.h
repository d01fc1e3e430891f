#pragma once
// Targets as JSON, shaped like the reference tool's api.Target with api.IncusProperties:
//   {"name": "incus01", "target_type": "incus",
//    "properties": {"endpoint": "https://10.1.0.101:8443", "tls_client_cert": "PEM",
//                   "tls_client_key": "PEM", "oidc_tokens": {...},
//                   "trusted_server_certificate_fingerprint": "", "import_limit": 50,
//                   "create_limit": 10, "connection_timeout": "5m0s", "connectivity_status": "OK"}}
// tls_client_key and oidc_tokens are secrets: accepted on the way in, never written out.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/state/records.h"

namespace mm::api {

state::TargetRecord parse_target(std::string_view body);
nlohmann::json target_to_json(const state::TargetRecord& t);

}  // namespace mm::api
