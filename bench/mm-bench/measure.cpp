#include "bench/mm-bench/measure.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "bench/mm-bench/units.h"
#include "orchestrator/batch/window_time.h"
#include "orchestrator/worker/run_disk_job.h"

namespace mm::bench {
namespace {

namespace fs = std::filesystem;

bool is_file_target(const std::string& t) {
  return t != "null:" && t.find("://") == std::string::npos;
}

std::string file_path(const std::string& t) {
  return t.starts_with("file:") ? t.substr(5) : t;
}

}  // namespace

Measurements run_measurements(const MeasureOptions& o,
                              const std::function<void(const std::string&)>& log) {
  if (o.sources.empty()) throw std::invalid_argument("no source to measure");
  if (o.runs == 0) throw std::invalid_argument("--runs must be at least 1");
  const bool file_target = is_file_target(o.target);
  const std::string path = file_target ? file_path(o.target) : "";
  struct stat st {};
  const bool existed = file_target && ::stat(path.c_str(), &st) == 0;
  if (existed && !o.overwrite) {
    throw std::invalid_argument("the target " + path +
                                " exists: its contents would be overwritten (pass --overwrite, or "
                                "name a new file)");
  }
  // A fresh file per run, as the daemon writes a fresh volume: only one we created is removed.
  const bool recreate = file_target && !existed;

  Measurements m;
  m.created = batch::format_rfc3339(std::chrono::system_clock::now());
  for (const std::string& source : o.sources) {
    DiskMeasurement d;
    d.source = source;
    d.target = o.target;
    for (uint64_t conns : o.connections) {
      for (uint64_t rsize : o.request_sizes) {
        TuningResult t;
        t.connections = conns;
        t.request_size = rsize;
        const unsigned total = o.runs + (o.warm_up ? 1 : 0);
        for (unsigned run = 0; run < total; ++run) {
          const bool warm = o.warm_up && run == 0;
          if (recreate) fs::remove(path);
          worker::DiskJob job;
          job.source = source;
          job.target = o.target;
          job.mm_transfer_path = o.mm_transfer;
          job.restart.max_restarts = 0;  // a failure is a finding, not something to retry
          job.extra_args = {"--connections", std::to_string(conns)};
          if (rsize > 0) {
            job.extra_args.insert(job.extra_args.end(), {"--request-size", std::to_string(rsize)});
          }
          // A file we create reads as zero: the daemon says the same of a fresh volume.
          if (recreate) job.extra_args.push_back("--target-is-zero");
          job.extra_args.insert(job.extra_args.end(), o.extra_args.begin(), o.extra_args.end());
          std::atomic<bool> cancel{false};
          const worker::WorkerStatus s = worker::run_disk_job(job, {}, cancel);
          if (s.state != worker::WorkerState::kSucceeded || !s.result) {
            throw std::runtime_error("measuring " + source + " -> " + o.target + " (connections " +
                                     std::to_string(conns) + "): " + s.error);
          }
          const worker::TransferResult& r = *s.result;
          d.size = r.size;
          d.bytes_read = r.bytes_read;
          char line[256];
          std::snprintf(line, sizeof line, "%s  connections %llu  request %s  %s  %.2fs  %s",
                        warm ? "warm-up" : ("run " + std::to_string(run)).c_str(),
                        static_cast<unsigned long long>(conns),
                        rsize ? format_bytes(static_cast<double>(rsize)).c_str() : "default",
                        format_bytes(static_cast<double>(r.size)).c_str(), r.seconds,
                        format_rate(r.throughput_bytes_per_second).c_str());
          log(source + "  " + line);
          if (!warm) t.runs.push_back({r.seconds, r.throughput_bytes_per_second, r.bytes_read});
        }
        d.results.push_back(std::move(t));
      }
    }
    m.disks.push_back(std::move(d));
  }
  if (recreate) fs::remove(path);
  summarize(m);
  return m;
}

LabDisk::LabDisk(uint64_t size) {
  char tmpl[] = "/var/tmp/mm-bench-lab.XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("cannot create a directory in /var/tmp");
  dir_ = tmpl;
  const std::string sock = dir_ + "/lab.sock";
  pid_file_ = dir_ + "/lab.pid";
  uri_ = "nbd+unix:///?socket=" + sock;
  // Dense random data: the worst case of a full copy (no holes to skip), multi-conn like a
  // datastore file, served from memory so the disk under /var/tmp is not what is measured.
  const std::string size_arg = std::to_string(size);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::execlp("nbdkit", "nbdkit", "-U", sock.c_str(), "-P", pid_file_.c_str(), "sparse-random",
             size_arg.c_str(), "percent=100", "seed=1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);  // nbdkit forks into the background once it listens
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fs::remove_all(dir_);
    throw std::runtime_error("nbdkit could not start the lab disk (is nbdkit installed?)");
  }
  for (int i = 0; i < 100 && !fs::exists(sock); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

LabDisk::~LabDisk() {
  std::ifstream in(pid_file_);
  pid_t pid = 0;
  if (in >> pid && pid > 0) {
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace mm::bench
