#include "transfer/copier.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

#include "transfer/buffer_pool.h"
#include "transfer/checkpoint.h"
#include "transfer/copy_plan.h"
#include "transfer/disk_digest.h"
#include "transfer/endpoint_io.h"
#include "transfer/event_loop.h"

namespace mm::transfer {
namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned kMaxAttempts = 4;  // per request: the first try and three retries
constexpr std::chrono::milliseconds kRetryBackoff{200};
constexpr uint64_t kMaxRequestSize = 4u << 20;
constexpr size_t kMaxLeavesPerOp = kMaxRequestSize / kLeafSize;

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// One planned operation travelling through the pipeline. Lives in a fixed ring (made at start).
struct Op {
  enum class Stage { kFree, kReading, kRetryWait, kWriting, kZeroing, kDone };
  PlannedOp planned;
  Stage stage = Stage::kFree;
  unsigned attempts = 0;
  int buffer = -1;  // index in the BufferPool while the op holds one
  Clock::time_point retry_at{};
  IoRequest io;
  uint64_t leaf_hashes[kMaxLeavesPerOp];
};

}  // namespace

void validate_copy_options(const CopyOptions& o) {
  if (o.request_size == 0 || o.request_size % kLeafSize != 0 || o.request_size > kMaxRequestSize) {
    throw CopyOptionsError("--request-size must be a multiple of 64 KiB, at most 4 MiB");
  }
  if (o.connections == 0 || o.connections > 16) {
    throw CopyOptionsError("--connections must be between 1 and 16");
  }
  if (o.requests == 0 || o.requests > 1024) {
    throw CopyOptionsError("--requests must be between 1 and 1024");
  }
}

namespace {

class Copier final : public IoOwner {
 public:
  Copier(const Endpoint& source, const Endpoint& target, const CopyOptions& options)
      : created_at_(Clock::now()), source_ep_(source), target_ep_(target), opt_(options) {
    validate_copy_options(opt_);
    const unsigned depth = opt_.connections * opt_.requests;
    loop_ = std::make_unique<EventLoop>(std::min(4096u, std::max(64u, 4 * depth)));
    reader_ = open_source(source_ep_, *loop_, {opt_.connections, opt_.requests});
    size_ = reader_->size();
    writer_ =
        open_target(target_ep_, *loop_, size_,
                    {opt_.connections, opt_.requests, opt_.target_is_zero, true, opt_.stream});
    align_ = opt_.only_extents ? kSyncAlign : kLeafSize;
    unsigned buffers = std::min(reader_->max_in_flight(), writer_->max_in_flight());
    uint64_t buffer_size = opt_.request_size;
    if (opt_.only_extents) size_pool_for_change_set(&buffers, &buffer_size);
    pool_ = std::make_unique<BufferPool>(buffers, buffer_size);
    pool_->register_with(*loop_);
    // Zero ranges hold no buffer, so the ring has room for them beyond the data requests.
    ops_.resize(buffers + 64);
    digest_ = std::make_unique<DigestAccumulator>(size_);
    flush_io_.owner = this;
  }

  ~Copier() {
    reader_.reset();  // closes NBD handles before the buffers they read into go away
    writer_.reset();
    pool_.reset();
    loop_.reset();
  }

