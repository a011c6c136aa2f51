#include "network_system/protocol/http/range.h"

#include <gtest/gtest.h>

#include <string>

#include "network_system/core/error_codes.h"

// Vectors: the byte-range examples of RFC 9110 §14.1.2 (a 10000-byte representation:
// bytes=0-499, 500-999, -500, 9500-, 0-0,-1, 0-999,4500-5499,-1000, 500-600,601-999,
// 500-700,601-999), the Content-Range examples of §14.4 ("bytes 42-1233/1234",
// "bytes */1234") and the ignore / reject rules of §14.2.

namespace network_system::protocol::http {
namespace {

using ranges = std::vector<byte_range>;

ranges resolve_ok(std::string_view header, std::uint64_t size, range_limits limits = {}) {
  auto r = resolve_range(header, size, limits);
  EXPECT_TRUE(r.is_ok()) << header << ": " << (r.is_err() ? r.error().message : "");
  if (r.is_err()) return {};
  EXPECT_EQ(r.value().outcome, range_outcome::partial) << header;
  return r.value().ranges;
}

int resolve_code(std::string_view header, std::uint64_t size, range_limits limits = {}) {
  auto r = resolve_range(header, size, limits);
  return r.is_err() ? r.error().code : 0;
}

bool ignored(std::string_view header, std::uint64_t size = 10000) {
  auto r = resolve_range(header, size);
  return r.is_ok() && r.value().outcome == range_outcome::full && r.value().ranges.empty();
}

TEST(http_range_test, rfc9110_examples_on_10000_bytes) {
  EXPECT_EQ(resolve_ok("bytes=0-499", 10000), (ranges{{0, 499}}));
  EXPECT_EQ(resolve_ok("bytes=500-999", 10000), (ranges{{500, 999}}));
  EXPECT_EQ(resolve_ok("bytes=-500", 10000), (ranges{{9500, 9999}}));
  EXPECT_EQ(resolve_ok("bytes=9500-", 10000), (ranges{{9500, 9999}}));
  EXPECT_EQ(resolve_ok("bytes=0-0,-1", 10000), (ranges{{0, 0}, {9999, 9999}}));
  EXPECT_EQ(resolve_ok("bytes=0-999,4500-5499,-1000", 10000),
            (ranges{{0, 999}, {4500, 5499}, {9000, 9999}}));
  // The two non-canonical forms of "bytes=500-999" coalesce to it.
  EXPECT_EQ(resolve_ok("bytes=500-600,601-999", 10000), (ranges{{500, 999}}));
  EXPECT_EQ(resolve_ok("bytes=500-700,601-999", 10000), (ranges{{500, 999}}));
}

TEST(http_range_test, parse_keeps_the_specs_as_written) {
  using f = byte_range_spec::form;
  auto r = parse_range("Bytes=0-0, 5- ,, -7", 16);
  ASSERT_EQ(r.status, range_parse_status::ok);
  const std::vector<byte_range_spec> want = {
      {f::first_last, 0, 0, 0}, {f::first_only, 5, 0, 0}, {f::suffix, 0, 0, 7}};
  EXPECT_EQ(r.specs, want);
  EXPECT_EQ(parse_range("items=0-5", 16).status, range_parse_status::unknown_unit);
  EXPECT_EQ(parse_range("bytes=1,2", 16).status, range_parse_status::invalid);
  EXPECT_EQ(parse_range("bytes=0-1,2-3,4-5", 2).status, range_parse_status::too_many);
  const auto huge = parse_range("bytes=99999999999999999999999-", 1);
  ASSERT_EQ(huge.status, range_parse_status::ok);
  EXPECT_EQ(huge.specs[0].first, UINT64_MAX);
}

TEST(http_range_test, clamps_to_the_representation) {
  EXPECT_EQ(resolve_ok("bytes=0-99999", 100), (ranges{{0, 99}}));
  EXPECT_EQ(resolve_ok("bytes=-500", 100), (ranges{{0, 99}}));  // suffix longer than the size
  EXPECT_EQ(resolve_ok("bytes=90-99999999999999999999999", 100), (ranges{{90, 99}}));
  EXPECT_EQ(resolve_ok("bytes=200-300,10-19", 100),
            (ranges{{10, 19}}));  // drops what is past the end
  EXPECT_EQ(resolve_ok("bytes=-1", 1), (ranges{{0, 0}}));
}

TEST(http_range_test, unsatisfiable_is_416) {
  for (const char* h : {"bytes=100-", "bytes=100-200", "bytes=-0", "bytes=100-,-0",
                        "bytes=99999999999999999999999-"}) {
    EXPECT_EQ(resolve_code(h, 100), error_codes::http_invalid_range) << h;
  }
  EXPECT_EQ(resolve_code("bytes=0-", 0), error_codes::http_invalid_range);
  EXPECT_EQ(resolve_code("bytes=-5", 0), error_codes::http_invalid_range);
}

TEST(http_range_test, invalid_syntax_is_ignored) {
  for (const char* h : {"bytes=", "bytes=,", "bytes=5", "bytes=a-b", "bytes=5-4", "bytes=-",
                        "bytes =0-1", "bytes= 0-1;", "bytes=0 -1", "bytes=+1-2", "bytes=--1",
                        "bytes=0-1,x", "=0-1", "0-1", "", "bytes=1-2-3", "items=0-1"}) {
    EXPECT_TRUE(ignored(h)) << h;
  }
  auto none = resolve_range(std::nullopt, 10);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none.value().outcome, range_outcome::full);
}

TEST(http_range_test, abuse_limits) {
  std::string many = "bytes=";
  for (int i = 0; i < 17; ++i)
    many += std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1) + ",";
  auto r = resolve_range(many, 1000);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::http_invalid_range);
  EXPECT_NE(r.error().message.find("more than 16"), std::string::npos);
  EXPECT_EQ(resolve_ok(many, 1000, {.max_ranges = 17}).size(), 17u);

  // The same bytes asked for again and again come back once when coalescing ...
  EXPECT_EQ(resolve_ok("bytes=0-,0-,0-,-1000,10-20", 1000), (ranges{{0, 999}}));
  // ... and are refused when the caller keeps the request's order.
  EXPECT_EQ(resolve_code("bytes=0-,0-", 1000, {.coalesce = false}),
            error_codes::http_invalid_range);
  EXPECT_EQ(resolve_code("bytes=0-10,20-30,5-25", 1000, {.coalesce = false}),
            error_codes::http_invalid_range);
  EXPECT_EQ(resolve_ok("bytes=20-30,0-10", 1000, {.coalesce = false}), (ranges{{20, 30}, {0, 10}}));
  EXPECT_EQ(resolve_ok("bytes=20-30,0-10,11-12", 1000), (ranges{{0, 12}, {20, 30}}));
}

TEST(http_range_test, content_range_values) {
  EXPECT_EQ(format_content_range({42, 1233}, 1234), "bytes 42-1233/1234");
  EXPECT_EQ(format_content_range({0, 0}, 1), "bytes 0-0/1");
  EXPECT_EQ(format_unsatisfied_range(1234), "bytes */1234");
  EXPECT_EQ((byte_range{10, 19}).length(), 10u);
}

}  // namespace
}  // namespace network_system::protocol::http
