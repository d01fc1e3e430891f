#pragma once
// The answer to a source or target create/update, as the reference tool shapes it: metadata is a
// map of strings, {"ConnectivityStatus": "OK"}, plus "certFingerprint" (the certificate the server
// served, SHA-256 hex) when the status is "Confirm TLS fingerprint".
#include <string>

#include "orchestrator/api/response.h"
#include "orchestrator/inventory/connectivity.h"

namespace mm::api {

Response connectivity_answer(const inventory::ConnectivityResult& r, int status,
                             const std::string& location);

}  // namespace mm::api
