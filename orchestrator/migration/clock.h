#pragma once
// Every scheduling decision reads this clock, so a test can run a ten-minute window in seconds.
#include <atomic>
#include <chrono>

namespace mm::migration {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock the test sets and moves.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint t) : ns_(t.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(ns_.load())); }
  void set(TimePoint t) { ns_ = t.time_since_epoch().count(); }
  void advance(std::chrono::nanoseconds d) {
    ns_ += std::chrono::duration_cast<TimePoint::duration>(d).count();
  }

 private:
  std::atomic<TimePoint::duration::rep> ns_;
};

}  // namespace mm::migration
