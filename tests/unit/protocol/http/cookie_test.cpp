#include "network_system/protocol/http/cookie.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "network_system/core/error_codes.h"

// Vectors from RFC 6265: the examples of §3.1 (SID=31d4d96e407aad42, lang=en-US, Expires=Wed,
// 09 Jun 2021 10:18:14 GMT), the grammar of §4.1.1 / §4.2.1, the cookie-date algorithm of
// §5.1.1 and the Set-Cookie algorithm of §5.2; RFC 9110 §5.6.7 for IMF-fixdate and its
// obsolete forms ("Sun, 06 Nov 1994 08:49:37 GMT"); RFC 6265bis for SameSite and the
// __Secure- / __Host- prefixes.

namespace network_system::protocol::http {
namespace {

using namespace std::chrono;
using clock_type = system_clock;

int code_of(const auto& r) { return r.is_err() ? r.error().code : 0; }

clock_type::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(http_cookie_test, cookie_header_gives_pairs_in_order) {
  auto r = parse_cookie_header("SID=31d4d96e407aad42; lang=en-US");
  ASSERT_TRUE(r.is_ok());
  const std::vector<cookie_pair> want = {{"SID", "31d4d96e407aad42"}, {"lang", "en-US"}};
  EXPECT_EQ(r.value(), want);
}

TEST(http_cookie_test, cookie_header_tolerates_what_browsers_send) {
  auto r =
      parse_cookie_header(" a=1;b=2 ;;  c = 3 ; d=\"quoted\"; e=; nameless; =x; f=a b,c\xC3\xA9;");
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  const std::vector<cookie_pair> want = {{"a", "1"},      {"b", "2"}, {"c", "3"},
                                         {"d", "quoted"}, {"e", ""},  {"f", "a b,c\xC3\xA9"}};
  EXPECT_EQ(r.value(), want);
  EXPECT_TRUE(parse_cookie_header("").value().empty());
  // Duplicates are kept: a server may see a cookie once per matching path.
  EXPECT_EQ(parse_cookie_header("a=1; a=2").value().size(), 2u);
}

TEST(http_cookie_test, cookie_header_refuses_what_breaks_the_grammar) {
  for (const std::string_view bad :
       {std::string_view("a=1\r\nSet-Cookie: x=y"), std::string_view("a=\x01"),
        std::string_view("a\0=1", 4), std::string_view("a=\x7f"), std::string_view("a b=1"),
        std::string_view("a(b)=1"), std::string_view("a=x\"y"), std::string_view("a=\"x")}) {
    EXPECT_EQ(code_of(parse_cookie_header(bad)), error_codes::http_invalid_cookie) << bad;
  }
}

TEST(http_cookie_test, cookie_header_limit_is_its_own_error) {
  EXPECT_EQ(parse_cookie_header("a=1; b=2; c=3", {.max_cookies = 3}).value().size(), 3u);
  auto r = parse_cookie_header("a=1; b=2; c=3; d=4", {.max_cookies = 3});
  EXPECT_EQ(code_of(r), error_codes::http_headers_too_large);
}

TEST(http_cookie_test, cookie_date_takes_the_three_http_date_forms) {
  const auto want = utc(1994, 11, 6, 8, 49, 37);
  EXPECT_EQ(parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT"), want);
  EXPECT_EQ(parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"), want);
  EXPECT_EQ(parse_cookie_date("Sun Nov  6 08:49:37 1994"), want);
  // Variants servers write, all accepted by §5.1.1's tokenizer.
  EXPECT_EQ(parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT"), utc(2021, 6, 9, 10, 18, 14));
  EXPECT_EQ(parse_cookie_date("09 june 2021 10:18:14"), utc(2021, 6, 9, 10, 18, 14));
  EXPECT_EQ(parse_cookie_date("Thu, 01-Jan-1970 00:00:01 GMT"), utc(1970, 1, 1, 0, 0, 1));
  EXPECT_EQ(parse_cookie_date("Fri, 31 Dec 69 23:59:59 GMT"), utc(2069, 12, 31, 23, 59, 59));
  EXPECT_EQ(parse_cookie_date("Mon, 1 Jan 70 0:0:0 GMT"), utc(1970, 1, 1, 0, 0, 0));
}

TEST(http_cookie_test, cookie_date_refuses_impossible_dates) {
  for (const char* bad :
       {"", "Sun, 06 Nov 1994", "06 Nov 1994 08:49", "Sun, 30 Feb 2021 00:00:00 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1600 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:60 GMT",
        "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 19945 08:49:37 GMT"}) {
    EXPECT_FALSE(parse_cookie_date(bad).has_value()) << bad;
  }
}

TEST(http_cookie_test, imf_fixdate_formats_and_round_trips) {
  EXPECT_EQ(format_imf_fixdate(utc(1994, 11, 6, 8, 49, 37)), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_imf_fixdate(utc(2021, 6, 9, 10, 18, 14) + milliseconds{999}),
            "Wed, 09 Jun 2021 10:18:14 GMT");
  EXPECT_EQ(format_imf_fixdate(clock_type::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  // Sub-second times before 1970 round down, not toward 1970.
  EXPECT_EQ(format_imf_fixdate(utc(1969, 12, 31, 23, 59, 59) + milliseconds{500}),
            "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(parse_cookie_date("Fri, 31 Dec 9999 23:59:59 GMT"), clock_type::time_point::max());
  EXPECT_EQ(parse_cookie_date("Mon, 01 Jan 1601 00:00:00 GMT"), clock_type::time_point::min());
  for (auto t = utc(1999, 12, 31, 23, 0, 0); t < utc(2001, 1, 2, 0, 0, 0); t += hours{37}) {
    EXPECT_EQ(parse_cookie_date(format_imf_fixdate(t)), t);
  }
}

TEST(http_cookie_test, set_cookie_parses_the_rfc_examples) {
  auto r = parse_set_cookie("SID=31d4d96e407aad42; Path=/; Secure; HttpOnly");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().name, "SID");
  EXPECT_EQ(r.value().value, "31d4d96e407aad42");
  EXPECT_EQ(r.value().path, "/");
  EXPECT_TRUE(r.value().secure);
  EXPECT_TRUE(r.value().http_only);
  EXPECT_FALSE(r.value().domain);

  auto lang =
      parse_set_cookie("lang=en-US; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Domain=.Example.COM");
  ASSERT_TRUE(lang.is_ok());
  EXPECT_EQ(lang.value().expires, utc(2021, 6, 9, 10, 18, 14));
  EXPECT_EQ(lang.value().domain, "example.com");
  EXPECT_EQ(lang.value().expiry(clock_type::time_point{}), utc(2021, 6, 9, 10, 18, 14));
  EXPECT_FALSE(parse_set_cookie("a=b").value().expiry(clock_type::now()));  // session cookie
}

TEST(http_cookie_test, set_cookie_max_age_wins_and_bad_attributes_are_ignored) {
  const auto now = utc(2020, 1, 1, 0, 0, 0);
  auto r = parse_set_cookie("a=b; Max-Age=60; Expires=Wed, 09 Jun 2021 10:18:14 GMT");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().expiry(now), now + seconds{60});
  EXPECT_EQ(parse_set_cookie("a=b; max-age=0").value().expiry(now), clock_type::time_point::min());
  EXPECT_EQ(parse_set_cookie("a=b; Max-Age=-5").value().max_age, -5);
  EXPECT_EQ(parse_set_cookie("a=b; Max-Age=99999999999999999999999").value().expiry(now),
            clock_type::time_point::max());
  for (const char* ignored :
       {"a=b; Max-Age=1x", "a=b; Max-Age=+5", "a=b; Max-Age=", "a=b; Max-Age=-"}) {
    EXPECT_FALSE(parse_set_cookie(ignored).value().max_age) << ignored;
  }
  EXPECT_FALSE(parse_set_cookie("a=b; Expires=someday").value().expires);
  EXPECT_FALSE(parse_set_cookie("a=b; Path=relative").value().path);
  EXPECT_FALSE(parse_set_cookie("a=b; Domain=").value().domain);
  EXPECT_EQ(parse_set_cookie("a=b; Path=/x; Path=/y").value().path, "/y");  // last one wins
  EXPECT_EQ(parse_set_cookie("a=b; Unknown=1; Secure").value().secure, true);
  const std::string long_path = "a=b; Path=/" + std::string(1100, 'p');
  EXPECT_FALSE(parse_set_cookie(long_path).value().path);
}

TEST(http_cookie_test, set_cookie_same_site_values) {
  EXPECT_EQ(parse_set_cookie("a=b; SameSite=Strict").value().same_site, same_site_policy::strict);
  EXPECT_EQ(parse_set_cookie("a=b; samesite=LAX").value().same_site, same_site_policy::lax);
  EXPECT_EQ(parse_set_cookie("a=b; SameSite=None; Secure").value().same_site,
            same_site_policy::none);
  EXPECT_EQ(parse_set_cookie("a=b; SameSite=Bogus").value().same_site,
            same_site_policy::unspecified);
}

TEST(http_cookie_test, set_cookie_refuses_what_a_user_agent_must_ignore) {
  for (const std::string_view bad :
       {std::string_view("novalue"), std::string_view("=b"), std::string_view(" =b; Path=/"),
        std::string_view("a=b\r\nX: y"), std::string_view("a=\x7f")}) {
    EXPECT_EQ(code_of(parse_set_cookie(bad)), error_codes::http_invalid_cookie) << bad;
  }
  EXPECT_EQ(code_of(parse_set_cookie("a=" + std::string(5000, 'v'))),
            error_codes::http_invalid_cookie);
  EXPECT_TRUE(parse_set_cookie("a= spaced value ").is_ok());
  EXPECT_EQ(parse_set_cookie("a= spaced value ").value().value, "spaced value");
}

TEST(http_cookie_test, builder_serializes_every_attribute) {
  set_cookie c{.name = "id",
               .value = "a3fWa",
               .max_age = seconds{2592000},
               .expires = utc(2015, 10, 21, 7, 28, 0),
               .path = "/docs",
               .domain = ".example.com",
               .secure = true,
               .http_only = true,
               .same_site = same_site_policy::none};
  auto r = c.serialize();
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value(),
            "id=a3fWa; Max-Age=2592000; Expires=Wed, 21 Oct 2015 07:28:00 GMT; "
            "Domain=example.com; Path=/docs; Secure; HttpOnly; SameSite=None");
  EXPECT_EQ((set_cookie{.name = "a", .value = "\"q\""}).serialize().value(), "a=\"q\"");
  EXPECT_EQ((set_cookie{.name = "a", .value = "", .max_age = seconds{0}}).serialize().value(),
            "a=; Max-Age=0");
  EXPECT_EQ((set_cookie{.name = "s", .value = "1", .same_site = same_site_policy::strict})
                .serialize()
                .value(),
            "s=1; SameSite=Strict");
}

TEST(http_cookie_test, builder_output_parses_back_to_the_same_cookie) {
  set_cookie c{.name = "k",
               .value = "v",
               .max_age = seconds{5},
               .path = "/p",
               .domain = "a.example",
               .secure = true,
               .same_site = same_site_policy::lax};
  auto back = parse_set_cookie(c.serialize().value());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value().name, "k");
  EXPECT_EQ(back.value().value, "v");
  EXPECT_EQ(back.value().max_age, 5);
  EXPECT_EQ(back.value().path, "/p");
  EXPECT_EQ(back.value().domain, "a.example");
  EXPECT_TRUE(back.value().secure);
  EXPECT_FALSE(back.value().http_only);
  EXPECT_EQ(back.value().same_site, same_site_policy::lax);
}

TEST(http_cookie_test, builder_refuses_injection_and_bad_attributes) {
  const std::vector<set_cookie> bad = {
      {.name = "", .value = "v"},
      {.name = "a b", .value = "v"},
      {.name = "a=b", .value = "v"},
      {.name = "a", .value = "v; Domain=evil.example"},
      {.name = "a", .value = "v\r\nSet-Cookie: x=y"},
      {.name = "a", .value = "with space"},
      {.name = "a", .value = "comma,"},
      {.name = "a", .value = "back\\slash"},
      {.name = "a", .value = "in\"side"},
      {.name = "a", .value = "\xC3\xA9"},
      {.name = "a", .value = "v", .max_age = seconds{-1}},
      {.name = "a", .value = "v", .path = "nope"},
      {.name = "a", .value = "v", .path = "/x; HttpOnly"},
      {.name = "a", .value = "v", .path = "/x\n"},
      {.name = "a", .value = "v", .domain = "evil.example; Secure"},
      {.name = "a", .value = "v", .domain = "a..b"},
      {.name = "a", .value = "v", .domain = "."},
      {.name = "a", .value = "v", .same_site = same_site_policy::none},
      {.name = "__Secure-a", .value = "v"},
      {.name = "__Host-a", .value = "v", .secure = true},
      {.name = "__Host-a", .value = "v", .path = "/", .domain = "a.example", .secure = true},
  };
  for (const auto& c : bad) {
    auto r = c.serialize();
    EXPECT_EQ(code_of(r), error_codes::http_invalid_cookie) << c.name << "=" << c.value;
  }
  EXPECT_TRUE((set_cookie{.name = "__Host-a", .value = "v", .path = "/", .secure = true})
                  .serialize()
                  .is_ok());
  EXPECT_TRUE((set_cookie{.name = "__Secure-a", .value = "v", .secure = true}).serialize().is_ok());
}

}  // namespace
}  // namespace network_system::protocol::http
