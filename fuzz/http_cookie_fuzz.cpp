// libFuzzer target for protocol::http cookies: parse_cookie_header, parse_set_cookie,
// parse_cookie_date / format_imf_fixdate and the set_cookie builder.
//
// Input: the whole input is tried as a Cookie header, as a Set-Cookie header and as a
// cookie-date; then it is split at its first 0x00 into a name and a value for the builder.
//
// Invariants checked (abort on violation):
//   - errors are only http_invalid_cookie (and http_headers_too_large for too many cookies);
//   - Cookie: names are tokens, values hold no control byte or DQUOTE, the count is within
//     the limit, and 'n="v"; n="v"' rebuilt from the pairs parses back to the same pairs;
//   - Set-Cookie: the name is non-empty, a path starts with '/', a domain is lower-case;
//     when the parsed cookie serializes, the header parses back to the same cookie;
//   - a cookie-date formats as an IMF-fixdate that parses back to the same second;
//   - whatever serialize() accepts parses back as one cookie with the same name and value and
//     holds no control byte: nothing can be injected through name or value.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/cookie.h"
#include "fuzz_require.h"

namespace {

namespace http = network_system::protocol::http;
namespace error_codes = network_system::error_codes;

using fuzz_support::require;

bool has_ctl(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool t = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!t) return false;
  }
  return true;
}

void check_cookie_header(std::string_view text) {
  constexpr std::size_t limit = 8;
  const auto r = http::parse_cookie_header(text, {.max_cookies = limit});
  if (r.is_err()) {
    require(r.error().code == error_codes::http_invalid_cookie ||
                r.error().code == error_codes::http_headers_too_large,
            "Cookie: unexpected error code");
    return;
  }
  require(r.value().size() <= limit, "Cookie: above max_cookies");
  std::string again;
  for (const auto& p : r.value()) {
    require(is_token(p.name), "Cookie: name is not a token");
    require(!has_ctl(p.value) && p.value.find('"') == std::string::npos, "Cookie: bad value");
    if (!again.empty()) again += "; ";
    again += p.name + "=\"" + p.value + "\"";  // quoted: keeps spaces at the ends
  }
  const auto back = http::parse_cookie_header(again, {.max_cookies = limit});
  require(back.is_ok() && back.value() == r.value(), "Cookie: pairs do not round-trip");
}

void check_set_cookie(std::string_view text) {
  const auto r = http::parse_set_cookie(text);
  if (r.is_err()) {
    require(r.error().code == error_codes::http_invalid_cookie, "Set-Cookie: unexpected error");
    return;
  }
  const auto& c = r.value();
  require(!c.name.empty() && !has_ctl(c.name) && !has_ctl(c.value), "Set-Cookie: bad name/value");
  require(!c.path || (!c.path->empty() && c.path->front() == '/'), "Set-Cookie: bad path");
  if (c.domain) {
    for (char ch : *c.domain) require(!(ch >= 'A' && ch <= 'Z'), "Set-Cookie: domain case");
  }
  http::set_cookie out{.name = c.name,
                       .value = c.value,
                       .path = c.path.value_or(""),
                       .domain = c.domain.value_or(""),
                       .secure = c.secure,
                       .http_only = c.http_only,
                       .same_site = c.same_site};
  if (c.max_age && *c.max_age >= 0 && *c.max_age < (std::int64_t{1} << 40)) {
    out.max_age = std::chrono::seconds{*c.max_age};
  }
  out.expires = c.expires;
  const auto header = out.serialize();
  if (header.is_err()) {
    require(header.error().code == error_codes::http_invalid_cookie, "serialize: unexpected error");
    return;
  }
  const auto back = http::parse_set_cookie(header.value());
  require(back.is_ok(), "serialized Set-Cookie does not parse");
  const auto& b = back.value();
  require(b.name == c.name && b.value == c.value, "round trip: name/value");
  require(b.secure == c.secure && b.http_only == c.http_only && b.same_site == c.same_site,
          "round trip: flags");
  require(b.path == (c.path && !c.path->empty() ? c.path : std::nullopt), "round trip: path");
  require(b.expires == c.expires, "round trip: expires");
  if (out.max_age) require(b.max_age == out.max_age->count(), "round trip: max-age");
}

void check_date(std::string_view text) {
  const auto t = http::parse_cookie_date(text);
  if (!t) return;
  using tp = std::chrono::system_clock::time_point;
  const auto back = http::parse_cookie_date(http::format_imf_fixdate(*t));
  require(back.has_value(), "formatted date does not parse");
  if (*t != tp::min() && *t != tp::max()) require(*back == *t, "date does not round-trip");
}

void check_builder(std::string_view text) {
  const auto nul = text.find('\0');
  const auto name = text.substr(0, nul);
  const auto value = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);
  const http::set_cookie c{.name = std::string(name), .value = std::string(value)};
  const auto header = c.serialize();
  if (header.is_err()) {
    require(header.error().code == error_codes::http_invalid_cookie, "builder: unexpected error");
    return;
  }
  require(!has_ctl(header.value()), "builder: control byte in the header");
  require(header.value().find(';') == std::string::npos, "builder: ';' injected");
  const auto back = http::parse_set_cookie(header.value());
  require(back.is_ok() && back.value().name == name && back.value().value == value,
          "builder: output does not parse back to the same cookie");
  const auto pairs = http::parse_cookie_header(header.value());
  require(pairs.is_ok() && pairs.value().size() == 1 && pairs.value()[0].name == name,
          "builder: output is not one Cookie pair");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_cookie_header(text);
  check_set_cookie(text);
  check_date(text);
  check_builder(text);
  return 0;
}
