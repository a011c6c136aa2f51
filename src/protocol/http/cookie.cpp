#include "network_system/protocol/http/cookie.h"

#include "network_system/protocol/http/http_date.h"

#include <array>
#include <cstdio>
#include <limits>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::http {

namespace {

constexpr std::string_view source = "http::cookie";

template <typename T>
Result<T> fail(std::string message) {
  return error<T>(error_codes::http_invalid_cookie, std::move(message), std::string(source));
}

bool is_ctl(unsigned char c) noexcept { return (c < 0x20 && c != '\t') || c == 0x7F; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool is_tchar(char c) noexcept {
  return is_alpha(c) || is_digit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}
// RFC 6265 §4.1.1 cookie-octet: printable US-ASCII except DQUOTE, ',', ';', '\\' and space.
bool is_cookie_octet(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::size_t> find_ctl(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_ctl(static_cast<unsigned char>(s[i]))) return i;
  }
  return std::nullopt;
}

std::string at(std::size_t offset) { return " at offset " + std::to_string(offset); }

// --- cookie-date (RFC 6265 §5.1.1) -----------------------------------------------------------

bool is_date_delimiter(unsigned char c) noexcept {
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) ||
         (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

// Leading digits of `s` (between min and max of them) followed by end or a non-digit.
std::optional<int> leading_number(std::string_view& s, std::size_t min, std::size_t max) {
  std::size_t n = 0;
  int v = 0;
  while (n < s.size() && is_digit(s[n])) {
    if (n == max) return std::nullopt;
    v = v * 10 + (s[n] - '0');
    ++n;
  }
  if (n < min) return std::nullopt;
  s.remove_prefix(n);
  return v;
}

bool match_time(std::string_view t, int& h, int& m, int& s) {
  auto a = leading_number(t, 1, 2);
  if (!a || t.empty() || t.front() != ':') return false;
  t.remove_prefix(1);
  auto b = leading_number(t, 1, 2);
  if (!b || t.empty() || t.front() != ':') return false;
  t.remove_prefix(1);
  auto c = leading_number(t, 1, 2);
  if (!c) return false;
  h = *a;
  m = *b;
  s = *c;
  return true;
}

int match_month(std::string_view t) {
  static constexpr std::array<std::string_view, 12> months = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (t.size() < 3) return 0;
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (iequals(t.substr(0, 3), months[i])) return static_cast<int>(i) + 1;
  }
  return 0;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_cookie_date(std::string_view text) {
  bool found_time = false, found_day = false, found_month = false, found_year = false;
  int hour = 0, minute = 0, second = 0, day = 0, month = 0, year = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_date_delimiter(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_date_delimiter(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view token = text.substr(start, i - start);
    if (token.empty()) continue;
    if (!found_time && match_time(token, hour, minute, second)) {
      found_time = true;
      continue;
    }
    std::string_view t = token;
    if (!found_day) {
      if (auto d = leading_number(t, 1, 2)) {
        found_day = true;
        day = *d;
        continue;
      }
    }
    if (!found_month) {
      if (const int mo = match_month(token)) {
        found_month = true;
        month = mo;
        continue;
      }
    }
    t = token;
    if (!found_year) {
      if (auto y = leading_number(t, 2, 4)) {
        found_year = true;
        year = *y;
        continue;
      }
    }
  }
  if (year >= 70 && year <= 99) year += 1900;
  if (year >= 0 && year <= 69) year += 2000;
  if (!found_time || !found_day || !found_month || !found_year) return std::nullopt;
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;  // Feb 30 and friends (§5.1.1 step 5)
  using namespace std::chrono;
  const sys_seconds at = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second};
  // system_clock counts nanoseconds in 64 bits here (years 1677..2262); clamp instead of
  // overflowing, which keeps "far past" and "far future" meaning what the server meant.
  using tp = system_clock::time_point;
  if (at <= floor<seconds>(tp::min())) return tp::min();
  if (at >= floor<seconds>(tp::max())) return tp::max();
  return time_point_cast<system_clock::duration>(at);
}

std::string format_imf_fixdate(std::chrono::system_clock::time_point t) {
  // Every time a system_clock::time_point holds has a four-digit year: http_date.h formats it.
  return format_http_date(t);
}

Result<std::vector<cookie_pair>> parse_cookie_header(std::string_view header,
                                                     cookie_parse_limits limits) {
  if (const auto ctl = find_ctl(header)) {
    return fail<std::vector<cookie_pair>>("parse Cookie: control byte" + at(*ctl));
  }
  std::vector<cookie_pair> out;
  std::size_t offset = 0;
  while (offset <= header.size()) {
    const auto semi = header.find(';', offset);
    const auto end = semi == std::string_view::npos ? header.size() : semi;
    const auto piece = trim(header.substr(offset, end - offset));
    const std::size_t piece_at = offset;
    offset = end + 1;
    const auto eq = piece.find('=');
    if (piece.empty() || eq == std::string_view::npos) continue;
    const auto name = trim(piece.substr(0, eq));
    auto value = trim(piece.substr(eq + 1));
    if (name.empty()) continue;
    if (!is_token(name)) {
      return fail<std::vector<cookie_pair>>("parse Cookie: name '" + std::string(name) +
                                            "' is not a token" + at(piece_at));
    }
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.find('"') != std::string_view::npos) {
      return fail<std::vector<cookie_pair>>("parse Cookie: stray DQUOTE in the value of '" +
                                            std::string(name) + "'");
    }
    if (out.size() == limits.max_cookies) {
      return error<std::vector<cookie_pair>>(
          error_codes::http_headers_too_large,
          "parse Cookie: more than " + std::to_string(limits.max_cookies) + " cookies",
          std::string(source));
    }
    out.push_back({std::string(name), std::string(value)});
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> received_cookie::expiry(
    std::chrono::system_clock::time_point now) const {
  using clock = std::chrono::system_clock;
  if (max_age) {
    if (*max_age <= 0) return clock::time_point::min();
    const auto room =
        std::chrono::duration_cast<std::chrono::seconds>(clock::time_point::max() - now);
    if (*max_age >= room.count()) return clock::time_point::max();
    return now + std::chrono::seconds{*max_age};
  }
  return expires;
}

Result<received_cookie> parse_set_cookie(std::string_view header, set_cookie_parse_limits limits) {
  if (const auto ctl = find_ctl(header)) {
    return fail<received_cookie>("parse Set-Cookie: control byte" + at(*ctl));
  }
  const auto semi = header.find(';');
  const auto pair = header.substr(0, semi);
  std::string_view attrs =
      semi == std::string_view::npos ? std::string_view{} : header.substr(semi);
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos) {
    return fail<received_cookie>("parse Set-Cookie: no '=' in the name-value pair");
  }
  received_cookie c;
  const auto name = trim(pair.substr(0, eq));
  const auto value = trim(pair.substr(eq + 1));
  if (name.empty()) return fail<received_cookie>("parse Set-Cookie: empty cookie name");
  if (name.size() + value.size() > limits.max_name_value_bytes) {
    return fail<received_cookie>("parse Set-Cookie: name and value longer than " +
                                 std::to_string(limits.max_name_value_bytes) + " bytes");
  }
  c.name = std::string(name);
  c.value = std::string(value);

  while (!attrs.empty()) {
    attrs.remove_prefix(1);  // the ';'
    const auto next = attrs.find(';');
    const auto av = attrs.substr(0, next);
    attrs = next == std::string_view::npos ? std::string_view{} : attrs.substr(next);
    const auto aeq = av.find('=');
    const auto key = trim(av.substr(0, aeq));
    const auto val = aeq == std::string_view::npos ? std::string_view{} : trim(av.substr(aeq + 1));
    if (val.size() > limits.max_attribute_value_bytes) continue;
    if (iequals(key, "expires")) {
      if (auto t = parse_cookie_date(val)) c.expires = *t;
    } else if (iequals(key, "max-age")) {
      if (val.empty() || !(is_digit(val.front()) || val.front() == '-')) continue;
      const bool negative = val.front() == '-';
      const auto digits = negative ? val.substr(1) : val;
      if (digits.empty()) continue;
      std::int64_t n = 0;
      bool number = true;
      for (char d : digits) {
        if (!is_digit(d)) {
          number = false;
          break;
        }
        // Saturate: a huge Max-Age means "never" and a huge negative one "now".
        constexpr auto max = std::numeric_limits<std::int64_t>::max();
        n = n > (max - (d - '0')) / 10 ? max : n * 10 + (d - '0');
      }
      if (number) c.max_age = negative ? -n : n;
    } else if (iequals(key, "domain")) {
      if (val.empty()) continue;
      std::string d(val.front() == '.' ? val.substr(1) : val);
      for (auto& ch : d) ch = lower(ch);
      c.domain = std::move(d);
    } else if (iequals(key, "path")) {
      if (val.empty() || val.front() != '/') {
        c.path.reset();  // the default-path applies (§5.2.4)
      } else {
        c.path = std::string(val);
      }
    } else if (iequals(key, "secure")) {
      c.secure = true;
    } else if (iequals(key, "httponly")) {
      c.http_only = true;
    } else if (iequals(key, "samesite")) {
      if (iequals(val, "strict")) {
        c.same_site = same_site_policy::strict;
      } else if (iequals(val, "lax")) {
        c.same_site = same_site_policy::lax;
      } else if (iequals(val, "none")) {
        c.same_site = same_site_policy::none;
      } else {
        c.same_site = same_site_policy::unspecified;
      }
    }
  }
  return c;
}

namespace {

bool valid_domain(std::string_view d) noexcept {
  if (d.empty() || d.size() > 253) return false;
  std::size_t label = 0;
  for (char c : d) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (is_alpha(c) || is_digit(c) || c == '-') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label != 0;
}

}  // namespace

Result<std::string> set_cookie::serialize() const {
  if (!is_token(name)) {
    return fail<std::string>("build Set-Cookie: name '" + name + "' is not a token");
  }
  std::string_view v = value;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!is_cookie_octet(v[i])) {
      return fail<std::string>("build Set-Cookie '" + name + "': value byte not allowed" + at(i));
    }
  }
  if (max_age && max_age->count() < 0) {
    return fail<std::string>("build Set-Cookie '" + name + "': negative Max-Age");
  }
  if (expires) {
    using namespace std::chrono;
    const auto y = year_month_day{floor<days>(*expires)}.year();
    if (y < year{1601} || y > year{9999}) {
      return fail<std::string>("build Set-Cookie '" + name + "': Expires year outside 1601..9999");
    }
  }
  if (!path.empty()) {
    if (path.front() != '/') {
      return fail<std::string>("build Set-Cookie '" + name + "': Path must start with '/'");
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (is_ctl(static_cast<unsigned char>(path[i])) || path[i] == ';' || path[i] == '\t') {
        return fail<std::string>("build Set-Cookie '" + name + "': Path byte not allowed" + at(i));
      }
    }
  }
  std::string_view dom = domain;
  if (!dom.empty() && dom.front() == '.') dom.remove_prefix(1);
  if (!domain.empty() && !valid_domain(dom)) {
    return fail<std::string>("build Set-Cookie '" + name + "': Domain '" + domain +
                             "' is not a host name");
  }
  if (same_site == same_site_policy::none && !secure) {
    return fail<std::string>("build Set-Cookie '" + name + "': SameSite=None requires Secure");
  }
  const std::string_view n = name;
  if (n.substr(0, 9) == "__Secure-" && !secure) {
    return fail<std::string>("build Set-Cookie '" + name +
                             "': the __Secure- prefix requires Secure");
  }
  if (n.substr(0, 7) == "__Host-" && (!secure || !domain.empty() || path != "/")) {
    return fail<std::string>("build Set-Cookie '" + name +
                             "': the __Host- prefix requires Secure, Path=/ and no Domain");
  }

  std::string out = name + "=" + value;
  if (max_age) out += "; Max-Age=" + std::to_string(max_age->count());
  if (expires) out += "; Expires=" + format_imf_fixdate(*expires);
  if (!dom.empty()) out += "; Domain=" + std::string(dom);
  if (!path.empty()) out += "; Path=" + path;
  if (secure) out += "; Secure";
  if (http_only) out += "; HttpOnly";
  switch (same_site) {
    case same_site_policy::strict:
      out += "; SameSite=Strict";
      break;
    case same_site_policy::lax:
      out += "; SameSite=Lax";
      break;
    case same_site_policy::none:
      out += "; SameSite=None";
      break;
    case same_site_policy::unspecified:
      break;
  }
  return out;
}

}  // namespace network_system::protocol::http
