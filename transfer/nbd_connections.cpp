#include "transfer/nbd_connections.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mm::transfer {
namespace {

constexpr unsigned kMaxReopenAttempts = 10;  // about 30 s of backoff in all
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

bool is_connection_error(int err) {
  return err == ENOTCONN || err == ECONNRESET || err == EPIPE || err == ESHUTDOWN ||
         err == ECONNABORTED;
}

}  // namespace

nbd_handle* nbd_open(const std::string& uri, bool want_allocation_map, const std::string& what,
                     int timeout_ms) {
  nbd_handle* h = nbd_create();
  if (h == nullptr) throw std::runtime_error(std::string("libnbd: ") + nbd_get_error());
  nbd_set_pread_initialize(h, false);  // our buffers are overwritten by the read; no memset
  if (want_allocation_map) nbd_add_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION);
  auto fail = [&](const std::string& err) {
    nbd_close(h);
    throw std::runtime_error("cannot connect to the " + what + " " + uri + ": " + err);
  };
  if (timeout_ms < 0) {
    if (nbd_connect_uri(h, uri.c_str()) == -1) fail(nbd_get_error() ? nbd_get_error() : "unknown error");
    return h;
  }
  if (nbd_aio_connect_uri(h, uri.c_str()) == -1) fail(nbd_get_error() ? nbd_get_error() : "unknown error");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (nbd_aio_is_connecting(h)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) fail("the handshake did not finish within " + std::to_string(timeout_ms) + " ms");
    if (nbd_poll(h, static_cast<int>(left.count())) == -1) {
      fail(nbd_get_error() ? nbd_get_error() : "unknown error");
    }
  }
  if (!nbd_aio_is_ready(h)) fail(nbd_get_error() ? nbd_get_error() : "the server closed the connection");
  return h;
}

NbdConnections::NbdConnections(EventLoop& loop, std::string uri, unsigned wanted,
                               const std::string& what)
    : loop_(loop), uri_(std::move(uri)), what_(what) {
  nbd_handle* first = nbd_open(uri_, true, what_);
  const int64_t size = nbd_get_size(first);
  if (size < 0) {
    std::string err = nbd_get_error();
    nbd_close(first);
    throw std::runtime_error("cannot read the size of the " + what_ + ": " + err);
  }
  info_.size = static_cast<uint64_t>(size);
  info_.multi_conn = nbd_can_multi_conn(first) == 1;
  info_.read_only = nbd_is_read_only(first) == 1;
  info_.can_zero = nbd_can_zero(first) == 1;
  info_.can_flush = nbd_can_flush(first) == 1;
  info_.base_allocation = nbd_can_meta_context(first, LIBNBD_CONTEXT_BASE_ALLOCATION) == 1;
  // Several connections are safe only when the server says their views are consistent.
  const unsigned n = info_.multi_conn ? std::max(1u, wanted) : 1u;
  for (unsigned i = 0; i < n; ++i) {
    nbd_handle* h = first;
    if (i > 0) {
      try {
        h = nbd_open(uri_, true, what_, kExtraConnectionTimeoutMs);
      } catch (const std::exception& e) {
        notice_ = "the " + what_ + " accepted " + std::to_string(i) + " of " + std::to_string(n) +
                  " connections (" + e.what() + "); continuing with " + std::to_string(i);
        break;
      }
    }
    auto c = std::make_unique<Conn>();
    c->owner = this;
    c->h = h;
    c->in.conn = c->out.conn = c.get();
    c->out.for_write = true;
    c->backoff = std::make_unique<LoopTimer>(loop_);
    conns_.push_back(std::move(c));
  }
}

nbd_handle* NbdConnections::live_handle() const {
  for (const auto& c : conns_) {
    if (!c->dead && c->h != nullptr) return c->h;
  }
  return nullptr;
}

NbdConnections::~NbdConnections() {
  for (auto& c : conns_) {
    if (c->h != nullptr) {
      c->closing = true;
      nbd_close(c->h);
    }
  }
}

void NbdConnections::submit(Command cmd, IoRequest& req) {
  Pending* p;
  if (pending_free_.empty()) {
    pending_store_.push_back(std::make_unique<Pending>());
    p = pending_store_.back().get();
  } else {
    p = pending_free_.back();
    pending_free_.pop_back();
  }
  *p = Pending{cmd, &req, nullptr, 0};
  Conn* best = nullptr;
  for (auto& c : conns_) {
    if (!c->dead && (best == nullptr || c->in_flight.size() < best->in_flight.size())) best = c.get();
  }
  if (best == nullptr) {
    waiting_.push_back(p);
    return;
  }
  send(*best, p);
}

void NbdConnections::send(Conn& c, Pending* p) {
  p->conn = &c;
  p->error = 0;
  nbd_completion_callback cb{.callback = on_command_done, .user_data = p, .free = nullptr};
  IoRequest& r = *p->req;
  int64_t cookie = -1;
  switch (p->cmd) {
    case Command::kRead:
      cookie = nbd_aio_pread(c.h, r.buf, r.length, r.offset, cb, 0);
      break;
    case Command::kWrite:
      cookie = nbd_aio_pwrite(c.h, r.buf, r.length, r.offset, cb, 0);
      break;
    case Command::kZero:
      cookie = nbd_aio_zero(c.h, r.length, r.offset, cb, 0);
      break;
    case Command::kFlush:
      cookie = nbd_aio_flush(c.h, cb, 0);
      break;
  }
  if (cookie == -1) {
    const int err = nbd_get_errno() != 0 ? nbd_get_errno() : EIO;
    if (nbd_aio_is_dead(c.h) || nbd_aio_is_closed(c.h) || is_connection_error(err)) {
      waiting_.push_back(p);
      mark_dead(c, nbd_get_error() ? nbd_get_error() : "connection lost");
      return;
    }
    deliver(p, err);
    return;
  }
  c.in_flight.push_back(p);
}

