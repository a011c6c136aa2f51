#include "network_system/core/error_mapping.h"

#include <asio/error.hpp>

#include "network_system/core/error_codes.h"

namespace network_system {

int to_error_code(const std::error_code& ec, int fallback) noexcept {
  if (!ec) return 0;
  const auto& cat = ec.category();
  if (cat == asio::error::get_misc_category()) {
    if (ec.value() == asio::error::eof) return error_codes::connection_closed;
    return fallback;
  }
  if (cat == asio::error::get_netdb_category() || cat == asio::error::get_addrinfo_category()) {
    return error_codes::host_not_found;
  }
  // Asio reports errno values through its own system category object.
  if (cat != std::system_category() && cat != std::generic_category() &&
      cat != asio::error::get_system_category()) {
    return fallback;
  }
  switch (static_cast<std::errc>(ec.value())) {
    case std::errc::connection_refused: return error_codes::connection_refused;
    case std::errc::timed_out: return error_codes::connection_timeout;
    case std::errc::connection_reset:
    case std::errc::broken_pipe: return error_codes::connection_reset;
    case std::errc::connection_aborted: return error_codes::connection_aborted;
    case std::errc::not_connected: return error_codes::not_connected;
    case std::errc::network_unreachable:
    case std::errc::host_unreachable:
    case std::errc::network_down: return error_codes::network_unreachable;
    case std::errc::address_in_use:
    case std::errc::address_not_available:
    case std::errc::permission_denied: return error_codes::bind_failed;
    case std::errc::operation_canceled: return error_codes::operation_canceled;
    case std::errc::message_size: return error_codes::message_too_large;
    case std::errc::invalid_argument: return error_codes::invalid_argument;
    case std::errc::too_many_files_open:
    case std::errc::too_many_files_open_in_system: return error_codes::accept_failed;
    default: return fallback;
  }
}

namespace {
std::string join_operation(std::string_view operation, std::string_view endpoint,
                           std::string_view what) {
  std::string out;
  out.reserve(operation.size() + endpoint.size() + what.size() + 3);
  out.append(operation);
  if (!endpoint.empty()) {
    out.push_back(' ');
    out.append(endpoint);
  }
  out.append(": ");
  out.append(what);
  return out;
}
}  // namespace

error_info make_error_info(const std::error_code& ec, std::string_view operation,
                           std::string_view endpoint, std::string_view source, int fallback) {
  error_info info;
  info.code = to_error_code(ec, fallback);
  if (info.code == 0) info.code = fallback;
  info.message = join_operation(operation, endpoint, ec.message());
  info.source = std::string(source);
  info.details = std::string(ec.category().name()) + ":" + std::to_string(ec.value());
  return info;
}

error_info make_error_info(int code, std::string_view operation, std::string_view endpoint,
                           std::string_view what, std::string_view source) {
  return error_info{code, join_operation(operation, endpoint, what), std::string(source), {}};
}

}  // namespace network_system
