#include "transfer/verifier.h"

#include <cassert>
#include <cstring>
#include <memory>
#include <utility>

#include "transfer/buffer_pool.h"
#include "transfer/copy_plan.h"
#include "transfer/endpoint_io.h"
#include "transfer/event_loop.h"

namespace mm::transfer {
namespace {

using Clock = std::chrono::steady_clock;

// Presents two disks as one map: zero only where both are zero, so the planner reads the rest.
class EitherHasData final : public SourceReader {
 public:
  EitherHasData(SourceReader& a, SourceReader& b, uint64_t size) : a_(a), b_(b), size_(size) {}
  uint64_t size() const override { return size_; }
  void map(uint64_t offset, uint64_t length, const ExtentVisitor& visit) override {
    std::vector<cbt::Extent> zero_a, zero_b;
    auto collect = [](std::vector<cbt::Extent>& out) {
      return [&out](uint64_t off, uint64_t len, bool zero) {
        if (zero) out.push_back({off, len});
      };
    };
    a_.map(offset, length, collect(zero_a));
    b_.map(offset, length, collect(zero_b));
    // Intersect the two sorted zero lists; everything between is data.
    uint64_t pos = offset;
    size_t i = 0, j = 0;
    while (i < zero_a.size() && j < zero_b.size()) {
      const uint64_t s = std::max(zero_a[i].offset, zero_b[j].offset);
      const uint64_t e = std::min(zero_a[i].end(), zero_b[j].end());
      if (s < e) {
        if (s > pos) visit(pos, s - pos, false);
        visit(s, e - s, true);
        pos = e;
      }
      if (zero_a[i].end() < zero_b[j].end()) {
        ++i;
      } else {
        ++j;
      }
    }
    if (pos < offset + length) visit(pos, offset + length - pos, false);
  }
  void start_read(IoRequest&) override { assert(false); }
  unsigned max_in_flight() const override { return 0; }
  std::string describe() const override { return "both disks"; }

 private:
  SourceReader& a_;
  SourceReader& b_;
  uint64_t size_;
};

class Verifier final : public IoOwner {
 public:
  Verifier(const Endpoint& a, const Endpoint& b, const CopyOptions& opt) : opt_(opt) {
    const unsigned depth = opt.connections * opt.requests;
    loop_ = std::make_unique<EventLoop>(std::min(4096u, std::max(64u, 4 * depth)));
    a_ = open_source(a, *loop_, {opt.connections, opt.requests});
    b_ = open_source(b, *loop_, {opt.connections, opt.requests});
    report_.size_a = a_->size();
    report_.size_b = b_->size();
    slots_ = std::min(a_->max_in_flight(), b_->max_in_flight());
    pool_ = std::make_unique<BufferPool>(2 * slots_, opt.request_size);
    pool_->register_with(*loop_);
    pairs_.resize(slots_);
    for (unsigned i = 0; i < slots_; ++i) {
      Pair& p = pairs_[i];
      for (int side = 0; side < 2; ++side) {
        const int index = static_cast<int>(2 * i + side);
        p.io[side].owner = this;
        p.io[side].buf = pool_->data(static_cast<size_t>(index));
        p.io[side].buf_index = pool_->registered() ? index : -1;
      }
      free_.push_back(&p);
    }
  }

  ~Verifier() {
    a_.reset();
    b_.reset();
    pool_.reset();
    loop_.reset();
  }

  VerifyReport run() {
    const auto start = Clock::now();
    const uint64_t common = std::min(report_.size_a, report_.size_b);
    EitherHasData both(*a_, *b_, common);
    CopyPlanner planner(both, 0, opt_.request_size);
    PlannedOp op;
    bool more = true;
    while (more || free_.size() < slots_) {
      while (more && !free_.empty()) {
        if (!planner.next(&op)) {
          more = false;
          break;
        }
        if (op.kind == PlannedOp::Kind::kZero) {
          report_.bytes_skipped += op.length;
          continue;
        }
        Pair* p = free_.back();
        free_.pop_back();
        p->waiting = 2;
        for (int side = 0; side < 2; ++side) {
          p->io[side].offset = op.offset;
          p->io[side].length = op.length;
          p->io[side].error = 0;
        }
        a_->start_read(p->io[0]);
        b_->start_read(p->io[1]);
      }
      a_->tick();
      b_->tick();
      loop_->run_once(std::chrono::milliseconds(250));
      a_->tick();
      b_->tick();
      for (IoRequest* r : std::exchange(ready_, {})) completed(*r);
      if (opt_.on_progress) {
        opt_.on_progress({planner.position(), common, report_.bytes_compared * 2,
                          std::chrono::duration<double>(Clock::now() - start).count()});
      }
    }
    if (report_.size_a != report_.size_b) {  // the tail of the longer disk differs by definition
      record(common, std::max(report_.size_a, report_.size_b) - common);
    }
    report_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report_;
  }

  void io_done(IoRequest& req) override { ready_.push_back(&req); }

 private:
  struct Pair {
    IoRequest io[2];
    int waiting = 0;
  };

  Pair& pair_of(IoRequest& r) {
    const auto index = static_cast<size_t>(reinterpret_cast<char*>(&r) -
                                           reinterpret_cast<char*>(pairs_.data())) /
                       sizeof(Pair);
    assert(index < pairs_.size());
    return pairs_[index];
  }

  void completed(IoRequest& r) {
    if (r.error != 0) {
      throw TransferError("reading " + std::to_string(r.length) + " bytes at offset " +
                          std::to_string(r.offset) + " failed: " + std::strerror(r.error));
    }
    Pair& p = pair_of(r);
    if (--p.waiting > 0) return;
    const uint64_t len = p.io[0].length;
    for (uint64_t off = 0; off < len; off += kCompareBlock) {
      const uint64_t n = std::min(kCompareBlock, len - off);
      if (std::memcmp(p.io[0].buf + off, p.io[1].buf + off, n) != 0) record(p.io[0].offset + off, n);
    }
    report_.bytes_compared += len;
    free_.push_back(&p);
  }

  void record(uint64_t offset, uint64_t length) {
    // Requests complete out of order: keep the list sorted and coalesced.
    auto& m = report_.mismatches;
    auto it = std::lower_bound(m.begin(), m.end(), offset,
                               [](const cbt::Extent& e, uint64_t off) { return e.offset < off; });
    it = m.insert(it, {offset, length});
    if (it != m.begin() && std::prev(it)->end() == it->offset) {
      std::prev(it)->length += it->length;
      it = m.erase(it) - 1;
    }
    if (std::next(it) != m.end() && it->end() == std::next(it)->offset) {
      it->length += std::next(it)->length;
      m.erase(std::next(it));
    }
  }

  CopyOptions opt_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<SourceReader> a_, b_;
  std::unique_ptr<BufferPool> pool_;
  unsigned slots_ = 0;
  std::vector<Pair> pairs_;
  std::vector<Pair*> free_;
  std::vector<IoRequest*> ready_;
  VerifyReport report_;
};

}  // namespace

VerifyReport run_verify(const Endpoint& a, const Endpoint& b, const CopyOptions& options) {
  Verifier v(a, b, options);
  return v.run();
}

}  // namespace mm::transfer