int NbdConnections::on_command_done(void* user_data, int* error) {
  auto* p = static_cast<Pending*>(user_data);
  Conn* c = p->conn;
  if (c->closing) return 1;  // the request was already moved to another connection
  p->error = *error;
  auto it = std::find(c->in_flight.begin(), c->in_flight.end(), p);
  if (it != c->in_flight.end()) c->in_flight.erase(it);
  c->owner->completed_.push_back(p);
  return 1;  // retire the command: its status is delivered through completed_
}

void NbdConnections::Poller::on_completion(int result, uint32_t) {
  armed = false;
  if (generation != conn->generation || conn->dead || result < 0) return;
  const unsigned dir = nbd_aio_get_direction(conn->h);
  int rc = 0;
  if (for_write) {
    if (dir & LIBNBD_AIO_DIRECTION_WRITE) rc = nbd_aio_notify_write(conn->h);
  } else if (dir & LIBNBD_AIO_DIRECTION_READ) {
    rc = nbd_aio_notify_read(conn->h);
  }
  if (rc == -1 || nbd_aio_is_dead(conn->h) || nbd_aio_is_closed(conn->h)) {
    conn->owner->last_error_ = nbd_get_error() ? nbd_get_error() : "connection closed by the server";
  }
}

void NbdConnections::arm(Conn& c) {
  if (c.dead) return;
  const int fd = nbd_aio_get_fd(c.h);
  const unsigned dir = nbd_aio_get_direction(c.h);
  if ((dir & LIBNBD_AIO_DIRECTION_READ) && !c.in.armed) {
    io_uring_prep_poll_add(loop_.prepare(&c.in), fd, POLLIN);
    c.in.armed = true;
    c.in.generation = c.generation;
  }
  if ((dir & LIBNBD_AIO_DIRECTION_WRITE) && !c.out.armed) {
    io_uring_prep_poll_add(loop_.prepare(&c.out), fd, POLLOUT);
    c.out.armed = true;
    c.out.generation = c.generation;
  }
}

void NbdConnections::mark_dead(Conn& c, const std::string& why) {
  if (c.dead) return;
  last_error_ = why;
  c.dead = true;
  ++c.generation;  // late poll completions of the old socket are ignored
  for (Poller* poller : {&c.in, &c.out}) {
    if (poller->armed) io_uring_prep_poll_remove(loop_.prepare(nullptr), reinterpret_cast<__u64>(poller));
  }
  c.closing = true;
  nbd_close(c.h);
  c.h = nullptr;
  c.closing = false;
  for (Pending* p : c.in_flight) waiting_.push_back(p);
  c.in_flight.clear();
  c.failures = 0;
  c.backoff->arm(kFirstBackoff);
}

void NbdConnections::try_reopen(Conn& c) {
  try {
    nbd_handle* h = nbd_open(uri_, true, what_);
    const int64_t size = nbd_get_size(h);
    if (size < 0 || static_cast<uint64_t>(size) != info_.size) {
      nbd_close(h);
      throw std::runtime_error("the re-opened export has another size");
    }
    c.h = h;
    c.dead = false;
    ++reconnects_;
  } catch (const std::exception& e) {
    last_error_ = e.what();
    if (++c.failures >= kMaxReopenAttempts) {
      throw std::runtime_error("lost the connection to the " + what_ + " " + uri_ +
                               " and could not re-open it after " +
                               std::to_string(kMaxReopenAttempts) + " attempts: " + last_error_);
    }
    auto delay = std::min(kMaxBackoff, kFirstBackoff * (1u << std::min(c.failures, 6u)));
    c.backoff->arm(delay);
  }
}

void NbdConnections::deliver(Pending* p, int error) {
  IoRequest& r = *p->req;
  r.error = error;
  pending_free_.push_back(p);
  r.owner->io_done(r);
}

void NbdConnections::tick() {
  // Finished commands: failures caused by a lost connection are sent again, others delivered.
  std::vector<Pending*> done;
  done.swap(completed_);
  for (auto& c : conns_) {
    if (!c->dead && (nbd_aio_is_dead(c->h) || nbd_aio_is_closed(c->h))) {
      mark_dead(*c, last_error_.empty() ? "connection closed by the server" : last_error_);
    }
  }
  for (Pending* p : done) {
    if (p->error != 0 && (p->conn->dead || is_connection_error(p->error))) {
      waiting_.push_back(p);
    } else {
      deliver(p, p->error);
    }
  }
  for (auto& c : conns_) {
    if (c->dead && c->backoff->fired()) try_reopen(*c);
  }
  if (!waiting_.empty()) {
    std::vector<Pending*> again;
    again.swap(waiting_);
    for (Pending* p : again) {
      Conn* best = nullptr;
      for (auto& c : conns_) {
        if (!c->dead && (best == nullptr || c->in_flight.size() < best->in_flight.size())) {
          best = c.get();
        }
      }
      if (best == nullptr) {
        waiting_.push_back(p);
      } else {
        send(*best, p);
      }
    }
  }
  for (auto& c : conns_) arm(*c);
}

}  // namespace mm::transfer
