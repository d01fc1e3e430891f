// The top-level names an include expression may use: the fields of an instance record.
#pragma once

#include <array>
#include <string_view>

namespace mm::expr {

// Nested: config is a map; disks[] {name, capacity, shared, supported}; nics[] {hardware_address,
// network, ipv4_address, ipv6_address}; snapshots[].
inline constexpr std::array<std::string_view, 23> kInstanceFields = {
    "name",        "location",     "source",       "source_type",          "os",
    "os_version",  "os_type",      "distribution", "distribution_version", "cpus",
    "memory",      "architecture", "running",      "background_import",    "secure_boot",
    "legacy_boot", "tpm",          "uuid",         "description",          "config",
    "disks",       "nics",         "snapshots",
};

}  // namespace mm::expr
