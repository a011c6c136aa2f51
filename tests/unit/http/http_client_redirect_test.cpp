// The redirect rules of http_client (src/http/client/redirect.h): RFC 3986 §5.4 reference
// resolution examples, RFC 9110 §15.4 method rules, and the fields dropped across origins.

#include "http/client/redirect.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"

namespace {

namespace nh = network_system::protocol::http;
using network_system::http::detail::is_redirect_status;
using network_system::http::detail::method_after_redirect;
using network_system::http::detail::remove_dot_segments;
using network_system::http::detail::resolve_location;
using network_system::http::detail::same_origin;
using network_system::http::detail::strip_for_redirect;

nh::url parse(std::string_view s) { return nh::parse_url(s).value(); }

std::string resolved(std::string_view base, std::string_view location) {
  auto r = resolve_location(parse(base), location);
  if (r.is_err()) return "error: " + r.error().message;
  const auto& u = r.value();
  return u.scheme + "://" + u.authority() + u.target();
}

TEST(http_client_redirect_test, rfc3986_normal_examples) {
  // RFC 3986 §5.4.1 with base http://a/b/c/d;p?q (those an http(s) Location can carry).
  const char* base = "http://a/b/c/d;p?q";
  EXPECT_EQ(resolved(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(resolved(base, "./g"), "http://a/b/c/g");
  EXPECT_EQ(resolved(base, "g/"), "http://a/b/c/g/");
  EXPECT_EQ(resolved(base, "/g"), "http://a/g");
  EXPECT_EQ(resolved(base, "//g"), "http://g/");
  EXPECT_EQ(resolved(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(resolved(base, "g?y"), "http://a/b/c/g?y");
  EXPECT_EQ(resolved(base, "#s"), "http://a/b/c/d;p?q");
  EXPECT_EQ(resolved(base, "g#s"), "http://a/b/c/g");
  EXPECT_EQ(resolved(base, ";x"), "http://a/b/c/;x");
  EXPECT_EQ(resolved(base, ""), "http://a/b/c/d;p?q");
  EXPECT_EQ(resolved(base, "."), "http://a/b/c/");
  EXPECT_EQ(resolved(base, "./"), "http://a/b/c/");
  EXPECT_EQ(resolved(base, ".."), "http://a/b/");
  EXPECT_EQ(resolved(base, "../"), "http://a/b/");
  EXPECT_EQ(resolved(base, "../g"), "http://a/b/g");
  EXPECT_EQ(resolved(base, "../.."), "http://a/");
  EXPECT_EQ(resolved(base, "../../g"), "http://a/g");
}

TEST(http_client_redirect_test, rfc3986_abnormal_examples) {
  const char* base = "http://a/b/c/d;p?q";
  EXPECT_EQ(resolved(base, "../../../g"), "http://a/g");
  EXPECT_EQ(resolved(base, "../../../../g"), "http://a/g");
  EXPECT_EQ(resolved(base, "/./g"), "http://a/g");
  EXPECT_EQ(resolved(base, "/../g"), "http://a/g");
  EXPECT_EQ(resolved(base, "g."), "http://a/b/c/g.");
  EXPECT_EQ(resolved(base, ".g"), "http://a/b/c/.g");
  EXPECT_EQ(resolved(base, "g.."), "http://a/b/c/g..");
  EXPECT_EQ(resolved(base, "./../g"), "http://a/b/g");
  EXPECT_EQ(resolved(base, "./g/."), "http://a/b/c/g/");
  EXPECT_EQ(resolved(base, "g/./h"), "http://a/b/c/g/h");
  EXPECT_EQ(resolved(base, "g/../h"), "http://a/b/c/h");
}

TEST(http_client_redirect_test, absolute_locations_keep_their_origin) {
  EXPECT_EQ(resolved("https://a:8443/x", "http://b/y"), "http://b/y");
  EXPECT_EQ(resolved("https://a:8443/x", "//b:9/y"), "https://b:9/y");
  EXPECT_EQ(resolved("https://a:8443/x", "/y"), "https://a:8443/y");
  EXPECT_EQ(resolved("http://[::1]:8080/x/y", "z"), "http://[::1]:8080/x/z");
  EXPECT_EQ(resolved("http://a/", "  /padded  "), "http://a/padded");
}

TEST(http_client_redirect_test, refuses_other_schemes_and_bad_urls) {
  for (const char* bad : {"ftp://a/b", "javascript:alert(1)", "http://", "/a b", "http://a/%zz"}) {
    auto r = resolve_location(parse("http://a/"), bad);
    ASSERT_TRUE(r.is_err()) << bad;
    EXPECT_EQ(r.error().code, network_system::error_codes::http_invalid_url) << bad;
  }
}

TEST(http_client_redirect_test, remove_dot_segments_rfc3986_5_2_4) {
  EXPECT_EQ(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
  EXPECT_EQ(remove_dot_segments("mid/content=5/../6"), "mid/6");
  EXPECT_EQ(remove_dot_segments("/.."), "/");
  EXPECT_EQ(remove_dot_segments("/a/.."), "/");
}

TEST(http_client_redirect_test, statuses_that_redirect) {
  for (int s : {301, 302, 303, 307, 308}) EXPECT_TRUE(is_redirect_status(s)) << s;
  for (int s : {200, 300, 304, 305, 306, 309, 400}) EXPECT_FALSE(is_redirect_status(s)) << s;
}

TEST(http_client_redirect_test, method_rules_rfc9110_15_4) {
  struct row {
    int status;
    const char* in;
    const char* out;
    bool keep_body;
  };
  for (const auto& r : {row{301, "POST", "GET", false}, row{302, "POST", "GET", false},
                        row{301, "GET", "GET", true}, row{301, "PUT", "PUT", true},
                        row{302, "DELETE", "DELETE", true}, row{303, "POST", "GET", false},
                        row{303, "PUT", "GET", false}, row{303, "GET", "GET", false},
                        row{303, "HEAD", "HEAD", false}, row{307, "POST", "POST", true},
                        row{308, "POST", "POST", true}, row{307, "PATCH", "PATCH", true}}) {
    const auto m = method_after_redirect(r.status, r.in);
    EXPECT_EQ(m.method, r.out) << r.status << " " << r.in;
    EXPECT_EQ(m.keep_body, r.keep_body) << r.status << " " << r.in;
  }
}

TEST(http_client_redirect_test, origins) {
  EXPECT_TRUE(same_origin(parse("http://a/x"), parse("http://a:80/y")));
  EXPECT_FALSE(same_origin(parse("http://a/x"), parse("https://a/x")));
  EXPECT_FALSE(same_origin(parse("http://a/x"), parse("http://b/x")));
  EXPECT_FALSE(same_origin(parse("http://a:1/x"), parse("http://a:2/x")));
}

TEST(http_client_redirect_test, fields_dropped_across_origins_and_with_the_body) {
  nh::http_fields f;
  f.add("Authorization", "Bearer x");
  f.add("Cookie", "a=1");
  f.add("Proxy-Authorization", "Basic y");
  f.add("Content-Type", "text/plain");
  f.add("Host", "a");
  f.add("X-Keep", "1");
  auto same = f;
  strip_for_redirect(same, false, false);
  EXPECT_TRUE(same.contains("Authorization"));
  EXPECT_TRUE(same.contains("Cookie"));
  EXPECT_TRUE(same.contains("Content-Type"));
  EXPECT_FALSE(same.contains("Host"));
  auto cross = f;
  strip_for_redirect(cross, true, true);
  EXPECT_FALSE(cross.contains("Authorization"));
  EXPECT_FALSE(cross.contains("Cookie"));
  EXPECT_FALSE(cross.contains("Proxy-Authorization"));
  EXPECT_FALSE(cross.contains("Content-Type"));
  EXPECT_TRUE(cross.contains("X-Keep"));
}

}  // namespace
