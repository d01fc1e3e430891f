#pragma once
// Per-target settings the daemon reads when it schedules work on an Incus target (the reference
// tool's target properties). The client itself only uses connection_timeout (via TargetEndpoint).
#include <string>

namespace mm::incus {

inline constexpr int kDefaultImportLimit = 50;  // disk imports running at once on the target
inline constexpr int kDefaultCreateLimit = 10;  // instance creations running at once
inline constexpr const char* kDefaultConnectionTimeout = "5m0s";  // also bounds each operation

struct TargetSettings {
  int import_limit = kDefaultImportLimit;
  int create_limit = kDefaultCreateLimit;
  std::string connection_timeout = kDefaultConnectionTimeout;
};

}  // namespace mm::incus
