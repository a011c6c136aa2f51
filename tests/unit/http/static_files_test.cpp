#include "network_system/http/static_files.h"

#include <gtest/gtest.h>

#include "static_files_test_support.h"

// Serving, MIME types, directories, methods, precompressed siblings and setup; path traversal
// is in static_files_traversal_test.cpp, preconditions and ranges in
// static_files_conditional_test.cpp.

namespace network_system::http {
namespace {

using namespace static_files_testing;

class static_files_test : public static_files_fixture {};

INSTANTIATE_TEST_SUITE_P(modes, static_files_test,
                         ::testing::Values(containment::beneath, containment::realpath),
                         mode_name);

// --- serving ------------------------------------------------------------------------------

TEST_P(static_files_test, serves_a_file_with_its_fields) {
  const auto p = app();
  const auto a = send(p, "/static/hello.txt");
  ASSERT_EQ(a.status(), 200);
  ASSERT_NE(a.res.file(), nullptr);
  EXPECT_EQ(a.body(), "Hello, static!\n");
  EXPECT_EQ(a.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(a.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(a.header("Last-Modified"), fixed_date);
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "hello.txt").c_str(), &st), 0);
  char etag[80];
  std::snprintf(etag, sizeof etag, "\"%llx-f-%llx\"", static_cast<unsigned long long>(st.st_ino),
                static_cast<unsigned long long>(fixed_mtime_s * 1'000'000'000LL + fixed_mtime_ns));
  EXPECT_EQ(a.header("ETag"), etag);
  EXPECT_EQ(a.header("Cache-Control"), "<none>");
  EXPECT_EQ(a.header("Vary"), "<none>");  // no stored variant
  EXPECT_EQ(a.res.to_head().fields.get("Content-Length"), "15");
  std::string wire;
  ASSERT_TRUE(a.res.serialize(wire).is_ok());
  EXPECT_TRUE(wire.ends_with("\r\n\r\nHello, static!\n"));
}

TEST_P(static_files_test, head_has_the_get_fields_and_no_body) {
  const auto p = app();
  const auto get = send(p, "/static/hello.txt");
  const auto head = send(p, "/static/hello.txt", {}, "HEAD");
  ASSERT_EQ(head.status(), 200);
  EXPECT_EQ(head.header("ETag"), get.header("ETag"));
  EXPECT_EQ(head.header("Content-Type"), get.header("Content-Type"));
  std::string wire;
  ASSERT_TRUE(head.res.serialize(wire, /*head_request=*/true).is_ok());
  EXPECT_NE(wire.find("Content-Length: 15\r\n"), std::string::npos);
  EXPECT_TRUE(wire.ends_with("\r\n\r\n"));
}

TEST_P(static_files_test, empty_file_is_served_with_length_zero) {
  const auto a = send(app(), "/static/empty.txt");
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(a.res.to_head().fields.get("Content-Length"), "0");
  EXPECT_EQ(a.body(), "");
}

TEST_P(static_files_test, cache_control_is_configurable) {
  const auto p = app({.cache_control = "public, max-age=60"});
  const auto a = send(p, "/static/hello.txt");
  EXPECT_EQ(a.header("Cache-Control"), "public, max-age=60");
  const auto nm = send(p, "/static/hello.txt", {{"If-None-Match", a.header("ETag")}});
  EXPECT_EQ(nm.status(), 304);
  EXPECT_EQ(nm.header("Cache-Control"), "public, max-age=60");
}

TEST_P(static_files_test, mounted_at_root_with_a_wildcard) {
  router r;
  ASSERT_TRUE(r.get("/*", static_files(root_.string(), opts())).is_ok());
  const pipeline p(std::move(r));
  EXPECT_EQ(send(p, "/hello.txt").body(), "Hello, static!\n");
  EXPECT_EQ(send(p, "/site/").body(), "<h1>site</h1>");
  EXPECT_EQ(send(p, "/").status(), 404);  // the root has no index.html, and is never listed
  expect_refused(send(p, "/../outside/secret.txt"));
}

TEST_P(static_files_test, mounted_on_a_route_without_wildcard_maps_the_whole_path) {
  router r;
  ASSERT_TRUE(r.get("/hello.txt", static_files(root_.string(), opts())).is_ok());
  const pipeline p(std::move(r));
  EXPECT_EQ(send(p, "/hello.txt").body(), "Hello, static!\n");
}

TEST_P(static_files_test, missing_files_are_404) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/nope.txt").status(), 404);
  EXPECT_EQ(send(p, "/static/nope/deeper.txt").status(), 404);
  EXPECT_EQ(send(p, "/static/hello.txt/more").status(), 404);
}

TEST_P(static_files_test, percent_encoded_names_are_decoded) {
  write("a b.txt", "spaced");
  const auto a = send(app(), "/static/a%20b.txt");
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(a.body(), "spaced");
}

TEST_P(static_files_test, fifo_is_404_and_does_not_block) {
  expect_refused(send(app(), "/static/fifo"));
}

// --- MIME types ---------------------------------------------------------------------------

TEST_P(static_files_test, mime_types_by_extension) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/style.css").header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(send(p, "/static/app.js").header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(send(p, "/static/mod.mjs").header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(send(p, "/static/data.json").header("Content-Type"), "application/json");
  EXPECT_EQ(send(p, "/static/pic.png").header("Content-Type"), "image/png");
  EXPECT_EQ(send(p, "/static/PIC2.PNG").header("Content-Type"), "image/png");
  EXPECT_EQ(send(p, "/static/font.woff2").header("Content-Type"), "font/woff2");
  EXPECT_EQ(send(p, "/static/prog.wasm").header("Content-Type"), "application/wasm");
  EXPECT_EQ(send(p, "/static/site/index.html").header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(send(p, "/static/noext").header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(send(p, "/static/file.xyz").header("Content-Type"), "application/octet-stream");
}

TEST_P(static_files_test, mime_types_are_extensible_and_overridable) {
  static_options o;
  o.mime_types = {{"xyz", "application/x-custom"}, {"txt", "text/x-override"}};
  o.default_mime_type = "application/x-unknown";
  const auto p = app(std::move(o));
  EXPECT_EQ(send(p, "/static/file.xyz").header("Content-Type"), "application/x-custom");
  EXPECT_EQ(send(p, "/static/hello.txt").header("Content-Type"), "text/x-override");
  EXPECT_EQ(send(p, "/static/noext").header("Content-Type"), "application/x-unknown");
  EXPECT_EQ(send(p, "/static/style.css").header("Content-Type"), "text/css; charset=utf-8");
}

// --- directories --------------------------------------------------------------------------

TEST_P(static_files_test, directory_with_slash_serves_its_index) {
  const auto a = send(app(), "/static/site/");
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(a.body(), "<h1>site</h1>");
  EXPECT_EQ(a.header("Content-Type"), "text/html; charset=utf-8");
}

TEST_P(static_files_test, directory_without_slash_redirects_with_301) {
  const auto p = app();
  auto a = send(p, "/static/site");
  ASSERT_EQ(a.status(), 301);
  EXPECT_EQ(a.header("Location"), "/static/site/");
  EXPECT_EQ(a.res.file(), nullptr);
  a = send(p, "/static/site?lang=en");
  ASSERT_EQ(a.status(), 301);
  EXPECT_EQ(a.header("Location"), "/static/site/?lang=en");
  a = send(p, "/static/noindex");
  EXPECT_EQ(a.status(), 301);  // the redirect does not promise an index
}

TEST_P(static_files_test, directory_without_index_is_404_never_a_listing) {
  const auto a = send(app(), "/static/noindex/");
  EXPECT_EQ(a.status(), 404);
  EXPECT_EQ(a.body().find("file.txt"), std::string::npos);
  EXPECT_EQ(send(app(), "/static/").status(), 404);  // the root itself: no index.html there
}

TEST_P(static_files_test, index_files_are_configurable) {
  write("noindex/default.htm", "default");
  const auto p = app({.index_files = {"missing.html", "default.htm"}});
  EXPECT_EQ(send(p, "/static/noindex/").body(), "default");
  EXPECT_EQ(send(p, "/static/site/").status(), 404);  // index.html is not in the list
  const auto none = app({.index_files = {}});
  EXPECT_EQ(send(none, "/static/site/").status(), 404);
}

TEST_P(static_files_test, directory_redirect_can_be_turned_off) {
  EXPECT_EQ(send(app({.redirect_directories = false}), "/static/site").status(), 404);
}

TEST_P(static_files_test, a_file_with_a_trailing_slash_is_404) {
  EXPECT_EQ(send(app(), "/static/hello.txt/").status(), 404);
}

TEST_P(static_files_test, a_directory_named_like_an_index_is_skipped) {
  fs::create_directories(root_ / "odd" / "index.html");
  EXPECT_EQ(send(app(), "/static/odd/").status(), 404);
}


// --- methods ------------------------------------------------------------------------------

TEST_P(static_files_test, other_methods_get_405) {
  // Mounted with get(): the router answers, listing the route's methods.
  const auto a = send(app(), "/static/hello.txt", {}, "POST");
  EXPECT_EQ(a.status(), 405);
  EXPECT_EQ(a.header("Allow"), "GET, HEAD, OPTIONS");
  // Mounted for another method: the handler answers itself.
  router r;
  ASSERT_TRUE(r.add("DELETE", "/static/*", static_files(root_.string(), opts())).is_ok());
  const pipeline p(std::move(r));
  const auto d = send(p, "/static/hello.txt", {}, "DELETE");
  EXPECT_EQ(d.status(), 405);
  EXPECT_EQ(d.header("Allow"), "GET, HEAD");
  EXPECT_EQ(d.res.file(), nullptr);
}


// --- precompressed siblings ---------------------------------------------------------------

TEST_P(static_files_test, gzip_sibling_is_sent_when_accepted) {
  const auto a = send(app(), "/static/gz/app.js", {{"Accept-Encoding", "gzip, deflate"}});
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(a.body(), "GZIP-BYTES");
  EXPECT_EQ(a.header("Content-Encoding"), "gzip");
  EXPECT_EQ(a.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(a.header("Vary"), "Accept-Encoding");
  const auto plain = send(app(), "/static/gz/app.js");
  EXPECT_NE(a.header("ETag"), plain.header("ETag"));  // a different representation
}

TEST_P(static_files_test, gzip_sibling_is_not_sent_when_not_accepted) {
  const auto p = app();
  for (const auto& ae : {std::optional<std::string>{}, std::optional<std::string>{"br"},
                         std::optional<std::string>{"gzip;q=0"},
                         std::optional<std::string>{"identity"}}) {
    const auto a = ae ? send(p, "/static/gz/app.js", {{"Accept-Encoding", *ae}})
                      : send(p, "/static/gz/app.js");
    ASSERT_EQ(a.status(), 200);
    EXPECT_EQ(a.body(), "console.log('plain');") << ae.value_or("<none>");
    EXPECT_EQ(a.header("Content-Encoding"), "<none>");
    EXPECT_EQ(a.header("Vary"), "Accept-Encoding");  // a sibling exists: caches must know
  }
}

TEST_P(static_files_test, precompressed_variants_follow_the_servers_order) {
  const auto p = app({.precompressed = {{"br", ".br"}, {"gzip", ".gz"}}});
  auto a = send(p, "/static/gz/app.js", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(a.header("Content-Encoding"), "br");
  EXPECT_EQ(a.body(), "BR-BYTES");
  a = send(p, "/static/gz/app.js", {{"Accept-Encoding", "gzip, br;q=0.5"}});
  EXPECT_EQ(a.header("Content-Encoding"), "gzip");
}

TEST_P(static_files_test, precompressed_ranges_apply_to_the_encoded_bytes) {
  const auto a =
      send(app(), "/static/gz/app.js", {{"Accept-Encoding", "gzip"}, {"Range", "bytes=0-3"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.body(), "GZIP");
  EXPECT_EQ(a.header("Content-Range"), "bytes 0-3/10");
  EXPECT_EQ(a.header("Content-Encoding"), "gzip");
}

TEST_P(static_files_test, precompressed_can_be_turned_off) {
  const auto a = send(app({.precompressed = {}}), "/static/gz/app.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(a.body(), "console.log('plain');");
  EXPECT_EQ(a.header("Vary"), "<none>");
}

TEST_P(static_files_test, a_sibling_outside_the_root_is_not_used) {
  fs::create_symlink("../outside/secret.txt", root_ / "style.css.gz");
  const auto a = send(app(), "/static/style.css", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(a.body(), "body{}");
  EXPECT_EQ(a.header("Content-Encoding"), "<none>");
}

// --- setup --------------------------------------------------------------------------------

TEST_P(static_files_test, the_default_containment_mode_serves_and_refuses_alike) {
  router r;
  ASSERT_TRUE(r.get("/static/*", static_files(root_.string())).is_ok());  // containment::automatic
  const pipeline p(std::move(r));
  EXPECT_EQ(send(p, "/static/hello.txt").body(), "Hello, static!\n");
  EXPECT_EQ(send(p, "/static/link_inside").body(), "Hello, static!\n");
  expect_refused(send(p, "/static/link_outside"));
  expect_refused(send(p, "/static/dirlink_outside/secret.txt"));
  expect_refused(send(p, "/static/%2e%2e/outside/secret.txt"));
}

TEST_P(static_files_test, make_static_files_reports_a_bad_root) {
  auto missing = make_static_files((base_ / "nope").string(), opts());
  ASSERT_TRUE(missing.is_err());
  EXPECT_EQ(missing.error().code, error_codes::invalid_argument);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  auto file = make_static_files((root_ / "hello.txt").string(), opts());
  ASSERT_TRUE(file.is_err());
  EXPECT_EQ(file.error().code, error_codes::invalid_argument);
  EXPECT_THROW((void)static_files((base_ / "nope").string(), opts()), std::invalid_argument);
}

TEST_P(static_files_test, make_static_files_reports_bad_options) {
  for (const char* index : {"", ".", "..", "a/b"}) {
    auto r = make_static_files(root_.string(), opts({.index_files = {index}}));
    ASSERT_TRUE(r.is_err()) << index;
    EXPECT_EQ(r.error().code, error_codes::invalid_configuration);
  }
  auto r = make_static_files(root_.string(), opts({.precompressed = {{"gzip", ""}}}));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_configuration);
  r = make_static_files(root_.string(), opts({.precompressed = {{"", ".gz"}}}));
  EXPECT_TRUE(r.is_err());
}

TEST_P(static_files_test, one_handler_serves_many_threads_at_once) {
  const auto p = app();
  const std::string big = big_content();
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const int first = (t * 100 + i) % 900;
        const auto a = send(p, "/static/big.bin",
                            {{"Range", "bytes=" + std::to_string(first) + "-" +
                                           std::to_string(first + 49)}});
        if (a.status() != 206 || a.body() != big.substr(first, 50)) ++wrong[t];
        if (send(p, "/static/site/").body() != "<h1>site</h1>") ++wrong[t];
        if (send(p, "/static/../outside/secret.txt").status() != 404) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST_P(static_files_test, middleware_fields_survive_a_404) {
  pipeline p = app();
  p.use([](request&, response& res, next_fn next) {
    res.set_header("X-Frame-Options", "DENY");
    next();
  });
  const auto a = send(p, "/static/nope");
  EXPECT_EQ(a.status(), 404);
  EXPECT_EQ(a.header("X-Frame-Options"), "DENY");
}

}  // namespace
}  // namespace network_system::http
