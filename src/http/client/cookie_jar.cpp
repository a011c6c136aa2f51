#include "network_system/http/http_client_cookies.h"

#include <algorithm>
#include <map>

#include <arpa/inet.h>

#include "network_system/protocol/http/cookie.h"

namespace network_system::http {

namespace {
constexpr std::size_t max_per_domain = 50;
constexpr std::size_t max_total = 3000;

bool is_ip(std::string_view host) {
  const std::string h(host);
  unsigned char buf[16];
  return ::inet_pton(AF_INET, h.c_str(), buf) == 1 || ::inet_pton(AF_INET6, h.c_str(), buf) == 1;
}
}  // namespace

bool cookie_jar::domain_match(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  if (is_ip(host) || domain.empty() || host.size() <= domain.size()) return false;
  return host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.';
}

bool cookie_jar::path_match(std::string_view request_path, std::string_view cookie_path) {
  if (request_path == cookie_path) return true;
  if (!request_path.starts_with(cookie_path)) return false;
  return cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/';
}

std::string cookie_jar::default_path(std::string_view request_path) {
  if (request_path.empty() || request_path.front() != '/') return "/";
  const auto last = request_path.rfind('/');
  if (last == 0) return "/";
  return std::string(request_path.substr(0, last));
}

bool cookie_jar::store(const protocol::http::url& request_url, std::string_view set_cookie,
                       time_point now) {
  auto parsed = protocol::http::parse_set_cookie(set_cookie);
  if (parsed.is_err()) return false;
  const auto& rc = parsed.value();
  stored_cookie c;
  c.name = rc.name;
  c.value = rc.value;
  c.secure = rc.secure;
  c.http_only = rc.http_only;
  if (rc.secure && !request_url.is_secure()) return false;
  if (rc.domain && !rc.domain->empty() && *rc.domain != request_url.host) {
    const auto& d = *rc.domain;
    if (d.find('.') == std::string::npos) return false;  // a single label: a public suffix
    if (!domain_match(request_url.host, d)) return false;
    c.domain = d;
    c.host_only = false;
  } else {
    c.domain = request_url.host;
    c.host_only = true;
  }
  c.path = rc.path ? *rc.path : default_path(request_url.path);
  if (auto e = rc.expiry(now)) c.expires = *e;
  const bool expired = c.expires <= now;

  std::lock_guard lock(mutex_);
  auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const stored_cookie& o) {
    return o.name == c.name && o.domain == c.domain && o.path == c.path;
  });
  if (expired) {
    if (same != cookies_.end()) cookies_.erase(same);
    return true;  // a deletion, as the server asked
  }
  if (same != cookies_.end()) {
    c.created = same->created;  // §5.3 step 11.3: the old creation time stays
    *same = std::move(c);
  } else {
    c.created = next_++;
    cookies_.push_back(std::move(c));
  }
  enforce_limits();
  return true;
}

void cookie_jar::enforce_limits() {
  std::map<std::string, std::size_t> per_domain;
  for (const auto& c : cookies_) ++per_domain[c.domain];
  for (auto& [domain, n] : per_domain) {
    while (n > max_per_domain) {
      auto oldest = cookies_.end();
      for (auto it = cookies_.begin(); it != cookies_.end(); ++it) {
        if (it->domain == domain && (oldest == cookies_.end() || it->created < oldest->created)) {
          oldest = it;
        }
      }
      cookies_.erase(oldest);
      --n;
    }
  }
  while (cookies_.size() > max_total) {
    cookies_.erase(std::min_element(cookies_.begin(), cookies_.end(),
                                    [](const stored_cookie& a, const stored_cookie& b) {
                                      return a.created < b.created;
                                    }));
  }
}

std::string cookie_jar::cookie_header(const protocol::http::url& url, time_point now) {
  std::lock_guard lock(mutex_);
  std::erase_if(cookies_, [now](const stored_cookie& c) { return c.expires <= now; });
  std::vector<const stored_cookie*> chosen;
  for (const auto& c : cookies_) {
    const bool host_ok = c.host_only ? url.host == c.domain : domain_match(url.host, c.domain);
    if (!host_ok || !path_match(url.path, c.path) || (c.secure && !url.is_secure())) continue;
    chosen.push_back(&c);
  }
  std::stable_sort(chosen.begin(), chosen.end(), [](const stored_cookie* a, const stored_cookie* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    return a->created < b->created;
  });
  std::string out;
  for (const auto* c : chosen) {
    if (!out.empty()) out += "; ";
    out += c->name;
    out += '=';
    out += c->value;
  }
  return out;
}

std::vector<stored_cookie> cookie_jar::cookies() const {
  std::lock_guard lock(mutex_);
  return cookies_;
}

void cookie_jar::clear() {
  std::lock_guard lock(mutex_);
  cookies_.clear();
}

}  // namespace network_system::http
