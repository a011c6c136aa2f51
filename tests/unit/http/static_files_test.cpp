#include "network_system/http/static_files.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "network_system/core/error_codes.h"
#include "network_system/http/middleware.h"
#include "network_system/protocol/http/http_date.h"
#include "network_system/protocol/http/request_parser.h"

namespace network_system::http {
namespace {

namespace fs = std::filesystem;
namespace ph = protocol::http;

// 1994-11-06 08:49:37 UTC (RFC 9110's example date) and some nanoseconds: the mtime of the
// files whose validators the tests check.
constexpr std::int64_t fixed_mtime_s = 784111777;
constexpr std::int64_t fixed_mtime_ns = 123456789;
constexpr const char* fixed_date = "Sun, 06 Nov 1994 08:49:37 GMT";

std::string big_content() {
  std::string s(1000, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('A' + i % 26);
  return s;
}

// The tree every test serves, built at test time under a fresh temporary directory:
//   <tmp>/root/          the served root
//   <tmp>/outside/       what must never be reachable
class static_files_test : public ::testing::TestWithParam<containment> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ns_static_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    root_ = base_ / "root";
    fs::create_directories(root_ / "site");
    fs::create_directories(root_ / "noindex");
    fs::create_directories(root_ / "gz");
    fs::create_directories(base_ / "outside");
    write("hello.txt", "Hello, static!\n");
    write("style.css", "body{}");
    write("app.js", "let a;");
    write("mod.mjs", "export {};");
    write("data.json", "{}");
    write("pic.png", "\x89PNG");
    write("PIC2.PNG", "\x89PNG");
    write("font.woff2", "wOF2");
    write("prog.wasm", "\0asm");
    write("noext", "raw");
    write("file.xyz", "custom");
    write("big.bin", big_content());
    write("empty.txt", "");
    write(".secret", "hidden");
    write("site/index.html", "<h1>site</h1>");
    write("site/page.html", "<p>page</p>");
    write("noindex/file.txt", "x");
    write("gz/app.js", "console.log('plain');");
    write("gz/app.js.gz", "GZIP-BYTES");
    write("gz/app.js.br", "BR-BYTES");
    std::ofstream(base_ / "outside" / "secret.txt") << "TOP SECRET";
    fs::create_symlink("hello.txt", root_ / "link_inside");
    fs::create_directory_symlink("site", root_ / "dirlink_inside");
    fs::create_symlink("../outside/secret.txt", root_ / "link_outside");
    fs::create_symlink(base_ / "outside" / "secret.txt", root_ / "abs_link_outside");
    fs::create_directory_symlink("../outside", root_ / "dirlink_outside");
    fs::create_symlink(root_ / "hello.txt", root_ / "abs_link_inside");
    fs::create_symlink("site/../../outside/secret.txt", root_ / "sneaky_link");
    ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
    set_mtime("hello.txt", fixed_mtime_s, fixed_mtime_ns);
    set_mtime("big.bin", fixed_mtime_s, fixed_mtime_ns);
  }
  void TearDown() override { fs::remove_all(base_); }

  void write(const std::string& rel, const std::string& content) {
    std::ofstream(root_ / rel, std::ios::binary) << content;
  }
  void set_mtime(const std::string& rel, std::int64_t s, std::int64_t ns) {
    const timespec times[2] = {{s, ns}, {s, ns}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (root_ / rel).c_str(), times, 0), 0);
  }

  static_options opts(static_options o = {}) const {
    o.mode = GetParam();
    return o;
  }

  // A pipeline with the handler on "/static/*", as a server would run it.
  pipeline app(static_options o = {}) {
    router r;
    EXPECT_TRUE(r.get("/static/*", static_files(root_.string(), opts(std::move(o)))).is_ok());
    return pipeline(std::move(r));
  }

  fs::path base_;
  fs::path root_;
};

// What a server would answer: the request is parsed from the wire by the real parser and
// turned into an http::request; either failing is the 400 a server sends.
struct answer {
  response res;
  bool parsed = false;
  [[nodiscard]] int status() const { return res.status(); }
  [[nodiscard]] std::string header(std::string_view name) const {
    return std::string(res.headers().get(name).value_or("<none>"));
  }
  // The bytes the client would see as the body (the file's bytes for a file body).
  [[nodiscard]] std::string body() const {
    if (res.file() == nullptr) return res.body();
    std::string out;
    EXPECT_TRUE(res.file()->append_to(out).is_ok());
    return out;
  }
};

