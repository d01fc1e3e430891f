// VMDK descriptor parsing (flat, split, zero extents; sparse, delta, stream-optimized and RDM disks
// refused by name) and the checks on HTTP range replies of the datastore source.
#include <gtest/gtest.h>

#include "transfer/http_range_client.h"
#include "transfer/uri.h"
#include "transfer/vmdk_descriptor.h"

namespace mm::transfer {
namespace {

std::string descriptor(const std::string& type, const std::string& extents,
                       const std::string& extra = "") {
  return "# Disk "
         "DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\nparentCID=ffffffff\n" +
         extra + "createType=\"" + type + "\"\n\n# Extent description\n" + extents +
         "\n# The Disk Data Base\n#DDB\n\nddb.adapterType = \"lsilogic\"\n";
}

TEST(VmdkDescriptor, VmfsFlat) {
  const auto d = parse_vmdk_descriptor(descriptor("vmfs", "RW 65536 VMFS \"vm1-flat.vmdk\"\n"));
  ASSERT_EQ(d.extents.size(), 1u);
  EXPECT_EQ(d.extents[0].file, "vm1-flat.vmdk");
  EXPECT_EQ(d.extents[0].sectors, 65536u);
  EXPECT_EQ(d.size_bytes(), 32u << 20);
}

TEST(VmdkDescriptor, MonolithicFlatWithOffsetAndSpaces) {
  const auto d = parse_vmdk_descriptor(
      descriptor("monolithicFlat", "RW 2048 FLAT \"my disk-flat.vmdk\" 16\r\n"));
  ASSERT_EQ(d.extents.size(), 1u);
  EXPECT_EQ(d.extents[0].file, "my disk-flat.vmdk");
  EXPECT_EQ(d.extents[0].file_offset, 16u);
}

TEST(VmdkDescriptor, SplitFlatInOrderWithZero) {
  const auto d = parse_vmdk_descriptor(descriptor(
      "twoGbMaxExtentFlat",
      "RW 4192256 FLAT \"d-s001.vmdk\" 0\nRW 4192256 FLAT \"d-s002.vmdk\" 0\nRW 8 ZERO\n"));
  ASSERT_EQ(d.extents.size(), 3u);
  EXPECT_EQ(d.extents[1].file, "d-s002.vmdk");
  EXPECT_EQ(d.extents[2].type, VmdkExtent::Type::kZero);
  EXPECT_EQ(d.size_bytes(), (2 * 4192256ull + 8) * 512);
}

void expect_refused(const std::string& text, const std::string& words) {
  try {
    parse_vmdk_descriptor(text);
    FAIL() << "accepted: " << text;
  } catch (const VmdkDescriptorError& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(VmdkDescriptor, RefusesWhatIsNotFlat) {
  expect_refused(descriptor("monolithicSparse", "RW 2048 SPARSE \"a.vmdk\"\n"), "monolithicSparse");
  expect_refused(descriptor("twoGbMaxExtentSparse", "RW 2048 SPARSE \"a-s001.vmdk\"\n"),
                 "twoGbMaxExtentSparse");
  expect_refused(descriptor("streamOptimized", "RW 2048 SPARSE \"a.vmdk\"\n"), "streamOptimized");
  expect_refused(descriptor("vmfsSparse", "RW 2048 VMFSSPARSE \"vm1-000001-delta.vmdk\"\n",
                            "parentFileNameHint=\"vm1.vmdk\"\n"),
                 "parent: vm1.vmdk");
  expect_refused(descriptor("seSparse", "RW 2048 SESPARSE \"vm1-000001-sesparse.vmdk\"\n"),
                 "seSparse");
  expect_refused(descriptor("vmfsPassthroughRawDeviceMap", "RW 2048 VMFSRDM \"vm1-rdmp.vmdk\"\n"),
                 "raw device mapping");
  expect_refused(descriptor("vmfs", "RW 2048 VMFSSPARSE \"x.vmdk\"\n"), "not flat");
}

TEST(VmdkDescriptor, MalformedNamesTheLine) {
  expect_refused(descriptor("vmfs", "RW abc VMFS \"x.vmdk\"\n"), "line 9");
  expect_refused(descriptor("vmfs", "RW 10 VMFS x.vmdk\n"), "file name");
  expect_refused(descriptor("vmfs", "RW 10 VMFS \"../x.vmdk\"\n"), "beside the descriptor");
  expect_refused(descriptor("vmfs", ""), "without extents");
  expect_refused(descriptor("madeUp", "RW 10 VMFS \"x.vmdk\"\n"), "unknown VMDK disk type");
  expect_refused("hello world\n", "line 1");
  expect_refused(std::string("version=1\0", 10), "NUL");
}

TEST(VmdkDescriptor, MagicOfBinaryFiles) {
  EXPECT_TRUE(looks_like_vmdk_descriptor("# Disk DescriptorFile\nversion=1\n"));
  EXPECT_FALSE(looks_like_vmdk_descriptor("\xeb\x63\x90"));
  EXPECT_NE(sparse_vmdk_magic("KDMV\x01\x00"), "");
  EXPECT_NE(sparse_vmdk_magic("COWD"), "");
  EXPECT_EQ(sparse_vmdk_magic("\x00\x00KDMV"), "");
}

TEST(HttpRangeReply, ContentRange) {
  auto r = parse_content_range("bytes 0-1023/4096");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->first, 0u);
  EXPECT_EQ(*r->last, 1023u);
  EXPECT_EQ(*r->total, 4096u);
  r = parse_content_range("bytes 10-19/*");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->total);
  r = parse_content_range("bytes */4096");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->first);
  EXPECT_EQ(*r->total, 4096u);
  EXPECT_FALSE(parse_content_range("bytes 5-4/10"));
  EXPECT_FALSE(parse_content_range("bytes 0-10/10"));
  EXPECT_FALSE(parse_content_range("items 0-1/2"));
  EXPECT_FALSE(parse_content_range("bytes 0-1"));
  EXPECT_FALSE(parse_content_range("bytes -1-2/3"));
  EXPECT_FALSE(parse_content_range("bytes */*"));
}

std::string check(unsigned status, const std::string& cr, std::optional<uint64_t> len, uint64_t off,
                  uint64_t n, HttpError::Kind* kind = nullptr) {
  bool ok = false;
  HttpError e = check_range_reply({status, cr, len}, off, n, "/folder/a", &ok);
  if (kind) *kind = e.kind;
  return ok ? "" : e.what();
}

TEST(HttpRangeReply, Checks) {
  EXPECT_EQ(check(206, "bytes 100-199/1000", 100, 100, 100), "");
  EXPECT_EQ(check(200, "", 1000, 0, 1000), "");  // the whole file for a whole-file range
  EXPECT_NE(check(200, "", 1000, 100, 100).find("ignored the Range header"), std::string::npos);
  EXPECT_NE(check(206, "bytes 0-99/1000", 100, 100, 100).find("the server sent bytes 0-99/1000"),
            std::string::npos);
  EXPECT_NE(check(206, "", 100, 100, 100).find("without a usable Content-Range"),
            std::string::npos);
  EXPECT_NE(check(206, "bytes 100-199/1000", 50, 100, 100).find("announces 50 bytes"),
            std::string::npos);
  HttpError::Kind kind{};
  EXPECT_NE(check(401, "", 0, 0, 1, &kind).find("session has expired"), std::string::npos);
  EXPECT_EQ(kind, HttpError::Kind::kAuth);
  EXPECT_NE(check(403, "", 0, 0, 1, &kind).find("HTTP 403"), std::string::npos);
  EXPECT_EQ(kind, HttpError::Kind::kAuth);
  EXPECT_NE(
      check(404, "", 0, 0, 1, &kind).find("file not found on the datastore (HTTP 404): /folder/a"),
      std::string::npos);
  EXPECT_EQ(kind, HttpError::Kind::kNotFound);
  check(503, "", 0, 0, 1, &kind);
  EXPECT_EQ(kind, HttpError::Kind::kTransport);
  check(302, "", 0, 0, 1, &kind);
  EXPECT_EQ(kind, HttpError::Kind::kProtocol);
}

TEST(DatastoreUri, Parses) {
  const Endpoint e = parse_endpoint(
      "https://esxi01.lab:8443/folder/vm%201/vm%201-flat.vmdk?dcPath=ha-datacenter&dsName=ds1");
  EXPECT_EQ(e.kind, EndpointKind::kHttps);
  EXPECT_EQ(e.host, "esxi01.lab");
  EXPECT_EQ(e.port, 8443);
  EXPECT_EQ(e.http_path, "/folder/vm%201/vm%201-flat.vmdk");
  EXPECT_EQ(e.http_query, "dcPath=ha-datacenter&dsName=ds1");
  EXPECT_EQ(parse_endpoint("https://h/folder/a/b.vmdk?dsName=x&dcPath=y").port, 443);
  EXPECT_EQ(parse_endpoint("https://[::1]/folder/a/b.vmdk?dsName=x&dcPath=y").host, "::1");
}

TEST(DatastoreUri, Refuses) {
  for (const char* bad : {
           "https://h/folder/a.vmdk",                         // no dcPath / dsName
           "https://h/other/a.vmdk?dcPath=d&dsName=s",        // not /folder/
           "https://h/folder/?dcPath=d&dsName=s",             // no file
           "https://u:p@h/folder/a.vmdk?dcPath=d&dsName=s",   // credentials
           "https://h/folder/a/../b.vmdk?dcPath=d&dsName=s",  // ..
           "https://h/folder/a.vmdk?dcPath=d&dsName=s&x=1",   // unknown parameter
           "https://h/folder/a b.vmdk?dcPath=d&dsName=s",     // unencoded space
           "https://h/folder/a.vmdk?dcPath=d&dsName=s#f",     // fragment
           "https://h:0/folder/a.vmdk?dcPath=d&dsName=s",     // port
       }) {
    EXPECT_THROW(parse_endpoint(bad), UriError) << bad;
  }
}

}  // namespace
}  // namespace mm::transfer
