#include "transfer/uri.h"

#include <gtest/gtest.h>

namespace mm::transfer {
namespace {

TEST(Uri, NbdTcpWithDefaultPort) {
  Endpoint e = parse_endpoint("nbd://example.org/disk0");
  EXPECT_EQ(e.kind, EndpointKind::kNbd);
  EXPECT_EQ(e.host, "example.org");
  EXPECT_EQ(e.port, 10809);
  EXPECT_EQ(e.export_name, "disk0");
  EXPECT_EQ(e.nbd_uri, "nbd://example.org:10809/disk0");
}

TEST(Uri, NbdTcpWithPortAndIpv6) {
  Endpoint e = parse_endpoint("nbd://[::1]:10810/");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 10810);
  EXPECT_EQ(e.export_name, "");
  EXPECT_EQ(e.nbd_uri, "nbd://[::1]:10810/");
}

TEST(Uri, NbdUnixSocketWithEscapes) {
  Endpoint e = parse_endpoint("nbd+unix:///my%20disk?socket=/run/a%20b.sock");
  EXPECT_EQ(e.kind, EndpointKind::kNbd);
  EXPECT_EQ(e.export_name, "my disk");
  EXPECT_EQ(e.socket, "/run/a b.sock");
  EXPECT_TRUE(e.is_unix_socket());
}

TEST(Uri, FilesAndNull) {
  EXPECT_EQ(parse_endpoint("/var/lib/disk.img").path, "/var/lib/disk.img");
  EXPECT_EQ(parse_endpoint("relative/disk.img").kind, EndpointKind::kFile);
  EXPECT_EQ(parse_endpoint("file:disk.img").path, "disk.img");
  EXPECT_EQ(parse_endpoint("file:///dev/sdb").path, "/dev/sdb");
  EXPECT_EQ(parse_endpoint("null:").kind, EndpointKind::kNull);
  // A colon inside a path is not a scheme.
  EXPECT_EQ(parse_endpoint("/data/vm:1/disk").path, "/data/vm:1/disk");
}

void expect_error(const std::string& uri, const std::string& fragment) {
  try {
    parse_endpoint(uri);
    ADD_FAILURE() << "accepted " << uri;
  } catch (const UriError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message for " << uri << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(uri.substr(0, 8)), std::string::npos) << e.what();
  }
}

TEST(Uri, RejectsGarbageWithAReason) {
  expect_error("", "empty");
  expect_error("nbd://:10809/x", "missing host");
  expect_error("nbd://h:99999/x", "port");
  expect_error("nbd://h:abc/x", "port");
  expect_error("nbd+unix:///x", "socket");
  expect_error("nbd+unix:///x?socket=", "empty");
  expect_error("nbd+unix:///x?sock=/a", "unknown query parameter");
  expect_error("nbd+unix://host/x?socket=/a", "no host");
  expect_error("nbd+unix:///a%zz?socket=/s", "percent escape");
  expect_error("s3://bucket/disk", "unknown scheme");
  expect_error("nbds://h/x", "TLS");
  expect_error("file://relative", "absolute");
}

}  // namespace
}  // namespace mm::transfer