answer send(const pipeline& p, std::string_view target,
            std::initializer_list<std::pair<const char*, std::string>> fields = {},
            std::string_view method = "GET") {
  std::string wire = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n";
  for (const auto& [n, v] : fields) wire += std::string(n) + ": " + v + "\r\n";
  wire += "\r\n";
  answer a;
  ph::request_parser parser;
  const auto r = parser.feed(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()));
  if (r.status != ph::parse_status::head_complete) {
    a.res = response::status_page(400);
    return a;
  }
  auto req = request::from_head(parser.head());
  if (req.is_err()) {
    a.res = response::status_page(400);
    return a;
  }
  a.parsed = true;
  a.res = p.handle(req.value());
  return a;
}

// Whatever the vector, the outside file's bytes never come back.
void expect_refused(const answer& a, int status = 404) {
  EXPECT_EQ(a.status(), status);
  EXPECT_EQ(a.body().find("TOP SECRET"), std::string::npos);
  EXPECT_EQ(a.res.file(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(modes, static_files_test,
                         ::testing::Values(containment::beneath, containment::realpath),
                         [](const auto& info) {
                           return info.param == containment::beneath ? std::string("beneath")
                                                                     : std::string("realpath");
                         });

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

// --- path traversal: every vector is refused, and the secret never comes back ---------------

TEST_P(static_files_test, traversal_dotdot_segment) {
  expect_refused(send(app(), "/static/../outside/secret.txt"));
}

TEST_P(static_files_test, traversal_dotdot_inside_the_tree) {
  // Even a ".." that would stay inside the root is refused: no ".." is ever resolved.
  expect_refused(send(app(), "/static/site/../hello.txt"));
}

TEST_P(static_files_test, traversal_many_dotdots) {
  expect_refused(send(app(), "/static/../../../../../../../../etc/passwd"));
}

TEST_P(static_files_test, traversal_dot_segment) {
  expect_refused(send(app(), "/static/./hello.txt"));
}

TEST_P(static_files_test, traversal_encoded_dotdot_lower) {
  expect_refused(send(app(), "/static/%2e%2e/outside/secret.txt"));
}

TEST_P(static_files_test, traversal_encoded_dotdot_upper) {
  expect_refused(send(app(), "/static/%2E%2E/outside/secret.txt"));
}

TEST_P(static_files_test, traversal_half_encoded_dotdot) {
  const auto p = app();
  expect_refused(send(p, "/static/.%2e/outside/secret.txt"));
  expect_refused(send(p, "/static/%2e./outside/secret.txt"));
}

TEST_P(static_files_test, traversal_encoded_slash) {
  const auto p = app();
  expect_refused(send(p, "/static/..%2foutside%2fsecret.txt"));
  expect_refused(send(p, "/static/..%2Foutside%2Fsecret.txt"));
  expect_refused(send(p, "/static/site%2findex.html"));  // even inside the root
}

TEST_P(static_files_test, traversal_encoded_backslash) {
  const auto p = app();
  expect_refused(send(p, "/static/..%5coutside%5csecret.txt"));
  expect_refused(send(p, "/static/..%5Coutside%5Csecret.txt"));
}

TEST_P(static_files_test, traversal_raw_backslash) {
  // The request parser refuses a raw backslash in the target (400) ...
  const auto a = send(app(), "/static/..\\outside\\secret.txt");
  EXPECT_FALSE(a.parsed);
  expect_refused(a, 400);
  // ... and the handler refuses one that reached it some other way.
  request req;
  route_params params;
  params.add("*", "..\\outside\\secret.txt", "..\\outside\\secret.txt");
  req.set_params(params);
  response res;
  static_files(root_.string(), opts())(req, res);
  expect_refused(answer{.res = res});
}

TEST_P(static_files_test, traversal_encoded_nul) {
  const auto a = send(app(), "/static/hello.txt%00.png");
  EXPECT_FALSE(a.parsed);  // request::from_head refuses a decoded NUL (400)
  expect_refused(a, 400);
  request req;
  route_params params;
  params.add("*", std::string("hello.txt\0.png", 14), "hello.txt%00.png");
  req.set_params(params);
  response res;
  static_files(root_.string(), opts())(req, res);
  expect_refused(answer{.res = res});
}

TEST_P(static_files_test, traversal_absolute_path) {
  const auto p = app();
  expect_refused(send(p, "/static//etc/passwd"));
  expect_refused(send(p, ("/static/" + (base_ / "outside" / "secret.txt").string()).c_str()));
  expect_refused(send(p, "/static/%2fetc%2fpasswd"));
}

TEST_P(static_files_test, traversal_empty_segment) {
  expect_refused(send(app(), "/static/site//index.html"));
}

TEST_P(static_files_test, traversal_symlink_to_a_file_outside) {
  expect_refused(send(app(), "/static/link_outside"));
}

TEST_P(static_files_test, traversal_absolute_symlink_to_a_file_outside) {
  expect_refused(send(app(), "/static/abs_link_outside"));
}

TEST_P(static_files_test, traversal_symlink_to_a_directory_outside) {
  const auto p = app();
  expect_refused(send(p, "/static/dirlink_outside/secret.txt"));
  expect_refused(send(p, "/static/dirlink_outside/"));
  expect_refused(send(p, "/static/dirlink_outside"));
}

TEST_P(static_files_test, traversal_symlink_climbing_through_a_subdirectory) {
  expect_refused(send(app(), "/static/sneaky_link"));
}

TEST_P(static_files_test, traversal_hidden_files_are_not_served) {
  const auto p = app();
  expect_refused(send(p, "/static/.secret"));
  expect_refused(send(p, "/static/%2esecret"));
  EXPECT_EQ(send(app({.serve_hidden = true}), "/static/.secret").body(), "hidden");
}

TEST_P(static_files_test, traversal_vectors_stay_refused_with_hidden_files_on) {
  const auto p = app({.serve_hidden = true});
  expect_refused(send(p, "/static/../outside/secret.txt"));
  expect_refused(send(p, "/static/%2e%2e/outside/secret.txt"));
  expect_refused(send(p, "/static/./hello.txt"));
}

TEST_P(static_files_test, symlinks_inside_the_root_are_followed) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/link_inside").body(), "Hello, static!\n");
  EXPECT_EQ(send(p, "/static/dirlink_inside/page.html").body(), "<p>page</p>");
  EXPECT_EQ(send(p, "/static/dirlink_inside/").body(), "<h1>site</h1>");
}

TEST_P(static_files_test, absolute_symlink_inside_the_root_depends_on_the_mode) {
  // RESOLVE_BENEATH refuses every absolute link; realpath follows one that stays inside.
  const auto a = send(app(), "/static/abs_link_inside");
  if (GetParam() == containment::beneath) {
    EXPECT_EQ(a.status(), 404);
  } else {
    EXPECT_EQ(a.body(), "Hello, static!\n");
  }
}

TEST_P(static_files_test, renaming_the_root_path_does_not_move_what_is_served) {
  const auto p = app();
  fs::rename(root_, base_ / "moved");
  fs::create_directories(root_);
  std::ofstream(root_ / "hello.txt") << "impostor";
  EXPECT_EQ(send(p, "/static/hello.txt").body(), GetParam() == containment::beneath
                                                     ? "Hello, static!\n"
                                                     : "impostor");
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

// --- conditional requests -----------------------------------------------------------------

TEST_P(static_files_test, if_none_match_gives_304) {
  const auto p = app();
  const std::string etag = send(p, "/static/hello.txt").header("ETag");
  const auto a = send(p, "/static/hello.txt", {{"If-None-Match", etag}});
  ASSERT_EQ(a.status(), 304);
  EXPECT_EQ(a.header("ETag"), etag);
  EXPECT_EQ(a.header("Last-Modified"), fixed_date);
  EXPECT_EQ(a.res.file(), nullptr);
  EXPECT_EQ(a.res.body(), "");
  std::string wire;
  ASSERT_TRUE(a.res.serialize(wire).is_ok());
  EXPECT_TRUE(wire.starts_with("HTTP/1.1 304 Not Modified\r\n"));
  EXPECT_EQ(wire.find("Content-Length"), std::string::npos);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", etag}}, "HEAD").status(), 304);
}

TEST_P(static_files_test, if_none_match_uses_weak_comparison_lists_and_star) {
  const auto p = app();
  const std::string etag = send(p, "/static/hello.txt").header("ETag");
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", "W/" + etag}}).status(), 304);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", "\"a\", " + etag + ", \"b\""}}).status(),
            304);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", "\"a\",W/\"b\"," + etag}}).status(),
            304);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", "*"}}).status(), 304);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", "\"other\""}}).status(), 200);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", "\"other\""},
                                           {"If-None-Match", etag}}).status(),
            304);  // two fields are one list
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-None-Match", "garbage"}}).status(), 200);
}