  CopyReport run() {
    // Connecting and allocating count too: the reported rate is what the user waited for.
    const auto start = created_at_;
    resume_from_checkpoint();
    std::vector<cbt::Extent> only;
    const bool limited = opt_.only_extents.has_value();
    if (limited) {
      only = *opt_.only_extents;
      for (const auto& e : only) {
        // A change set reaching past the disk belongs to another disk (or a resized one): copying
        // the part that fits would silently miss changes.
        if (e.end() > size_) {
          throw TransferError("the change set reaches byte " + std::to_string(e.end()) +
                              ", past the end of the source " + reader_->describe() + " (" +
                              std::to_string(size_) + " bytes)");
        }
        report_.bytes_changed += e.length;
      }
    }
    planner_ = std::make_unique<CopyPlanner>(*reader_, frontier_, opt_.request_size, only, limited,
                                             align_);
    total_this_run_ = limited ? report_.bytes_changed : size_ - frontier_;
    last_checkpoint_at_ = Clock::now();
    last_progress_ = Clock::now() - std::chrono::seconds(1);

    while (!finished()) {
      issue();
      reader_->tick();
      writer_->tick();
      forward_notices();
      // Block only while something can complete; ops finished at issue (zero ranges of a fresh
      // target) would otherwise cost a whole wait per ring of ops.
      const bool block = ready_.empty() && something_in_flight();
      loop_->run_once(block ? wait_time() : std::chrono::milliseconds(0));
      reader_->tick();
      writer_->tick();
      process_ready();
      retry_due();
      advance_frontier();
      maybe_checkpoint(false);
      report_progress(start, false);
    }
    // Everything is written: make it durable, record it, and only then report success.
    wait_for_flush();  // a periodic checkpoint may still be on its way
    maybe_checkpoint(true);
    wait_for_flush();
    writer_->finish();  // a remote target learns that the transfer is complete
    forward_notices();
    report_.size = size_;
    report_.resumed_from = resumed_from_;
    report_.reconnects = reader_->reconnects() + writer_->reconnects();
    report_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!limited) report_.digest = digest_->finish_hex();
    report_progress(start, true);
    return report_;
  }

  void io_done(IoRequest& req) override { ready_.push_back(&req); }

 private:
  // A top-up never has more reads in flight than it has requests, nor a read longer than its
  // longest extent: a small change set pre-faults (and pins) a small pool, so it starts at once.
  void size_pool_for_change_set(unsigned* buffers, uint64_t* buffer_size) const {
    uint64_t requests = 0, longest = 0;
    for (const auto& e : align_extents(*opt_.only_extents, align_, size_)) {
      requests += (e.length + opt_.request_size - 1) / opt_.request_size;
      longest = std::max(longest, e.length);
    }
    *buffers = static_cast<unsigned>(std::clamp<uint64_t>(requests, 1, *buffers));
    // Whole pages, at least one block (an empty change set still gets one buffer).
    *buffer_size = std::clamp<uint64_t>((longest + kSyncAlign - 1) / kSyncAlign * kSyncAlign,
                                        kSyncAlign, *buffer_size);
  }

  void wait_for_flush() {
    while (flush_in_flight_) {
      writer_->tick();
      process_ready();  // a target may complete the flush at once (null:)
      if (!flush_in_flight_) break;
      loop_->run_once(std::chrono::milliseconds(100));
      writer_->tick();
      process_ready();
    }
  }

  bool finished() const {
    return frontier_ >= size_ || (planner_exhausted_ && in_ring_ == 0 && !flush_in_flight_);
  }

  bool something_in_flight() const {
    if (flush_in_flight_) return true;
    for (size_t i = 0, idx = head_; i < in_ring_; ++i, idx = (idx + 1) % ops_.size()) {
      if (ops_[idx].stage != Op::Stage::kDone) return true;
    }
    return false;
  }

