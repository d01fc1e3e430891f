// mm-transfer sync: top-ups driven by a qemu dirty bitmap over NBD (five rounds of random writes
// into a qcow2 with a persistent bitmap, as a warm migration does them) and by an extents file.
// After every round the copy must equal the source, and the bytes moved must be the changed bytes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "cbt/extent_set.h"
#include "tests/support/servers.h"

namespace mm::transfer {
namespace {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * 1024;

nlohmann::json run_json(const std::string& args) {
  const test::CommandResult r = test::run_command(test::mm_transfer() + " " + args + " --json");
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  if (r.exit_code != 0) return {};
  return nlohmann::json::parse(r.out);
}

std::vector<unsigned char> read_range(const std::string& path, uint64_t off, uint64_t len) {
  std::vector<unsigned char> buf(len);
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pread(fd, buf.data(), len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
  ::close(fd);
  return buf;
}

void write_random(const std::string& path, uint64_t off, uint64_t len, std::mt19937& rng) {
  std::vector<unsigned char> buf(len);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, buf.data(), len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
  ::close(fd);
}

bool same_files(const std::string& a, const std::string& b) {
  return test::run_command("cmp -s " + a + " " + b).exit_code == 0;
}

// qemu-nbd serves one client unless told otherwise (-e): mm-transfer holds a control connection
// while it opens its data connections, so the fixtures allow several (-e 8) and stay up (-t).
TEST(SyncDirtyBitmap, FiveRoundsOfRandomWritesKeepTheCopyIdentical) {
  test::TempDir dir;
  const std::string img = dir.file("disk.qcow2"), copy = dir.file("copy.img"),
                    raw = dir.file("source.raw");
  const uint64_t size = 128 * kMiB;
  test::must_run("qemu-img create -q -f qcow2 " + img + " 128M");
  test::must_run("qemu-io -f qcow2 -c 'write -P 0x11 0 16M' -c 'write -P 0x22 50M 8M' " + img);
  // The bitmap starts with the full copy: everything written from now on is a change.
  test::must_run("qemu-img bitmap --add --enable " + img + " bm0");
  {
    test::NbdServer full = test::NbdServer::qemu_nbd(dir, "full", "-r -t -e 8 -f qcow2 " + img);
    const nlohmann::json r = run_json("copy '" + full.uri() + "' " + copy);
    ASSERT_EQ(r.at("size"), size);
  }
  test::must_run("qemu-img convert -O raw " + img + " " + raw);
  ASSERT_TRUE(same_files(raw, copy));

  std::mt19937_64 rng(20240611);
  for (int round = 1; round <= 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Random writes of 4 KiB to 1 MiB anywhere, some of them zeroes (write -z), some overlapping.
    std::string cmd = "qemu-io -f qcow2";
    cbt::ExtentSet written;
    for (int i = 0; i < 24; ++i) {
      const uint64_t len = (4 * kKiB + rng() % (1020 * kKiB)) / 512 * 512;
      const uint64_t off = rng() % (size - len) / 512 * 512;
      written.add(off, len);
      if (i % 6 == 5) {
        cmd += " -c 'write -z " + std::to_string(off) + " " + std::to_string(len) + "'";
      } else {
        cmd += " -c 'write -P " + std::to_string(1 + rng() % 254) + " " + std::to_string(off) +
               " " + std::to_string(len) + "'";
      }
    }
    test::must_run(cmd + " " + img);
    test::must_run("qemu-img convert -O raw " + img + " " + raw);
    ASSERT_FALSE(same_files(raw, copy)) << "the round's writes changed nothing";

    // A new generation takes the writes from here on; the old one is this round's change set.
    const std::string prev = "bm" + std::to_string(round - 1), next = "bm" + std::to_string(round);
    test::must_run("qemu-img bitmap --add --enable " + img + " " + next);
    test::must_run("qemu-img bitmap --disable " + img + " " + prev);
    nlohmann::json r;
    {
      test::NbdServer server = test::NbdServer::qemu_nbd(
          dir, "r" + std::to_string(round), "-r -t -e 8 -f qcow2 -B " + prev + " " + img);
      r = run_json("sync '" + server.uri() + "' " + copy + " --extents dirty-bitmap:" + prev +
                   " --checkpoint " + dir.file("sync" + std::to_string(round) + ".ckpt"));
    }
    ASSERT_FALSE(r.is_null());
    EXPECT_TRUE(same_files(raw, copy)) << "the copy differs from the source after the sync";

    // The bitmap tracks 64 KiB clusters: the change set is the writes widened to them.
    const uint64_t expected = written.aligned_outward(64 * kKiB).clipped(size).total_bytes();
    EXPECT_EQ(r.at("bytes_changed").get<uint64_t>(), expected);
    // Every changed byte was read or zeroed, and nothing else: the top-up costs the change set.
    EXPECT_EQ(r.at("bytes_read").get<uint64_t>() + r.at("bytes_zeroed").get<uint64_t>(), expected);
    EXPECT_GT(r.at("bytes_zeroed").get<uint64_t>(), 0u);  // write -z ranges are not read
    EXPECT_LT(r.at("bytes_read").get<uint64_t>(), expected);
    test::must_run("qemu-img bitmap --remove " + img + " " + prev);
  }
}

TEST(SyncDirtyBitmap, MissingBitmapIsAClearError) {
  test::TempDir dir;
  const std::string img = dir.file("disk.qcow2");
  test::must_run("qemu-img create -q -f qcow2 " + img + " 16M");
  test::NbdServer server = test::NbdServer::qemu_nbd(dir, "nbm", "-r -t -e 8 -f qcow2 " + img);
  const test::CommandResult r =
      test::run_command(test::mm_transfer() + " sync '" + server.uri() + "' " +
                        dir.file("copy.img") + " --extents dirty-bitmap:nope");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("dirty bitmap 'nope'"), std::string::npos) << r.err;
}

class SyncExtentsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(5);
    const int fd = ::open(src.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kSize)), 0);
    ::close(fd);
    write_random(src, 0, 20 * kMiB, rng);
    test::must_run("cp --sparse=always " + src + " " + copy);
    // Changes: A and B listed in the extents file, C not (the sync must leave C alone), and a
    // listed range Z turned into a hole (reads as zeroes).
    write_random(src, kA.offset, kA.length, rng);
    write_random(src, kB.offset, kB.length, rng);
    write_random(src, kC.offset, kC.length, rng);
    test::must_run("fallocate -p -o " + std::to_string(kZ.offset) + " -l " +
                   std::to_string(kZ.length) + " " + src);
  }

  void write_extents(const std::string& path, const std::string& json) {
    std::ofstream(path) << json;
  }

  static constexpr uint64_t kSize = 32 * kMiB;
  static constexpr cbt::Extent kA{1 * kMiB + 4096, 300 * kKiB};
  static constexpr cbt::Extent kB{24 * kMiB + 123, 70 * kKiB};  // in a hole of the old copy
  static constexpr cbt::Extent kC{10 * kMiB, 64 * kKiB};
  static constexpr cbt::Extent kZ{4 * kMiB, 512 * kKiB};
  test::TempDir dir;
  std::string src = dir.file("src.img"), copy = dir.file("copy.img");
};

