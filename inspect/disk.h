#pragma once
// The disk an inspection reads: a size and random reads. Backed by memory (tests, the fuzzer) or by
// any mm-transfer source (source_disk.h). Inspection only ever reads.
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mm::inspect {

// The disk could not be read (I/O error, lost connection): the inspection cannot go on.
struct DiskReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Disk {
 public:
  virtual ~Disk() = default;
  virtual uint64_t size() const = 0;
  // Fills `out` from `offset`; the range lies inside size(). Throws DiskReadError.
  virtual void read(uint64_t offset, std::span<uint8_t> out) = 0;
};

// [offset, offset + length) when it lies inside the disk, nullopt when any of it does not.
std::optional<std::vector<uint8_t>> read_range(Disk& disk, uint64_t offset, uint64_t length);

// A disk held in memory.
class MemoryDisk final : public Disk {
 public:
  explicit MemoryDisk(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  MemoryDisk(const uint8_t* data, size_t size) : bytes_(data, data + size) {}
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, std::span<uint8_t> out) override;

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace mm::inspect