  std::chrono::milliseconds wait_time() const {
    auto wait = std::chrono::milliseconds(250);
    for (size_t i = 0, idx = head_; i < in_ring_; ++i, idx = (idx + 1) % ops_.size()) {
      const Op& op = ops_[idx];
      if (op.stage == Op::Stage::kRetryWait) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(op.retry_at - Clock::now());
        wait = std::max(std::chrono::milliseconds(1), std::min(wait, left));
      }
    }
    return wait;
  }

  void resume_from_checkpoint() {
    identity_ = {opt_.only_extents ? "sync" : "copy", source_ep_.uri, target_ep_.uri, size_,
                 opt_.change_set_id};
    target_was_fresh_ = writer_->reads_as_zero();
    if (opt_.checkpoint_path.empty()) return;
    std::optional<Checkpoint> cp = load_checkpoint(opt_.checkpoint_path);
    if (!cp) return;
    check_identity(opt_.checkpoint_path, *cp, identity_);
    digest_->restore(cp->digest_leaves, cp->digest_segments_hex, cp->digest_open_hex);
    frontier_ = cp->done_offset;
    resumed_from_ = frontier_;
    last_checkpoint_offset_ = frontier_;
    // A target that was empty when the copy began still is beyond the frontier, except where this
    // copy wrote source data, which the resumed copy writes again.
    target_was_fresh_ = cp->target_was_fresh;
  }

  Op& op_at(size_t i) { return ops_[(head_ + i) % ops_.size()]; }

  void issue() {
    while (!planner_exhausted_ && in_ring_ < ops_.size()) {
      if (!pending_plan_) {
        PlannedOp next;
        if (!planner_->next(&next)) {
          planner_exhausted_ = true;
          // A top-up's frontier jumps to the end once every selected extent is done.
          break;
        }
        pending_plan_ = next;
      }
      const PlannedOp& p = *pending_plan_;
      if (p.kind == PlannedOp::Kind::kData && pool_->free_count() == 0) break;
      if (p.kind == PlannedOp::Kind::kZero && !target_was_fresh_ &&
          zeroes_in_flight_ >= writer_->max_in_flight()) {
        break;
      }
      Op& op = ops_[(head_ + in_ring_) % ops_.size()];
      ++in_ring_;
      op.planned = p;
      op.attempts = 0;
      pending_plan_.reset();
      op.io = IoRequest{};
      op.io.offset = p.offset;
      op.io.length = p.length;
      op.io.owner = this;
      if (p.kind == PlannedOp::Kind::kData) {
        op.buffer = pool_->acquire();
        op.io.buf = pool_->data(static_cast<size_t>(op.buffer));
        op.io.buf_index = pool_->registered() ? op.buffer : -1;
        start_read(op);
      } else if (target_was_fresh_) {
        report_.bytes_skipped += p.length;  // the target already reads as zeroes there
        op.stage = Op::Stage::kDone;
      } else {
        op.stage = Op::Stage::kZeroing;
        ++zeroes_in_flight_;
        writer_->start_zero(op.io);
      }
    }
    if (!planner_exhausted_ || pending_plan_) return;
    // Nothing more to plan: the frontier may run to the end once the ring drains.
  }

  void start_read(Op& op) {
    op.stage = Op::Stage::kReading;
    ++op.attempts;
    reader_->start_read(op.io);
  }

  Op& op_of(IoRequest* req) {
    static_assert(std::is_standard_layout_v<IoRequest>);
    return *reinterpret_cast<Op*>(reinterpret_cast<char*>(req) - offsetof(Op, io));
  }

  [[noreturn]] void fail(const std::string& what) {
    std::string msg = what;
    if (!opt_.checkpoint_path.empty() && last_checkpoint_offset_ > 0) {
      msg += "; the checkpoint " + opt_.checkpoint_path + " stays valid at " +
             human_bytes(last_checkpoint_offset_) + ": run the same command again to resume";
    }
    throw TransferError(msg);
  }

  void process_ready() {
    while (!ready_.empty()) {
      std::vector<IoRequest*> batch;
      batch.swap(ready_);
      for (IoRequest* req : batch) {
        if (req == &flush_io_) {
          flush_done();
          continue;
        }
        Op& op = op_of(req);
        switch (op.stage) {
          case Op::Stage::kReading:
            read_done(op);
            break;
          case Op::Stage::kWriting:
            write_done(op);
            break;
          case Op::Stage::kZeroing:
            zero_done(op);
            break;
          default:
            assert(false && "completion for an op that is not in flight");
        }
      }
    }
  }

  void read_done(Op& op) {
    const int err = op.io.error;
    if (err != 0) {
      if (op.attempts < kMaxAttempts) {
        ++report_.retries;
        op.stage = Op::Stage::kRetryWait;
        op.retry_at = Clock::now() + kRetryBackoff * (1u << (op.attempts - 1));
        return;
      }
      fail("reading " + std::to_string(op.io.length) + " bytes at offset " +
           std::to_string(op.io.offset) + " from the source " + reader_->describe() +
           " failed after " + std::to_string(op.attempts) + " attempts: " + std::strerror(err));
    }
    report_.bytes_read += op.io.length;
    if (!opt_.only_extents) hash_leaves(op.io.buf, op.io.length, op.leaf_hashes);
    op.attempts = 0;
    op.stage = Op::Stage::kWriting;
    ++op.attempts;
    writer_->start_write(op.io);
  }

  static bool permanent_write_error(int err) {
    return err == ENOSPC || err == EROFS || err == EFBIG || err == EDQUOT || err == EBADF ||
           err == EPERM || err == EACCES;
  }

  void write_done(Op& op) {
    const int err = op.io.error;
    if (err != 0) {
      if (err == ENOSPC || err == EDQUOT) {
        fail("the target " + writer_->describe() + " is full (" + std::strerror(err) +
             ") writing " + std::to_string(op.io.length) + " bytes at offset " +
             std::to_string(op.io.offset));
      }
      if (!permanent_write_error(err) && op.attempts < kMaxAttempts) {
        ++report_.retries;
        ++op.attempts;
        writer_->start_write(op.io);
        return;
      }
      fail("writing " + std::to_string(op.io.length) + " bytes at offset " +
           std::to_string(op.io.offset) + " to the target " + writer_->describe() +
           " failed: " + std::strerror(err));
    }
    report_.bytes_written += op.io.length;
    pool_->release(op.buffer);
    op.buffer = -1;
    op.stage = Op::Stage::kDone;
  }

  void zero_done(Op& op) {
    const int err = op.io.error;
    if (err != 0) {
      fail("zeroing " + std::to_string(op.io.length) + " bytes at offset " +
           std::to_string(op.io.offset) + " of the target " + writer_->describe() +
           " failed: " + std::strerror(err));
    }
    --zeroes_in_flight_;
    report_.bytes_zeroed += op.io.length;
    op.stage = Op::Stage::kDone;
  }

  void retry_due() {
    const auto now = Clock::now();
    for (size_t i = 0; i < in_ring_; ++i) {
      Op& op = op_at(i);
      if (op.stage == Op::Stage::kRetryWait && op.retry_at <= now) start_read(op);
    }
  }

  // Everything below the frontier is read, hashed and written; the digest follows it.
  void advance_frontier() {
    while (in_ring_ > 0 && ops_[head_].stage == Op::Stage::kDone) {
      Op& op = ops_[head_];
      if (!opt_.only_extents) {
        const uint64_t leaves = (op.planned.length + kLeafSize - 1) / kLeafSize;
        if (op.planned.kind == PlannedOp::Kind::kData) {
          for (uint64_t i = 0; i < leaves; ++i) digest_->add_leaf(op.leaf_hashes[i]);
        } else {
          digest_->add_zero_leaves(leaves);
        }
      }
      frontier_ = op.planned.offset + op.planned.length;
      handled_ += op.planned.length;
      op.stage = Op::Stage::kFree;
      head_ = (head_ + 1) % ops_.size();
      --in_ring_;
    }
    if (planner_exhausted_ && in_ring_ == 0 && !pending_plan_) frontier_ = size_;
  }

  void maybe_checkpoint(bool final) {
    if (flush_in_flight_) return;
    if (final) {
      if (flushed_final_) return;
      flushed_final_ = true;
    } else {
      if (opt_.checkpoint_path.empty() || frontier_ == last_checkpoint_offset_) return;
      const bool by_bytes = frontier_ - last_checkpoint_offset_ >= opt_.checkpoint_interval_bytes;
      const bool by_time = Clock::now() - last_checkpoint_at_ >= opt_.checkpoint_interval_time;
      if (!by_bytes && !by_time) return;
    }
    // The record is taken now, but written only after the flush makes the data below it durable.
    pending_checkpoint_ = Checkpoint{identity_, target_was_fresh_, frontier_, 0, {}, {}};
    if (!opt_.only_extents) {
      pending_checkpoint_.digest_leaves = digest_->leaves_done();
      pending_checkpoint_.digest_segments_hex = digest_->save_segments_hex();
      pending_checkpoint_.digest_open_hex = digest_->save_open_leaves_hex();
    } else {
      pending_checkpoint_.digest_leaves = (frontier_ + kLeafSize - 1) / kLeafSize;
      DigestAccumulator placeholder(size_);  // top-ups carry no digest; keep the record consistent
      placeholder.add_zero_leaves(pending_checkpoint_.digest_leaves);
      pending_checkpoint_.digest_segments_hex = placeholder.save_segments_hex();
      pending_checkpoint_.digest_open_hex = placeholder.save_open_leaves_hex();
    }
    flush_in_flight_ = true;
    flush_io_.error = 0;
    writer_->start_flush(flush_io_);
  }

  void flush_done() {
    flush_in_flight_ = false;
    if (flush_io_.error != 0) {
      fail("flushing the target " + writer_->describe() +
           " failed: " + std::strerror(flush_io_.error));
    }
    last_checkpoint_at_ = Clock::now();
    if (opt_.checkpoint_path.empty()) return;
    store_checkpoint(opt_.checkpoint_path, pending_checkpoint_);
    last_checkpoint_offset_ = pending_checkpoint_.done_offset;
  }

  void forward_notices() {
    for (std::string n : {reader_->take_notice(), writer_->take_notice()}) {
      if (!n.empty() && opt_.on_notice) opt_.on_notice(n);
    }
  }

  void report_progress(Clock::time_point start, bool final) {
    if (!opt_.on_progress) return;
    const auto now = Clock::now();
    if (!final && now - last_progress_ < std::chrono::milliseconds(250)) return;
    last_progress_ = now;
    opt_.on_progress({final ? total_this_run_ : handled_, total_this_run_, report_.bytes_read,
                      std::chrono::duration<double>(now - start).count()});
  }

  Clock::time_point created_at_;
  Endpoint source_ep_, target_ep_;
  CopyOptions opt_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<SourceReader> reader_;
  std::unique_ptr<TargetWriter> writer_;
  std::unique_ptr<BufferPool> pool_;
  std::unique_ptr<CopyPlanner> planner_;
  std::unique_ptr<DigestAccumulator> digest_;
  uint64_t size_ = 0;
  uint64_t align_ = kLeafSize;  // of planned operations, hence of the frontier

  std::vector<Op> ops_;
  size_t head_ = 0;
  size_t in_ring_ = 0;
  std::optional<PlannedOp> pending_plan_;
  bool planner_exhausted_ = false;
  unsigned zeroes_in_flight_ = 0;
  std::vector<IoRequest*> ready_;

  CheckpointIdentity identity_;
  bool target_was_fresh_ = false;
  uint64_t frontier_ = 0;
  uint64_t handled_ = 0;
  uint64_t total_this_run_ = 0;
  uint64_t resumed_from_ = 0;
  uint64_t last_checkpoint_offset_ = 0;
  Clock::time_point last_checkpoint_at_{};
  Clock::time_point last_progress_{};
  IoRequest flush_io_;
  bool flush_in_flight_ = false;
  bool flushed_final_ = false;
  Checkpoint pending_checkpoint_;
  CopyReport report_;
};

}  // namespace

CopyReport run_copy(const Endpoint& source, const Endpoint& target, const CopyOptions& options) {
  Copier copier(source, target, options);
  return copier.run();
}

}  // namespace mm::transfer
