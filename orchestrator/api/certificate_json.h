#pragma once
// Trusted client certificates as JSON: {"name": "laptop", "certificate": "-----BEGIN ..."}; the
// answer adds "fingerprint" (SHA-256 of the DER, the key of the trust list).
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/state/records.h"

namespace mm::api {

state::CertificateRecord parse_certificate(std::string_view body);
nlohmann::json certificate_to_json(const state::CertificateRecord& c);

}  // namespace mm::api
