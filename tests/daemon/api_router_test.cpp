// The API's routes in-process, on an in-memory store: status codes, error envelopes, fields named
// in 400s, and secrets never in an answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orchestrator/api/router.h"
#include "orchestrator/api/target_json.h"

namespace mm::api {
namespace {

using nlohmann::json;

class ApiRouter : public ::testing::Test {
 protected:
  ApiRouter()
      : store_(state::Store::in_memory()), router_(*store_, {"host", "0.1.0", "PEM", "fp"}) {}

  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                bool trusted = true) {
    Response r = router_.handle({method, target, body, trusted});
    EXPECT_NO_THROW(last_ = json::parse(r.body)) << r.body;
    return r;
  }

  void expect_error(const Response& r, int status, const std::string& mention = "") {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(last_["type"], "error");
    EXPECT_EQ(last_["error_code"], status);
    EXPECT_NE(last_["error"].get<std::string>().find(mention), std::string::npos) << r.body;
  }

  static std::string source_body(const std::string& name, const std::string& password = "pw") {
    return json{{"name", name},
                {"source_type", "vmware"},
                {"properties",
                 {{"endpoint", "https://10.10.0.3"}, {"username", "user"}, {"password", password}}}}
        .dump();
  }

  std::unique_ptr<state::Store> store_;
  Router router_;
  json last_;
};

TEST_F(ApiRouter, ServerInfo) {
  const Response r = call("GET", "/1.0");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(last_["type"], "sync");
  EXPECT_EQ(last_["metadata"]["api_version"], "1.0");
  EXPECT_EQ(last_["metadata"]["auth"], "trusted");
  EXPECT_EQ(last_["metadata"]["environment"]["certificate_fingerprint"], "fp");
  expect_error(call("POST", "/1.0"), 405);
}

TEST_F(ApiRouter, UntrustedGets403Everywhere) {
  for (const char* m : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
    for (const char* path : {"/", "/1.0", "/1.0/sources", "/1.0/sources/x", "/1.0/targets",
                             "/1.0/targets/x", "/1.0/certificates", "/nope"}) {
      expect_error(call(m, path, source_body("x"), false), 403);
    }
  }
}

TEST_F(ApiRouter, SourceCrud) {
  Response r = call("POST", "/1.0/sources", source_body("esxi01", "s3cret-pw"));
  EXPECT_EQ(r.status, 201) << r.body;
  // The reference's answer to a create: the connectivity check, not the object.
  EXPECT_EQ(last_["metadata"], json({{"ConnectivityStatus", "Unknown"}}));
  EXPECT_EQ(r.body.find("s3cret-pw"), std::string::npos);
  expect_error(call("POST", "/1.0/sources", source_body("esxi01")), 409, "already exists");

  r = call("GET", "/1.0/sources");
  EXPECT_EQ(last_["metadata"], json::array({"/1.0/sources/esxi01"}));
  r = call("GET", "/1.0/sources?recursion=1");
  EXPECT_EQ(last_["metadata"][0]["properties"]["username"], "user");
  EXPECT_FALSE(last_["metadata"][0]["properties"].contains("password"));

  json upd = json::parse(source_body("esxi01"));
  upd["properties"].erase("password");
  upd["properties"]["trusted_server_certificate_fingerprint"] =
      "BA4F5B7749BC76E11FDCE0DBA27C49E6C379CFB9B4C7DE14844442D9B6DF5726";
  r = call("PUT", "/1.0/sources/esxi01", upd.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(last_["metadata"]["ConnectivityStatus"], "Unknown");
  call("GET", "/1.0/sources/esxi01");
  EXPECT_EQ(last_["metadata"]["properties"]["trusted_server_certificate_fingerprint"],
            "ba4f5b7749bc76e11fdce0dba27c49e6c379cfb9b4c7de14844442d9b6df5726");
  EXPECT_EQ(store_->source_password("esxi01"), "s3cret-pw");

  expect_error(call("GET", "/1.0/sources/nope"), 404);
  expect_error(call("PUT", "/1.0/sources/nope", source_body("nope")), 404);
  expect_error(call("PATCH", "/1.0/sources/esxi01"), 405);
  EXPECT_EQ(call("DELETE", "/1.0/sources/esxi01").status, 200);
  expect_error(call("DELETE", "/1.0/sources/esxi01"), 404);
}

TEST_F(ApiRouter, NamesArePercentDecoded) {
  EXPECT_EQ(call("POST", "/1.0/sources", source_body("my source")).status, 201);
  call("GET", "/1.0/sources");
  EXPECT_EQ(last_["metadata"][0], "/1.0/sources/my%20source");
  EXPECT_EQ(call("GET", "/1.0/sources/my%20source").status, 200);
  expect_error(call("GET", "/1.0/sources/bad%zz"), 400);
}

TEST_F(ApiRouter, BadSourceBodiesName400Field) {
  struct Case {
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"not json", "JSON"},
      {"[1,2]", "object"},
      {R"({"properties":{"endpoint":"https://a"}})", "\"name\""},
      {R"({"name":5,"properties":{"endpoint":"https://a"}})", "\"name\""},
      {R"({"name":"","properties":{"endpoint":"https://a"}})", "\"name\""},
      {R"({"name":"a/b","properties":{"endpoint":"https://a"}})", "\"name\""},
      {R"({"name":"a","source_type":"hyperv","properties":{"endpoint":"https://a"}})",
       "\"source_type\""},
      {R"({"name":"a"})", "\"properties\""},
      {R"({"name":"a","properties":[]})", "\"properties\""},
      {R"({"name":"a","properties":{}})", "\"properties.endpoint\""},
      {R"({"name":"a","properties":{"endpoint":"http://a"}})", "\"properties.endpoint\""},
      {R"({"name":"a","properties":{"endpoint":"https://a","username":1}})",
       "\"properties.username\""},
      {R"({"name":"a","properties":{"endpoint":"https://a","password":true}})",
       "\"properties.password\""},
      {R"({"name":"a","properties":{"endpoint":"https://a","import_limit":0}})",
       "\"properties.import_limit\""},
      {R"({"name":"a","properties":{"endpoint":"https://a","import_limit":"5"}})",
       "\"properties.import_limit\""},
      {R"({"name":"a","properties":{"endpoint":"https://a","import_limit":18446744073709551615}})",
       "\"properties.import_limit\""},
      {R"({"name":"a","properties":{"endpoint":"https://a","trusted_server_certificate_fingerprint":"xyz"}})",
       "\"properties.trusted_server_certificate_fingerprint\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    expect_error(call("POST", "/1.0/sources", c.body), 400, c.field);
  }
  EXPECT_TRUE(store_->list_sources().empty());
}

TEST_F(ApiRouter, TargetCrudAndBadBodies) {
  const json body = {{"name", "incus01"},
                     {"target_type", "incus"},
                     {"properties",
                      {{"endpoint", "https://10.1.0.101:8443"},
                       {"tls_client_cert", "CERT"},
                       {"tls_client_key", "PRIVATE-KEY-abc123"},
                       {"connection_timeout", "5m0s"}}}};
  Response r = call("POST", "/1.0/targets", body.dump());
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find("PRIVATE-KEY-abc123"), std::string::npos);
  EXPECT_EQ(last_["metadata"]["ConnectivityStatus"], "Unknown");
  call("GET", "/1.0/targets/incus01");
  EXPECT_EQ(last_["metadata"]["properties"]["auth_type"], "TLS");
  EXPECT_EQ(last_["metadata"]["properties"]["create_limit"], 10);
  r = call("GET", "/1.0/targets?recursion=1");
  EXPECT_EQ(r.body.find("PRIVATE-KEY-abc123"), std::string::npos);
  expect_error(call("POST", "/1.0/targets", body.dump()), 409);

  json bad = body;
  bad["properties"]["connection_timeout"] = "5 minutes";
  expect_error(call("POST", "/1.0/targets", bad.dump()), 400, "\"properties.connection_timeout\"");
  bad = body;
  bad["properties"]["oidc_tokens"] = "x";
  expect_error(call("POST", "/1.0/targets", bad.dump()), 400, "\"properties.oidc_tokens\"");
  bad = body;
  bad["properties"]["create_limit"] = -1;
  expect_error(call("POST", "/1.0/targets", bad.dump()), 400, "\"properties.create_limit\"");
  EXPECT_EQ(call("DELETE", "/1.0/targets/incus01").status, 200);
}

TEST_F(ApiRouter, NotFoundTooLargeAndMethods) {
  expect_error(call("GET", "/2.0"), 404);
  expect_error(call("GET", "/1.0/nothing"), 404);
  expect_error(call("GET", "/1.0/sources/a/b"), 404);
  expect_error(call("DELETE", "/1.0/sources"), 405);
  const Response r = call("POST", "/1.0/sources", std::string(kMaxBodyBytes + 1, ' '));
  expect_error(r, 413);
}

TEST_F(ApiRouter, CertificatesNeedAValidPem) {
  expect_error(call("POST", "/1.0/certificates", R"({"certificate":"nope"})"), 400,
               "\"certificate\"");
  expect_error(call("POST", "/1.0/certificates", R"({"name":"x"})"), 400, "\"certificate\"");
}

}  // namespace
}  // namespace mm::api
