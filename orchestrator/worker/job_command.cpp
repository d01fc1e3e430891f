#include "orchestrator/worker/job_command.h"

#include <stdexcept>

namespace mm::worker {

std::vector<std::string> job_arguments(const DiskJob& job) {
  if (job.mm_transfer_path.empty()) throw std::invalid_argument("no mm-transfer binary given");
  if (job.source.empty()) throw std::invalid_argument("the job has no source");
  if (job.target.empty()) throw std::invalid_argument("the job has no target");
  const bool sync = job.operation == TransferOperation::kSync;
  if (sync && job.extents_file.empty()) {
    throw std::invalid_argument("a sync job needs an extents file");
  }
  std::vector<std::string> argv = {
      job.mm_transfer_path, sync ? "sync" : "copy",     job.source, job.target, "--json",
      "--progress-fd",      std::to_string(kProgressFd)};
  if (!job.checkpoint.empty()) {
    argv.insert(argv.end(), {"--checkpoint", job.checkpoint});
  }
  if (sync) argv.insert(argv.end(), {"--extents-file", job.extents_file});
  argv.insert(argv.end(), job.extra_args.begin(), job.extra_args.end());
  return argv;
}

std::vector<std::string> job_environment(const DiskJob& job, const char* const* base) {
  std::vector<std::string> env;
  for (const char* const* e = base; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (!job.environment.contains(name)) env.push_back(entry);
  }
  for (const auto& [name, value] : job.environment) env.push_back(name + "=" + value);
  return env;
}

}  // namespace mm::worker
