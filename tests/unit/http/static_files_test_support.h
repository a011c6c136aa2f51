#pragma once
// The fixture of the static_files tests: a served tree built at test time (files, an index,
// a directory without one, symlinks inside and leading outside, .gz/.br siblings, a FIFO),
// and send(), which turns wire text into an http::request with the real request parser and
// runs it through a real http::pipeline, as a server would.

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
#include "network_system/http/static_files.h"
#include "network_system/protocol/http/http_date.h"
#include "network_system/protocol/http/request_parser.h"

namespace network_system::http::static_files_testing {

namespace fs = std::filesystem;
namespace ph = protocol::http;


namespace fs = std::filesystem;
namespace ph = protocol::http;

// 1994-11-06 08:49:37 UTC (RFC 9110's example date) and some nanoseconds: the mtime of the
// files whose validators the tests check.
inline constexpr std::int64_t fixed_mtime_s = 784111777;
inline constexpr std::int64_t fixed_mtime_ns = 123456789;
inline constexpr const char* fixed_date = "Sun, 06 Nov 1994 08:49:37 GMT";

inline std::string big_content() {
  std::string s(1000, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('A' + i % 26);
  return s;
}

// The tree every test serves, built at test time under a fresh temporary directory:
//   <tmp>/root/          the served root
//   <tmp>/outside/       what must never be reachable
class static_files_fixture : public ::testing::TestWithParam<containment> {
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

inline answer send(const pipeline& p, std::string_view target,
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
inline void expect_refused(const answer& a, int status = 404) {
  EXPECT_EQ(a.status(), status);
  EXPECT_EQ(a.body().find("TOP SECRET"), std::string::npos);
  EXPECT_EQ(a.res.file(), nullptr);
}

/// "beneath" / "realpath", the suffix of each parameterized test's name.
inline std::string mode_name(const ::testing::TestParamInfo<containment>& info) {
  return info.param == containment::beneath ? "beneath" : "realpath";
}

}  // namespace network_system::http::static_files_testing
