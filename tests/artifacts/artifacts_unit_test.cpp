// Artifacts without a daemon: the metadata rules, the content checks on real tarballs and ISO
// headers made here (tar, dd), the files kept under a state dir with their SHA-256 (checked
// against sha256sum), the SDK extracted safely, and how a source's disks are then read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "orchestrator/api/router.h"
#include "orchestrator/artifacts/artifact_content.h"
#include "orchestrator/artifacts/artifact_files.h"
#include "orchestrator/artifacts/artifact_meta.h"
#include "orchestrator/artifacts/disk_access.h"
#include "tests/support/servers.h"

namespace mm::test {
namespace {

namespace fs = std::filesystem;
using namespace mm::artifacts;

void write_file(const std::string& path, const std::string& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// A VDDK-shaped tarball: vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.8(.0.3) and a header.
std::string make_sdk(const TempDir& tmp, const std::string& name, bool with_lib) {
  const std::string root = tmp.file(name + "-tree");
  write_file(root + "/vmware-vix-disklib-distrib/include/vixDiskLib.h", "/* header */\n");
  if (with_lib) {
    write_file(root + "/vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.8.0.3", "ELF...");
    fs::create_symlink("libvixDiskLib.so.8.0.3",
                       root + "/vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.8");
  }
  const std::string out = tmp.file(name + ".tar.gz");
  must_run("tar -czf " + out + " -C " + root + " vmware-vix-disklib-distrib");
  return out;
}

std::string make_iso(const TempDir& tmp, const std::string& name) {
  std::string data(64 << 10, '\0');
  data.replace(16 * 2048, 6,
               "\x01"
               "CD001");
  write_file(tmp.file(name), data);
  return tmp.file(name);
}

std::string sha256sum(const std::string& path) {
  const std::string out = must_run("sha256sum " + path);
  return out.substr(0, 64);
}

TEST(ArtifactMeta, FollowsTheReferenceRules) {
  ArtifactMeta m = parse_artifact_meta(R"({"type": "sdk", "properties": {}})");
  EXPECT_EQ(m.source_type, "vmware");
  EXPECT_EQ(default_file_name(m), "vmware-sdk.tar.gz");
  m = parse_artifact_meta(
      R"({"type": "driver", "properties": {"os": "windows", "architectures": ["x86_64"]}})");
  EXPECT_EQ(default_file_name(m), "virtio-win.iso");
  m = parse_artifact_meta(R"({"type": "os-image", "properties": {"os": "fortigate",
      "architectures": ["x86_64"], "versions": ["7.2", "7.4.1"]}})");
  EXPECT_EQ(default_file_name(m), "fortigate.qcow2");

  auto refused = [](const std::string& body) {
    try {
      parse_artifact_meta(body);
    } catch (const ArtifactError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused(R"({"type": "firmware"})"),
            "Artifact has invalid type \"firmware\" (expected sdk, driver or os-image)");
  EXPECT_EQ(refused(R"({"type": "sdk", "properties": {"source_type": "hyperv"}})"),
            "Artifact source type \"hyperv\" is not supported");
  EXPECT_EQ(refused(R"({"type": "sdk", "properties": {"os": "windows"}})"),
            "Artifact does not support an OS type");
  EXPECT_EQ(refused(R"({"type": "driver", "properties": {"os": "windows"}})"),
            "Artifact must have at least one valid architecture");
  EXPECT_EQ(
      refused(R"({"type": "driver", "properties": {"os": "windows", "architectures": ["z80"]}})"),
      "Architecture \"z80\" is not supported");
  EXPECT_EQ(refused(R"({"type": "os-image", "properties": {"os": "fortigate",
      "architectures": ["x86_64"], "versions": ["7"]}})"),
            "Artifact version \"7\" does not contain both a major and minor version");
  EXPECT_EQ(refused("[1]"), "Request body is not a JSON object");
  EXPECT_EQ(refused(R"({"type": "sdk", "properties": {"description": 5}})"),
            "Field \"properties.description\" must be a string");
}

TEST(ArtifactContent, AnSdkTarballMustHoldTheLibrary) {
  TempDir tmp;
  const SdkLayout l = check_sdk_tarball(make_sdk(tmp, "good", true));
  EXPECT_EQ(l.library_dir, "vmware-vix-disklib-distrib/lib64");
  EXPECT_EQ(l.version, "8.0.3");
  try {
    check_sdk_tarball(make_sdk(tmp, "nolib", false));
    FAIL() << "accepted";
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("does not contain libvixDiskLib.so.*"), std::string::npos)
        << e.what();
  }
  write_file(tmp.file("junk.tar.gz"), std::string(4096, 'x'));
  EXPECT_THROW(check_sdk_tarball(tmp.file("junk.tar.gz")), ArtifactError);
  // A plain (uncompressed) tar is fine too.
  must_run("tar -cf " + tmp.file("plain.tar") + " -C " + tmp.file("good-tree") + " .");
  EXPECT_EQ(check_sdk_tarball(tmp.file("plain.tar")).version, "8.0.3");
}

