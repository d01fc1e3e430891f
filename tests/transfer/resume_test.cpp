// A copy killed with SIGKILL resumes from its checkpoint: the result is identical and the bytes
// before the checkpoint are not read again.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

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
  NbdServer src = NbdServer::nbdkit(dir, "src", "-t 1 --filter=delay random size=64M seed=9 rdelay=2ms");
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

TEST(Resume, DamagedCheckpointIsRefusedNotTrusted) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "pattern size=8M");
  const std::string cp = dir.file("cp.json");
  ASSERT_EQ(run_tool("copy '" + src.uri() + "' " + dir.file("a.img") + " --checkpoint " + cp).exit_code, 0);
  // Change the offset without fixing the checksum: a torn or edited file.
  std::ifstream in(cp);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find("\"done_offset\":");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 14, "\"done_offset\":1");
  std::ofstream(cp) << text;
  const ToolRun r = run_tool("copy '" + src.uri() + "' " + dir.file("a.img") + " --checkpoint " + cp);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("checkpoint"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mm::test
