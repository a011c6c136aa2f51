#include "network_system/protocol/http/url.h"

#include <gtest/gtest.h>

#include <string>

#include "network_system/core/error_codes.h"

// Vectors from RFC 3986 (§2.1 percent-encoding, §3 components, §3.2.2 IPv6 literals, §5.4
// reference examples for dot segments), RFC 9112 §3.2.1 (origin-form) and the
// x-www-form-urlencoded rules of the WHATWG URL standard for query strings.

namespace network_system::protocol::http {
namespace {

int code_of(const auto& r) { return r.is_err() ? r.error().code : 0; }

TEST(http_url_test, parses_every_component_of_an_absolute_url) {
  auto r = parse_url("http://www.example.com:8080/over/there?name=ferret#nose");
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  const auto& u = r.value();
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "www.example.com");
  EXPECT_EQ(u.port, 8080);
  EXPECT_TRUE(u.port_explicit);
  EXPECT_EQ(u.path, "/over/there");
  EXPECT_TRUE(u.has_query);
  EXPECT_EQ(u.query, "name=ferret");
  EXPECT_TRUE(u.has_fragment);
  EXPECT_EQ(u.fragment, "nose");
  EXPECT_EQ(u.target(), "/over/there?name=ferret");
  EXPECT_EQ(u.authority(), "www.example.com:8080");
}

TEST(http_url_test, default_ports_come_from_the_scheme) {
  for (const auto& [text, port, secure] :
       {std::tuple{"http://a/", 80, false}, std::tuple{"HTTPS://a/", 443, true},
        std::tuple{"ws://a/", 80, false}, std::tuple{"wss://a", 443, true},
        std::tuple{"http://a:/", 80, false}}) {
    auto r = parse_url(text);
    ASSERT_TRUE(r.is_ok()) << text;
    EXPECT_EQ(r.value().port, port) << text;
    EXPECT_EQ(r.value().is_secure(), secure) << text;
    EXPECT_FALSE(r.value().port_explicit) << text;
    EXPECT_EQ(r.value().authority(), "a") << text;
  }
  EXPECT_EQ(parse_url("wss://a").value().path, "/");
  EXPECT_EQ(parse_url("https://a:443/").value().authority(), "a");
}

TEST(http_url_test, host_is_lower_cased_and_ipv6_literals_keep_their_brackets_out) {
  auto r = parse_url("http://[::1]:8443/x");
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r.value().host_is_ipv6);
  EXPECT_EQ(r.value().host, "::1");
  EXPECT_EQ(r.value().port, 8443);
  EXPECT_EQ(r.value().authority(), "[::1]:8443");
  EXPECT_EQ(parse_url("http://[2001:DB8::7]/c=GB?objectClass?one").value().query,
            "objectClass?one");
  EXPECT_EQ(parse_url("http://ExAmPlE.COM/").value().host, "example.com");
  EXPECT_EQ(parse_url("http://192.0.2.16:80/").value().host, "192.0.2.16");
}

TEST(http_url_test, refuses_what_a_client_must_not_connect_to) {
  for (const char* bad : {"ftp://ftp.is.co.za/rfc/rfc1808.txt",
                          "mailto:John.Doe@example.com",
                          "http:/a/b",
                          "http:///path",
                          "http://[::1/",
                          "http://[::1]x/",
                          "http://[fe80::1%25eth0]/",
                          "http://[not-ipv6]/",
                          "http://a:0/",
                          "http://a:65536/",
                          "http://a:8o/",
                          "http://a b/",
                          "http://a/b c",
                          "http://a/%zz",
                          "http://a/%4",
                          "http://a/\x01",
                          "http://a\\b/",
                          "http://a/b\\c",
                          "http://a/?q=\x7f",
                          "http://a/#f#g",
                          "http://%61/",
                          "http://a!b/",
                          "http://a&b/",
                          "//a/",
                          ""}) {
    auto r = parse_url(bad);
    EXPECT_EQ(code_of(r), error_codes::http_invalid_url) << "accepted: " << bad;
  }
}

TEST(http_url_test, userinfo_is_refused_unless_allowed_then_kept_verbatim) {
  auto r = parse_url("http://user:pa%20ss@example.com/");
  EXPECT_EQ(code_of(r), error_codes::http_invalid_url);
  EXPECT_NE(r.error().message.find("userinfo"), std::string::npos);
  auto kept = parse_url("http://user:pa%20ss@example.com/", {.allow_userinfo = true});
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ(kept.value().userinfo, "user:pa%20ss");
  EXPECT_EQ(kept.value().host, "example.com");
}

