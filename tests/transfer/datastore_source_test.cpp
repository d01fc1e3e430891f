// The datastore HTTPS source against the VMware simulator (tests/vmware-sim): a 32 MiB raw image
// with random data and holes as vm1/vm1-flat.vmdk, read by mm-transfer over
// https://.../folder/...?dcPath=ha-datacenter&dsName=datastore1 with the session cookie of a real
// vim25 login. Copies are compared byte for byte and by digest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "orchestrator/vmware/vmware_client.h"
#include "tests/transfer/cli_run.h"
#include "tests/transfer/http_fault_server.h"
#include "tests/vmware/vmware_sim_fixture.h"

namespace mm::test {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskSize = 32 * kMiB;

const char* kModel = R"json({
  "datastores": [{"name": "datastore1", "path": "@DS@"}],
  "vms": [{"name": "vm1", "power_state": "poweredOff",
           "disks": [{"key": 2000, "capacity": 33554432}]}]})json";

void write_at(const std::string& path, uint64_t offset, const std::vector<char>& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)),
            static_cast<ssize_t>(data.size()));
  ::close(fd);
}

std::vector<char> random_bytes(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<char> v(n);
  for (auto& c : v) c = static_cast<char>(rng());
  return v;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class DatastoreSource : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new VmwareSim("esxi", kModel);
    flat_ = sim_->datastore_dir() + "/vm1/vm1-flat.vmdk";
    // Random data in 1 MiB runs with holes between them (the simulator made the file sparse).
    for (uint64_t mib = 0; mib < kDiskSize / kMiB; mib += 3) {
      write_at(flat_, mib * kMiB, random_bytes(kMiB, static_cast<unsigned>(mib)));
    }
    write_at(flat_, kDiskSize - 4096, random_bytes(4096, 99));  // the last block
    // A vim25 login gives the session cookie, as the daemon will hand it over.
    client_ = new vmware::VmwareClient(sim_->endpoint());
    client_->connect();
    cookie_dir_ = new TempDir();
    write_file(cookie_dir_->file("cookie"),
               "vmware_soap_session=" + client_->session().session_cookie() + "\n");
    const std::string url = sim_->url();  // https://127.0.0.1:PORT/sdk
    base_ = url.substr(0, url.rfind("/sdk"));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete sim_;
    delete cookie_dir_;
  }

  static std::string uri(const std::string& file) {
    return base_ + "/folder/vm1/" + file + "?dcPath=ha-datacenter&dsName=datastore1";
  }
  static std::string auth() {
    // A stalled request is given up after 10 s and retried (not 60 s: ctest's limit is 300 s).
    return " --http-cookie-file " + cookie_dir_->file("cookie") + " --trust " +
           sim_->fingerprint() + " --http-timeout 10s";
  }
  static std::string digest_of(const std::string& src, const std::string& flags = "") {
    ToolRun r = run_tool("checksum '" + src + "' --json" + flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.report.value("digest", "");
  }

  static VmwareSim* sim_;
  static vmware::VmwareClient* client_;
  static TempDir* cookie_dir_;
  static std::string flat_, base_;
  TempDir dir_;
};
VmwareSim* DatastoreSource::sim_ = nullptr;
vmware::VmwareClient* DatastoreSource::client_ = nullptr;
TempDir* DatastoreSource::cookie_dir_ = nullptr;
std::string DatastoreSource::flat_, DatastoreSource::base_;

TEST_F(DatastoreSource, CopyOfTheFlatFileIsByteForByte) {
  const std::string out = dir_.file("copy.img");
  ToolRun r = run_tool("copy '" + uri("vm1-flat.vmdk") + "' " + out + " --json" + auth());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["size"], kDiskSize);
  EXPECT_EQ(differences(flat_, out), "");
  const std::string digest = digest_of(flat_);
  EXPECT_EQ(r.report["digest"], digest);
  EXPECT_EQ(digest_of(uri("vm1-flat.vmdk"), auth()), digest);
}

TEST_F(DatastoreSource, DescriptorIsResolvedToItsFlatExtent) {
  const std::string out = dir_.file("copy.img");
  ToolRun r =
      run_tool("copy '" + uri("vm1.vmdk") + "' " + out + " --json --connections 2" + auth());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(differences(flat_, out), "");
}

