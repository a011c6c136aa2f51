#include "network_system/core/error_codes.h"

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace network_system {
namespace {

struct named_code {
  int code;
  std::string_view name;
};

// Every code the header declares, with the name it must report.
const std::vector<named_code>& all_codes() {
  namespace ec = error_codes;
  static const std::vector<named_code> codes = {
      {ec::connection_failed, "connection_failed"},
      {ec::connection_refused, "connection_refused"},
      {ec::connection_timeout, "connection_timeout"},
      {ec::connection_closed, "connection_closed"},
      {ec::connection_reset, "connection_reset"},
      {ec::host_not_found, "host_not_found"},
      {ec::network_unreachable, "network_unreachable"},
      {ec::not_connected, "not_connected"},
      {ec::connection_aborted, "connection_aborted"},
      {ec::session_not_found, "session_not_found"},
      {ec::session_expired, "session_expired"},
      {ec::invalid_session, "invalid_session"},
      {ec::session_closed, "session_closed"},
      {ec::send_failed, "send_failed"},
      {ec::receive_failed, "receive_failed"},
      {ec::message_too_large, "message_too_large"},
      {ec::send_queue_full, "send_queue_full"},
      {ec::message_truncated, "message_truncated"},
      {ec::invalid_message, "invalid_message"},
      {ec::server_not_started, "server_not_started"},
      {ec::server_already_running, "server_already_running"},
      {ec::bind_failed, "bind_failed"},
      {ec::max_connections_reached, "max_connections_reached"},
      {ec::accept_failed, "accept_failed"},
      {ec::server_stopped, "server_stopped"},
      {ec::protocol_error, "protocol_error"},
      {ec::invalid_argument, "invalid_argument"},
      {ec::invalid_configuration, "invalid_configuration"},
      {ec::operation_canceled, "operation_canceled"},
      {ec::already_running, "already_running"},
      {ec::invalid_state, "invalid_state"},
      {ec::certificate_load_failed, "certificate_load_failed"},
      {ec::tls_handshake_failed, "tls_handshake_failed"},
      {ec::certificate_verification_failed, "certificate_verification_failed"},
      {ec::tls_handshake_timeout, "tls_handshake_timeout"},
      {ec::proxy_protocol_error, "proxy_protocol_error"},
      {ec::proxy_protocol_timeout, "proxy_protocol_timeout"},
      {ec::internal_error, "internal_error"},
      {ec::http_bad_request, "http_bad_request"},
      {ec::http_request_smuggling, "http_request_smuggling"},
      {ec::http_invalid_header, "http_invalid_header"},
      {ec::http_missing_host, "http_missing_host"},
      {ec::http_invalid_chunk, "http_invalid_chunk"},
      {ec::http_uri_too_long, "http_uri_too_long"},
      {ec::http_headers_too_large, "http_headers_too_large"},
      {ec::http_body_too_large, "http_body_too_large"},
      {ec::http_not_implemented, "http_not_implemented"},
      {ec::http_version_not_supported, "http_version_not_supported"},
      {ec::http_header_timeout, "http_header_timeout"},
      {ec::http_request_timeout, "http_request_timeout"},
      {ec::http_invalid_response, "http_invalid_response"},
      {ec::http_invalid_url, "http_invalid_url"},
      {ec::http_invalid_cookie, "http_invalid_cookie"},
      {ec::http_invalid_multipart, "http_invalid_multipart"},
      {ec::http_multipart_limit, "http_multipart_limit"},
      {ec::http_invalid_range, "http_invalid_range"},
      {ec::http_decompression_failed, "http_decompression_failed"},
      {ec::http_too_many_redirects, "http_too_many_redirects"},
  };
  return codes;
}

bool in_range(int code, int high, int low) { return code <= high && code >= low; }

TEST(error_codes_test, seed_values_are_kept) {
  namespace ec = error_codes;
  EXPECT_EQ(ec::connection_failed, -600);
  EXPECT_EQ(ec::connection_refused, -601);
  EXPECT_EQ(ec::connection_timeout, -602);
  EXPECT_EQ(ec::connection_closed, -603);
  EXPECT_EQ(ec::session_not_found, -620);
  EXPECT_EQ(ec::session_expired, -621);
  EXPECT_EQ(ec::invalid_session, -622);
  EXPECT_EQ(ec::send_failed, -640);
  EXPECT_EQ(ec::receive_failed, -641);
  EXPECT_EQ(ec::message_too_large, -642);
  EXPECT_EQ(ec::send_queue_full, -643);
  EXPECT_EQ(ec::server_not_started, -660);
  EXPECT_EQ(ec::server_already_running, -661);
  EXPECT_EQ(ec::bind_failed, -662);
}

TEST(error_codes_test, proxy_protocol_codes_follow_the_tls_codes) {
  EXPECT_EQ(error_codes::proxy_protocol_error, -690);
  EXPECT_EQ(error_codes::proxy_protocol_timeout, -691);
}

TEST(error_codes_test, connection_codes_are_in_minus_600_to_minus_619) {
  namespace ec = error_codes;
  for (int c : {ec::connection_failed, ec::connection_refused, ec::connection_timeout,
                ec::connection_closed, ec::connection_reset, ec::host_not_found,
                ec::network_unreachable, ec::not_connected, ec::connection_aborted}) {
    EXPECT_TRUE(in_range(c, -600, -619)) << ec::name(c) << " = " << c;
  }
}

TEST(error_codes_test, session_codes_are_in_minus_620_to_minus_639) {
  namespace ec = error_codes;
  for (int c : {ec::session_not_found, ec::session_expired, ec::invalid_session,
                ec::session_closed}) {
    EXPECT_TRUE(in_range(c, -620, -639)) << ec::name(c) << " = " << c;
  }
}

TEST(error_codes_test, send_receive_codes_are_in_minus_640_to_minus_659) {
  namespace ec = error_codes;
  for (int c : {ec::send_failed, ec::receive_failed, ec::message_too_large, ec::send_queue_full,
                ec::message_truncated, ec::invalid_message}) {
    EXPECT_TRUE(in_range(c, -640, -659)) << ec::name(c) << " = " << c;
  }
}

TEST(error_codes_test, server_codes_are_in_minus_660_to_minus_679) {
  namespace ec = error_codes;
  for (int c : {ec::server_not_started, ec::server_already_running, ec::bind_failed,
                ec::max_connections_reached, ec::accept_failed, ec::server_stopped}) {
    EXPECT_TRUE(in_range(c, -660, -679)) << ec::name(c) << " = " << c;
  }
}

TEST(error_codes_test, protocol_codes_are_in_minus_680_to_minus_699) {
  namespace ec = error_codes;
  for (int c : {ec::protocol_error, ec::invalid_argument, ec::invalid_configuration,
                ec::operation_canceled, ec::already_running, ec::invalid_state,
                ec::certificate_load_failed, ec::tls_handshake_failed,
                ec::certificate_verification_failed, ec::tls_handshake_timeout,
                ec::proxy_protocol_error, ec::proxy_protocol_timeout, ec::internal_error}) {
    EXPECT_TRUE(in_range(c, -680, -699)) << ec::name(c) << " = " << c;
  }
}

TEST(error_codes_test, http_codes_are_in_minus_700_to_minus_739) {
  for (const auto& [code, name] : all_codes()) {
    if (name.starts_with("http_")) {
      EXPECT_TRUE(in_range(code, -700, -739)) << name << " = " << code;
    }
  }
}

TEST(error_codes_test, every_code_is_in_the_library_range) {
  for (const auto& [code, name] : all_codes()) {
    EXPECT_TRUE(in_range(code, -600, -739)) << name << " = " << code;
  }
}

TEST(error_codes_test, codes_are_unique) {
  std::set<int> seen;
  for (const auto& [code, name] : all_codes()) {
    EXPECT_TRUE(seen.insert(code).second) << name << " reuses " << code;
  }
}

TEST(error_codes_test, name_reports_the_symbolic_name_of_every_code) {
  for (const auto& [code, name] : all_codes()) {
    EXPECT_EQ(error_codes::name(code), name) << code;
  }
}

TEST(error_codes_test, names_are_unique) {
  std::set<std::string_view> seen;
  for (const auto& [code, name] : all_codes()) {
    EXPECT_TRUE(seen.insert(error_codes::name(code)).second) << code;
  }
}

TEST(error_codes_test, name_of_an_unknown_code_is_unknown) {
  EXPECT_EQ(error_codes::name(0), "unknown");
  EXPECT_EQ(error_codes::name(1), "unknown");
  EXPECT_EQ(error_codes::name(-599), "unknown");
  EXPECT_EQ(error_codes::name(-740), "unknown");
  EXPECT_EQ(error_codes::name(-619), "unknown");  // reserved, not assigned
}

TEST(error_codes_test, every_assigned_value_in_the_range_has_a_name) {
  // Guards against a code added to the header but not to name(): every value in −600..−699
  // that name() knows must be in all_codes(), and vice versa (checked above).
  std::set<int> listed;
  for (const auto& c : all_codes()) listed.insert(c.code);
  for (int c = -600; c >= -699; --c) {
    if (error_codes::name(c) != "unknown") {
      EXPECT_TRUE(listed.count(c)) << c;
    }
  }
}

}  // namespace
}  // namespace network_system
