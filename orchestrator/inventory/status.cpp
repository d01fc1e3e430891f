#include "orchestrator/inventory/status.h"

#include <cstdio>

namespace mm::inventory {

const char* status_for(source::SourceError::Kind kind) {
  switch (kind) {
    case source::SourceError::Kind::kUntrustedCertificate:
      return kStatusConfirmFingerprint;
    case source::SourceError::Kind::kAuthFailed:
      return kStatusAuthError;
    case source::SourceError::Kind::kUnreachable:
      return kStatusCannotConnect;
    case source::SourceError::Kind::kProtocol:
      break;
  }
  // The reference maps any error it cannot classify to Unknown.
  return kStatusUnknown;
}

const char* status_for(target::TargetError::Kind kind) {
  switch (kind) {
    case target::TargetError::Kind::kUntrustedCertificate:
      return kStatusConfirmFingerprint;
    case target::TargetError::Kind::kAuthFailed:
      return kStatusAuthError;
    case target::TargetError::Kind::kUnreachable:
      return kStatusCannotConnect;
    case target::TargetError::Kind::kProtocol:
      break;
  }
  return kStatusUnknown;
}

std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace mm::inventory
