// cookie_jar (http/http_client_cookies.h): RFC 6265 domain and path matching, host-only and
// domain cookies, Secure, expiry and replacement, order, limits.

#include "network_system/http/http_client_cookies.h"

#include <gtest/gtest.h>

namespace {

using network_system::http::cookie_jar;
namespace nh = network_system::protocol::http;
using namespace std::chrono_literals;

nh::url u(std::string_view s) { return nh::parse_url(s).value(); }
const auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

TEST(http_client_cookies_test, domain_and_path_match_rfc6265_5_1) {
  EXPECT_TRUE(cookie_jar::domain_match("example.com", "example.com"));
  EXPECT_TRUE(cookie_jar::domain_match("www.example.com", "example.com"));
  EXPECT_FALSE(cookie_jar::domain_match("wwwexample.com", "example.com"));
  EXPECT_FALSE(cookie_jar::domain_match("example.com", "www.example.com"));
  EXPECT_FALSE(cookie_jar::domain_match("1.2.3.4", "2.3.4"));
  EXPECT_TRUE(cookie_jar::path_match("/", "/"));
  EXPECT_TRUE(cookie_jar::path_match("/docs/a", "/docs"));
  EXPECT_TRUE(cookie_jar::path_match("/docs/a", "/docs/"));
  EXPECT_FALSE(cookie_jar::path_match("/docsx", "/docs"));
  EXPECT_FALSE(cookie_jar::path_match("/", "/docs"));
  EXPECT_EQ(cookie_jar::default_path("/a/b/c"), "/a/b");
  EXPECT_EQ(cookie_jar::default_path("/a"), "/");
  EXPECT_EQ(cookie_jar::default_path(""), "/");
}

TEST(http_client_cookies_test, host_only_and_domain_cookies) {
  cookie_jar jar;
  EXPECT_TRUE(jar.store(u("http://www.example.com/"), "host=1", t0));
  EXPECT_TRUE(jar.store(u("http://www.example.com/"), "dom=2; Domain=example.com", t0));
  EXPECT_FALSE(jar.store(u("http://www.example.com/"), "other=3; Domain=example.org", t0));
  EXPECT_FALSE(jar.store(u("http://www.example.com/"), "tld=4; Domain=com", t0));
  EXPECT_EQ(jar.cookie_header(u("http://www.example.com/x"), t0), "host=1; dom=2");
  EXPECT_EQ(jar.cookie_header(u("http://api.example.com/x"), t0), "dom=2");
  EXPECT_EQ(jar.cookie_header(u("http://example.com/"), t0), "dom=2");
  EXPECT_EQ(jar.cookie_header(u("http://example.org/"), t0), "");
}

TEST(http_client_cookies_test, paths_and_order) {
  cookie_jar jar;
  ASSERT_TRUE(jar.store(u("http://h/docs/page"), "a=1", t0));  // default path /docs
  ASSERT_TRUE(jar.store(u("http://h/"), "b=2; Path=/docs/deep", t0));
  ASSERT_TRUE(jar.store(u("http://h/"), "c=3; Path=/", t0));
  EXPECT_EQ(jar.cookie_header(u("http://h/docs/deep/x"), t0), "b=2; a=1; c=3");
  EXPECT_EQ(jar.cookie_header(u("http://h/docs"), t0), "a=1; c=3");
  EXPECT_EQ(jar.cookie_header(u("http://h/other"), t0), "c=3");
}

TEST(http_client_cookies_test, secure_cookies_need_https) {
  cookie_jar jar;
  EXPECT_FALSE(jar.store(u("http://h/"), "s=1; Secure", t0));
  EXPECT_TRUE(jar.store(u("https://h/"), "s=1; Secure", t0));
  EXPECT_EQ(jar.cookie_header(u("http://h/"), t0), "");
  EXPECT_EQ(jar.cookie_header(u("https://h/"), t0), "s=1");
}

TEST(http_client_cookies_test, expiry_replacement_and_deletion) {
  cookie_jar jar;
  ASSERT_TRUE(jar.store(u("http://h/"), "a=1; Max-Age=60", t0));
  ASSERT_TRUE(jar.store(u("http://h/"), "b=1", t0));
  ASSERT_TRUE(jar.store(u("http://h/"), "b=2", t0));  // replaces, keeps its place
  EXPECT_EQ(jar.cookie_header(u("http://h/"), t0 + 30s), "a=1; b=2");
  EXPECT_EQ(jar.cookie_header(u("http://h/"), t0 + 61s), "b=2");
  ASSERT_TRUE(jar.store(u("http://h/"), "b=; Max-Age=0", t0 + 62s));
  EXPECT_EQ(jar.cookie_header(u("http://h/"), t0 + 62s), "");
  ASSERT_TRUE(jar.store(u("http://h/"), "e=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", t0));
  EXPECT_EQ(jar.cookie_header(u("http://h/"), t0), "");  // already expired: not stored
  EXPECT_TRUE(jar.cookies().empty());
}

TEST(http_client_cookies_test, ip_hosts_get_host_only_cookies_and_limits_hold) {
  cookie_jar jar;
  EXPECT_TRUE(jar.store(u("http://127.0.0.1:8080/"), "a=1", t0));
  EXPECT_FALSE(jar.store(u("http://127.0.0.1/"), "b=1; Domain=0.0.1", t0));
  EXPECT_EQ(jar.cookie_header(u("http://127.0.0.1:9/"), t0), "a=1");
  for (int i = 0; i < 80; ++i) ASSERT_TRUE(jar.store(u("http://many/"), "c" + std::to_string(i) + "=v", t0));
  std::size_t many = 0;
  for (const auto& c : jar.cookies()) many += c.domain == "many";
  EXPECT_EQ(many, 50u);
  EXPECT_EQ(jar.cookie_header(u("http://many/"), t0).substr(0, 6), "c30=v;");
  EXPECT_FALSE(jar.store(u("http://h/"), "no equals sign", t0));
}

}  // namespace
