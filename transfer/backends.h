#pragma once
// Constructors of the concrete backends behind open_source / open_target (endpoint_io.h).
#include <memory>

#include "transfer/endpoint_io.h"

namespace mm::transfer {

std::unique_ptr<SourceReader> make_nbd_reader(const Endpoint& e, EventLoop& loop,
                                              const ReaderOptions& options);
std::unique_ptr<SourceReader> make_file_reader(const Endpoint& e, EventLoop& loop,
                                               const ReaderOptions& options);
// https://HOST/folder/...: the vSphere datastore file service (https_reader.cpp).
std::unique_ptr<SourceReader> make_https_reader(const Endpoint& e, EventLoop& loop,
                                                const ReaderOptions& options);
// vddk://HOST/?...: VMware's VDDK loaded at run time (vddk_reader.cpp).
std::unique_ptr<SourceReader> make_vddk_reader(const Endpoint& e, EventLoop& loop,
                                               const ReaderOptions& options);
std::unique_ptr<TargetWriter> make_nbd_writer(const Endpoint& e, EventLoop& loop, uint64_t size,
                                              const WriterOptions& options);
std::unique_ptr<TargetWriter> make_file_writer(const Endpoint& e, EventLoop& loop, uint64_t size,
                                               const WriterOptions& options);
std::unique_ptr<TargetWriter> make_null_writer(uint64_t size);
// mmt://HOST:PORT: transfer/stream/stream_writer.cpp.
std::unique_ptr<TargetWriter> make_stream_writer(const Endpoint& e, EventLoop& loop, uint64_t size,
                                                 const WriterOptions& options);

}  // namespace mm::transfer
