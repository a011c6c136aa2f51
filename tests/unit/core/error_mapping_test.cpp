#include "network_system/core/error_mapping.h"

#include <future>
#include <string>
#include <system_error>

#include <asio/error.hpp>
#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"

namespace network_system {
namespace {

constexpr int fallback = error_codes::send_failed;

int code_of(std::errc e) { return to_error_code(std::make_error_code(e), fallback); }

std::error_code system_error_of(int errno_value) {
  return {errno_value, std::system_category()};
}

TEST(error_mapping_test, no_error_maps_to_zero) {
  EXPECT_EQ(to_error_code(std::error_code{}, fallback), 0);
}

TEST(error_mapping_test, connection_errc_values_map_to_connection_codes) {
  EXPECT_EQ(code_of(std::errc::connection_refused), error_codes::connection_refused);
  EXPECT_EQ(code_of(std::errc::timed_out), error_codes::connection_timeout);
  EXPECT_EQ(code_of(std::errc::connection_reset), error_codes::connection_reset);
  EXPECT_EQ(code_of(std::errc::broken_pipe), error_codes::connection_reset);
  EXPECT_EQ(code_of(std::errc::connection_aborted), error_codes::connection_aborted);
  EXPECT_EQ(code_of(std::errc::not_connected), error_codes::not_connected);
  EXPECT_EQ(code_of(std::errc::network_unreachable), error_codes::network_unreachable);
  EXPECT_EQ(code_of(std::errc::host_unreachable), error_codes::network_unreachable);
  EXPECT_EQ(code_of(std::errc::network_down), error_codes::network_unreachable);
}

TEST(error_mapping_test, bind_errc_values_map_to_bind_failed) {
  EXPECT_EQ(code_of(std::errc::address_in_use), error_codes::bind_failed);
  EXPECT_EQ(code_of(std::errc::address_not_available), error_codes::bind_failed);
  EXPECT_EQ(code_of(std::errc::permission_denied), error_codes::bind_failed);
}

TEST(error_mapping_test, other_errc_values_map_to_their_codes) {
  EXPECT_EQ(code_of(std::errc::operation_canceled), error_codes::operation_canceled);
  EXPECT_EQ(code_of(std::errc::message_size), error_codes::message_too_large);
  EXPECT_EQ(code_of(std::errc::invalid_argument), error_codes::invalid_argument);
  EXPECT_EQ(code_of(std::errc::too_many_files_open), error_codes::accept_failed);
  EXPECT_EQ(code_of(std::errc::too_many_files_open_in_system), error_codes::accept_failed);
}

TEST(error_mapping_test, unmapped_errc_uses_the_fallback) {
  EXPECT_EQ(code_of(std::errc::no_such_file_or_directory), fallback);
  EXPECT_EQ(to_error_code(std::make_error_code(std::errc::io_error), error_codes::receive_failed),
            error_codes::receive_failed);
}

TEST(error_mapping_test, system_category_errors_map_like_generic_ones) {
  EXPECT_EQ(to_error_code(system_error_of(ECONNREFUSED), fallback),
            error_codes::connection_refused);
  EXPECT_EQ(to_error_code(system_error_of(EPIPE), fallback), error_codes::connection_reset);
  EXPECT_EQ(to_error_code(system_error_of(EADDRINUSE), fallback), error_codes::bind_failed);
}

TEST(error_mapping_test, asio_basic_errors_map_like_errno) {
  EXPECT_EQ(to_error_code(asio::error::connection_refused, fallback),
            error_codes::connection_refused);
  EXPECT_EQ(to_error_code(asio::error::connection_reset, fallback), error_codes::connection_reset);
  EXPECT_EQ(to_error_code(asio::error::broken_pipe, fallback), error_codes::connection_reset);
  EXPECT_EQ(to_error_code(asio::error::timed_out, fallback), error_codes::connection_timeout);
  EXPECT_EQ(to_error_code(asio::error::address_in_use, fallback), error_codes::bind_failed);
  EXPECT_EQ(to_error_code(asio::error::network_unreachable, fallback),
            error_codes::network_unreachable);
}

TEST(error_mapping_test, asio_operation_aborted_maps_to_operation_canceled) {
  EXPECT_EQ(to_error_code(asio::error::operation_aborted, fallback),
            error_codes::operation_canceled);
}

TEST(error_mapping_test, asio_eof_maps_to_connection_closed) {
  EXPECT_EQ(to_error_code(asio::error::eof, fallback), error_codes::connection_closed);
}

TEST(error_mapping_test, other_asio_misc_errors_use_the_fallback) {
  EXPECT_EQ(to_error_code(asio::error::already_open, fallback), fallback);
  EXPECT_EQ(to_error_code(asio::error::not_found, fallback), fallback);
}

TEST(error_mapping_test, asio_netdb_errors_map_to_host_not_found) {
  EXPECT_EQ(to_error_code(asio::error::host_not_found, fallback), error_codes::host_not_found);
  EXPECT_EQ(to_error_code(asio::error::host_not_found_try_again, fallback),
            error_codes::host_not_found);
  EXPECT_EQ(to_error_code(asio::error::no_data, fallback), error_codes::host_not_found);
}

TEST(error_mapping_test, asio_addrinfo_errors_map_to_host_not_found) {
  EXPECT_EQ(to_error_code(asio::error::service_not_found, fallback), error_codes::host_not_found);
}

TEST(error_mapping_test, unknown_category_uses_the_fallback) {
  const std::error_code future_ec = std::make_error_code(std::future_errc::no_state);
  EXPECT_EQ(to_error_code(future_ec, error_codes::internal_error), error_codes::internal_error);
}

TEST(error_mapping_test, make_error_info_names_operation_and_endpoint) {
  const auto ec = std::make_error_code(std::errc::address_in_use);
  const auto info =
      make_error_info(ec, "bind", "0.0.0.0:8080", "messaging_server", error_codes::bind_failed);
  EXPECT_EQ(info.code, error_codes::bind_failed);
  EXPECT_EQ(info.message, "bind 0.0.0.0:8080: " + ec.message());
  EXPECT_EQ(info.message, "bind 0.0.0.0:8080: Address already in use");
  EXPECT_EQ(info.source, "messaging_server");
}

TEST(error_mapping_test, make_error_info_details_hold_category_and_value) {
  const std::error_code ec(ECONNREFUSED, std::system_category());
  const auto info = make_error_info(ec, "connect", "127.0.0.1:1", "messaging_client",
                                    error_codes::connection_failed);
  EXPECT_EQ(info.code, error_codes::connection_refused);
  EXPECT_EQ(info.details, "system:" + std::to_string(ECONNREFUSED));
}

TEST(error_mapping_test, make_error_info_without_endpoint_omits_the_space) {
  const auto info = make_error_info(asio::error::eof, "read", "", "session", fallback);
  EXPECT_EQ(info.code, error_codes::connection_closed);
  EXPECT_EQ(info.message, "read: " + std::error_code(asio::error::eof).message());
  EXPECT_EQ(info.details, std::string("asio.misc:") + std::to_string(asio::error::eof));
}

TEST(error_mapping_test, make_error_info_unmapped_error_uses_the_fallback) {
  const auto ec = std::make_error_code(std::errc::io_error);
  const auto info = make_error_info(ec, "write", "[::1]:443", "session", error_codes::send_failed);
  EXPECT_EQ(info.code, error_codes::send_failed);
  EXPECT_EQ(info.message, "write [::1]:443: " + ec.message());
}

TEST(error_mapping_test, make_error_info_of_no_error_still_reports_the_fallback_code) {
  // A caller that builds an error_info from a cleared error_code must not get code 0,
  // which would read as success.
  const auto info = make_error_info(std::error_code{}, "close", "", "session",
                                    error_codes::internal_error);
  EXPECT_EQ(info.code, error_codes::internal_error);
}

TEST(error_mapping_test, make_error_info_with_explicit_code) {
  const auto info = make_error_info(error_codes::message_too_large, "receive from",
                                    "10.0.0.1:5000", "peer sent 20 MiB", "messaging_session");
  EXPECT_EQ(info.code, error_codes::message_too_large);
  EXPECT_EQ(info.message, "receive from 10.0.0.1:5000: peer sent 20 MiB");
  EXPECT_EQ(info.source, "messaging_session");
  EXPECT_TRUE(info.details.empty());
}

TEST(error_mapping_test, make_error_info_with_explicit_code_and_no_endpoint) {
  const auto info = make_error_info(error_codes::invalid_configuration, "start_server", "",
                                    "max_connections is 0", "messaging_server");
  EXPECT_EQ(info.message, "start_server: max_connections is 0");
}

}  // namespace
}  // namespace network_system
