#include "network_system/protocol/http/sse_event.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"

namespace ph = network_system::protocol::http;
using namespace std::chrono_literals;

namespace {

std::string encode(const ph::sse_event& ev) {
  std::string out;
  auto r = ph::append_sse_event(out, ev);
  EXPECT_TRUE(r.is_ok()) << r.error().message;
  return out;
}

}  // namespace

TEST(sse_event, data_only_is_one_data_line_and_a_blank_line) {
  EXPECT_EQ(encode({.data = "hello"}), "data: hello\n\n");
}

TEST(sse_event, every_kind_of_line_break_in_data_starts_a_data_line) {
  // The standard's client splits at CRLF, CR and LF alike and joins data lines with LF.
  EXPECT_EQ(encode({.data = "a\nb\r\nc\rd"}), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(encode({.data = "end\n"}), "data: end\ndata: \n\n");
}

TEST(sse_event, empty_data_still_dispatches_an_event) {
  EXPECT_EQ(encode({}), "data: \n\n");
}

TEST(sse_event, event_id_and_retry_come_before_the_data) {
  EXPECT_EQ(encode({.data = "x", .event = "update", .id = "42", .retry = 2500ms}),
            "event: update\nid: 42\nretry: 2500\ndata: x\n\n");
}

TEST(sse_event, appends_to_what_is_there) {
  std::string out = "data: first\n\n";
  ASSERT_TRUE(ph::append_sse_event(out, {.data = "second"}).is_ok());
  EXPECT_EQ(out, "data: first\n\ndata: second\n\n");
}

TEST(sse_event, line_breaks_in_event_or_id_are_refused_and_nothing_is_written) {
  for (ph::sse_event ev : {ph::sse_event{.data = "x", .event = "a\nid: 9"},
                           ph::sse_event{.data = "x", .id = "1\r"},
                           ph::sse_event{.data = "x", .id = std::string_view("1\0", 2)},
                           ph::sse_event{.data = "x", .retry = -1ms}}) {
    std::string out = "kept";
    auto r = ph::append_sse_event(out, ev);
    ASSERT_TRUE(r.is_err());
    EXPECT_EQ(r.error().code, network_system::error_codes::invalid_argument);
    EXPECT_EQ(out, "kept");
  }
}

TEST(sse_event, comments_are_colon_lines_and_refuse_line_breaks) {
  std::string out;
  ASSERT_TRUE(ph::append_sse_comment(out, "ping").is_ok());
  EXPECT_EQ(out, ": ping\n");
  EXPECT_TRUE(ph::append_sse_comment(out, "a\nb").is_err());
  EXPECT_EQ(out, ": ping\n");
}
