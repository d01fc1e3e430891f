#pragma once
// Opening a libnbd handle with one meta context negotiated: the meta context must be requested
// before connecting, and a server that does not offer it must be a clear error, not an empty map.
#include <memory>
#include <string>

struct nbd_handle;

namespace mm::cbt {

struct NbdHandleCloser {
  void operator()(nbd_handle* nbd) const;
};
using NbdHandlePtr = std::unique_ptr<nbd_handle, NbdHandleCloser>;

// Connects to a libnbd URI (nbd://, nbd+unix:///?socket=...) with `context` requested.
// Throws std::runtime_error naming the URI when the connection fails, and naming the context when
// the server does not offer it.
NbdHandlePtr open_nbd_with_context(const std::string& uri, const std::string& context);

}  // namespace mm::cbt
