#include "transfer/nbd_connections.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace mm::transfer {
namespace {

constexpr unsigned kMaxReopenAttempts = 10;  // about 30 s of backoff in all
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

bool is_connection_error(int err) {
  return err == ENOTCONN || err == ECONNRESET || err == EPIPE || err == ESHUTDOWN ||
         err == ECONNABORTED;
}

std::string last_nbd_error(const char* fallback = "unknown error") {
  const char* e = nbd_get_error();
  return e != nullptr ? e : fallback;
}

nbd_handle* create_handle(bool want_allocation_map) {
  nbd_handle* h = nbd_create();
  if (h == nullptr) throw std::runtime_error("libnbd: " + last_nbd_error());
  nbd_set_pread_initialize(h, false);  // our buffers are overwritten by the read; no memset
  if (want_allocation_map) nbd_add_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION);
  return h;
}

// Drives the handshakes of `handles` (each started with nbd_aio_connect_uri) together, polling
// every socket at once as nbd_poll does for one, until each is ready or failed or `timeout_ms`
// passed. `why` holds, per handle, an empty string while it is fine (on return: ready), else why
// it is not.
void finish_handshakes(const std::vector<nbd_handle*>& handles, int timeout_ms,
                       std::vector<std::string>& why) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<pollfd> fds;
  std::vector<size_t> which;
  for (;;) {
    fds.clear();
    which.clear();
    for (size_t i = 0; i < handles.size(); ++i) {
      if (!why[i].empty() || !nbd_aio_is_connecting(handles[i])) continue;
      const unsigned dir = nbd_aio_get_direction(handles[i]);
      const short events = static_cast<short>(((dir & LIBNBD_AIO_DIRECTION_READ) ? POLLIN : 0) |
                                              ((dir & LIBNBD_AIO_DIRECTION_WRITE) ? POLLOUT : 0));
      fds.push_back({nbd_aio_get_fd(handles[i]), events, 0});
      which.push_back(i);
    }
    if (fds.empty()) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      for (size_t i : which) {
        why[i] = "the handshake did not finish within " + std::to_string(timeout_ms) + " ms";
      }
      break;
    }
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) {
      for (size_t i : which) why[i] = std::string("poll: ") + std::strerror(errno);
      break;
    }
    for (size_t k = 0; n > 0 && k < fds.size(); ++k) {
      nbd_handle* h = handles[which[k]];
      int rc = 0;
      if (fds[k].revents & (POLLIN | POLLHUP)) {
        rc = nbd_aio_notify_read(h);
      } else if (fds[k].revents & POLLOUT) {
        rc = nbd_aio_notify_write(h);
      } else if (fds[k].revents & (POLLERR | POLLNVAL)) {
        why[which[k]] = "the server closed the socket";
        continue;
      }
      if (rc == -1) why[which[k]] = last_nbd_error();
    }
  }
  for (size_t i = 0; i < handles.size(); ++i) {
    if (why[i].empty() && !nbd_aio_is_ready(handles[i])) {
      why[i] = last_nbd_error("the server closed the connection");
    }
  }
}

}  // namespace

nbd_handle* nbd_open(const std::string& uri, bool want_allocation_map, const std::string& what,
                     int timeout_ms) {
  nbd_handle* h = create_handle(want_allocation_map);
  auto fail = [&](const std::string& err) {
    nbd_close(h);
    throw std::runtime_error("cannot connect to the " + what + " " + uri + ": " + err);
  };
  if (timeout_ms < 0) {
    if (nbd_connect_uri(h, uri.c_str()) == -1) fail(last_nbd_error());
    return h;
  }
  if (nbd_aio_connect_uri(h, uri.c_str()) == -1) fail(last_nbd_error());
  std::vector<std::string> why(1);
  finish_handshakes({h}, timeout_ms, why);
  if (!why[0].empty()) fail(why[0]);
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
  // The others shake hands at the same time: one round trip instead of n - 1.
  std::vector<nbd_handle*> handles{first};
  std::vector<std::string> why(n);  // why[0]: the first handle is ready
  try {
    for (unsigned i = 1; i < n; ++i) {
      handles.push_back(create_handle(true));
      if (nbd_aio_connect_uri(handles[i], uri_.c_str()) == -1) why[i] = last_nbd_error();
    }
  } catch (...) {
    for (nbd_handle* h : handles) nbd_close(h);
    throw;
  }
  finish_handshakes(handles, kExtraConnectionTimeoutMs, why);
  std::string first_failure;
  for (size_t i = 0; i < handles.size(); ++i) {
    if (!why[i].empty()) {
      nbd_close(handles[i]);
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->owner = this;
    c->h = handles[i];
    c->in.conn = c->out.conn = c.get();
    c->out.for_write = true;
    c->backoff = std::make_unique<LoopTimer>(loop_);
    conns_.push_back(std::move(c));
  }
  for (const std::string& w : why) {
    if (!w.empty()) {
      first_failure = w;
      break;
    }
  }
  if (conns_.size() < n) {
    const std::string got = std::to_string(conns_.size());
    notice_ = "the " + what_ + " accepted " + got + " of " + std::to_string(n) + " connections (" +
              "cannot connect to the " + what_ + " " + uri_ + ": " + first_failure +
              "); continuing with " + got;
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
    if (!c->dead && (best == nullptr || c->in_flight.size() < best->in_flight.size()))
      best = c.get();
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
    conn->owner->last_error_ =
        nbd_get_error() ? nbd_get_error() : "connection closed by the server";
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
    if (poller->armed)
      io_uring_prep_poll_remove(loop_.prepare(nullptr), reinterpret_cast<__u64>(poller));
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
