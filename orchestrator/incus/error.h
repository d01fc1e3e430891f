#pragma once
// Errors of the Incus client. They are TargetErrors (so the daemon maps them to a target status)
// that also carry what Incus answered: its error_code (an HTTP status such as 404 or 409) and
// whether an operation or request ran out of time.
#include <string>

#include "orchestrator/target/target_status.h"

namespace mm::incus {

class IncusError : public target::TargetError {
 public:
  IncusError(Kind kind, const std::string& what, int code = 0, bool timed_out = false,
             std::string fingerprint = {})
      : TargetError(kind, what, std::move(fingerprint)), code_(code), timed_out_(timed_out) {}
  // Incus's error_code (or the HTTP status) of an error reply; 0 for local failures.
  int code() const { return code_; }
  bool not_found() const { return code_ == 404; }
  bool timed_out() const { return timed_out_; }

 private:
  int code_;
  bool timed_out_;
};

// A reply that does not have the shape Incus documents; `what` names the field.
[[noreturn]] inline void bad_reply(const std::string& what) {
  throw IncusError(target::TargetError::Kind::kProtocol, "Incus reply: " + what);
}

}  // namespace mm::incus
