#include "transfer/checkpoint.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/servers.h"
#include "transfer/disk_digest.h"

namespace mm::transfer {
namespace {

Checkpoint sample() {
  Checkpoint c;
  c.identity = {"copy", "nbd+unix:///?socket=/s", "/var/lib/disk.img", 10 * kLeafSize + 5, ""};
  c.target_was_fresh = true;
  c.done_offset = 4 * kLeafSize;
  DigestAccumulator acc(c.identity.size);
  for (int i = 0; i < 4; ++i) acc.add_leaf(1000 + i);
  c.digest_leaves = acc.leaves_done();
  c.digest_segments_hex = acc.save_segments_hex();
  c.digest_open_hex = acc.save_open_leaves_hex();
  return c;
}

TEST(Checkpoint, RoundTripsThroughAFile) {
  test::TempDir dir;
  const std::string path = dir.file("cp.json");
  EXPECT_FALSE(load_checkpoint(path).has_value());
  store_checkpoint(path, sample());
  auto loaded = load_checkpoint(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->identity, sample().identity);
  EXPECT_EQ(loaded->done_offset, sample().done_offset);
  EXPECT_EQ(loaded->digest_open_hex, sample().digest_open_hex);
  EXPECT_TRUE(loaded->target_was_fresh);
}

void expect_rejected(const std::string& text, const std::string& fragment) {
  try {
    parse_checkpoint(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, RejectsDamageWithAReason) {
  std::string good = serialize_checkpoint(sample());
  expect_rejected("", "not valid JSON");
  expect_rejected("[1,2]", "not a JSON object");
  expect_rejected("{\"format\":\"x\"}", "not an mm-transfer checkpoint");
  std::string edited = good;
  edited.replace(edited.find("\"done_offset\":262144"), 20, "\"done_offset\":327680");
  expect_rejected(edited, "checksum mismatch");
  std::string missing = good;
  missing.replace(missing.find("\"target_was_fresh\""), 18, "\"target_was_frish\"");
  expect_rejected(missing, "checksum");
}

TEST(Checkpoint, RefusesAnotherTransfer) {
  Checkpoint c = sample();
  CheckpointIdentity other = c.identity;
  EXPECT_NO_THROW(check_identity("cp.json", c, other));
  other.target = "/var/lib/other.img";
  try {
    check_identity("cp.json", c, other);
    ADD_FAILURE() << "accepted another target";
  } catch (const CheckpointError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("belongs to another transfer"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/var/lib/other.img"), std::string::npos) << msg;
  }
  other = c.identity;
  other.size += 1;
  EXPECT_THROW(check_identity("cp.json", c, other), CheckpointError);
}

// A top-up's frontier moves by 4 KiB blocks (its digest is a placeholder), a copy's by 64 KiB
// leaves.
Checkpoint sync_at(uint64_t done_offset) {
  Checkpoint c;
  c.identity = {"sync", "nbd+unix:///?socket=/s", "/var/lib/disk.img", 10 * kLeafSize + 5, "ab12"};
  c.done_offset = done_offset;
  DigestAccumulator acc(c.identity.size);
  acc.add_zero_leaves((done_offset + kLeafSize - 1) / kLeafSize);
  c.digest_leaves = acc.leaves_done();
  c.digest_segments_hex = acc.save_segments_hex();
  c.digest_open_hex = acc.save_open_leaves_hex();
  return c;
}

TEST(Checkpoint, ASyncFrontierIs4KiBAlignedACopyFrontierLeafAligned) {
  const uint64_t inside_a_leaf = 3 * kLeafSize + 12 * 1024;
  EXPECT_EQ(parse_checkpoint(serialize_checkpoint(sync_at(inside_a_leaf))).done_offset,
            inside_a_leaf);
  EXPECT_EQ(parse_checkpoint(serialize_checkpoint(sync_at(10 * kLeafSize + 5))).done_offset,
            10 * kLeafSize + 5);  // the end of the disk
  expect_rejected(serialize_checkpoint(sync_at(inside_a_leaf + 512)), "not a multiple of 4096");
  Checkpoint copy = sync_at(inside_a_leaf);
  copy.identity.operation = "copy";
  copy.identity.change_set.clear();
  expect_rejected(serialize_checkpoint(copy), "not a multiple of 65536");
}

}  // namespace
}  // namespace mm::transfer

namespace mm::transfer {
namespace {

TEST(Checkpoint, HugeNumbersAreAParseErrorNotACrash) {
  // nlohmann reports number overflow as out_of_range, not parse_error (found by fuzz_checkpoint).
  for (const char* text : {R"({"format":"mm-transfer-checkpoint","version":2232e707289})",
                           R"({"done_offset":123456789012345678901234567890})"}) {
    EXPECT_THROW(parse_checkpoint(text), CheckpointError) << text;
  }
}

}  // namespace
}  // namespace mm::transfer