TEST_P(static_files_test, if_modified_since_gives_304_when_not_newer) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Modified-Since", fixed_date}}).status(), 304);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:38 GMT"}})
                .status(),
            304);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}})
                .status(),
            200);
  // The obsolete forms count too (RFC 9110 §5.6.7).
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT"}})
                .status(),
            304);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Modified-Since", "Sun Nov  6 08:49:37 1994"}})
                .status(),
            304);
  // Not a date: ignored (§13.1.3).
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Modified-Since", "yesterday"}}).status(), 200);
}

TEST_P(static_files_test, if_modified_since_is_ignored_with_if_none_match) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/hello.txt",
                 {{"If-None-Match", "\"other\""}, {"If-Modified-Since", fixed_date}})
                .status(),
            200);
}

TEST_P(static_files_test, if_match_uses_strong_comparison) {
  const auto p = app();
  const std::string etag = send(p, "/static/hello.txt").header("ETag");
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Match", etag}}).status(), 200);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Match", "*"}}).status(), 200);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Match", "\"x\", " + etag}}).status(), 200);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Match", "W/" + etag}}).status(), 412);
  const auto a = send(p, "/static/hello.txt", {{"If-Match", "\"other\""}});
  EXPECT_EQ(a.status(), 412);
  EXPECT_EQ(a.res.file(), nullptr);
}

