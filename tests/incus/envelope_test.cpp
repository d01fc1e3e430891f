// Incus reply envelopes, operations and objects, from bodies captured from incusd 6.0.4.
#include <gtest/gtest.h>

#include "orchestrator/incus/envelope.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/resources.h"

namespace mm::incus {
namespace {

const char* kAsyncCreate =
    R"({"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/fc638049-9a44-48da-abf3-e6b0dc3ed7fe","error_code":0,"error":"","metadata":{"id":"fc638049-9a44-48da-abf3-e6b0dc3ed7fe","class":"task","description":"Creating instance","created_at":"2026-11-23T13:16:11.660925885Z","updated_at":"2026-11-23T13:16:11.660925885Z","status":"Running","status_code":103,"resources":{"instances":["/1.0/instances/vm1"]},"metadata":null,"may_cancel":false,"err":"","location":"none"}})";
const char* kWaitFailed =
    R"J({"type":"error","status":"","status_code":0,"operation":"","error_code":500,"error":"Failed creating instance record: Instance type \"virtual-machine\" is not supported on this server: KVM support is missing (no /dev/kvm)","metadata":null})J";
const char* kNotFound =
    R"({"type":"error","status":"","status_code":0,"operation":"","error_code":404,"error":"Failed to fetch instance \"nope\" in project \"default\": Instance not found","metadata":null})";
const char* kPools =
    R"({"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"","metadata":[{"config":{"source":"/var/lib/incus/storage-pools/default"},"description":"","name":"default","driver":"dir","used_by":["/1.0/profiles/default"],"status":"Created","locations":["none"]}]})";

// The message of the IncusError `f` throws.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const IncusError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(IncusEnvelope, ParsesAsyncWithItsOperation) {
  Reply r = parse_reply(kAsyncCreate, 202);
  EXPECT_EQ(r.type, ReplyType::kAsync);
  EXPECT_EQ(r.status_code, 100);
  EXPECT_EQ(operation_id(r.operation), "fc638049-9a44-48da-abf3-e6b0dc3ed7fe");
  Operation op = parse_operation(r.metadata);
  EXPECT_EQ(op.description, "Creating instance");
  EXPECT_EQ(op.status_code, 103);
  EXPECT_FALSE(op.done());
  EXPECT_EQ(op.resources.at("instances").at(0), "/1.0/instances/vm1");
  EXPECT_EQ(op.location, "none");
}

TEST(IncusEnvelope, ErrorRepliesThrowWithCodeAndKind) {
  Reply r = parse_reply(kWaitFailed, 200);  // incusd sends a failed wait with HTTP 200
  EXPECT_EQ(r.type, ReplyType::kError);
  EXPECT_EQ(r.error_code, 500);
  try {
    throw_if_error(parse_reply(kNotFound, 404));
    FAIL();
  } catch (const IncusError& e) {
    EXPECT_TRUE(e.not_found());
    EXPECT_EQ(e.kind(), target::TargetError::Kind::kProtocol);
    EXPECT_NE(std::string(e.what()).find("Instance not found"), std::string::npos);
  }
  try {
    throw_if_error(parse_reply(
        R"({"type":"error","status":"","status_code":0,"operation":"","error_code":403,"error":"not authorized","metadata":null})",
        403));
    FAIL();
  } catch (const IncusError& e) {
    EXPECT_EQ(e.kind(), target::TargetError::Kind::kAuthFailed);
  }
}

TEST(IncusEnvelope, RejectsGarbageNamingTheField) {
  EXPECT_NE(error_of([] { parse_reply("<html>502</html>", 502); }).find("not JSON (HTTP 502)"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_reply("[]"); }).find("\"reply\" must be an object"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_reply("{}"); }).find("\"type\" is missing"), std::string::npos);
  EXPECT_NE(error_of([] { parse_reply(R"({"type":"later"})"); }).find("\"type\" must be"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_reply(R"({"type":"sync","status_code":"200"})");
            }).find("\"status_code\" must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_reply(R"({"type":"async","operation":"/1.0/operations/x/../y"})");
            }).find("not an operation URL"),
            std::string::npos);
  EXPECT_NE(
      error_of([] {
        parse_reply(
            R"({"type":"async","operation":"/1.0/operations/ab-12","metadata":{"id":"ab-12"}})");
      }).find("\"metadata.status_code\" is missing"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              parse_operation(nlohmann::json::parse(
                  R"({"id":"a","status_code":200,"resources":{"instances":[1]}})"));
            }).find("\"metadata.resources.instances[0]\" must be a string"),
            std::string::npos);
}

TEST(IncusResources, ParsesPoolsServerAndInstances) {
  auto pools = parse_list(parse_reply(kPools).metadata, &parse_storage_pool);
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools[0].driver, "dir");
  EXPECT_EQ(pools[0].config.at("source"), "/var/lib/incus/storage-pools/default");

  ServerInfo s = parse_server(nlohmann::json::parse(
      R"({"auth":"trusted","api_version":"1.0","auth_methods":["tls"],"environment":{"server_version":"6.0.4","certificate_fingerprint":"ab","server_clustered":false}})"));
  EXPECT_EQ(s.auth, "trusted");
  EXPECT_EQ(s.server_version, "6.0.4");
  EXPECT_EQ(s.certificate_fingerprint, "ab");

  Instance in = parse_instance(nlohmann::json::parse(
      R"({"name":"vm1","type":"virtual-machine","status":"Stopped","status_code":102,"config":{"limits.cpu":"2"},"devices":{"eth0":{"type":"nic","hwaddr":"00:16:3e:00:00:01"}},"profiles":["default"]})"));
  EXPECT_EQ(in.config.at("limits.cpu"), "2");
  EXPECT_EQ(in.devices.at("eth0").at("hwaddr"), "00:16:3e:00:00:01");

  EXPECT_NE(
      error_of([] {
        parse_instance(nlohmann::json::parse(R"({"name":"a","devices":{"eth0":{"mtu":1500}}})"));
      }).find("\"metadata.devices.eth0.mtu\" must be a string"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              parse_list(nlohmann::json::parse(R"([{"name":"p"}])"), &parse_storage_pool);
            }).find("\"metadata[0].driver\" is missing"),
            std::string::npos);
  auto names = parse_names(
      nlohmann::json::parse(R"(["/1.0/instances/a%2Db","/1.0/instances/c?project=p"])"));
  EXPECT_EQ(names, (std::vector<std::string>{"a-b", "c"}));
}

}  // namespace
}  // namespace mm::incus
