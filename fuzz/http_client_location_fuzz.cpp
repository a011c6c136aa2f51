// libFuzzer target for what http_client makes of a server's words before it acts on them: the
// redirect rules (resolve_location, method_after_redirect) and the cookie jar (store,
// cookie_header).
//
// Input: split at its first 0x00 into a base URL and a Location / Set-Cookie value (no 0x00:
// the base is "http://a.example/b/c?q").
//
// Invariants checked (abort on violation):
//   - resolve_location fails only with http_invalid_url; what it returns is an http or https
//     URL with a path that starts with '/', holds no "." or ".." segment and no fragment;
//     written out again it parses to the same URL, and resolving that text against any base
//     gives it back (an absolute Location is taken as it is);
//   - the method after any redirect status is the method or GET (HEAD stays HEAD);
//   - a cookie the jar stored comes back only to its own host and its subdomains, and the
//     Cookie header holds no CR, LF or NUL (no field injection through a Set-Cookie).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_require.h"
#include "http/client/redirect.h"
#include "network_system/core/error_codes.h"
#include "network_system/http/http_client_cookies.h"
#include "network_system/protocol/http/url.h"

namespace {

namespace nh = network_system::protocol::http;
namespace detail = network_system::http::detail;
using fuzz_support::require;

std::string text_of(const nh::url& u) {
  std::string s = u.scheme + "://" + u.authority() + u.target();
  return s;
}

void check_location(const nh::url& base, std::string_view location) {
  auto r = detail::resolve_location(base, location);
  if (r.is_err()) {
    require(r.error().code == network_system::error_codes::http_invalid_url,
            "resolve_location: unexpected error code");
    return;
  }
  const auto& u = r.value();
  require(u.scheme == "http" || u.scheme == "https", "resolved: not http(s)");
  require(!u.path.empty() && u.path.front() == '/', "resolved: path does not start with '/'");
  require(!u.has_fragment, "resolved: a fragment is kept");
  require(u.path.find("/./") == std::string::npos && u.path.find("/../") == std::string::npos &&
              !u.path.ends_with("/.") && !u.path.ends_with("/.."),
          "resolved: dot segments left");
  const auto text = text_of(u);
  auto again = nh::parse_url(text);
  require(again.is_ok(), "resolved URL does not parse again");
  require(text_of(again.value()) == text, "resolved URL changes when parsed again");
  auto idem = detail::resolve_location(base, text);
  require(idem.is_ok() && text_of(idem.value()) == text, "absolute Location not taken as is");
  for (int status : {301, 302, 303, 307, 308}) {
    for (const char* m : {"GET", "HEAD", "POST", "PUT"}) {
      const auto after = detail::method_after_redirect(status, m);
      require(after.method == m || after.method == "GET" ||
                  (std::string_view(m) == "HEAD" && after.method == "HEAD"),
              "method_after_redirect: a method out of nowhere");
    }
  }
}

void check_cookie(const nh::url& base, std::string_view set_cookie) {
  network_system::http::cookie_jar jar;
  const bool stored = jar.store(base, set_cookie);
  const auto header = jar.cookie_header(base);
  require(header.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
          "Cookie header with CR, LF or NUL");
  for (const auto& c : jar.cookies()) {
    require(stored, "a cookie stored although store() refused it");
    require(network_system::http::cookie_jar::domain_match(base.host, c.domain),
            "a cookie for a domain the host does not match");
    require(!c.path.empty() && c.path.front() == '/', "a cookie path not starting with '/'");
  }
  auto other = nh::parse_url("http://unrelated.invalid/");
  require(jar.cookie_header(other.value()).empty() ||
              network_system::http::cookie_jar::domain_match("unrelated.invalid",
                                                              jar.cookies().front().domain),
          "a cookie sent to an unrelated host");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nul = in.find('\0');
  std::string_view base_text = "http://a.example/b/c?q";
  std::string_view value = in;
  if (nul != std::string_view::npos) {
    base_text = in.substr(0, nul);
    value = in.substr(nul + 1);
  }
  auto base = nh::parse_url(base_text);
  if (base.is_err() || (base.value().scheme != "http" && base.value().scheme != "https")) {
    return 0;
  }
  check_location(base.value(), value);
  check_cookie(base.value(), value);
  return 0;
}
