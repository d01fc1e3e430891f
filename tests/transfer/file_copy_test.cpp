// run_copy between local files: the bytes arrive, holes stay holes, zero ranges of a reused target
// are cleared, and the digest matches one computed independently from the file's bytes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <vector>

#include "tests/support/servers.h"
#include "transfer/checkpoint.h"
#include "transfer/copier.h"
#include "transfer/disk_digest.h"
#include "transfer/uri.h"

namespace mm::transfer {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

std::vector<unsigned char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

// Writes `size` bytes as a sparse file with random data in the given [offset, length) runs.
void make_sparse(const std::string& path, uint64_t size,
                 const std::vector<std::pair<uint64_t, uint64_t>>& runs, uint32_t seed) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  std::mt19937 rng(seed);
  for (auto [off, len] : runs) {
    std::vector<unsigned char> buf(len);
    for (auto& b : buf) b = static_cast<unsigned char>(rng());
    ASSERT_EQ(::pwrite(fd, buf.data(), len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
  }
  ::close(fd);
}

// The digest of docs/digest.md computed the slow way, from the bytes.
std::string digest_of_bytes(const std::vector<unsigned char>& bytes) {
  DigestAccumulator acc(bytes.size());
  std::vector<uint64_t> hashes((bytes.size() + kLeafSize - 1) / kLeafSize);
  hash_leaves(bytes.data(), bytes.size(), hashes.data());
  for (uint64_t h : hashes) acc.add_leaf(h);
  return acc.finish_hex();
}

CopyOptions small_requests() {
  CopyOptions o;
  o.request_size = 256 * 1024;
  o.requests = 8;
  return o;
}

TEST(FileCopy, SparseFileArrivesIdenticalAndStaysSparse) {
  test::TempDir dir;
  const std::string src = dir.file("src.img"), dst = dir.file("dst.img");
  const uint64_t size = 64 * kMiB + 12345;  // not a multiple of any block size
  make_sparse(src, size, {{0, 4096}, {3 * kMiB + 17, 700 * 1024}, {40 * kMiB, 2 * kMiB}, {size - 999, 999}}, 7);

  const CopyReport r = run_copy(parse_endpoint(src), parse_endpoint(dst), small_requests());
  const auto src_bytes = read_all(src);
  EXPECT_EQ(read_all(dst), src_bytes);
  EXPECT_EQ(r.size, size);
  EXPECT_EQ(r.digest, digest_of_bytes(src_bytes));
  // Only the leaves holding data were read; the rest is left as holes in the new file.
  EXPECT_LT(r.bytes_read, 8 * kMiB);
  EXPECT_GE(r.bytes_read, 4096u + 700 * 1024 + 2 * kMiB + 999);
  EXPECT_LT(test::allocated_bytes(dst), 12 * kMiB);
}

TEST(FileCopy, ReusedTargetHasItsStaleDataZeroed) {
  test::TempDir dir;
  const std::string src = dir.file("src.img"), dst = dir.file("dst.img");
  const uint64_t size = 16 * kMiB;
  make_sparse(src, size, {{2 * kMiB, 1 * kMiB}}, 1);
  make_sparse(dst, size, {{0, size}}, 2);  // an old copy full of other data

  const CopyReport r = run_copy(parse_endpoint(src), parse_endpoint(dst), small_requests());
  EXPECT_EQ(read_all(dst), read_all(src));
  EXPECT_GE(r.bytes_zeroed, size - 2 * kMiB);
}

TEST(FileCopy, TargetIsZeroSkipsZeroRanges) {
  test::TempDir dir;
  const std::string src = dir.file("src.img"), dst = dir.file("dst.img");
  const uint64_t size = 16 * kMiB;
  make_sparse(src, size, {{5 * kMiB, 1 * kMiB}}, 3);
  make_sparse(dst, size, {}, 0);  // exists, all zero
  CopyOptions o = small_requests();
  o.target_is_zero = true;
  const CopyReport r = run_copy(parse_endpoint(src), parse_endpoint(dst), o);
  EXPECT_EQ(read_all(dst), read_all(src));
  EXPECT_EQ(r.bytes_zeroed, 0u);
  EXPECT_EQ(r.bytes_skipped, size - 1 * kMiB);
}

TEST(FileCopy, FinishedCheckpointMakesTheNextRunANoOp) {
  test::TempDir dir;
  const std::string src = dir.file("src.img"), dst = dir.file("dst.img");
  make_sparse(src, 8 * kMiB, {{0, 8 * kMiB}}, 4);
  CopyOptions o = small_requests();
  o.checkpoint_path = dir.file("cp.json");
  const CopyReport first = run_copy(parse_endpoint(src), parse_endpoint(dst), o);
  const auto cp = load_checkpoint(o.checkpoint_path);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->done_offset, 8 * kMiB);

  const CopyReport second = run_copy(parse_endpoint(src), parse_endpoint(dst), o);
  EXPECT_EQ(second.resumed_from, 8 * kMiB);
  EXPECT_EQ(second.bytes_read, 0u);
  EXPECT_EQ(second.digest, first.digest);
}

TEST(FileCopy, CheckpointOfAnotherCopyIsRefused) {
  test::TempDir dir;
  const std::string src = dir.file("src.img"), other = dir.file("other.img"), dst = dir.file("dst.img");
  make_sparse(src, 4 * kMiB, {{0, kMiB}}, 5);
  make_sparse(other, 4 * kMiB, {{0, kMiB}}, 6);
  CopyOptions o = small_requests();
  o.checkpoint_path = dir.file("cp.json");
  run_copy(parse_endpoint(src), parse_endpoint(dst), o);
  try {
    run_copy(parse_endpoint(other), parse_endpoint(dst), o);
    ADD_FAILURE() << "a checkpoint of a different source was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint"), std::string::npos) << e.what();
  }
}

TEST(FileCopy, ExistingFileOfAnotherSizeIsResizedToTheSource) {
  // A regular file target becomes a copy of the source, size included (block devices must be
  // large enough instead; they cannot be resized).
  test::TempDir dir;
  const std::string src = dir.file("src.img"), small = dir.file("small.img"), big = dir.file("big.img");
  make_sparse(src, 8 * kMiB, {{0, kMiB}, {7 * kMiB, kMiB}}, 8);
  make_sparse(small, 4 * kMiB, {{0, 4 * kMiB}}, 9);
  make_sparse(big, 12 * kMiB, {{0, 12 * kMiB}}, 10);
  run_copy(parse_endpoint(src), parse_endpoint(small), small_requests());
  run_copy(parse_endpoint(src), parse_endpoint(big), small_requests());
  EXPECT_EQ(read_all(small), read_all(src));
  EXPECT_EQ(read_all(big), read_all(src));
}

TEST(FileCopy, MissingSourceNamesThePath) {
  test::TempDir dir;
  try {
    run_copy(parse_endpoint(dir.file("nope.img")), parse_endpoint(dir.file("dst.img")), small_requests());
    ADD_FAILURE() << "copied from a missing file";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("nope.img"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mm::transfer
