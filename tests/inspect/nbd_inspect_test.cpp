// `mm-transfer inspect` through NBD: nbdkit's file plugin on a unix socket serves the image, and
// libext2fs reads /etc/os-release through mm-transfer's NBD source.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/inspect/disk_images.h"
#include "tests/support/servers.h"

namespace mm::test {
namespace {

TEST(InspectNbd, SameResultAsTheFile) {
  TempDir dir;
  const std::string img = images::gpt_debian(dir);
  NbdServer server = NbdServer::nbdkit(dir, "disk", "--readonly file " + img);
  const CommandResult over_nbd =
      run_command(mm_transfer() + " inspect '" + server.uri() + "' --json");
  const CommandResult from_file = run_command(mm_transfer() + " inspect " + img + " --json");
  ASSERT_EQ(over_nbd.exit_code, 0) << over_nbd.err;
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const auto j = nlohmann::json::parse(over_nbd.out);
  EXPECT_EQ(j, nlohmann::json::parse(from_file.out));
  EXPECT_EQ(j["firmware"], "uefi");
  EXPECT_EQ(j["os"]["id"], "debian");
  EXPECT_EQ(j["os"]["version"], "12");
}

TEST(InspectNbd, LostServerIsExitOne) {
  TempDir dir;
  NbdServer server = NbdServer::nbdkit(dir, "disk", "--readonly file " + images::garbage(dir));
  const std::string uri = server.uri();
  server.stop();
  const CommandResult r = run_command(mm_transfer() + " inspect '" + uri + "' --json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("cannot inspect"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mm::test
