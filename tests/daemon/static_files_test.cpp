// /ui/: the web interface's files through the router: MIME types, the index.html fallback for
// client routes, 404 for missing assets, and no way out of the directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "orchestrator/api/router.h"
#include "orchestrator/api/static_files.h"
#include "tests/support/servers.h"

namespace {

namespace fs = std::filesystem;
using mm::api::Request;
using mm::api::Response;

Request request(const std::string& method, const std::string& target, bool trusted = true) {
  Request r;
  r.method = method;
  r.target = target;
  r.trusted = trusted;
  return r;
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.file("ui");
    fs::create_directories(root_ + "/assets");
    write(root_ + "/index.html", "<html>index</html>");
    write(root_ + "/assets/app-1234.js", "console.log(1)");
    write(root_ + "/assets/app-1234.css", "body{}");
    write(root_ + "/.hidden", "hidden");
    write(dir_.file("secret.txt"), "secret");
    fs::create_symlink(dir_.file("secret.txt"), root_ + "/escape.txt");
  }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  Response get(const std::string& target, bool trusted = true) {
    return mm::api::handle_ui(request("GET", target, trusted),
                              mm::api::parse_request_target(target), root_);
  }
  mm::test::TempDir dir_;
  std::string root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypes) {
  const Response js = get("/ui/assets/app-1234.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(header(js, "Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(header(get("/ui/assets/app-1234.css"), "Content-Type"), "text/css; charset=utf-8");
  const Response index = get("/ui/");
  EXPECT_EQ(index.body, "<html>index</html>");
  EXPECT_EQ(header(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
  EXPECT_EQ(get("/ui").body, "<html>index</html>");
}

TEST_F(StaticFilesTest, ClientRoutesGetIndexMissingAssetsAre404) {
  EXPECT_EQ(get("/ui/batches/batch01").body, "<html>index</html>");
  EXPECT_EQ(get("/ui/queue?x=1").body, "<html>index</html>");
  EXPECT_THROW(get("/ui/assets/missing-5678.js"), std::exception);
}

TEST_F(StaticFilesTest, NoWayOutOfTheDirectory) {
  for (const char* t :
       {"/ui/../secret.txt", "/ui/%2e%2e/secret.txt", "/ui/..%2fsecret.txt",
        "/ui/assets/..%2F..%2Fsecret.txt", "/ui/%2E%2E/%2E%2E/etc/passwd", "/ui/..%5csecret.txt",
        "/ui/escape.txt", "/ui/.hidden", "/ui/assets/%00.js", "/ui/./index.html"}) {
    SCOPED_TRACE(t);
    try {
      const Response r = get(t);
      // Only the app itself may come back (a path without an extension is a client route).
      EXPECT_EQ(r.body, "<html>index</html>");
    } catch (const std::exception&) {
      SUCCEED();
    }
  }
}

TEST(StaticFilesRouter, UntrustedAndNotInstalled) {
  mm::test::TempDir dir;
  auto store = mm::state::Store::open_dir(dir.file("state"));
  mm::api::Router router(*store, {"h", "0", "", ""});
  const Response missing = router.handle(request("GET", "/ui/", true));
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("--ui-dir"), std::string::npos);
  fs::create_directories(dir.file("ui"));
  std::ofstream(dir.file("ui/index.html")) << "x";
  router.set_ui_dir(dir.file("ui"));
  EXPECT_EQ(router.handle(request("GET", "/ui/", true)).body, "x");
  EXPECT_EQ(router.handle(request("GET", "/ui/", false)).status, 403);
  EXPECT_EQ(router.handle(request("POST", "/ui/", true)).status, 405);
  EXPECT_EQ(router.handle(request("GET", "/ui/%2e%2e/state/state.db", true)).status, 404);
}

TEST(StaticFilesMime, KnownTypes) {
  EXPECT_STREQ(mm::api::mime_type("a.svg"), "image/svg+xml");
  EXPECT_STREQ(mm::api::mime_type("a.png"), "image/png");
  EXPECT_STREQ(mm::api::mime_type("a.woff2"), "font/woff2");
  EXPECT_STREQ(mm::api::mime_type("js"), "application/octet-stream");
}

}  // namespace
