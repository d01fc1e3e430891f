#include <stdexcept>

#include "transfer/backends.h"

namespace mm::transfer {

std::unique_ptr<SourceReader> open_source(const Endpoint& e, EventLoop& loop,
                                          const ReaderOptions& options) {
  switch (e.kind) {
    case EndpointKind::kNbd:
      return make_nbd_reader(e, loop, options);
    case EndpointKind::kFile:
      return make_file_reader(e, loop, options);
    case EndpointKind::kHttps:
      return make_https_reader(e, loop, options);
    case EndpointKind::kVddk:
      return make_vddk_reader(e, loop, options);
    case EndpointKind::kNull:
      break;
    case EndpointKind::kStream:
      throw std::runtime_error(e.uri + " can only be a target: the receiving end writes the disk");
  }
  throw std::runtime_error("null: can only be a target (it discards what is written)");
}

std::unique_ptr<TargetWriter> open_target(const Endpoint& e, EventLoop& loop, uint64_t size,
                                          const WriterOptions& options) {
  switch (e.kind) {
    case EndpointKind::kNbd:
      return make_nbd_writer(e, loop, size, options);
    case EndpointKind::kFile:
      return make_file_writer(e, loop, size, options);
    case EndpointKind::kNull:
      return make_null_writer(size);
    case EndpointKind::kStream:
      return make_stream_writer(e, loop, size, options);
    case EndpointKind::kHttps:
      throw std::runtime_error(e.uri + " can only be a source: the datastore path only reads");
    case EndpointKind::kVddk:
      throw std::runtime_error(e.uri + " can only be a source: VDDK disks are opened read-only");
  }
  throw std::logic_error("unknown endpoint kind");
}

}  // namespace mm::transfer
