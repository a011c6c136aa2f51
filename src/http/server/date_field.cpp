#include "http/server/date_field.h"

#include <chrono>

#include "network_system/protocol/http/http_date.h"

namespace network_system::http::detail {

namespace {
struct date_cache {
  std::chrono::sys_seconds second{std::chrono::seconds(-1)};
  char text[protocol::http::http_date_length] = {};
};
thread_local date_cache cache;
}  // namespace

std::string_view current_date_field() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (now != cache.second) {
    protocol::http::format_http_date(now, std::span<char, protocol::http::http_date_length>(cache.text));
    cache.second = now;
  }
  return {cache.text, sizeof cache.text};
}

}  // namespace network_system::http::detail
