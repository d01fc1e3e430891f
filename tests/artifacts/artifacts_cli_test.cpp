// The artifact commands of the real CLI against a real daemon: an SDK tarball made here uploaded
// (its SHA-256 shown, equal to sha256sum's), one without libvixDiskLib refused with the message and
// leaving nothing behind, an ISO accepted and a non-ISO refused, list, show, remove; the upload
// streamed (a body far above the API's 1 MiB limit); `source show` naming the disk access path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/daemon/daemon_fixture.h"

namespace mm::test {
namespace {

namespace fs = std::filesystem;

void write_file(const std::string& path, const std::string& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

class ArtifactCli : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = std::make_unique<Daemon>(tmp_, tmp_.file("state")); }

  CommandResult run(const std::string& args) {
    return run_command("MIGRATION_MANAGER_SOCKET=" + daemon_->socket() +
                       " MIGRATION_MANAGER_CONF=" + tmp_.file("conf") + " " + MM_BINARY_DIR +
                       "/bin/migration-manager " + args + " < /dev/null");
  }

  std::string make_sdk(const std::string& name, bool with_lib) {
    const std::string root = tmp_.file(name + "-tree");
    write_file(root + "/vmware-vix-disklib-distrib/doc/README", "VDDK\n");
    if (with_lib) write_file(root + "/vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.8", "ELF");
    must_run("tar -czf " + tmp_.file(name + ".tar.gz") + " -C " + root +
             " vmware-vix-disklib-distrib");
    return tmp_.file(name + ".tar.gz");
  }

  nlohmann::json artifacts() {
    return daemon_->unix_call("GET", "/1.0/artifacts").body["metadata"];
  }

  TempDir tmp_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ArtifactCli, UploadListShowRemoveAnSdk) {
  const std::string sdk = make_sdk("vddk", true);
  CommandResult r = run("artifact upload sdk vmware " + sdk + " --description 'VDDK 8'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string sha = must_run("sha256sum " + sdk).substr(0, 64);
  EXPECT_NE(r.out.find("(SHA-256 " + sha + ")"), std::string::npos) << r.out;
  const nlohmann::json list = artifacts();
  ASSERT_EQ(list.size(), 1u);
  const std::string uuid = list[0]["uuid"];
  EXPECT_EQ(list[0]["type"], "sdk");
  EXPECT_EQ(list[0]["files"], nlohmann::json::array({"vmware-sdk.tar.gz"}));
  EXPECT_EQ(list[0]["properties"]["description"], "VDDK 8");
  EXPECT_EQ(list[0]["sdk_version"], "8");
  // Extracted beside the tarball, for mm-transfer's libdir.
  EXPECT_TRUE(fs::exists(tmp_.file("state/artifacts/" + uuid +
                                   "/vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.8")));

  r = run("artifact list");
  EXPECT_EQ(r.out,
            "+--------------------------------------+------+-------+\n"
            "|                 UUID                 | Type | Files |\n"
            "+--------------------------------------+------+-------+\n"
            "| " +
                uuid +
                " | sdk  | 1     |\n"
                "+--------------------------------------+------+-------+\n")
      << r.out;
  r = run("artifact show " + uuid);
  EXPECT_NE(r.out.find("sha256: " + sha), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("source_type: vmware"), std::string::npos) << r.out;

  // A source's disks are now read through VDDK, and `source show` says so.
  daemon_->unix_call("POST", "/1.0/sources",
                     R"({"name": "esxi01", "properties": {"endpoint": "https://127.0.0.1:1",
                         "username": "u", "password": "p"}})");
  r = run("source show esxi01");
  EXPECT_NE(r.out.find("Disk access: VDDK (artifact " + uuid + ", version 8)"), std::string::npos)
      << r.out;

  r = run("artifact remove " + uuid);
  EXPECT_EQ(r.out, "Successfully removed artifact \"" + uuid + "\".\n");
  EXPECT_TRUE(artifacts().empty());
  EXPECT_FALSE(fs::exists(tmp_.file("state/artifacts/" + uuid)));
  EXPECT_NE(run("source show esxi01").out.find("Disk access: datastore HTTPS"), std::string::npos);
}

TEST_F(ArtifactCli, ATarballWithoutTheLibraryIsRefused) {
  const CommandResult r = run("artifact upload sdk " + make_sdk("novddk", false));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not contain libvixDiskLib.so.*"), std::string::npos) << r.err;
  EXPECT_TRUE(artifacts().empty());  // nothing left behind
}

TEST_F(ArtifactCli, ADriverMustBeAnIsoAndIsStreamed) {
  // 24 MiB: far above the API's 1 MiB body limit, so only a streamed upload gets through.
  std::string iso(24 << 20, '\0');
  iso.replace(16 * 2048, 6,
              "\x01"
              "CD001");
  write_file(tmp_.file("virtio-win.iso"), iso);
  CommandResult r =
      run("artifact upload driver windows " + tmp_.file("virtio-win.iso") + " x86_64");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json list = artifacts();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["files"], nlohmann::json::array({"virtio-win.iso"}));
  EXPECT_EQ(list[0]["file_details"][0]["size"], 24 << 20);
  EXPECT_EQ(list[0]["properties"]["architectures"], nlohmann::json::array({"x86_64"}));

  write_file(tmp_.file("notes.txt"), std::string(40000, 'a'));
  r = run("artifact upload driver " + tmp_.file("notes.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not an ISO 9660 image"), std::string::npos) << r.err;
  EXPECT_EQ(artifacts().size(), 1u);

  // The reference's file removal: the artifact stays, without files.
  const std::string uuid = list[0]["uuid"];
  r = run("artifact remove " + uuid + " virtio-win.iso");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(artifacts()[0]["files"].empty());
  EXPECT_EQ(run("artifact remove " + uuid + " virtio-win.iso").exit_code, 1);
}

TEST_F(ArtifactCli, BadMetadataAndUnknownArtifactsAreClearErrors) {
  write_file(tmp_.file("x.iso"), "x");
  CommandResult r = run("artifact upload driver windows " + tmp_.file("x.iso") + " z80");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: Architecture \"z80\" is not supported\n");
  r = run("artifact show 0b5c6a3e-1111-4222-8333-444455556666");
  EXPECT_EQ(r.err, "Error: artifact \"0b5c6a3e-1111-4222-8333-444455556666\" not found\n");
  // Uploading to an artifact that does not exist is not spooled anywhere: a plain 404.
  const HttpResult h =
      daemon_->unix_call("POST", "/1.0/artifacts/0b5c6a3e-1111-4222-8333-444455556666/files", "x");
  EXPECT_EQ(h.status, 404);
}

}  // namespace
}  // namespace mm::test
