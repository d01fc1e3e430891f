#include "cbt/nbd_block_status.h"

#include <libnbd.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mm::cbt {
namespace {

constexpr uint64_t kMaxQuery = 2ull << 30;  // libnbd 1.14: 32-bit extent lengths

struct QueryState {
  const std::string* context;
  uint64_t next = 0;  // first byte not yet reported
  uint64_t limit = 0;
  const std::function<void(const StatusExtent&)>* visit;
  std::string error;
};

int on_extents(void* user_data, const char* metacontext, uint64_t offset, uint32_t* entries,
               size_t nr_entries, int* error) {
  auto* st = static_cast<QueryState*>(user_data);
  if (*error != 0 || *st->context != metacontext) return 0;
  if (offset != st->next) {
    st->error = "server answered block status at offset " + std::to_string(offset) +
                " where " + std::to_string(st->next) + " was asked";
    return -1;
  }
  for (size_t i = 0; i + 1 < nr_entries && st->next < st->limit; i += 2) {
    uint64_t length = entries[i];
    if (length == 0) {
      st->error = "server reported a zero-length extent at offset " + std::to_string(st->next);
      return -1;
    }
    if (length > st->limit - st->next) length = st->limit - st->next;
    (*st->visit)(StatusExtent{st->next, length, entries[i + 1]});
    st->next += length;
  }
  return 0;
}

}  // namespace

void walk_block_status(nbd_handle* nbd, const std::string& context, uint64_t offset, uint64_t length,
                       const std::function<void(const StatusExtent&)>& visit) {
  if (length > UINT64_MAX - offset) {
    throw std::out_of_range("block status (" + context + ") range at offset " +
                            std::to_string(offset) + " of length " + std::to_string(length) +
                            " wraps past 2^64");
  }
  QueryState st{&context, offset, offset + length, &visit, {}};
  while (st.next < st.limit) {
    const uint64_t asked = st.next;
    const uint64_t count = std::min(kMaxQuery, st.limit - st.next);
    nbd_extent_callback cb{.callback = on_extents, .user_data = &st, .free = nullptr};
    if (nbd_block_status(nbd, count, asked, cb, 0) == -1) {
      throw std::runtime_error("block status (" + context + ") at offset " + std::to_string(asked) +
                               " failed: " + (st.error.empty() ? nbd_get_error() : st.error));
    }
    if (st.next == asked) {
      throw std::runtime_error("server made no progress answering block status (" + context +
                               ") at offset " + std::to_string(asked));
    }
  }
}

}  // namespace mm::cbt
