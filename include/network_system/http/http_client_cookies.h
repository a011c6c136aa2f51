#pragma once
// cookie_jar: the cookie store of an http_client (RFC 6265 §5.3 storage model, §5.4 Cookie
// header), optional: set http_client_config::cookies to one, shared by as many clients as
// should share cookies.
//
//   auto jar = std::make_shared<http::cookie_jar>();
//   http::http_client_config cfg;
//   cfg.cookies = jar;                       // Set-Cookie stored, Cookie sent, by origin
//
// Rules kept:
//   - Domain: a cookie without Domain goes back only to the host that set it (host-only); with
//     Domain=d it goes to d and its subdomains, and is refused unless the request host is d or
//     a subdomain of it. A Domain of a single label ("com", "local") is refused unless it is
//     the host itself. The Public Suffix List is not consulted: a Domain such as "co.uk" from
//     a host under it is accepted (keep the jar to hosts you trust with shared cookies).
//     IP-address hosts only ever get host-only cookies.
//   - Path: the Path attribute, else the default path of the request (§5.1.4); sent to paths
//     that path-match it (§5.1.4).
//   - Secure: sent only over https; a Secure cookie set over http is refused (RFC 6265bis).
//   - Expiry: Max-Age wins over Expires; a cookie already expired deletes the stored one of the
//     same name, domain and path; expired cookies are dropped when found. Session cookies live
//     as long as the jar.
//   - Order: longer paths first, then older cookies first (§5.4 step 2).
//   - Limits: 50 cookies per domain, 3000 in all; past them the least recently stored go.
//   - HttpOnly and SameSite are kept but change nothing for a non-browser client.
//
// Thread-safety: every method may be called from any thread (one mutex).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/protocol/http/url.h"

namespace network_system::http {

struct stored_cookie {
  std::string name;
  std::string value;
  std::string domain;  ///< lower-case; the host itself for a host-only cookie
  std::string path;
  bool host_only = true;
  bool secure = false;
  bool http_only = false;
  /// time_point::max() for a session cookie.
  std::chrono::system_clock::time_point expires = std::chrono::system_clock::time_point::max();
  std::uint64_t created = 0;  ///< storage order (§5.4 ties)
};

class cookie_jar {
 public:
  using time_point = std::chrono::system_clock::time_point;

  /// Stores what one Set-Cookie value says, for a response to `request_url`. Returns false
  /// when the cookie was refused or did not parse (nothing changes then).
  bool store(const protocol::http::url& request_url, std::string_view set_cookie,
             time_point now = std::chrono::system_clock::now());
  /// The Cookie header value for a request to `url` ("a=1; b=2"), empty when none applies.
  [[nodiscard]] std::string cookie_header(const protocol::http::url& url,
                                          time_point now = std::chrono::system_clock::now());
  /// A copy of every cookie stored (expired ones included until they are found).
  [[nodiscard]] std::vector<stored_cookie> cookies() const;
  void clear();

  /// RFC 6265 §5.1.3: `host` is `domain` or ends with "." + domain (and is not an IP address).
  [[nodiscard]] static bool domain_match(std::string_view host, std::string_view domain);
  /// RFC 6265 §5.1.4 path-match.
  [[nodiscard]] static bool path_match(std::string_view request_path, std::string_view cookie_path);
  /// RFC 6265 §5.1.4 default-path of a request path.
  [[nodiscard]] static std::string default_path(std::string_view request_path);

 private:
  void enforce_limits();

  mutable std::mutex mutex_;
  std::vector<stored_cookie> cookies_;
  std::uint64_t next_ = 0;
};

}  // namespace network_system::http