TEST(ArtifactContent, ADriverMustBeAnIso) {
  TempDir tmp;
  EXPECT_NO_THROW(check_iso(make_iso(tmp, "virtio.iso")));
  write_file(tmp.file("short.iso"), "CD001");
  EXPECT_THROW(check_iso(tmp.file("short.iso")), ArtifactError);
  write_file(tmp.file("zero.iso"), std::string(64 << 10, '\0'));
  try {
    check_iso(tmp.file("zero.iso"));
    FAIL() << "accepted";
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("not an ISO 9660 image"), std::string::npos);
  }
}

TEST(ArtifactContent, ExtractionStaysInsideItsDirectory) {
  TempDir tmp;
  // A hostile tarball: "../escaped" and an absolute path, next to the library.
  write_file(tmp.file("evil/lib/libvixDiskLib.so.8"), "ELF");
  write_file(tmp.file("escaped-src"), "x");
  must_run("cd " + tmp.file("evil") + " && tar -cPf " + tmp.file("evil.tar") +
           " lib ../escaped-src");
  EXPECT_EQ(check_sdk_tarball(tmp.file("evil.tar")).library_dir, "lib");
  fs::create_directories(tmp.file("out/inner"));
  EXPECT_THROW(extract_tarball(tmp.file("evil.tar"), tmp.file("out/inner")), ArtifactError);
  EXPECT_FALSE(fs::exists(tmp.file("out/escaped-src")));
}

TEST(ArtifactFiles, AcceptRecordsSizeAndSha256AndExtractsTheSdk) {
  TempDir tmp;
  auto store = state::Store::in_memory();
  const ArtifactFiles files(*store, tmp.file("artifacts"));
  state::ArtifactRecord a;
  a.uuid = "0b5c6a3e-1111-4222-8333-444455556666";
  a.type = "sdk";
  a.properties = R"({"source_type":"vmware"})";
  a.last_updated = now_rfc3339();
  store->create_artifact(a);
  EXPECT_FALSE(find_sdk(*store, files.dir()));

  const std::string sdk = make_sdk(tmp, "sdk", true);
  const std::string spool = files.spool_path();
  fs::copy_file(sdk, spool);
  const state::ArtifactRecord got = files.accept(a.uuid, spool);
  EXPECT_FALSE(fs::exists(spool));
  const auto list = files_of(got);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "vmware-sdk.tar.gz");
  EXPECT_EQ(list[0].size, fs::file_size(sdk));
  EXPECT_EQ(list[0].sha256, sha256sum(sdk));
  const auto choice = find_sdk(*store, files.dir());
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->version, "8.0.3");
  EXPECT_TRUE(fs::exists(choice->library_dir + "/libvixDiskLib.so.8"));
  EXPECT_EQ(artifact_to_json(got)["sdk_version"], "8.0.3");

  // A tarball without the library is refused, and the earlier upload stays.
  const std::string bad = files.spool_path();
  fs::copy_file(make_sdk(tmp, "bad", false), bad);
  EXPECT_THROW(files.accept(a.uuid, bad), ArtifactError);
  EXPECT_FALSE(fs::exists(bad));
  EXPECT_TRUE(fs::exists(choice->library_dir + "/libvixDiskLib.so.8"));

  files.remove(a.uuid);
  EXPECT_FALSE(fs::exists(files.path_of(a.uuid)));
  EXPECT_FALSE(store->get_artifact(a.uuid));
  EXPECT_THROW(files.path_of("../etc"), ArtifactError);
}

