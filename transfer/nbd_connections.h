#pragma once
// A set of libnbd connections to one export, driven by the shared io_uring: each handle's socket is
// polled through the ring and the libnbd state machine is notified from the completions, so a single
// thread serves every connection and every request. A dropped connection is re-opened with bounded
// backoff and the requests it had in flight are sent again.
#include <libnbd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transfer/event_loop.h"
#include "transfer/io_request.h"

namespace mm::transfer {

struct NbdExportInfo {
  uint64_t size = 0;
  bool multi_conn = false;
  bool read_only = true;
  bool can_zero = false;
  bool can_flush = false;
  bool base_allocation = false;
};

// Opens one handle (for the handshake and for block status). Throws std::runtime_error, also when
// the handshake does not finish within `timeout_ms` (-1: wait as long as the socket does).
nbd_handle* nbd_open(const std::string& uri, bool want_allocation_map, const std::string& what,
                     int timeout_ms = -1);

// How long an extra connection may take to be accepted. qemu-nbd serves one client by default
// (--shared=1) yet may advertise multi-conn: its second connection would wait forever.
inline constexpr int kExtraConnectionTimeoutMs = 3000;

class NbdConnections {
 public:
  enum class Command { kRead, kWrite, kZero, kFlush };

  NbdConnections(EventLoop& loop, std::string uri, unsigned wanted, const std::string& what);
  ~NbdConnections();

  const NbdExportInfo& info() const { return info_; }
  unsigned count() const { return static_cast<unsigned>(conns_.size()); }

  // Sends the command on the least busy live connection (or queues it until one is back).
  void submit(Command cmd, IoRequest& req);
  // Arms polls, re-opens dropped connections when their backoff expires, delivers finished requests.
  // Throws std::runtime_error once a connection cannot be re-opened within the retry budget.
  void tick();

  uint64_t reconnects() const { return reconnects_; }
  // A live handle for synchronous block status when no separate mapping connection is possible
  // (libnbd processes other replies while it waits, so requests in flight are not disturbed).
  // Null while every connection is down: call tick() to drive the reconnect.
  nbd_handle* live_handle() const;
  // Set when the server accepted fewer connections than asked for.
  const std::string& notice() const { return notice_; }

 private:
  struct Conn;
  struct Poller final : EventLoop::Handler {
    Conn* conn = nullptr;
    bool for_write = false;
    bool armed = false;
    uint64_t generation = 0;
    void on_completion(int result, uint32_t flags) override;
  };
  struct Pending {
    Command cmd;
    IoRequest* req;
    Conn* conn;
    int error;
  };
  struct Conn {
    NbdConnections* owner = nullptr;
    nbd_handle* h = nullptr;
    uint64_t generation = 0;
    Poller in, out;
    std::vector<Pending*> in_flight;
    bool dead = false;
    bool closing = false;  // set while nbd_close runs: late callbacks are ignored
    unsigned failures = 0;  // consecutive failed re-opens
    std::unique_ptr<LoopTimer> backoff;
  };

  static int on_command_done(void* user_data, int* error);
  void send(Conn& c, Pending* p);
  void arm(Conn& c);
  void mark_dead(Conn& c, const std::string& why);
  void try_reopen(Conn& c);
  void deliver(Pending* p, int error);

  EventLoop& loop_;
  std::string uri_;
  std::string what_;  // "source" / "target", for messages
  NbdExportInfo info_;
  std::string notice_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Pending*> waiting_;    // queued while no connection is live
  std::vector<Pending*> completed_;  // finished inside libnbd callbacks, delivered by tick()
  std::vector<std::unique_ptr<Pending>> pending_store_;
  std::vector<Pending*> pending_free_;
  std::string last_error_;
  uint64_t reconnects_ = 0;
};

}  // namespace mm::transfer
