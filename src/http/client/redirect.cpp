#include "http/client/redirect.h"

#include "network_system/core/error_codes.h"

namespace network_system::http::detail {

namespace {
constexpr const char* source = "http_client";

std::string scheme_authority(const protocol::http::url& u) {
  std::string s = u.scheme + "://";
  if (u.host_is_ipv6) {
    s += "[" + u.host + "]";
  } else {
    s += u.host;
  }
  if (u.port != protocol::http::default_port(u.scheme)) s += ":" + std::to_string(u.port);
  return s;
}

bool has_scheme(std::string_view ref) noexcept {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const char c = ref[i];
    if (c == ':') return i > 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool ok = alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return false;
  }
  return false;
}
}  // namespace

bool is_redirect_status(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const auto slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const auto next = in.find('/', in.front() == '/' ? 1 : 0);
      const auto seg = in.substr(0, next);
      out += seg;
      in.remove_prefix(seg.size());
    }
  }
  return out;
}

Result<protocol::http::url> resolve_location(const protocol::http::url& base,
                                             std::string_view location) {
  while (!location.empty() && (location.front() == ' ' || location.front() == '\t')) {
    location.remove_prefix(1);
  }
  while (!location.empty() && (location.back() == ' ' || location.back() == '\t')) {
    location.remove_suffix(1);
  }
  if (const auto hash = location.find('#'); hash != std::string_view::npos) {
    location = location.substr(0, hash);
  }
  std::string target;
  if (has_scheme(location)) {
    target = std::string(location);
  } else if (location.starts_with("//")) {
    target = base.scheme + ":" + std::string(location);
  } else {
    std::string_view path = location;
    std::string_view query;
    bool has_query = false;
    if (const auto q = path.find('?'); q != std::string_view::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
      has_query = true;
    }
    std::string merged;
    if (path.empty()) {
      merged = base.path;  // "?q" or "": the same path
      if (!has_query && base.has_query) {
        query = base.query;
        has_query = true;
      }
    } else if (path.front() == '/') {
      merged = remove_dot_segments(path);
    } else {
      const auto slash = base.path.rfind('/');
      merged = remove_dot_segments(base.path.substr(0, slash + 1) + std::string(path));
    }
    if (merged.empty() || merged.front() != '/') merged.insert(merged.begin(), '/');
    target = scheme_authority(base) + merged;
    if (has_query) {
      target += '?';
      target += query;
    }
  }
  auto u = protocol::http::parse_url(target);
  if (u.is_err()) {
    return error<protocol::http::url>(error_codes::http_invalid_url,
                                      "redirect: Location '" + std::string(location) +
                                          "': " + u.error().message,
                                      source);
  }
  auto v = std::move(u).value();
  if (v.scheme != "http" && v.scheme != "https") {
    return error<protocol::http::url>(error_codes::http_invalid_url,
                                      "redirect: Location '" + std::string(location) +
                                          "' is not an http or https URL",
                                      source);
  }
  v.path = remove_dot_segments(v.path);
  if (v.path.empty()) v.path = "/";
  v.fragment.clear();
  v.has_fragment = false;
  return v;
}

bool same_origin(const protocol::http::url& a, const protocol::http::url& b) noexcept {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

redirect_method method_after_redirect(int status, std::string_view method) {
  if (status == 303) {
    if (method == "HEAD") return {"HEAD", false};
    return {"GET", false};
  }
  if ((status == 301 || status == 302) && method == "POST") return {"GET", false};
  return {std::string(method), true};
}

void strip_for_redirect(protocol::http::http_fields& fields, bool cross_origin,
                        bool body_dropped) {
  fields.erase("Host");
  if (body_dropped) {
    fields.erase("Content-Type");
    fields.erase("Content-Length");
    fields.erase("Content-Encoding");
    fields.erase("Transfer-Encoding");
  }
  if (cross_origin) {
    fields.erase("Authorization");
    fields.erase("Cookie");
    fields.erase("Proxy-Authorization");
  }
}

}  // namespace network_system::http::detail
