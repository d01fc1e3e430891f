#pragma once
// Sources as JSON, shaped like the reference tool's api.Source with api.VMwareProperties:
//   {"name": "esxi01", "source_type": "vmware",
//    "properties": {"endpoint": "https://10.10.0.3", "username": "user", "password": "...",
//                   "trusted_server_certificate_fingerprint": "", "import_limit": 50,
//                   "connectivity_status": "OK"}}
// The password is accepted on the way in and never written out.
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/state/records.h"

namespace mm::api {

// Parses a POST or PUT body; throws ApiError 400 naming the field. A missing password leaves the
// record's password unset (on update: keep the stored one). connectivity_status is the daemon's to
// set and is ignored.
state::SourceRecord parse_source(std::string_view body);
nlohmann::json source_to_json(const state::SourceRecord& s);

}  // namespace mm::api
