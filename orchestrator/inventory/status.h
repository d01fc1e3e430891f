#pragma once
// Connectivity statuses, worded as the reference tool's api.ExternalConnectivityStatus, and how a
// client's error kind maps onto them.
#include <string>

#include "orchestrator/source/source_inventory.h"
#include "orchestrator/target/target_status.h"

namespace mm::inventory {

inline constexpr const char* kStatusUnknown = "Unknown";
inline constexpr const char* kStatusOk = "OK";
inline constexpr const char* kStatusCannotConnect = "Cannot connect";
inline constexpr const char* kStatusTlsError = "TLS error";
inline constexpr const char* kStatusConfirmFingerprint = "Confirm TLS fingerprint";
inline constexpr const char* kStatusAuthError = "Authentication error";
inline constexpr const char* kStatusWaitingOidc = "Waiting for OIDC authentications";

// Warning types (the reference's api.WarningType values) the sync emits.
inline constexpr const char* kWarnSourceUnavailable = "Sources are unavailable";
inline constexpr const char* kWarnInstancesNotImported = "Instances not imported";
inline constexpr const char* kWarnInstanceIncomplete = "Instances partially imported";
inline constexpr const char* kWarnInstanceRestricted = "Instance migration is restricted";

const char* status_for(source::SourceError::Kind kind);
const char* status_for(target::TargetError::Kind kind);

// Go's %q for the strings in warning messages: double quotes, with \" \\ and control characters
// escaped.
std::string go_quote(const std::string& s);

}  // namespace mm::inventory
