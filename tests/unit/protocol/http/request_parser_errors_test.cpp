// request_parser against malformed and hostile requests: every error with its code and the
// status a server answers, and the request smuggling vectors, each a named test.
#include "network_system/protocol/http/request_parser.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/http_status.h"
#include "unit/protocol/http/http_test_support.h"

namespace network_system::protocol::http {
namespace {

namespace ec = error_codes;
using test::run_parser;
using namespace std::string_literals;

struct outcome {
  int code = 0;
  std::string message;
  std::size_t messages = 0;
  bool head_seen = false;
};

// Parses `wire` whole, and also byte by byte: both must give the same error, and no head of a
// refused request may reach the application.
outcome parse(std::string_view wire, parser_options o = {}) {
  request_parser p(o);
  const auto whole = run_parser(p, wire);
  request_parser q(o);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < wire.size(); ++i) cuts.push_back(i);
  const auto split = run_parser(q, wire, cuts);
  EXPECT_EQ(whole.error, split.error) << "whole: " << whole.error_message
                                      << " / byte by byte: " << split.error_message;
  return {whole.error, whole.error_message, whole.messages.size(),
          whole.head_pending || !whole.messages.empty()};
}

// A request refused at its head: the application never sees it.
void expect_refused(std::string_view wire, int code, int status, std::string_view words = {},
                    bool head_is_valid = false) {
  const auto r = parse(wire);
  EXPECT_EQ(r.code, code) << r.message;
  EXPECT_EQ(status_for_error(r.code), status);
  EXPECT_EQ(r.messages, 0u);
  if (!head_is_valid) {
    EXPECT_FALSE(r.head_seen) << "the head of a refused request reached the application";
  }
  if (!words.empty()) EXPECT_NE(r.message.find(words), std::string::npos) << r.message;
}

const std::string post = "POST / HTTP/1.1\r\nHost: a\r\n";

// ---- smuggling: CL.TE / TE.CL ----------------------------------------------------------------

TEST(http_request_smuggling, CL_TE) {
  expect_refused(post + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
                 ec::http_request_smuggling, 400,
                 "Content-Length and Transfer-Encoding both present");
}

TEST(http_request_smuggling, TE_CL) {
  expect_refused(post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400,
                 "Content-Length and Transfer-Encoding both present");
}

// ---- smuggling: TE.TE obfuscations ------------------------------------------------------------

TEST(http_request_smuggling, TE_xchunked) {
  expect_refused(post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400, "does not end in chunked");
}

TEST(http_request_smuggling, TE_chunked_then_identity) {
  expect_refused(post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400, "chunked");
}

TEST(http_request_smuggling, TE_chunked_and_identity_in_two_fields) {
  expect_refused(post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400);
}

TEST(http_request_smuggling, TE_identity_then_chunked_is_not_implemented) {
  expect_refused(post + "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                 ec::http_not_implemented, 501, "not implemented");
}

TEST(http_request_smuggling, TE_gzip_chunked_is_not_implemented) {
  expect_refused(post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                 ec::http_not_implemented, 501);
}

TEST(http_request_smuggling, TE_chunked_twice) {
  expect_refused(post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400);
}

TEST(http_request_smuggling, TE_tab_before_value) {
  expect_refused(post + "Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400, "whitespace");
}

TEST(http_request_smuggling, TE_tab_after_value) {
  expect_refused(post + "Transfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400, "whitespace");
}

TEST(http_request_smuggling, TE_two_spaces_before_value) {
  expect_refused(post + "Transfer-Encoding:  chunked\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400, "whitespace");
}

TEST(http_request_smuggling, TE_space_before_colon) {
  expect_refused(post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                 ec::http_invalid_header, 400);
}

TEST(http_request_smuggling, TE_leading_space_obs_fold) {
  expect_refused(post + " Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                 ec::http_invalid_header, 400, "obs-fold");
}

TEST(http_request_smuggling, TE_folded_onto_next_line) {
  // The first line already has an empty value, which is refused before the fold is seen.
  expect_refused(post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400, "empty Transfer-Encoding");
  parser_options o;
  o.allow_framing_whitespace = true;
  EXPECT_EQ(parse(post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", o).code,
            ec::http_invalid_header);
}

TEST(http_request_smuggling, TE_vertical_tab) {
  expect_refused(post + "Transfer-Encoding: \x0b" "chunked\r\n\r\n0\r\n\r\n",
                 ec::http_invalid_header, 400);
}

TEST(http_request_smuggling, TE_in_http10_request) {
  expect_refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                 ec::http_request_smuggling, 400, "HTTP/1.0");
}

TEST(http_request_smuggling, TE_empty) {
  expect_refused(post + "Transfer-Encoding: ,\r\n\r\n", ec::http_request_smuggling, 400);
}

// ---- smuggling: Content-Length ------------------------------------------------------------------

TEST(http_request_smuggling, CL_duplicate_different) {
  expect_refused(post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                 ec::http_request_smuggling, 400, "more than one Content-Length");
}

// Decision: equal duplicates are refused too (RFC 9110 §8.6 lets a recipient do either).
TEST(http_request_smuggling, CL_duplicate_equal) {
  expect_refused(post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                 ec::http_request_smuggling, 400, "more than one Content-Length");
}

TEST(http_request_smuggling, CL_list_in_one_field) {
  expect_refused(post + "Content-Length: 5, 5\r\n\r\nhello", ec::http_request_smuggling, 400,
                 "not a decimal number");
}

TEST(http_request_smuggling, CL_plus_sign) {
  expect_refused(post + "Content-Length: +5\r\n\r\nhello", ec::http_request_smuggling, 400,
                 "not a decimal number");
}

TEST(http_request_smuggling, CL_minus_sign) {
  expect_refused(post + "Content-Length: -1\r\n\r\n", ec::http_request_smuggling, 400);
}

TEST(http_request_smuggling, CL_spaces_around) {
  expect_refused(post + "Content-Length:  5 \r\n\r\nhello", ec::http_request_smuggling, 400,
                 "whitespace");
}

TEST(http_request_smuggling, CL_trailing_space) {
  expect_refused(post + "Content-Length: 5 \r\n\r\nhello", ec::http_request_smuggling, 400,
                 "whitespace");
}

TEST(http_request_smuggling, CL_space_inside) {
  expect_refused(post + "Content-Length: 5 5\r\n\r\nhello", ec::http_request_smuggling, 400);
}

TEST(http_request_smuggling, CL_hex) {
  expect_refused(post + "Content-Length: 0x5\r\n\r\nhello", ec::http_request_smuggling, 400);
}

TEST(http_request_smuggling, CL_empty) {
  expect_refused(post + "Content-Length: \r\n\r\n", ec::http_request_smuggling, 400);
}

TEST(http_request_smuggling, CL_overflow) {
  expect_refused(post + "Content-Length: 99999999999999999999\r\n\r\n",
                 ec::http_request_smuggling, 400, "2^64");
}

TEST(http_request_smuggling, CL_space_before_colon) {
  expect_refused(post + "Content-Length : 5\r\n\r\nhello", ec::http_invalid_header, 400);
}

// Found by http_request_fuzz: llhttp skips the body of a CONNECT whatever its framing says.
TEST(http_request_smuggling, CONNECT_with_content_length) {
  expect_refused("CONNECT a:443 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                 ec::http_request_smuggling, 400, "CONNECT");
  expect_refused("CONNECT a:443 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                 ec::http_request_smuggling, 400, "CONNECT");
}

// ---- smuggling: chunked framing ---------------------------------------------------------------

const std::string chunked_post = post + "Transfer-Encoding: chunked\r\n\r\n";

// A valid head, then a malformed chunked body: the head came out, the message never completes.
void expect_bad_body(std::string_view wire, int code, std::string_view words = {}) {
  expect_refused(wire, code, 400, words, /*head_is_valid=*/true);
}

TEST(http_request_smuggling, chunk_size_overflow) {
  expect_bad_body(chunked_post + "10000000000000000\r\n", ec::http_invalid_chunk,
                  "chunk size above 2^64");
}

TEST(http_request_smuggling, chunk_size_with_sign) {
  expect_bad_body(chunked_post + "+5\r\nhello\r\n0\r\n\r\n", ec::http_invalid_chunk);
}

TEST(http_request_smuggling, chunk_size_with_space_before_extension) {
  expect_bad_body(chunked_post + "5 ;a=b\r\nhello\r\n0\r\n\r\n", ec::http_invalid_chunk);
}

TEST(http_request_smuggling, chunk_extension_with_nul) {
  expect_bad_body(chunked_post + "5;a\0b\r\nhello\r\n0\r\n\r\n"s, ec::http_invalid_chunk);
}

TEST(http_request_smuggling, chunk_extension_bare_lf) {
  expect_bad_body(chunked_post + "5;a\nhello\r\n0\r\n\r\n", ec::http_invalid_chunk);
}

TEST(http_request_smuggling, chunk_size_bare_lf) {
  expect_bad_body(chunked_post + "5\nhello\r\n0\r\n\r\n", ec::http_invalid_chunk);
}

TEST(http_request_smuggling, chunk_data_longer_than_size) {
  expect_bad_body(chunked_post + "5\r\nhelloXX\r\n0\r\n\r\n", ec::http_invalid_chunk);
}

TEST(http_request_smuggling, chunk_data_bare_lf_after) {
  expect_bad_body(chunked_post + "5\r\nhello\n0\r\n\r\n", ec::http_invalid_chunk);
}

TEST(http_request_smuggling, last_chunk_bare_lf_end) {
  expect_bad_body(chunked_post + "0\r\n\n", ec::http_invalid_chunk, "bare LF");
}

TEST(http_request_smuggling, trailer_bare_lf) {
  expect_bad_body(chunked_post + "0\r\nX: 1\n\r\n", ec::http_invalid_header);
}

TEST(http_request_smuggling, chunk_size_not_hex) {
  expect_bad_body(chunked_post + "g\r\n", ec::http_invalid_chunk);
}

// ---- line endings, folding, field syntax --------------------------------------------------------

TEST(http_request_parser_errors, BareLfEverywhere) {
  expect_refused("GET / HTTP/1.1\nHost: a\r\n\r\n", ec::http_bad_request, 400, "bare LF");
  expect_refused("GET / HTTP/1.1\r\nHost: a\n\r\n", ec::http_invalid_header, 400);
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\n\n", ec::http_invalid_header, 400, "bare LF");
  expect_refused("GET / HTTP/1.1\nHost: a\n\n", ec::http_bad_request, 400, "bare LF");
}

TEST(http_request_parser_errors, BareCr) {
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", ec::http_invalid_header, 400);
}

TEST(http_request_parser_errors, ObsFold) {
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", ec::http_invalid_header,
                 400, "obs-fold");
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", ec::http_invalid_header,
                 400, "obs-fold");
}

TEST(http_request_parser_errors, WhitespaceBeforeFirstField) {
  expect_refused("GET / HTTP/1.1\r\n Host: a\r\n\r\n", ec::http_invalid_header, 400);
}

TEST(http_request_parser_errors, InvalidFieldNames) {
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", ec::http_invalid_header, 400,
                 "empty field name");
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX@Y: v\r\n\r\n", ec::http_invalid_header, 400);
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX Y: v\r\n\r\n", ec::http_invalid_header, 400);
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", ec::http_invalid_header, 400);
}

TEST(http_request_parser_errors, ControlCharactersInValues) {
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s, ec::http_invalid_header, 400);
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n", ec::http_invalid_header,
                 400, "control character");
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f" "b\r\n\r\n", ec::http_invalid_header,
                 400);
  // obs-text (0x80..0xFF) is allowed in values.
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n").code, 0);
}

TEST(http_request_parser_errors, MissingAndDuplicateHost) {
  expect_refused("GET / HTTP/1.1\r\n\r\n", ec::http_missing_host, 400, "without Host");
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ec::http_invalid_header, 400,
                 "more than one Host");
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").code, 0);  // HTTP/1.0 has no Host requirement
}

TEST(http_request_parser_errors, RequestLineSyntax) {
  expect_refused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", ec::http_bad_request, 400);
  expect_refused("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", ec::http_bad_request, 400);
  expect_refused("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", ec::http_bad_request, 400);
  expect_refused("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", ec::http_bad_request, 400);
  expect_refused("GET / HTTX/1.1\r\nHost: a\r\n\r\n", ec::http_bad_request, 400);
  expect_refused("\x16\x03\x01\x02\x00", ec::http_bad_request, 400);  // TLS on a plain port
}

TEST(http_request_parser_errors, UnknownMethodIsNotImplemented) {
  expect_refused("FROB / HTTP/1.1\r\nHost: a\r\n\r\n", ec::http_not_implemented, 501,
                 "unknown method");
}

TEST(http_request_parser_errors, UnsupportedVersions) {
  expect_refused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", ec::http_version_not_supported, 505);
  expect_refused("GET / HTTP/1.2\r\nHost: a\r\n\r\n", ec::http_version_not_supported, 505);
  expect_refused("GET / HTTP/0.9\r\nHost: a\r\n\r\n", ec::http_version_not_supported, 505);
}

TEST(http_request_parser_errors, DataAfterConnectionClose) {
  request_parser p;
  const auto r = run_parser(p, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                               "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.error, ec::http_bad_request);
}

// ---- lenient options, each explicit -------------------------------------------------------------

TEST(http_request_parser_lenient, BareLf) {
  parser_options o;
  o.allow_bare_lf = true;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n\n", o).code, 0);
}

TEST(http_request_parser_lenient, ObsFoldJoinsTheLines) {
  parser_options o;
  o.allow_obs_fold = true;
  request_parser p(o);
  const auto r = run_parser(p, "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].head.fields.size(), 2u);
  const auto x = r.messages[0].head.fields.get("x");
  ASSERT_TRUE(x.has_value());
  EXPECT_NE(x->find('b'), std::string_view::npos);
  EXPECT_EQ(x->find('\n'), std::string_view::npos);
}

TEST(http_request_parser_lenient, MissingHost) {
  parser_options o;
  o.allow_missing_host = true;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\n\r\n", o).code, 0);
}

TEST(http_request_parser_lenient, FramingWhitespace) {
  parser_options o;
  o.allow_framing_whitespace = true;
  EXPECT_EQ(parse(post + "Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n", o).code, 0);
  EXPECT_EQ(parse(post + "Content-Length: 5 \r\n\r\nhello", o).code, 0);
}

TEST(http_request_parser_lenient, ControlCharacters) {
  parser_options o;
  o.allow_control_chars = true;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n", o).code, 0);
}

}  // namespace
}  // namespace network_system::protocol::http