TEST_P(static_files_test, if_unmodified_since_gives_412_when_newer) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}})
                .status(),
            412);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Unmodified-Since", fixed_date}}).status(), 200);
  // Ignored when If-Match is there (§13.2.2 step 2), and when not a date.
  const std::string etag = send(p, "/static/hello.txt").header("ETag");
  EXPECT_EQ(send(p, "/static/hello.txt",
                 {{"If-Match", etag}, {"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}})
                .status(),
            200);
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Unmodified-Since", "bogus"}}).status(), 200);
}

TEST_P(static_files_test, if_match_failure_wins_over_if_none_match) {
  const auto p = app();
  const std::string etag = send(p, "/static/hello.txt").header("ETag");
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Match", "\"other\""}, {"If-None-Match", etag}})
                .status(),
            412);
}

TEST_P(static_files_test, etag_changes_when_the_file_changes) {
  const auto p = app();
  const std::string before = send(p, "/static/hello.txt").header("ETag");
  set_mtime("hello.txt", fixed_mtime_s, fixed_mtime_ns + 1);
  const auto a = send(p, "/static/hello.txt", {{"If-None-Match", before}});
  EXPECT_EQ(a.status(), 200);
  EXPECT_NE(a.header("ETag"), before);
}

// --- ranges -------------------------------------------------------------------------------

TEST_P(static_files_test, range_first_bytes) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=0-99"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 0-99/1000");
  ASSERT_NE(a.res.file(), nullptr);
  EXPECT_EQ(a.res.file()->offset(), 0u);
  EXPECT_EQ(a.res.file()->length(), 100u);
  EXPECT_EQ(a.res.to_head().fields.get("Content-Length"), "100");
  EXPECT_EQ(a.body(), big_content().substr(0, 100));
  EXPECT_EQ(a.header("ETag"), send(app(), "/static/big.bin").header("ETag"));
}

TEST_P(static_files_test, range_middle_bytes) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=500-509"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 500-509/1000");
  EXPECT_EQ(a.res.file()->offset(), 500u);
  EXPECT_EQ(a.body(), big_content().substr(500, 10));
}

TEST_P(static_files_test, range_suffix) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=-100"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 900-999/1000");
  EXPECT_EQ(a.body(), big_content().substr(900));
}

TEST_P(static_files_test, range_open_ended) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=990-"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 990-999/1000");
  EXPECT_EQ(a.body(), big_content().substr(990));
}

TEST_P(static_files_test, range_last_beyond_eof_is_clamped) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=995-5000"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 995-999/1000");
  EXPECT_EQ(a.body(), big_content().substr(995));
}