TEST_F(DatastoreSource, SplitDiskIsReadAsOneDisk) {
  // twoGbMaxExtentFlat: the image cut into -s001 (12 MiB) and -s002 (20 MiB).
  const std::string ds = sim_->datastore_dir() + "/vm1/";
  ASSERT_EQ(run_command("dd if=" + flat_ + " of=" + ds +
                        "split-s001.vmdk bs=1M count=12 2>/dev/null && "
                        "dd if=" +
                        flat_ + " of=" + ds + "split-s002.vmdk bs=1M skip=12 2>/dev/null")
                .exit_code,
            0);
  write_file(ds + "split.vmdk",
             "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
             "createType=\"twoGbMaxExtentFlat\"\n\n# Extent description\n"
             "RW 24576 FLAT \"split-s001.vmdk\" 0\nRW 40960 FLAT \"split-s002.vmdk\" 0\n");
  const std::string out = dir_.file("copy.img");
  ToolRun r = run_tool("copy '" + uri("split.vmdk") + "' " + out + " --json" + auth());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["size"], kDiskSize);
  EXPECT_EQ(differences(flat_, out), "");
  EXPECT_NE(r.err.find("read from 2 extents"), std::string::npos) << r.err;
}

TEST_F(DatastoreSource, SparseDescriptorsAreRefusedByName) {
  const std::string ds = sim_->datastore_dir() + "/vm1/";
  write_file(ds + "sparse.vmdk",
             "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicSparse\"\n"
             "RW 65536 SPARSE \"sparse.vmdk\"\n");
  ToolRun r = run_tool("copy '" + uri("sparse.vmdk") + "' " + dir_.file("x") + auth());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("monolithicSparse"), std::string::npos) << r.err;
  write_file(ds + "vm1-000001.vmdk",
             "# Disk DescriptorFile\nversion=1\ncreateType=\"vmfsSparse\"\n"
             "parentFileNameHint=\"vm1.vmdk\"\nRW 65536 VMFSSPARSE \"vm1-000001-delta.vmdk\"\n");
  r = run_tool("copy '" + uri("vm1-000001.vmdk") + "' " + dir_.file("x") + auth());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("snapshot delta"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("parent: vm1.vmdk"), std::string::npos) << r.err;
}

TEST_F(DatastoreSource, SyncAndCopyWithExtentsFiles) {
  const std::string out = dir_.file("copy.img");
  ASSERT_EQ(run_tool("copy '" + uri("vm1-flat.vmdk") + "' " + out + auth()).exit_code, 0);
  // A changed copy of the disk in the datastore, and a sync of just the changed areas.
  const std::string ds = sim_->datastore_dir() + "/vm1/";
  ASSERT_EQ(run_command("cp --sparse=always " + flat_ + " " + ds + "changed-flat.vmdk").exit_code,
            0);
  write_at(ds + "changed-flat.vmdk", 5 * kMiB + 4096, random_bytes(8192, 7));
  write_at(ds + "changed-flat.vmdk", 20 * kMiB, random_bytes(65536, 8));
  write_file(dir_.file("changed.json"), R"([{"offset":5246976,"length":8192},)"
                                        R"({"offset":20971520,"length":65536}])");
  ToolRun r = run_tool("sync '" + uri("changed-flat.vmdk") + "' " + out +
                       " --json --extents-file " + dir_.file("changed.json") + auth());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["bytes_changed"], 8192 + 65536);
  EXPECT_EQ(differences(ds + "changed-flat.vmdk", out), "");
  // copy --extents-file: only the allocated areas are read (the rest reads as zero).
  std::string alloc = "[";
  for (uint64_t mib = 0; mib < kDiskSize / kMiB; mib += 3) {
    alloc += (mib ? "," : "") + std::string("{\"offset\":") + std::to_string(mib * kMiB) +
             ",\"length\":" + std::to_string(kMiB) + "}";
  }
  alloc += ",{\"offset\":" + std::to_string(kDiskSize - 4096) + ",\"length\":4096}]";
  write_file(dir_.file("alloc.json"), alloc);
  const std::string out2 = dir_.file("copy2.img");
  r = run_tool("copy '" + uri("vm1-flat.vmdk") + "' " + out2 + " --json --extents-file " +
               dir_.file("alloc.json") + auth());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(differences(flat_, out2), "");
  EXPECT_LT(r.report["bytes_read"].get<uint64_t>(), 12 * kMiB);
}

