#include "network_system/http/request.h"

#include "network_system/core/error_codes.h"

namespace network_system::http {

namespace {

namespace ph = protocol::http;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_connection_option(const ph::http_fields& fields, std::string_view option) {
  // Each Connection line on its own: the same items as the lines joined with ", ".
  for (const auto& f : fields) {
    if (!ph::iequals(f.name, "Connection")) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view item = trim_ows(rest.substr(0, comma));
      if (ph::iequals(item, option)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool starts_with_scheme(std::string_view target, std::string_view scheme) {
  return target.size() > scheme.size() && ph::iequals(target.substr(0, scheme.size()), scheme);
}

error_info target_error(const ph::request_head& head, std::string_view why) {
  return error_info{error_codes::http_invalid_url,
                    "request target \"" + head.target + "\": " + std::string(why), "http::request",
                    {}};
}

}  // namespace

Result<request> request::from_head(ph::request_head head, std::string body) {
  request req;
  std::string_view raw_query;
  bool has_query = false;
  if (head.target == "*" && head.method == "OPTIONS") {
    req.raw_path_ = "*";
  } else if (!head.target.empty() && head.target.front() == '/') {
    auto form = ph::parse_origin_form(head.target);
    if (form.is_err()) return Result<request>(target_error(head, form.error().message));
    req.raw_path_.assign(form.value().path);
    raw_query = form.value().query;
    has_query = form.value().has_query;
  } else if (starts_with_scheme(head.target, "http://") ||
             starts_with_scheme(head.target, "https://")) {
    // Absolute form (RFC 9112 §3.2.2): what a client sends to a proxy; a server must accept
    // it and use its path and query as if they were the origin form.
    auto u = ph::parse_url(head.target);
    if (u.is_err()) return Result<request>(target_error(head, u.error().message));
    // absolute-URI has no fragment (RFC 9112 §3.2.2), as origin-form has none.
    if (u.value().has_fragment) {
      return Result<request>(target_error(head, "a fragment in a request target"));
    }
    req.raw_path_ = u.value().path;
    req.query_string_ = u.value().query;
    has_query = u.value().has_query;
  } else {
    return Result<request>(target_error(head, "not an origin-form or absolute-form target"));
  }
  if (!raw_query.empty()) req.query_string_.assign(raw_query);

  if (req.raw_path_ == "*") {
    req.path_ = "*";
  } else if (req.raw_path_.find_first_of(std::string_view("%\0", 2)) == std::string::npos) {
    req.path_ = req.raw_path_;  // nothing to decode (what percent_decode would return)
  } else {
    // A NUL in a decoded path reaches C APIs (file names, logs) as a terminator: refuse it.
    auto decoded = ph::percent_decode(req.raw_path_, {.plus_as_space = false, .allow_nul = false});
    if (decoded.is_err()) return Result<request>(target_error(head, decoded.error().message));
    req.path_ = std::move(decoded.value());
  }
  if (has_query) {
    auto params = ph::parse_query(req.query_string_);
    if (params.is_err()) return Result<request>(target_error(head, params.error().message));
    req.query_params_ = std::move(params.value());
  }

  // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
  if (head.version.major == 1 && head.version.minor == 0) {
    req.keep_alive_ = has_connection_option(head.fields, "keep-alive");
  } else {
    req.keep_alive_ = !has_connection_option(head.fields, "close");
  }
  req.head_ = std::move(head);
  req.body_ = std::move(body);
  return Result<request>(std::move(req));
}

std::optional<std::string_view> request::query(std::string_view name) const noexcept {
  for (const auto& p : query_params_) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

ph::http_fields& request::headers() noexcept {
  cookies_.reset();
  return head_.fields;
}

const Result<std::vector<ph::cookie_pair>>& request::cookies() const {
  if (!cookies_) {
    const auto values = head_.fields.get_all("Cookie");
    if (values.empty()) {
      cookies_.emplace(std::vector<ph::cookie_pair>{});
    } else if (values.size() == 1) {
      cookies_.emplace(ph::parse_cookie_header(values.front()));
    } else {
      std::string joined;
      for (const auto v : values) {
        if (!joined.empty()) joined += "; ";
        joined += v;
      }
      cookies_.emplace(ph::parse_cookie_header(joined));
    }
  }
  return *cookies_;
}

std::optional<std::string_view> request::cookie(std::string_view name) const {
  const auto& all = cookies();
  if (all.is_err()) return std::nullopt;
  for (const auto& c : all.value()) {
    if (c.name == name) return std::string_view(c.value);
  }
  return std::nullopt;
}

}  // namespace network_system::http