TEST_P(static_files_test, range_starting_beyond_eof_is_416) {
  const auto p = app();
  for (const char* r : {"bytes=1000-", "bytes=5000-6000", "bytes=-0"}) {
    const auto a = send(p, "/static/big.bin", {{"Range", r}});
    EXPECT_EQ(a.status(), 416) << r;
    EXPECT_EQ(a.header("Content-Range"), "bytes */1000") << r;
    EXPECT_EQ(a.res.file(), nullptr);
  }
  const auto e = send(p, "/static/empty.txt", {{"Range", "bytes=0-"}});
  EXPECT_EQ(e.status(), 416);
  EXPECT_EQ(e.header("Content-Range"), "bytes */0");
}

TEST_P(static_files_test, range_multiple_is_multipart_byteranges) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=0-9, 20-29"}});
  ASSERT_EQ(a.status(), 206);
  const std::string ct = a.header("Content-Type");
  ASSERT_TRUE(ct.starts_with("multipart/byteranges; boundary=")) << ct;
  const std::string b = ct.substr(ct.find('=') + 1);
  const std::string big = big_content();
  const std::string expected = "--" + b +
                               "\r\nContent-Type: application/octet-stream\r\n"
                               "Content-Range: bytes 0-9/1000\r\n\r\n" +
                               big.substr(0, 10) + "\r\n--" + b +
                               "\r\nContent-Type: application/octet-stream\r\n"
                               "Content-Range: bytes 20-29/1000\r\n\r\n" +
                               big.substr(20, 10) + "\r\n--" + b + "--\r\n";
  EXPECT_EQ(a.res.body(), expected);
  EXPECT_EQ(a.res.file(), nullptr);
  EXPECT_EQ(a.header("Content-Range"), "<none>");
}

TEST_P(static_files_test, range_overlapping_ranges_merge_into_one) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=0-9,5-14"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 0-14/1000");
  EXPECT_EQ(a.body(), big_content().substr(0, 15));
}

TEST_P(static_files_test, range_multiple_above_the_limit_gets_the_whole_file) {
  const auto a = send(app({.max_multirange_bytes = 100}), "/static/big.bin",
                      {{"Range", "bytes=0-99,200-299"}});
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(a.body(), big_content());
}

TEST_P(static_files_test, range_too_many_is_416) {
  std::string spec = "bytes=";
  for (int i = 0; i < 17; ++i) spec += (i ? "," : "") + std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1);
  EXPECT_EQ(send(app(), "/static/big.bin", {{"Range", spec}}).status(), 416);
}

TEST_P(static_files_test, range_invalid_is_ignored) {
  const auto p = app();
  for (const char* r : {"bytes=abc", "bytes=5-1", "items=0-9", "bytes 0-9", "bytes="}) {
    const auto a = send(p, "/static/big.bin", {{"Range", r}});
    EXPECT_EQ(a.status(), 200) << r;
    EXPECT_EQ(a.res.content_length(), 1000u) << r;
  }
}

TEST_P(static_files_test, range_is_ignored_on_head) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=0-9"}}, "HEAD");
  EXPECT_EQ(a.status(), 200);
  EXPECT_EQ(a.res.to_head().fields.get("Content-Length"), "1000");
}

TEST_P(static_files_test, if_range_with_the_etag_keeps_the_range) {
  const auto p = app();
  const std::string etag = send(p, "/static/big.bin").header("ETag");
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", etag}}).status(), 206);
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", "\"old\""}}).status(),
            200);
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", "W/" + etag}}).status(),
            200);  // a weak tag never matches in If-Range
}

TEST_P(static_files_test, if_range_with_a_date_needs_an_exact_match) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", fixed_date}}).status(),
            206);
  EXPECT_EQ(send(p, "/static/big.bin",
                 {{"Range", "bytes=0-9"}, {"If-Range", "Sun, 06 Nov 1994 08:49:38 GMT"}})
                .status(),
            200);
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", "nonsense"}}).status(),
            200);
}

TEST_P(static_files_test, a_failed_precondition_wins_over_range) {
  const auto p = app();
  const std::string etag = send(p, "/static/big.bin").header("ETag");
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-None-Match", etag}}).status(),
            304);
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Match", "\"x\""}}).status(),
            412);
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
