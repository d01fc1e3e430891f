// A copy killed with SIGKILL resumes from its checkpoint: the result is identical and the bytes
// before the checkpoint are not read again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "tests/support/servers.h"
#include "tests/transfer/cli_run.h"

namespace mm::test {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

uint64_t checkpoint_offset(const std::string& path) {
  std::ifstream in(path);
  if (!in) return 0;
  const auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() && j.contains("done_offset") ? j["done_offset"].get<uint64_t>() : 0;
}

TEST(Resume, KilledCopyResumesFromItsCheckpoint) {
  TempDir dir;
  // A dense disk read slowly (2 ms per request), so the copy is still running when it is killed.
  // One server thread (-t 1): nbdkit 1.32 aborts (raw_send_socket assertion) when a client
  // vanishes while several threads answer it.
  NbdServer src =
      NbdServer::nbdkit(dir, "src", "-t 1 --filter=delay random size=64M seed=9 rdelay=2ms");
  const std::string cp = dir.file("copy.checkpoint"), dst = dir.file("copy.img");
  const std::string args = "copy '" + src.uri() + "' " + dst + " --checkpoint " + cp +
                           " --checkpoint-interval 4M --connections 1 --requests 2";
  {
    BackgroundProcess copy(mm_transfer() + " " + args, dir.file("first.log"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (checkpoint_offset(cp) < 16 * kMiB && std::chrono::steady_clock::now() < deadline &&
           copy.running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(copy.running()) << "the copy ended before it could be killed";
    copy.kill_hard();
  }
  const uint64_t saved = checkpoint_offset(cp);
  ASSERT_GE(saved, 16 * kMiB);
  ASSERT_LT(saved, 64 * kMiB);

  const ToolRun second = run_tool(args + " --json");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.report["resumed_from"], saved);
  EXPECT_LE(second.report["bytes_read"].get<uint64_t>(), 64 * kMiB - saved);
  must_run("nbdcopy '" + src.uri() + "' " + dir.file("reference.img"));
  EXPECT_EQ(differences(dst, dir.file("reference.img")), "");
  // The resumed digest covers the whole disk, as if the copy had never stopped.
  const ToolRun whole = run_tool("checksum " + dir.file("reference.img") + " --json");
  EXPECT_EQ(second.report["digest"], whole.report["digest"]);
}

// A top-up moves 4 KiB blocks, so its checkpoint may fall inside a 64 KiB leaf: killed there, the
// resumed sync reads exactly the changed bytes above the checkpoint (none below it is read again,
// none above it is skipped) and the target ends equal to the old copy with every area patched in.
TEST(Resume, KilledSyncOfAreasSmallerThanALeafResumesAtA4KiBFrontier) {
  TempDir dir;
  constexpr uint64_t kSize = 64 * kMiB, kLeaf = 64 * 1024, kBlock = 4096;
  // One request at a time (-t 1, see above), 5 ms each: 512 areas take about 2.5 s.
  NbdServer src =
      NbdServer::nbdkit(dir, "src", "-t 1 --filter=delay random size=64M seed=3 rdelay=5ms");
  // An area in every other leaf, starting 4 KiB into it and 4 to 56 KiB long: no area touches a
  // leaf boundary, so no frontier inside the change set is leaf-aligned.
  std::vector<std::pair<uint64_t, uint64_t>> areas;
  std::string json = "[";
  for (uint64_t leaf = 0; leaf < kSize / kLeaf; leaf += 2) {
    const uint64_t off = leaf * kLeaf + kBlock, len = kBlock * (1 + leaf % 14);
    areas.emplace_back(off, len);
    json += (leaf == 0 ? "" : ",") + std::string("{\"offset\":") + std::to_string(off) +
            ",\"length\":" + std::to_string(len) + "}";
  }
  std::ofstream(dir.file("changes.json")) << json << "]";
  const std::string cp = dir.file("sync.checkpoint"), dst = dir.file("copy.img");
  const std::string args = "sync '" + src.uri() + "' " + dst + " --extents-file " +
                           dir.file("changes.json") + " --checkpoint " + cp +
                           " --checkpoint-interval 2M --connections 1 --requests 2";
  {
    BackgroundProcess sync(mm_transfer() + " " + args, dir.file("first.log"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (checkpoint_offset(cp) < 16 * kMiB && std::chrono::steady_clock::now() < deadline &&
           sync.running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(sync.running()) << "the sync ended before it could be killed";
    sync.kill_hard();
  }
  const uint64_t saved = checkpoint_offset(cp);
  ASSERT_GE(saved, 16 * kMiB);
  ASSERT_LT(saved, kSize);
  EXPECT_EQ(saved % kBlock, 0u);
  EXPECT_NE(saved % kLeaf, 0u) << "the frontier of a top-up follows its 4 KiB areas";

  uint64_t left = 0;  // changed bytes at or above the checkpoint
  for (const auto& [off, len] : areas) {
    if (off + len > saved) left += off + len - std::max(off, saved);
  }
  const ToolRun second = run_tool(args + " --json");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.report["resumed_from"], saved);
  EXPECT_EQ(second.report["bytes_read"].get<uint64_t>(), left);

  // The expected target: zeroes (the sync created it) with every area of the source patched in.
  must_run("nbdcopy '" + src.uri() + "' " + dir.file("reference.img"));
  const std::string expected = dir.file("expected.img");
  must_run("truncate -s 64M " + expected);
  const int in = ::open(dir.file("reference.img").c_str(), O_RDONLY);
  const int out = ::open(expected.c_str(), O_WRONLY);
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  std::vector<unsigned char> buf(kLeaf);
  for (const auto& [off, len] : areas) {
    ASSERT_EQ(::pread(in, buf.data(), len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
    ASSERT_EQ(::pwrite(out, buf.data(), len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
  }
  ::close(in);
  ::close(out);
  EXPECT_EQ(differences(dst, expected), "");
}

TEST(Resume, DamagedCheckpointIsRefusedNotTrusted) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "pattern size=8M");
  const std::string cp = dir.file("cp.json");
  ASSERT_EQ(
      run_tool("copy '" + src.uri() + "' " + dir.file("a.img") + " --checkpoint " + cp).exit_code,
      0);
  // Change the offset without fixing the checksum: a torn or edited file.
  std::ifstream in(cp);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find("\"done_offset\":");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 14, "\"done_offset\":1");
  std::ofstream(cp) << text;
  const ToolRun r =
      run_tool("copy '" + src.uri() + "' " + dir.file("a.img") + " --checkpoint " + cp);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("checkpoint"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mm::test
