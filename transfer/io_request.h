#pragma once
// One unit of I/O handed to a source or target: a range of the disk and (for data) the buffer that
// holds it. Sources and targets never call back into the copier directly: they report completion
// through IoOwner::io_done, which only queues the request, so no library callback re-enters its caller.
#include <cstdint>

namespace mm::transfer {

struct IoRequest;

struct IoOwner {
  virtual void io_done(IoRequest& request) = 0;

 protected:
  ~IoOwner() = default;
};

struct IoRequest {
  uint64_t offset = 0;
  uint64_t length = 0;
  unsigned char* buf = nullptr;  // data requests only
  int buf_index = -1;            // fixed-buffer index of buf, or -1
  int error = 0;                 // errno of a failure; 0 on success
  IoOwner* owner = nullptr;
  uint64_t progress = 0;  // bytes already done by a target that splits or resubmits a request
};

}  // namespace mm::transfer