std::string extent_json(const cbt::Extent& e) {
  return "{\"offset\":" + std::to_string(e.offset) + ",\"length\":" + std::to_string(e.length) +
         "}";
}

TEST_F(SyncExtentsFile, CopiesExactlyTheListedRangesAndResumesOnlyTheSameChangeSet) {
  const std::string ext = dir.file("changes.json"), ckpt = dir.file("sync.ckpt");
  // Out of order and overlapping (A listed twice, in halves that overlap): the union is copied.
  write_extents(ext, "[" + extent_json(kZ) + "," + extent_json(kB) + "," +
                         extent_json({kA.offset, 200 * kKiB}) + "," +
                         extent_json({kA.offset + 100 * kKiB, 200 * kKiB}) + "]");
  const nlohmann::json r =
      run_json("sync " + src + " " + copy + " --extents-file " + ext + " --checkpoint " + ckpt);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r.at("bytes_changed").get<uint64_t>(), kA.length + kB.length + kZ.length);
  // Only the 4 KiB blocks each range touches are read (B is unaligned: 70 KiB + 123 bytes span
  // 72 KiB); the zeroed range is zeroed, not read.
  EXPECT_EQ(r.at("bytes_read").get<uint64_t>(), kA.length + 72 * kKiB);
  EXPECT_EQ(r.at("bytes_zeroed").get<uint64_t>(), kZ.length);

  for (const cbt::Extent& e : {kA, kB, kZ}) {
    EXPECT_EQ(read_range(copy, e.offset, e.length), read_range(src, e.offset, e.length))
        << "listed range at " << e.offset << " not copied";
  }
  // C changed on the source but was not listed: the copy still holds the old bytes there.
  EXPECT_NE(read_range(copy, kC.offset, kC.length), read_range(src, kC.offset, kC.length));
  // Everywhere else the two agree: patch C into the copy and the files are equal.
  const std::vector<unsigned char> c = read_range(src, kC.offset, kC.length);
  const int fd = ::open(copy.c_str(), O_WRONLY);
  ASSERT_EQ(::pwrite(fd, c.data(), c.size(), static_cast<off_t>(kC.offset)),
            static_cast<ssize_t>(c.size()));
  ::close(fd);
  EXPECT_TRUE(same_files(src, copy));

  // The finished checkpoint resumes the same change set at its end: nothing is read again.
  const nlohmann::json again =
      run_json("sync " + src + " " + copy + " --extents-file " + ext + " --checkpoint " + ckpt);
  ASSERT_FALSE(again.is_null());
  EXPECT_EQ(again.at("bytes_read").get<uint64_t>(), 0u);
  EXPECT_EQ(again.at("resumed_from").get<uint64_t>(), kSize);

  // Another change set must not resume from it: it would skip its changes.
  const std::string other = dir.file("other.json");
  write_extents(other, "[" + extent_json(kC) + "]");
  const test::CommandResult refused =
      test::run_command(test::mm_transfer() + " sync " + src + " " + copy + " --extents-file " +
                        other + " --checkpoint " + ckpt);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("belongs to another transfer"), std::string::npos) << refused.err;
}

