// The NBD change sources against a real qemu-nbd: dirty bitmaps written by qemu-io, the allocation
// map, a 1 TiB virtual disk, and the error for a bitmap the server does not export.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "cbt/allocated_source.h"
#include "cbt/dirty_bitmap_source.h"
#include "tests/cbt/qemu_nbd_fixture.h"

namespace mm::cbt {
namespace {

using test_support::QemuNbd;
using test_support::TempDir;

constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB, kTiB = 1024 * kGiB;
constexpr uint64_t kGranularity = 64 * kKiB;  // qemu's default bitmap granularity for 64 KiB clusters

class NbdSourcesTest : public ::testing::Test {
 protected:
  std::filesystem::path image() const { return dir_.path() / "d.qcow2"; }
  std::filesystem::path log() const { return dir_.path() / "tools.log"; }

  void create(const std::string& size) {
    test_support::run({"qemu-img", "create", "-q", "-f", "qcow2", image().string(), size}, log());
  }
  void write(uint64_t offset, uint64_t length, int pattern = 0xbb) {
    test_support::run({"qemu-io", "-f", "qcow2", "-c",
                  "write -q -P " + std::to_string(pattern) + " " + std::to_string(offset) + " " +
                      std::to_string(length),
                  image().string()},
                 log());
  }
  void add_bitmap(const std::string& name) {
    test_support::run({"qemu-img", "bitmap", "--add", "--enable", image().string(), name}, log());
  }

  TempDir dir_;
};

ExtentSet set_of(const std::vector<Extent>& v) { return ExtentSet::from_extents(v); }

TEST_F(NbdSourcesTest, DirtyExtentsAreExactlyTheBlocksWrittenAfterTheBitmap) {
  create("1G");
  write(0, 64 * kMiB, 0xaa);  // before the bitmap: not dirty
  add_bitmap("bm0");
  write(100 * kMiB, 1 * kMiB);               // aligned: exactly 16 blocks
  write(200 * kMiB + 4096, 512);             // inside one block
  write(300 * kMiB - 1000, 2000);            // straddles a block boundary: two blocks
  write(1 * kGiB - 512, 512);                // the last block of the disk
  write(32 * kMiB, 64 * kKiB);               // rewrites data written before the bitmap
  QemuNbd nbd(dir_.path(), image(), {"bm0"});

  const NbdHandlePtr h = open_dirty_bitmap(nbd.uri(), "bm0");
  const ExtentSet dirty = dirty_extents(h.get(), "bm0");
  const ExtentSet want = set_of({{32 * kMiB, kGranularity},
                                 {100 * kMiB, 1 * kMiB},
                                 {200 * kMiB, kGranularity},
                                 {300 * kMiB - kGranularity, 2 * kGranularity},
                                 {1 * kGiB - kGranularity, kGranularity}});
  EXPECT_EQ(dirty.extents(), want.extents());
}

TEST_F(NbdSourcesTest, AllocatedExtentsSkipHoles) {
  create("1G");
  write(0, 64 * kMiB, 0xaa);
  write(100 * kMiB, 1 * kMiB);
  write(200 * kMiB + 4096, 512);  // allocates one 64 KiB qcow2 cluster
  QemuNbd nbd(dir_.path(), image(), {});

  const NbdHandlePtr h = open_allocation_map(nbd.uri());
  const ExtentSet allocated = allocated_extents(h.get());
  const ExtentSet want =
      set_of({{0, 64 * kMiB}, {100 * kMiB, 1 * kMiB}, {200 * kMiB, 64 * kKiB}});
  EXPECT_EQ(allocated.extents(), want.extents());
}

TEST_F(NbdSourcesTest, SeveralBitmapsAreSeveralGenerations) {
  create("1G");
  add_bitmap("gen1");
  write(10 * kMiB, 64 * kKiB);
  add_bitmap("gen2");
  write(20 * kMiB, 128 * kKiB);
  QemuNbd nbd(dir_.path(), image(), {"gen1", "gen2"});

  EXPECT_EQ(dirty_extents(open_dirty_bitmap(nbd.uri(), "gen1").get(), "gen1").extents(),
            set_of({{10 * kMiB, 64 * kKiB}, {20 * kMiB, 128 * kKiB}}).extents());
  EXPECT_EQ(dirty_extents(open_dirty_bitmap(nbd.uri(), "gen2").get(), "gen2").extents(),
            set_of({{20 * kMiB, 128 * kKiB}}).extents());
}

TEST_F(NbdSourcesTest, CleanBitmapIsEmpty) {
  create("256M");
  write(0, 1 * kMiB);
  add_bitmap("bm0");
  QemuNbd nbd(dir_.path(), image(), {"bm0"});
  EXPECT_TRUE(dirty_extents(open_dirty_bitmap(nbd.uri(), "bm0").get(), "bm0").empty());
}

TEST_F(NbdSourcesTest, OneTebibyteDiskIsMappedInSeconds) {
  create("1T");
  add_bitmap("bm0");
  write(0, 64 * kKiB);
  write(512 * kGiB + 12345, 100);
  write(1 * kTiB - 128 * kKiB, 128 * kKiB);
  QemuNbd nbd(dir_.path(), image(), {"bm0"});

  const auto start = std::chrono::steady_clock::now();
  const ExtentSet dirty = dirty_extents(open_dirty_bitmap(nbd.uri(), "bm0").get(), "bm0");
  const ExtentSet allocated = allocated_extents(open_allocation_map(nbd.uri()).get());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const ExtentSet want = set_of(
      {{0, 64 * kKiB}, {512 * kGiB, kGranularity}, {1 * kTiB - 128 * kKiB, 128 * kKiB}});
  EXPECT_EQ(dirty.extents(), want.extents());
  EXPECT_EQ(allocated.extents(), want.extents());  // one 64 KiB cluster per write here
  EXPECT_LT(seconds, 10.0) << "mapping 1 TiB took " << seconds << " s";
  RecordProperty("map_seconds", std::to_string(seconds));
}

TEST_F(NbdSourcesTest, MissingBitmapIsAClearError) {
  create("64M");
  add_bitmap("bm0");
  QemuNbd nbd(dir_.path(), image(), {"bm0"});
  try {
    open_dirty_bitmap(nbd.uri(), "nightly");
    FAIL() << "a bitmap the server does not export was accepted";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("dirty bitmap 'nightly'"), std::string::npos) << what;
    EXPECT_NE(what.find("qemu:dirty-bitmap:nightly"), std::string::npos) << what;
  }
  // A handle without the bitmap's context must not read as "nothing changed".
  const NbdHandlePtr h = open_allocation_map(nbd.uri());
  try {
    dirty_extents(h.get(), "bm0");
    FAIL() << "dirty_extents on a handle without the bitmap context";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("dirty bitmap 'bm0'"), std::string::npos) << e.what();
  }
}

TEST_F(NbdSourcesTest, UnreachableServerNamesTheUri) {
  const std::string uri = "nbd+unix:///?socket=" + (dir_.path() / "nobody.sock").string();
  try {
    open_dirty_bitmap(uri, "bm0");
    FAIL() << "connected to nothing";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nobody.sock"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mm::cbt
