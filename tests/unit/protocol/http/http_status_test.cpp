#include "network_system/protocol/http/http_status.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::http {
namespace {

namespace ec = error_codes;

TEST(http_status, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(reason_phrase(299), "");
}

TEST(http_status, StatusForEveryParserError) {
  EXPECT_EQ(status_for_error(ec::http_bad_request), 400);
  EXPECT_EQ(status_for_error(ec::http_request_smuggling), 400);
  EXPECT_EQ(status_for_error(ec::http_invalid_header), 400);
  EXPECT_EQ(status_for_error(ec::http_missing_host), 400);
  EXPECT_EQ(status_for_error(ec::http_invalid_chunk), 400);
  EXPECT_EQ(status_for_error(ec::http_uri_too_long), 414);
  EXPECT_EQ(status_for_error(ec::http_headers_too_large), 431);
  EXPECT_EQ(status_for_error(ec::http_body_too_large), 413);
  EXPECT_EQ(status_for_error(ec::http_not_implemented), 501);
  EXPECT_EQ(status_for_error(ec::http_version_not_supported), 505);
  EXPECT_EQ(status_for_error(ec::http_header_timeout), 408);
  EXPECT_EQ(status_for_error(ec::http_invalid_range), 416);
  EXPECT_EQ(status_for_error(ec::http_invalid_response), 0);
  EXPECT_EQ(status_for_error(ec::connection_closed), 0);
}

}  // namespace
}  // namespace network_system::protocol::http
