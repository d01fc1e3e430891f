#include "cbt/nbd_handle.h"

#include <libnbd.h>

#include <stdexcept>

namespace mm::cbt {

void NbdHandleCloser::operator()(nbd_handle* nbd) const { nbd_close(nbd); }

NbdHandlePtr open_nbd_with_context(const std::string& uri, const std::string& context) {
  NbdHandlePtr nbd(nbd_create());
  if (!nbd) throw std::runtime_error(std::string("cannot create an NBD handle: ") + nbd_get_error());
  if (nbd_add_meta_context(nbd.get(), context.c_str()) == -1) {
    throw std::runtime_error("cannot request NBD meta context " + context + ": " + nbd_get_error());
  }
  if (nbd_connect_uri(nbd.get(), uri.c_str()) == -1) {
    throw std::runtime_error("cannot connect to NBD server " + uri + ": " + nbd_get_error());
  }
  const int offered = nbd_can_meta_context(nbd.get(), context.c_str());
  if (offered == -1) {
    throw std::runtime_error("cannot query NBD meta context " + context + " on " + uri + ": " +
                             nbd_get_error());
  }
  if (offered == 0) {
    throw std::runtime_error("NBD server " + uri + " does not offer meta context " + context);
  }
  return nbd;
}

}  // namespace mm::cbt