TEST_F(DatastoreSource, WrongPinIsRefusedNamingTheServedFingerprint) {
  std::string served;
  for (char c : sim_->fingerprint()) {
    if (c != ':') served.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  ToolRun r =
      run_tool("copy '" + uri("vm1-flat.vmdk") + "' " + dir_.file("x") + " --http-cookie-file " +
               cookie_dir_->file("cookie") + " --trust " + std::string(64, 'a'));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("has SHA-256 fingerprint " + served), std::string::npos) << r.err;
  // No pin: the simulator's self-signed certificate is not trusted by the system CAs.
  r = run_tool("copy '" + uri("vm1-flat.vmdk") + "' " + dir_.file("x") + " --http-cookie-file " +
               cookie_dir_->file("cookie"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("is not trusted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(served), std::string::npos) << r.err;
}

TEST_F(DatastoreSource, MissingFileIsNamed) {
  ToolRun r = run_tool("copy '" + uri("nope-flat.vmdk") + "' " + dir_.file("x") + auth());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("file not found on the datastore (HTTP 404): /folder/vm1/nope-flat.vmdk"),
            std::string::npos)
      << r.err;
}

TEST_F(DatastoreSource, UsageErrors) {
  // The simulator does not check the cookie on /folder (ESXi does): without one the read works
  // here, so only the usage side is tested against it (401/403 wording: vmdk_descriptor_test).
  ToolRun r = run_tool("copy '" + base_ + "/folder/vm1/vm1-flat.vmdk' " + dir_.file("x") + auth());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("dcPath"), std::string::npos) << r.err;
  r = run_tool("copy '" + uri("vm1-flat.vmdk") + "' " + dir_.file("x") + " --trust xyz");
  EXPECT_EQ(r.exit_code, 2);
  r = run_tool("copy " + flat_ + " " + dir_.file("x") + " --http-cookie-file /dev/null");
  EXPECT_EQ(r.exit_code, 2);
  r = run_tool("copy " + flat_ + " " + dir_.file("x") + " --http-timeout 5s");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--http-timeout"), std::string::npos) << r.err;
  r = run_tool("copy '" + uri("vm1-flat.vmdk") + "' '" + uri("x-flat.vmdk") + "'" + auth());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("can only be a source"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mm::test

namespace mm::test {
namespace {

// What the simulator cannot show: expired sessions, a server ignoring Range, dropped connections.
class DatastoreFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                          "-nodes -days 1 -subj /CN=localhost -keyout " +
                          dir_.file("key.pem") + " -out " + dir_.file("cert.pem") + " 2>/dev/null")
                  .exit_code,
              0);
    server_ = std::make_unique<HttpFaultServer>(dir_.file("cert.pem"), dir_.file("key.pem"));
    fp_ = run_command(mm_transfer() + " fingerprint " + dir_.file("cert.pem")).out;
    fp_.erase(fp_.find_last_not_of("\n") + 1);
    std::ofstream(dir_.file("good")) << "vmware_soap_session=\"good\"\n";
    std::ofstream(dir_.file("expired")) << "vmware_soap_session=\"expired\"\n";
    std::string pattern(HttpFaultServer::kSize, '\0');
    for (size_t i = 0; i < pattern.size(); ++i)
      pattern[i] = static_cast<char>(HttpFaultServer::byte_at(i));
    std::ofstream(dir_.file("expected.img"), std::ios::binary) << pattern;
  }
  std::string uri(const std::string& mode) const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + "/folder/" + mode +
           "/disk-flat.vmdk?dcPath=ha-datacenter&dsName=datastore1";
  }
  ToolRun copy(const std::string& mode, const std::string& cookie, const std::string& extra = "") {
    return run_tool("copy '" + uri(mode) + "' " + dir_.file("out.img") + " --json --trust " + fp_ +
                    " --http-cookie-file " + dir_.file(cookie) + " " + extra);
  }
  TempDir dir_;
  std::unique_ptr<HttpFaultServer> server_;
  std::string fp_;
};

TEST_F(DatastoreFaults, ExpiredSessionIsNamed) {
  ToolRun r = copy("auth", "expired");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("(HTTP 401): the vSphere session has expired"), std::string::npos) << r.err;
  r = copy("forbidden", "good");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("refused the session cookie"), std::string::npos) << r.err;
  r = copy("auth", "good");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(differences(dir_.file("expected.img"), dir_.file("out.img")), "");
  // The environment variable instead of the file.
  const CommandResult env =
      run_command("MM_HTTP_COOKIE='vmware_soap_session=\"good\"' " + mm_transfer() + " checksum '" +
                  uri("auth") + "' --trust " + fp_);
  EXPECT_EQ(env.exit_code, 0) << env.err;
}

TEST_F(DatastoreFaults, ServerIgnoringRangeIsRefused) {
  ToolRun r = copy("norange", "good");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("ignored the Range header"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 200 instead of 206"), std::string::npos) << r.err;
}

TEST_F(DatastoreFaults, AStalledReadTimesOutAndIsRetried) {
  // The server stops sending mid-body without closing: --http-timeout ends the read, and it is
  // retried on a new connection instead of waiting forever.
  ToolRun r = copy("stall", "good", "--request-size 64K --connections 2 --http-timeout 1s");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(differences(dir_.file("expected.img"), dir_.file("out.img")), "");
  EXPECT_GT(r.report["reconnects"].get<uint64_t>(), 0u);
}

TEST_F(DatastoreFaults, DroppedConnectionsAreRetried) {
  ToolRun r = copy("flaky", "good", "--request-size 64K --connections 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(differences(dir_.file("expected.img"), dir_.file("out.img")), "");
  EXPECT_GT(r.report["reconnects"].get<uint64_t>(), 0u);
}

}  // namespace
}  // namespace mm::test
