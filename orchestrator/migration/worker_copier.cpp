#include "orchestrator/migration/worker_copier.h"

#include "orchestrator/worker/run_disk_job.h"

namespace mm::migration {

DiskCopyResult WorkerCopier::run(const DiskCopyJob& job,
                                 const std::function<void(const DiskCopyProgress&)>& on_progress,
                                 const std::atomic<bool>& cancel) {
  worker::DiskJob w;
  w.operation = job.sync ? worker::TransferOperation::kSync : worker::TransferOperation::kCopy;
  w.source = job.source;
  w.target = job.target;
  w.checkpoint = job.checkpoint;
  w.extents_file = job.extents_file;
  w.extra_args = job.extra_args;
  for (const auto& [k, v] : job.environment) w.environment[k] = v;
  if (job.target_is_zero && !job.sync) w.extra_args.push_back("--target-is-zero");
  w.mm_transfer_path = options_.mm_transfer_path;
  w.restart.max_restarts = options_.max_restarts;
  w.restart.first_backoff = options_.first_backoff;
  const worker::WorkerStatus st = worker::run_disk_job(
      std::move(w),
      [&](const worker::WorkerProgress& p) {
        on_progress({static_cast<int64_t>(p.bytes_done), static_cast<int64_t>(p.bytes_total),
                     p.bytes_per_second,
                     p.eta_seconds ? static_cast<int64_t>(*p.eta_seconds) : -1});
      },
      cancel);
  DiskCopyResult r;
  r.ok = st.state == worker::WorkerState::kSucceeded;
  r.canceled = st.state == worker::WorkerState::kCanceled;
  r.error = st.error;
  r.restarts = st.restarts;
  if (st.result) r.digest = st.result->digest;
  return r;
}

}  // namespace mm::migration