TEST(http_url_test, origin_form_splits_path_and_query) {
  auto r = parse_origin_form("/where?q=now");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().path, "/where");
  EXPECT_EQ(r.value().query, "q=now");
  EXPECT_TRUE(r.value().has_query);
  auto bare = parse_origin_form("/");
  ASSERT_TRUE(bare.is_ok());
  EXPECT_FALSE(bare.value().has_query);
  EXPECT_TRUE(parse_origin_form("/a?").value().has_query);
  for (const char* bad : {"", "*", "where", "http://a/", "/a#frag", "/a b", "/%2", "/a\\b"}) {
    EXPECT_EQ(code_of(parse_origin_form(bad)), error_codes::http_invalid_url) << bad;
  }
}

TEST(http_url_test, percent_decode_is_strict_about_escapes) {
  EXPECT_EQ(percent_decode("A%20b%2Fc%2f%7E").value(), "A b/c/~");
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_EQ(percent_decode("a+b", {.plus_as_space = true}).value(), "a b");
  EXPECT_EQ(percent_decode("%E2%82%AC").value(), "\xE2\x82\xAC");
  for (const char* bad : {"%", "%4", "%G0", "%0G", "abc%", "%%41"}) {
    EXPECT_EQ(code_of(percent_decode(bad)), error_codes::http_invalid_url) << bad;
  }
  EXPECT_EQ(percent_decode("a%00b").value(), std::string("a\0b", 3));
  EXPECT_EQ(code_of(percent_decode("a%00b", {.allow_nul = false})), error_codes::http_invalid_url);
  EXPECT_EQ(code_of(percent_decode(std::string_view("a\0b", 3), {.allow_nul = false})),
            error_codes::http_invalid_url);
}

TEST(http_url_test, percent_encode_round_trips_through_decode) {
  EXPECT_EQ(percent_encode("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
  EXPECT_EQ(percent_encode("/a b/c:d@e", percent_encode_set::path), "/a%20b/c:d@e");
  EXPECT_EQ(percent_encode("a b&c", percent_encode_set::form), "a+b%26c");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(percent_decode(percent_encode(all)).value(), all);
  EXPECT_EQ(percent_decode(percent_encode(all, percent_encode_set::path)).value(), all);
  EXPECT_EQ(percent_decode(percent_encode(all, percent_encode_set::form), {.plus_as_space = true})
                .value(),
            all);
}

TEST(http_url_test, query_parses_into_ordered_decoded_pairs) {
  auto r = parse_query("b=2&a=1&&flag&a=x+y%21&=empty&k=v=w");
  ASSERT_TRUE(r.is_ok());
  const std::vector<query_param> want = {{"b", "2"},    {"a", "1"},    {"flag", ""},
                                         {"a", "x y!"}, {"", "empty"}, {"k", "v=w"}};
  EXPECT_EQ(r.value(), want);
  EXPECT_EQ(parse_query("a=x+y", {.plus_as_space = false}).value()[0].value, "x+y");
  EXPECT_TRUE(parse_query("").value().empty());
  EXPECT_EQ(code_of(parse_query("a=%zz")), error_codes::http_invalid_url);
}

TEST(http_url_test, query_limit_counts_pairs) {
  std::string q;
  for (int i = 0; i < 5; ++i) q += "k=v&";
  EXPECT_EQ(parse_query(q, {.max_params = 5}).value().size(), 5u);
  q += "k=v";
  auto r = parse_query(q, {.max_params = 5});
  EXPECT_EQ(code_of(r), error_codes::http_invalid_url);
  EXPECT_NE(r.error().message.find("more than 5"), std::string::npos);
}

TEST(http_url_test, resolve_under_root_normalises_dot_segments) {
  // RFC 3986 §5.2.4 remove_dot_segments, anchored at the served root.
  EXPECT_EQ(resolve_under_root("/").value(), "");
  EXPECT_EQ(resolve_under_root("/a/b/c/./../../g").value(), "a/g");
  EXPECT_EQ(resolve_under_root("/mid/content=5/../6").value(), "mid/6");
  EXPECT_EQ(resolve_under_root("/a//b/./c/").value(), "a/b/c");
  EXPECT_EQ(resolve_under_root("/a%20b/%C3%A9.txt").value(), "a b/\xC3\xA9.txt");
  EXPECT_EQ(resolve_under_root("/a/..").value(), "");
  EXPECT_FALSE(path_escapes_root("/docs/../index.html"));
}

TEST(http_url_test, resolve_under_root_refuses_every_traversal_trick) {
  for (const char* bad :
       {"/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/x", "/%2E%2E/x", "/.%2e/x", "/%2e./x",
        "/a/%2e%2e/%2e%2e/x", "/a%2fb", "/a%2F..%2F..%2Fx", "/a\\..\\b", "/a%5c..%5cb", "/a%5C",
        "/a%00.txt", "relative", "", "/%zz", "/%"}) {
    EXPECT_TRUE(path_escapes_root(bad)) << bad;
    EXPECT_EQ(code_of(resolve_under_root(bad)), error_codes::http_invalid_url) << bad;
  }
  EXPECT_TRUE(path_escapes_root(std::string_view("/a\0b", 4)));
}

}  // namespace
}  // namespace network_system::protocol::http