TEST(DiskAccess, VddkWhenAnSdkExistsAndBlockedWhenRequiredWithoutOne) {
  state::SourceRecord s;
  s.name = "esxi01";
  const std::map<std::string, std::string> none, mounted = {{"datastore-01", "/mnt/ds1"}};
  const SdkChoice sdk{"u-1", "8.0.3", "/x/lib64"};
  EXPECT_EQ(choose_disk_access(s, sdk, none).kind, DiskAccessKind::kVddk);
  EXPECT_EQ(choose_disk_access(s, sdk, none).description, "VDDK (artifact u-1, version 8.0.3)");
  EXPECT_EQ(choose_disk_access(s, std::nullopt, none).description, "datastore HTTPS");
  EXPECT_EQ(choose_disk_access(s, std::nullopt, mounted).description,
            "mounted datastore /mnt/ds1 (datastore-01); others over datastore HTTPS");
  EXPECT_FALSE(missing_artifact(s, std::nullopt));
  s.disk_access = "datastore";
  EXPECT_EQ(choose_disk_access(s, sdk, none).kind, DiskAccessKind::kDatastore);
  s.disk_access = "vddk";
  EXPECT_EQ(*missing_artifact(s, std::nullopt),
            "Missing required SDK artifact: source \"esxi01\" reads disks through VDDK "
            "(migration-manager artifact upload sdk vmware FILE)");
  EXPECT_FALSE(missing_artifact(s, sdk));
  EXPECT_THROW(check_disk_access_setting("nfs"), std::invalid_argument);
}

TEST(ArtifactStore, ConflictsAndMissingRows) {
  auto store = state::Store::in_memory();
  state::ArtifactRecord a;
  a.uuid = "u-1";
  a.type = "driver";
  a.last_updated = "2025-12-01T00:00:00Z";
  store->create_artifact(a);
  EXPECT_THROW(store->create_artifact(a), state::StoreError);
  a.uuid = "u-2";
  EXPECT_THROW(store->update_artifact(a), state::StoreError);
  EXPECT_THROW(store->delete_artifact("u-2"), state::StoreError);
  EXPECT_EQ(store->list_artifacts().size(), 1u);
}

// The routes through the router alone (the transport's streaming is in artifacts_cli_tests).
TEST(ArtifactApi, CreateUploadGetAndRefuse) {
  TempDir tmp;
  auto store = state::Store::in_memory();
  api::Router router(*store, {"h", "0", "", ""});
  auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
    api::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.trusted = true;
    const api::Response resp = router.handle(r);
    return std::make_pair(resp.status, nlohmann::json::parse(resp.body));
  };
  EXPECT_EQ(call("GET", "/1.0/artifacts", "").first, 503);  // no artifact dir configured
  router.set_artifacts({tmp.file("artifacts"), {}});
  auto [status, body] = call("POST", "/1.0/artifacts",
                             R"({"type": "driver", "properties": {"os": "windows",
                                 "architectures": ["x86_64"], "description": "virtio"}})");
  ASSERT_EQ(status, 201) << body;
  const std::string uuid = body["metadata"]["uuid"];
  EXPECT_TRUE(router.upload_spool_path("POST", "/1.0/artifacts/" + uuid + "/files"));
  EXPECT_FALSE(router.upload_spool_path("POST", "/1.0/artifacts/nope/files"));
  EXPECT_FALSE(router.upload_spool_path("PUT", "/1.0/artifacts/" + uuid + "/files"));
  EXPECT_FALSE(router.upload_spool_path("POST", "/1.0/sources"));

  std::tie(status, body) = call("POST", "/1.0/artifacts/" + uuid + "/files", "not an iso");
  EXPECT_EQ(status, 400);
  EXPECT_NE(body["error"].get<std::string>().find("not an ISO 9660 image"), std::string::npos);
  std::string iso(40000, '\0');
  iso.replace(16 * 2048, 6,
              "\x01"
              "CD001");
  std::tie(status, body) = call("POST", "/1.0/artifacts/" + uuid + "/files", iso);
  ASSERT_EQ(status, 200) << body;
  EXPECT_EQ(body["metadata"]["file_details"][0]["size"], 40000);
  EXPECT_EQ(body["metadata"]["file_details"][0]["sha256"].get<std::string>().size(), 64u);
  std::tie(status, body) = call("GET", "/1.0/artifacts/" + uuid, "");
  EXPECT_EQ(body["metadata"]["properties"]["description"], "virtio");
  std::tie(status, body) = call("PUT", "/1.0/artifacts/" + uuid, R"({"type": "sdk"})");
  EXPECT_EQ(status, 400);
  std::tie(status, body) = call("POST", "/1.0/artifacts", R"({"type": "driver"})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], "Artifact must have at least one valid architecture");
  EXPECT_EQ(call("GET", "/1.0/artifacts/nope", "").first, 404);
  EXPECT_EQ(call("DELETE", "/1.0/artifacts/" + uuid, "").first, 200);
  EXPECT_TRUE(call("GET", "/1.0/artifacts", "").second["metadata"].empty());
}

}  // namespace
}  // namespace mm::test
