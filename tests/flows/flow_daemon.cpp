// flow-daemon: the scheduler and the real steps in a process of their own, on a clock the test
// sets through a file, so a test can kill -9 "the daemon" in any state and start it again on the
// same state directory. What migration-managerd runs, minus the API.
//   flow-daemon STATE_DIR CLOCK_FILE DATASTORE=DIR
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "orchestrator/migration/migration_steps.h"
#include "orchestrator/migration/scheduler.h"
#include "orchestrator/migration/worker_copier.h"
#include "orchestrator/worker/mm_transfer_path.h"

namespace {

// Seconds since the epoch, as the test last wrote them.
class FileClock final : public mm::migration::Clock {
 public:
  explicit FileClock(std::string path) : path_(std::move(path)) {}
  mm::migration::TimePoint now() const override {
    std::ifstream in(path_);
    long long secs = 0;
    in >> secs;
    return mm::migration::TimePoint(std::chrono::seconds(secs));
  }

 private:
  std::string path_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: flow-daemon STATE_DIR CLOCK_FILE DATASTORE=DIR\n");
    return 2;
  }
  const std::string ds = argv[3];
  const size_t eq = ds.find('=');
  auto store = mm::state::Store::open_dir(argv[1]);
  FileClock clock(argv[2]);
  mm::migration::WorkerCopier copier(
      {mm::worker::mm_transfer_beside_executable(), 3, std::chrono::milliseconds(200)});
  mm::migration::StepsOptions so;
  so.work_dir = std::string(argv[1]) + "/migrations";
  so.datastore_dirs[ds.substr(0, eq)] = ds.substr(eq + 1);
  mm::migration::MigrationSteps steps(*store, copier, so);
  mm::migration::Scheduler scheduler(*store, clock, steps, {std::chrono::milliseconds(30)});
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  scheduler.start();
  int sig = 0;
  sigwait(&stop, &sig);
  scheduler.stop();
  steps.stop_all();
  return 0;
}
