#pragma once
// A Disk read through an mm-transfer source (a file, nbd://, nbd+unix://, https://...): the few
// small reads an inspection makes, one at a time.
#include <memory>

#include "inspect/disk.h"
#include "transfer/uri.h"

namespace mm::transfer {
class EventLoop;
class SourceReader;
}  // namespace mm::transfer

namespace mm::inspect {

class SourceDisk final : public Disk {
 public:
  // Opens the source (throws what mm::transfer::open_source throws when it cannot).
  explicit SourceDisk(const transfer::Endpoint& endpoint);
  ~SourceDisk() override;
  uint64_t size() const override;
  void read(uint64_t offset, std::span<uint8_t> out) override;

 private:
  struct Waiter;
  std::unique_ptr<transfer::EventLoop> loop_;
  std::unique_ptr<transfer::SourceReader> reader_;
};

}  // namespace mm::inspect
