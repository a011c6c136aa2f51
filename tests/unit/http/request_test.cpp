#include "network_system/http/request.h"

#include <gtest/gtest.h>

#include <string>

#include "network_system/core/error_codes.h"

namespace network_system::http {
namespace {

namespace ph = protocol::http;

ph::request_head head_of(std::string method, std::string target,
                         std::initializer_list<std::pair<const char*, const char*>> fields = {},
                         ph::http_version version = {1, 1}) {
  ph::request_head h;
  h.method = std::move(method);
  h.target = std::move(target);
  h.version = version;
  h.fields.add("Host", "example.com");
  for (const auto& [n, v] : fields) h.fields.add(n, v);
  return h;
}

request make(std::string method, std::string target,
             std::initializer_list<std::pair<const char*, const char*>> fields = {}) {
  auto r = request::from_head(head_of(std::move(method), std::move(target), fields));
  EXPECT_TRUE(r.is_ok()) << r.error().message;
  return r.is_ok() ? std::move(r.value()) : request{};
}

int code_of(const Result<request>& r) { return r.is_err() ? r.error().code : 0; }

TEST(http_request_test, origin_form_gives_decoded_path_and_query) {
  const request req = make("GET", "/files/a%20b/caf%C3%A9?page=2&q=x+y%21&flag");
  EXPECT_EQ(req.method(), "GET");
  EXPECT_EQ(req.target(), "/files/a%20b/caf%C3%A9?page=2&q=x+y%21&flag");
  EXPECT_EQ(req.raw_path(), "/files/a%20b/caf%C3%A9");
  EXPECT_EQ(req.path(), "/files/a b/caf\xC3\xA9");
  EXPECT_EQ(req.query_string(), "page=2&q=x+y%21&flag");
  EXPECT_EQ(req.query("page"), "2");
  EXPECT_EQ(req.query("q"), "x y!");
  EXPECT_EQ(req.query("flag"), "");
  EXPECT_FALSE(req.query("missing").has_value());
  ASSERT_EQ(req.query_params().size(), 3u);
  EXPECT_EQ(req.query_params()[1].name, "q");
}

TEST(http_request_test, repeated_query_name_gives_the_first_and_keeps_all) {
  const request req = make("GET", "/?a=1&a=2");
  EXPECT_EQ(req.query("a"), "1");
  ASSERT_EQ(req.query_params().size(), 2u);
  EXPECT_EQ(req.query_params()[1].value, "2");
}

TEST(http_request_test, encoded_slash_is_decoded_in_path_but_kept_in_raw_path) {
  const request req = make("GET", "/a%2Fb");
  EXPECT_EQ(req.raw_path(), "/a%2Fb");
  EXPECT_EQ(req.path(), "/a/b");
}

TEST(http_request_test, absolute_form_target_gives_its_path_and_query) {
  // RFC 9112 §3.2.2: a server must accept the absolute form.
  const request req = make("GET", "http://www.example.org/pub/WWW/TheProject.html?x=1");
  EXPECT_EQ(req.raw_path(), "/pub/WWW/TheProject.html");
  EXPECT_EQ(req.query("x"), "1");
  const request bare = make("GET", "HTTPS://example.org");
  EXPECT_EQ(bare.path(), "/");
  EXPECT_TRUE(bare.query_params().empty());
}

TEST(http_request_test, asterisk_form_only_for_options) {
  const request req = make("OPTIONS", "*");
  EXPECT_EQ(req.path(), "*");
  EXPECT_EQ(req.raw_path(), "*");
  EXPECT_EQ(code_of(request::from_head(head_of("GET", "*"))), error_codes::http_invalid_url);
}

TEST(http_request_test, bad_targets_are_refused_with_http_invalid_url) {
  for (const char* target : {"example.com:443", "/a%zz", "/a%2", "/nul%00byte", "/a?b=%g1",
                             "ftp://example.com/", "/a#frag", "http://h/a#frag",
                             "http://user:pw@h/", "http:/nohost", ""}) {
    auto r = request::from_head(head_of("GET", target));
    EXPECT_EQ(code_of(r), error_codes::http_invalid_url) << target;
    if (r.is_err()) {
      EXPECT_NE(r.error().message.find("request target"), std::string::npos);
    }
  }
}

TEST(http_request_test, too_many_query_params_are_refused) {
  std::string target = "/?";
  for (int i = 0; i < 300; ++i) target += "k" + std::to_string(i) + "=v&";
  EXPECT_EQ(code_of(request::from_head(head_of("GET", target))), error_codes::http_invalid_url);
}

TEST(http_request_test, headers_are_case_insensitive_and_body_is_kept) {
  auto r = request::from_head(head_of("POST", "/echo", {{"Content-Type", "text/plain"}}),
                              std::string("hello\0world", 11));
  ASSERT_TRUE(r.is_ok());
  const request& req = r.value();
  EXPECT_EQ(req.header("content-type"), "text/plain");
  EXPECT_FALSE(req.header("Accept").has_value());
  EXPECT_EQ(req.body().size(), 11u);
  EXPECT_EQ(req.body_bytes().size(), 11u);
  EXPECT_EQ(req.body_bytes()[6], 'w');
  EXPECT_EQ(req.head().fields.size(), 2u);
}

TEST(http_request_test, keep_alive_follows_version_and_connection) {
  EXPECT_TRUE(make("GET", "/").keep_alive());
  EXPECT_FALSE(make("GET", "/", {{"Connection", "keep-alive, Close"}}).keep_alive());
  auto r10 = request::from_head(head_of("GET", "/", {}, {1, 0}));
  ASSERT_TRUE(r10.is_ok());
  EXPECT_FALSE(r10.value().keep_alive());
  EXPECT_EQ(r10.value().version(), (ph::http_version{1, 0}));
  auto r10ka = request::from_head(head_of("GET", "/", {{"Connection", "Keep-Alive"}}, {1, 0}));
  ASSERT_TRUE(r10ka.is_ok());
  EXPECT_TRUE(r10ka.value().keep_alive());
  request req = make("GET", "/");
  req.set_keep_alive(false);
  EXPECT_FALSE(req.keep_alive());
}

TEST(http_request_test, cookies_are_parsed_on_first_use) {
  // RFC 6265 §3.1's example, and two Cookie fields (HTTP/2 splits them) joined.
  const request req = make("GET", "/", {{"Cookie", "SID=31d4d96e407aad42; lang=en-US"},
                                        {"Cookie", "theme=\"dark\""}});
  EXPECT_EQ(req.cookie("SID"), "31d4d96e407aad42");
  EXPECT_EQ(req.cookie("lang"), "en-US");
  EXPECT_EQ(req.cookie("theme"), "dark");
  EXPECT_FALSE(req.cookie("sid").has_value());  // names are case-sensitive
  ASSERT_TRUE(req.cookies().is_ok());
  EXPECT_EQ(req.cookies().value().size(), 3u);
}

TEST(http_request_test, no_cookie_header_gives_no_cookies) {
  const request req = make("GET", "/");
  ASSERT_TRUE(req.cookies().is_ok());
  EXPECT_TRUE(req.cookies().value().empty());
  EXPECT_FALSE(req.cookie("a").has_value());
}

TEST(http_request_test, malformed_cookie_header_reports_its_error) {
  const request req = make("GET", "/", {{"Cookie", "a=1; b\x01=2"}});
  ASSERT_TRUE(req.cookies().is_err());
  EXPECT_EQ(req.cookies().error().code, error_codes::http_invalid_cookie);
  EXPECT_FALSE(req.cookie("a").has_value());
}

TEST(http_request_test, changing_headers_forgets_parsed_cookies) {
  request req = make("GET", "/", {{"Cookie", "a=1"}});
  EXPECT_EQ(req.cookie("a"), "1");
  req.headers().set("Cookie", "a=2");
  EXPECT_EQ(req.cookie("a"), "2");
}

TEST(http_request_test, params_pattern_and_remote_address_are_settable) {
  request req;
  EXPECT_EQ(req.method(), "GET");
  EXPECT_EQ(req.path(), "/");
  EXPECT_FALSE(req.param("id").has_value());
  route_params p;
  p.add("id", "a/b", "a%2Fb");
  req.set_params(p);
  req.set_route_pattern("/users/:id");
  req.set_remote_address("[::1]:5000");
  EXPECT_EQ(req.param("id"), "a/b");
  EXPECT_EQ(req.params().get_raw("id"), "a%2Fb");
  EXPECT_EQ(req.route_pattern(), "/users/:id");
  EXPECT_EQ(req.remote_address(), "[::1]:5000");
}

}  // namespace
}  // namespace network_system::http
