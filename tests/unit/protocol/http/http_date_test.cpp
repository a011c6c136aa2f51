#include "network_system/protocol/http/http_date.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace network_system::protocol::http {
namespace {

using namespace std::chrono;

// RFC 9110 §5.6.7's example instant: Sunday, 6 November 1994, 08:49:37 UTC.
constexpr sys_seconds rfc_instant{seconds{784111777}};
constexpr sys_seconds now_2026 = sys_days{year{2026} / December / 1};

TEST(http_date_test, formats_the_rfc_example_as_imf_fixdate) {
  EXPECT_EQ(format_http_date(rfc_instant), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(rfc_instant).size(), http_date_length);
}

TEST(http_date_test, formats_into_a_fixed_buffer_without_terminator) {
  char buf[http_date_length + 1];
  buf[http_date_length] = '#';
  format_http_date(sys_seconds{seconds{0}}, std::span<char, http_date_length>(buf, http_date_length));
  EXPECT_EQ(std::string(buf, http_date_length), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(buf[http_date_length], '#');
}

TEST(http_date_test, formatting_truncates_towards_the_past) {
  EXPECT_EQ(format_http_date(rfc_instant + milliseconds{999}), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(sys_seconds{seconds{-1}} + milliseconds{500}),
            "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(http_date_test, formats_leap_days_and_year_ends) {
  EXPECT_EQ(format_http_date(sys_days{year{2024} / February / 29} + hours{12}),
            "Thu, 29 Feb 2024 12:00:00 GMT");
  EXPECT_EQ(format_http_date(sys_days{year{1999} / December / 31} + hours{23} + minutes{59} +
                             seconds{59}),
            "Fri, 31 Dec 1999 23:59:59 GMT");
  EXPECT_EQ(format_http_date(sys_days{year{2000} / January / 1}), "Sat, 01 Jan 2000 00:00:00 GMT");
}

TEST(http_date_test, parses_the_three_rfc_forms_to_the_same_instant) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", now_2026), rfc_instant);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now_2026), rfc_instant);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994", now_2026), rfc_instant);
}

TEST(http_date_test, asctime_takes_a_two_digit_day_too) {
  EXPECT_EQ(parse_http_date("Thu Nov 24 08:49:37 1994", now_2026),
            rfc_instant + days{18});
  EXPECT_FALSE(parse_http_date("Sun Nov 6 08:49:37 1994", now_2026));   // one space, one digit
  EXPECT_FALSE(parse_http_date("Sun Nov 06  08:49:37 1994", now_2026));
}

TEST(http_date_test, rfc850_years_are_at_most_fifty_years_ahead) {
  // In 2026, "76" is 2076 (50 years ahead) and "77" is 1977 (51 would be too far).
  EXPECT_EQ(parse_http_date("Sunday, 01-Jan-76 00:00:00 GMT", now_2026),
            sys_seconds{sys_days{year{2076} / January / 1}});
  EXPECT_EQ(parse_http_date("Saturday, 01-Jan-77 00:00:00 GMT", now_2026),
            sys_seconds{sys_days{year{1977} / January / 1}});
  EXPECT_EQ(parse_http_date("Monday, 01-Jan-30 00:00:00 GMT", now_2026),
            sys_seconds{sys_days{year{2030} / January / 1}});
  // The same text read in 1994 is 1930.
  EXPECT_EQ(parse_http_date("Monday, 01-Jan-30 00:00:00 GMT", rfc_instant),
            sys_seconds{sys_days{year{1930} / January / 1}});
}

TEST(http_date_test, round_trips_format_and_parse) {
  for (const sys_seconds t : {rfc_instant, now_2026, sys_seconds{seconds{0}},
                              sys_seconds{sys_days{year{2038} / January / 19}} + hours{3}}) {
    EXPECT_EQ(parse_http_date(format_http_date(t), now_2026), t) << format_http_date(t);
  }
}

TEST(http_date_test, a_leap_second_is_the_next_minute) {
  EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT", now_2026),
            sys_seconds{sys_days{year{2017} / January / 1}});
}

TEST(http_date_test, refuses_impossible_dates_and_times) {
  EXPECT_FALSE(parse_http_date("Sun, 30 Feb 1994 08:49:37 GMT", now_2026));
  EXPECT_FALSE(parse_http_date("Sun, 29 Feb 2023 08:49:37 GMT", now_2026));
  EXPECT_TRUE(parse_http_date("Thu, 29 Feb 2024 08:49:37 GMT", now_2026));
  EXPECT_FALSE(parse_http_date("Sun, 00 Nov 1994 08:49:37 GMT", now_2026));
  EXPECT_FALSE(parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT", now_2026));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 24:00:00 GMT", now_2026));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:60:37 GMT", now_2026));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:61 GMT", now_2026));
}

TEST(http_date_test, refuses_what_the_grammar_does_not_allow) {
  for (const char* bad : {
           "",
           "Sun",
           "Sun, 06 Nov 1994 08:49:37 UTC",    // only GMT
           "Sun, 06 Nov 1994 08:49:37 gmt",    // case-sensitive
           "sun, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 nov 1994 08:49:37 GMT",
           "Sun, 6 Nov 1994 08:49:37 GMT",     // two-digit day
           "Sun,  06 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 94 08:49:37 GMT",      // four-digit year
           "Sun, 06 Nov 1994 8:49:37 GMT",
           "Sun, 06 Nov 1994 08:49 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMT ",   // trailing space
           " Sun, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMTX",
           "Sun, 06 Nov 1994 08:49:37 +0000",
           "Xyz, 06 Nov 1994 08:49:37 GMT",    // unknown day name
           "Sun, 06 Foo 1994 08:49:37 GMT",    // unknown month
           "Sun, 06-Nov-94 08:49:37 GMT",      // rfc850 needs the long day name
           "Sunday, 06-Nov-1994 08:49:37 GMT", // and a two-digit year
           "Sunday, 06 Nov 1994 08:49:37 GMT",
           "Sun Nov  6 08:49:37 94",
           "Sun Nov  6 08:49:37 1994 GMT",
           "1994-11-06T08:49:37Z",
           "784111777",
       }) {
    EXPECT_FALSE(parse_http_date(bad, now_2026)) << '"' << bad << '"';
  }
}

TEST(http_date_test, the_day_name_is_not_checked_against_the_date) {
  // 6 Nov 1994 was a Sunday; a wrong but valid name still parses (see the header).
  EXPECT_EQ(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT", now_2026), rfc_instant);
}

TEST(http_date_test, the_overload_without_now_reads_the_clock) {
  // The IMF form does not depend on now, so the two overloads agree on it.
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), rfc_instant);
  const auto t = floor<seconds>(system_clock::now());
  EXPECT_EQ(parse_http_date(format_http_date(t)), t);
}

}  // namespace
}  // namespace network_system::protocol::http