TEST_F(SyncExtentsFile, BadUsageAndChangeSetsPastTheDiskAreRefused) {
  const std::string ext = dir.file("changes.json");
  write_extents(ext, "[" + extent_json(kA) + "]");
  const std::string base = test::mm_transfer() + " sync " + src + " " + copy;
  // Neither or both sources of extents; a dirty bitmap of a file: usage errors.
  EXPECT_EQ(test::run_command(base).exit_code, 2);
  EXPECT_EQ(
      test::run_command(base + " --extents-file " + ext + " --extents dirty-bitmap:b").exit_code,
      2);
  EXPECT_EQ(test::run_command(base + " --extents dirty-bitmap:b").exit_code, 2);
  EXPECT_EQ(test::run_command(base + " --extents bitmap:b").exit_code, 2);
  // A change set reaching past the disk belongs to another disk: copying part of it would miss
  // changes.
  write_extents(ext, "[" + extent_json({kSize - 4096, 8192}) + "]");
  const test::CommandResult past = test::run_command(base + " --extents-file " + ext);
  EXPECT_EQ(past.exit_code, 3);
  EXPECT_NE(past.err.find("past the end"), std::string::npos) << past.err;
  // A malformed file names the problem.
  write_extents(ext, "[{\"offset\":1}]");
  const test::CommandResult bad = test::run_command(base + " --extents-file " + ext);
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("length"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace mm::transfer
