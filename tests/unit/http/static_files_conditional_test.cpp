#include "network_system/http/static_files.h"

#include <gtest/gtest.h>

#include "static_files_test_support.h"

// Preconditions (RFC 9110 §13) and ranges (§14).

namespace network_system::http {
namespace {

using namespace static_files_testing;

class static_files_conditional_test : public static_files_fixture {};

INSTANTIATE_TEST_SUITE_P(modes, static_files_conditional_test,
                         ::testing::Values(containment::beneath, containment::realpath),
                         mode_name);

// --- conditional requests -----------------------------------------------------------------

TEST_P(static_files_conditional_test, if_none_match_gives_304) {
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

TEST_P(static_files_conditional_test, if_none_match_uses_weak_comparison_lists_and_star) {
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

TEST_P(static_files_conditional_test, if_modified_since_gives_304_when_not_newer) {
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

TEST_P(static_files_conditional_test, if_modified_since_is_ignored_with_if_none_match) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/hello.txt",
                 {{"If-None-Match", "\"other\""}, {"If-Modified-Since", fixed_date}})
                .status(),
            200);
}

TEST_P(static_files_conditional_test, if_match_uses_strong_comparison) {
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

TEST_P(static_files_conditional_test, if_unmodified_since_gives_412_when_newer) {
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

TEST_P(static_files_conditional_test, if_match_failure_wins_over_if_none_match) {
  const auto p = app();
  const std::string etag = send(p, "/static/hello.txt").header("ETag");
  EXPECT_EQ(send(p, "/static/hello.txt", {{"If-Match", "\"other\""}, {"If-None-Match", etag}})
                .status(),
            412);
}

TEST_P(static_files_conditional_test, etag_changes_when_the_file_changes) {
  const auto p = app();
  const std::string before = send(p, "/static/hello.txt").header("ETag");
  set_mtime("hello.txt", fixed_mtime_s, fixed_mtime_ns + 1);
  const auto a = send(p, "/static/hello.txt", {{"If-None-Match", before}});
  EXPECT_EQ(a.status(), 200);
  EXPECT_NE(a.header("ETag"), before);
}

// --- ranges -------------------------------------------------------------------------------

TEST_P(static_files_conditional_test, range_first_bytes) {
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

TEST_P(static_files_conditional_test, range_middle_bytes) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=500-509"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 500-509/1000");
  EXPECT_EQ(a.res.file()->offset(), 500u);
  EXPECT_EQ(a.body(), big_content().substr(500, 10));
}

TEST_P(static_files_conditional_test, range_suffix) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=-100"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 900-999/1000");
  EXPECT_EQ(a.body(), big_content().substr(900));
}

TEST_P(static_files_conditional_test, range_open_ended) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=990-"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 990-999/1000");
  EXPECT_EQ(a.body(), big_content().substr(990));
}

TEST_P(static_files_conditional_test, range_last_beyond_eof_is_clamped) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=995-5000"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 995-999/1000");
  EXPECT_EQ(a.body(), big_content().substr(995));
}

TEST_P(static_files_conditional_test, range_starting_beyond_eof_is_416) {
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

TEST_P(static_files_conditional_test, range_multiple_is_multipart_byteranges) {
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

TEST_P(static_files_conditional_test, range_overlapping_ranges_merge_into_one) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=0-9,5-14"}});
  ASSERT_EQ(a.status(), 206);
  EXPECT_EQ(a.header("Content-Range"), "bytes 0-14/1000");
  EXPECT_EQ(a.body(), big_content().substr(0, 15));
}

TEST_P(static_files_conditional_test, range_multiple_above_the_limit_gets_the_whole_file) {
  const auto a = send(app({.max_multirange_bytes = 100}), "/static/big.bin",
                      {{"Range", "bytes=0-99,200-299"}});
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(a.body(), big_content());
}

TEST_P(static_files_conditional_test, range_too_many_is_416) {
  std::string spec = "bytes=";
  for (int i = 0; i < 17; ++i) spec += (i ? "," : "") + std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1);
  EXPECT_EQ(send(app(), "/static/big.bin", {{"Range", spec}}).status(), 416);
}

TEST_P(static_files_conditional_test, range_invalid_is_ignored) {
  const auto p = app();
  for (const char* r : {"bytes=abc", "bytes=5-1", "items=0-9", "bytes 0-9", "bytes="}) {
    const auto a = send(p, "/static/big.bin", {{"Range", r}});
    EXPECT_EQ(a.status(), 200) << r;
    EXPECT_EQ(a.res.content_length(), 1000u) << r;
  }
}

TEST_P(static_files_conditional_test, range_is_ignored_on_head) {
  const auto a = send(app(), "/static/big.bin", {{"Range", "bytes=0-9"}}, "HEAD");
  EXPECT_EQ(a.status(), 200);
  EXPECT_EQ(a.res.to_head().fields.get("Content-Length"), "1000");
}

TEST_P(static_files_conditional_test, if_range_with_the_etag_keeps_the_range) {
  const auto p = app();
  const std::string etag = send(p, "/static/big.bin").header("ETag");
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", etag}}).status(), 206);
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", "\"old\""}}).status(),
            200);
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Range", "W/" + etag}}).status(),
            200);  // a weak tag never matches in If-Range
}

TEST_P(static_files_conditional_test, if_range_with_a_date_needs_an_exact_match) {
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

TEST_P(static_files_conditional_test, a_failed_precondition_wins_over_range) {
  const auto p = app();
  const std::string etag = send(p, "/static/big.bin").header("ETag");
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-None-Match", etag}}).status(),
            304);
  EXPECT_EQ(send(p, "/static/big.bin", {{"Range", "bytes=0-9"}, {"If-Match", "\"x\""}}).status(),
            412);
}

}  // namespace
}  // namespace network_system::http
