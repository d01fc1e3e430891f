#pragma once
// A StepRunner for the scheduler's decision tests and benchmark: it records which steps were
// started and lets the test end them. It stands for our own interface (step_runner.h), not for a
// server; the real steps are exercised by the flow tests against the simulators.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/migration/step_runner.h"

namespace mm::test {

class ManualSteps final : public migration::StepRunner {
 public:
  void start(const std::string& uuid, migration::StepKind kind) override {
    running_[uuid] = kind;
    started.push_back({uuid, kind});
  }
  void stop(const std::string& uuid) override {
    running_.erase(uuid);
    stopped.push_back(uuid);
  }
  bool running(const std::string& uuid) override { return running_.count(uuid) > 0; }
  void restore_source(const std::string& uuid) override { restored.push_back(uuid); }
  void set_reporter(migration::StepReporter* r) override { reporter_ = r; }

  // Ends the instance's running step as the real runner would.
  void finish(const std::string& uuid, bool ok = true, const std::string& reason = "") {
    auto it = running_.find(uuid);
    if (it == running_.end()) return;
    const migration::StepKind kind = it->second;
    running_.erase(it);
    reporter_->finished(uuid, kind, {ok, reason});
  }
  // Ends every running step successfully (steps started meanwhile are left running).
  void finish_all() {
    const auto now = running_;
    for (const auto& [uuid, kind] : now) finish(uuid);
  }
  size_t running_count() const { return running_.size(); }
  size_t running_count(migration::StepKind k) const {
    size_t n = 0;
    for (const auto& [u, kind] : running_) n += kind == k;
    return n;
  }

  std::vector<std::pair<std::string, migration::StepKind>> started;
  std::vector<std::string> stopped, restored;

 private:
  std::map<std::string, migration::StepKind> running_;
  migration::StepReporter* reporter_ = nullptr;
};

}  // namespace mm::test
