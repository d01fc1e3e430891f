// The vddk:// source: mm-transfer loads the VDDK stand-in (tests/vddk_standin, a real shared
// library implementing the documented VixDiskLib functions over local files) with dlopen, exactly
// as it loads VMware's libvixDiskLib.so. A 16 MiB image with 1 MiB runs of random data and holes
// sits in a datastore directory as vm1/vm1-flat.vmdk behind its descriptor vm1/vm1.vmdk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/servers.h"
#include "tests/transfer/cli_run.h"
#include "transfer/uri.h"

namespace mm::test {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskSize = 16 * kMiB;
const char* kThumbprint = "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D";

void write_at(const std::string& path, uint64_t offset, size_t length, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<char> data(length);
  for (auto& c : data) c = static_cast<char>(rng());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)),
            static_cast<ssize_t>(data.size()));
  ::close(fd);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class VddkSource : public ::testing::Test {
 protected:
  void SetUp() override {
    must_run("mkdir -p " + dir_.file("ds/vm1"));
    flat_ = dir_.file("ds/vm1/vm1-flat.vmdk");
    must_run("truncate -s 16M " + flat_);
    for (uint64_t mib = 0; mib < kDiskSize / kMiB; mib += 3) {
      write_at(flat_, mib * kMiB, kMiB, static_cast<unsigned>(mib));
      data_bytes_ += kMiB;
    }
    write_file(dir_.file("ds/vm1/vm1.vmdk"),
               "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
               "createType=\"vmfs\"\n\n# Extent description\nRW 32768 VMFS \"vm1-flat.vmdk\"\n");
    write_file(dir_.file("credentials"), "migrator\nsecret pass\n");
    ::setenv("MM_VDDK_STANDIN_DATASTORES",
             ("other=/nonexistent,datastore1=" + dir_.file("ds")).c_str(), 1);
    ::setenv("MM_VDDK_STANDIN_USER", "migrator", 1);
    ::setenv("MM_VDDK_STANDIN_PASSWORD", "secret pass", 1);
    ::setenv("MM_VDDK_STANDIN_THUMBPRINT", kThumbprint, 1);
    ::setenv("MM_VDDK_STANDIN_LOG", dir_.file("standin.log").c_str(), 1);
    for (const char* name :
         {"MM_VDDK_STANDIN_SERVER", "MM_VDDK_STANDIN_TRANSPORTS", "MM_VDDK_STANDIN_FAIL_READ_AT",
          "MM_VDDK_STANDIN_READ_DELAY_US", "MM_VDDK_STANDIN_NO_ASYNC", "MM_VDDK_STANDIN_NO_QUERY",
          "MM_VDDK_USER", "MM_VDDK_PASSWORD"}) {
      ::unsetenv(name);
    }
  }

  static std::string uri(const std::string& disk = "%5Bdatastore1%5D%20vm1%2Fvm1.vmdk",
                         const std::string& extra = "&transports=nbdssl:nbd",
                         const std::string& libdir = MM_VDDK_STANDIN_LIBDIR) {
    return "vddk://esxi.test/?libdir=" + libdir + "&vm=vm-17&disk=" + disk +
           "&thumbprint=" + kThumbprint + extra;
  }
  std::string creds() const { return " --vddk-credentials-file " + dir_.file("credentials"); }
  std::string digest_of_flat() {
    ToolRun r = run_tool("checksum " + flat_ + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.report.value("digest", "");
  }
  ToolRun copy(const std::string& src, const std::string& flags = "") {
    return run_tool("copy '" + src + "' " + dir_.file("copy.img") + " --json" + flags);
  }

  TempDir dir_;
  std::string flat_;
  uint64_t data_bytes_ = 0;
};

TEST_F(VddkSource, CopyIsByteForByteAndReadsOnlyAllocatedBlocks) {
  const ToolRun r = copy(uri(), creds());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["size"], kDiskSize);
  EXPECT_EQ(differences(flat_, dir_.file("copy.img")), "");
  EXPECT_EQ(r.report["digest"], digest_of_flat());
  // QueryAllocatedBlocks drove the plan: the holes were neither read nor written.
  EXPECT_EQ(r.report["bytes_read"], data_bytes_);
  EXPECT_EQ(r.report["bytes_skipped"], kDiskSize - data_bytes_);
  EXPECT_NE(r.err.find("transport nbdssl"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("asynchronous reads"), std::string::npos) << r.err;
  const std::string log = read_file(dir_.file("standin.log"));
  EXPECT_NE(log.find("vmx=moref=vm-17 snapshot= transports=nbdssl:nbd readonly=1"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("Open path=[datastore1] vm1/vm1.vmdk flags=4"), std::string::npos) << log;
  EXPECT_EQ(log.find("async=0"), std::string::npos) << log;  // every connection read async
  // mm-transfer ran itself again with the library's directory first in LD_LIBRARY_PATH.
  EXPECT_NE(log.find(std::string(" ld_library_path=") + MM_VDDK_STANDIN_LIBDIR), std::string::npos)
      << log;
}

TEST_F(VddkSource, EnvironmentCredentialsSnapshotAndTransportOrder) {
  ::setenv("MM_VDDK_USER", "migrator", 1);
  ::setenv("MM_VDDK_PASSWORD", "secret pass", 1);
  ::setenv("MM_VDDK_STANDIN_TRANSPORTS", "nbd", 1);
  const ToolRun r =
      copy(uri("%5Bdatastore1%5D%20vm1%2Fvm1.vmdk", "&snapshot=snapshot-3&transports=hotadd:nbd"),
           " --connections 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(differences(flat_, dir_.file("copy.img")), "");
  EXPECT_NE(r.err.find("transport nbd,"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at snapshot-3"), std::string::npos) << r.err;
  const std::string log = read_file(dir_.file("standin.log"));
  EXPECT_NE(log.find("snapshot=snapshot-3 transports=hotadd:nbd"), std::string::npos) << log;
}

TEST_F(VddkSource, BlockingReadsWhenReadAsyncIsNotSupported) {
  ::setenv("MM_VDDK_STANDIN_NO_ASYNC", "1", 1);
  const ToolRun r = copy(uri(), creds() + " --connections 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["digest"], digest_of_flat());
  EXPECT_NE(r.err.find("blocking reads"), std::string::npos) << r.err;
}

TEST_F(VddkSource, WithoutAllocatedBlocksTheWholeDiskIsRead) {
  ::setenv("MM_VDDK_STANDIN_NO_QUERY", "1", 1);
  const ToolRun r = copy(uri(), creds());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["bytes_read"], kDiskSize);
  EXPECT_EQ(r.report["digest"], digest_of_flat());
  EXPECT_NE(r.err.find("QueryAllocatedBlocks is not available"), std::string::npos) << r.err;
}

TEST_F(VddkSource, ExtentsFileNarrowsTheAllocatedBlocks) {
  // CBT changeId "*" from the daemon: only the first run and half of the second hold data.
  write_file(dir_.file("allocated.json"),
             "[{\"offset\":0,\"length\":1048576},{\"offset\":3145728,\"length\":524288},"
             "{\"offset\":8388608,\"length\":65536}]");  // the last one is a hole: not read
  const ToolRun r = copy(uri(), creds() + " --extents-file " + dir_.file("allocated.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["bytes_read"], kMiB + kMiB / 2);
  EXPECT_EQ(r.report["bytes_skipped"], kDiskSize - kMiB - kMiB / 2);
}

TEST_F(VddkSource, MapShowsTheHoles) {
  const ToolRun r = run_tool("map '" + uri() + "' --json" + creds());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  uint64_t data = 0;
  for (const auto& x : r.report["extents"]) {
    if (x["type"] == "data") data += x["length"].get<uint64_t>();
  }
  EXPECT_EQ(data, data_bytes_);
}

TEST_F(VddkSource, WrongPasswordIsALoginFailure) {
  write_file(dir_.file("bad"), "migrator\nwrong\n");
  const ToolRun r = copy(uri(), " --vddk-credentials-file " + dir_.file("bad"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("VDDK login to esxi.test:443 as 'migrator' failed"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Authentication failure (VIX error 35)"), std::string::npos) << r.err;
}

TEST_F(VddkSource, MissingCredentialsAreAUsageError) {
  const ToolRun r = copy(uri());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs credentials"), std::string::npos) << r.err;
  const ToolRun in_uri = copy("vddk://root:pw@esxi.test/?libdir=/x&vm=vm-1&disk=x", creds());
  EXPECT_EQ(in_uri.exit_code, 2);
  EXPECT_NE(in_uri.err.find("no credentials in the URI"), std::string::npos) << in_uri.err;
}

TEST_F(VddkSource, MissingLibraryIsNamed) {
  const ToolRun r = copy(uri("%5Bdatastore1%5D%20vm1%2Fvm1.vmdk", "", dir_.path()), creds());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("the VDDK library was not found: no libvixDiskLib.so.* in " + dir_.path()),
            std::string::npos)
      << r.err;
  const ToolRun gone =
      copy(uri("%5Bdatastore1%5D%20vm1%2Fvm1.vmdk", "", "/nonexistent/vddk"), creds());
  EXPECT_EQ(gone.exit_code, 3);
  EXPECT_NE(gone.err.find("the directory /nonexistent/vddk does not exist"), std::string::npos)
      << gone.err;
}

TEST_F(VddkSource, TarballLayoutIsFoundFromItsTopDirectory) {
  const std::string libdir = MM_VDDK_STANDIN_LIBDIR;
  const std::string top = libdir.substr(0, libdir.rfind("/lib64"));
  const ToolRun r = copy(uri("%5Bdatastore1%5D%20vm1%2Fvm1.vmdk", "", top), creds());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(differences(flat_, dir_.file("copy.img")), "");
  const std::string tarball = std::string(MM_BINARY_DIR) + "/tests/vddk-standin.tar.gz";
  EXPECT_NE(
      must_run("tar -tzf " + tarball).find("vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.8"),
      std::string::npos);
}

TEST_F(VddkSource, BadThumbprintAndRefusedConnectionAreNamed) {
  ::setenv("MM_VDDK_STANDIN_THUMBPRINT",
           "FF:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D", 1);
  const ToolRun r = copy(uri(), creds());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("VDDK cannot connect to esxi.test:443"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Cannot connect to the host (VIX error 18000): SSL Verification failed"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(std::string("is thumbprint=") + kThumbprint), std::string::npos) << r.err;

  ::setenv("MM_VDDK_STANDIN_THUMBPRINT", kThumbprint, 1);
  ::setenv("MM_VDDK_STANDIN_SERVER", "vcenter.test", 1);
  const ToolRun refused = copy(uri(), creds());
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("The server refused connection (VIX error 14009)"), std::string::npos)
      << refused.err;
}

TEST_F(VddkSource, MissingDiskAndUnusableTransportsAreNamed) {
  const ToolRun r = copy(uri("%5Bdatastore1%5D%20vm1%2Fnope.vmdk"), creds());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("the disk [datastore1] vm1/nope.vmdk of VM vm-17 was not found on "
                       "esxi.test (VixDiskLib_Open: The file was not found (VIX error 4)"),
            std::string::npos)
      << r.err;
  const ToolRun hotadd =
      copy(uri("%5Bdatastore1%5D%20vm1%2Fvm1.vmdk", "&transports=hotadd"), creds());
  EXPECT_EQ(hotadd.exit_code, 3);
  EXPECT_NE(hotadd.err.find("transports tried: hotadd"), std::string::npos) << hotadd.err;
}

TEST_F(VddkSource, TransientReadErrorIsRetried) {
  ::setenv("MM_VDDK_STANDIN_FAIL_READ_AT", "3145728:2", 1);  // the run at 3 MiB, twice
  const ToolRun r = copy(uri(), creds());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["digest"], digest_of_flat());
  EXPECT_NE(r.err.find("at offset 3145728 of [datastore1] vm1/vm1.vmdk of VM vm-17 through VDDK "
                       "failed (The disk could not be read (VIX error 16002)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("retrying, attempt 3 of 4"), std::string::npos) << r.err;
}

TEST_F(VddkSource, PersistentReadErrorFailsWithTheLibrarysText) {
  ::setenv("MM_VDDK_STANDIN_FAIL_READ_AT", "3145728", 1);
  const ToolRun r = copy(uri(), creds());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("failed after 4 attempts: The disk could not be read (VIX error 16002): "
                       "NBD_ERR_INSUFFICIENT_RESOURCES"),
            std::string::npos)
      << r.err;
}

uint64_t checkpoint_offset(const std::string& path) {
  std::ifstream in(path);
  if (!in) return 0;
  const auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() && j.contains("done_offset") ? j["done_offset"].get<uint64_t>() : 0;
}

TEST_F(VddkSource, KilledCopyResumesFromItsCheckpoint) {
  // Dense data read slowly (15 ms per 256 KiB request, one at a time): about 1 s for 16 MiB.
  write_at(flat_, 0, kDiskSize, 7);
  ::setenv("MM_VDDK_STANDIN_READ_DELAY_US", "15000", 1);
  const std::string cp = dir_.file("cp.json"), dst = dir_.file("copy.img");
  const std::string args = "copy '" + uri() + "' " + dst + " --checkpoint " + cp +
                           " --checkpoint-interval 1M --connections 1 --requests 1" + creds();
  {
    BackgroundProcess first(mm_transfer() + " " + args, dir_.file("first.log"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (checkpoint_offset(cp) < 4 * kMiB && std::chrono::steady_clock::now() < deadline &&
           first.running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(first.running()) << "the copy ended before it could be killed";
    first.kill_hard();
  }
  const uint64_t saved = checkpoint_offset(cp);
  ASSERT_GE(saved, 4 * kMiB);
  ASSERT_LT(saved, kDiskSize);
  ::unsetenv("MM_VDDK_STANDIN_READ_DELAY_US");
  const ToolRun second = run_tool(args + " --json");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.report["resumed_from"], saved);
  EXPECT_LE(second.report["bytes_read"].get<uint64_t>(), kDiskSize - saved);
  EXPECT_EQ(differences(flat_, dst), "");
  EXPECT_EQ(second.report["digest"], digest_of_flat());
}

// The URI is outside input: every field is checked before the library sees it.
TEST(VddkUri, FieldsAreDecodedAndChecked) {
  using transfer::EndpointKind;
  const transfer::Endpoint e = transfer::parse_endpoint(
      "vddk://[::1]:8443/?libdir=/opt/vmware-vix-disklib-distrib&vm=vm-42&snapshot=snapshot-7"
      "&disk=%5Bdatastore-01%5D%20my%20vm%2Fmy%20vm_1.vmdk&thumbprint="
      "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd&transports=nbdssl:nbd:hotadd");
  EXPECT_EQ(e.kind, EndpointKind::kVddk);
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 8443);
  EXPECT_EQ(e.vddk.libdir, "/opt/vmware-vix-disklib-distrib");
  EXPECT_EQ(e.vddk.vm, "vm-42");
  EXPECT_EQ(e.vddk.snapshot, "snapshot-7");
  EXPECT_EQ(e.vddk.disk, "[datastore-01] my vm/my vm_1.vmdk");
  EXPECT_EQ(e.vddk.thumbprint, "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD");
  EXPECT_EQ(e.vddk.transports, "nbdssl:nbd:hotadd");
  EXPECT_EQ(transfer::parse_endpoint("vddk://h?libdir=/l&vm=moref=vm-1&disk=%5Bd%5D%20x.vmdk").port,
            443);

  const std::string ok = "vddk://h/?libdir=/l&vm=vm-1&disk=%5Bd%5D%20x.vmdk";
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"vddk://h/?vm=vm-1&disk=%5Bd%5D%20x.vmdk", "needs libdir="},
           {"vddk://h/?libdir=rel&vm=vm-1&disk=%5Bd%5D%20x.vmdk", "absolute path"},
           {"vddk://h/?libdir=/l&disk=%5Bd%5D%20x.vmdk", "needs vm="},
           {"vddk://h/?libdir=/l&vm=vm-1", "needs disk="},
           {"vddk://h/?libdir=/l&vm=vm%201&disk=%5Bd%5D%20x.vmdk", "managed object reference"},
           {"vddk://h/?libdir=/l&vm=vm-1&disk=x.vmdk", "datastore path"},
           {"vddk://h/?libdir=/l&vm=vm-1&disk=%5Bd%5D%20x.txt", "datastore path"},
           {"vddk://h/?libdir=/l&vm=vm-1&disk=%5Bd%5D%20%2Fx.vmdk", "datastore path"},
           {ok + "&thumbprint=AA:BB", "20 bytes"},
           {ok + "&thumbprint=zz", "SHA-1"},
           {ok + "&transports=nbd:ftp", "unknown transport mode 'ftp'"},
           {ok + "&transports=nbd:nbd", "'nbd' twice"},
           {ok + "&vm=vm-2", "vm= given twice"},
           {ok + "&user=root", "unknown query parameter 'user'"},
           {ok + "&libdir=%zz", "bad percent escape"},
           {"vddk://h/path?libdir=/l", "expected vddk://HOST"},
           {"vddk:///?libdir=/l&vm=vm-1&disk=%5Bd%5D%20x.vmdk", "missing host"},
           {"vddk://u@h/?libdir=/l", "no credentials in the URI"},
       }) {
    try {
      transfer::parse_endpoint(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const transfer::UriError& err) {
      EXPECT_NE(std::string(err.what()).find(why), std::string::npos) << text << ": " << err.what();
    }
  }
}

}  // namespace
}  // namespace mm::test
