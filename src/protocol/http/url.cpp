#include "network_system/protocol/http/url.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::http {

namespace {

constexpr std::string_view source = "http::url";

template <typename T>
Result<T> fail(std::string message) {
  return error<T>(error_codes::http_invalid_url, std::move(message), std::string(source));
}

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) noexcept {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}
bool is_pchar_plain(char c) noexcept {
  return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A '%' at `i` followed by two hex digits.
bool valid_escape(std::string_view s, std::size_t i) noexcept {
  return i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

// Checks path/query/fragment characters: pchar, '/', plus '?' where allowed, and that every
// '%' has two hex digits. Returns the offset of the first bad byte, or npos.
std::size_t find_bad_char(std::string_view s, bool allow_question) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (!valid_escape(s, i)) return i;
      i += 2;
      continue;
    }
    if (is_pchar_plain(c) || c == '/' || (allow_question && c == '?')) continue;
    return i;
  }
  return std::string_view::npos;
}

std::string describe_byte(std::string_view s, std::size_t at) {
  const auto c = static_cast<unsigned char>(s[at]);
  std::string out = "at offset " + std::to_string(at) + ": ";
  if (c == '%') return out + "'%' not followed by two hex digits";
  if (c >= 0x21 && c < 0x7F) return out + "character '" + std::string(1, s[at]) + "' not allowed";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return out + "byte " + buf + " not allowed";
}

Result<std::uint16_t> parse_port(std::string_view text, std::uint16_t fallback) {
  if (text.empty()) return fallback;
  if (text.size() > 5) return fail<std::uint16_t>("port '" + std::string(text) + "' out of range");
  unsigned v = 0;
  for (char c : text) {
    if (!is_digit(c))
      return fail<std::uint16_t>("port '" + std::string(text) + "' is not a number");
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v == 0 || v > 65535)
    return fail<std::uint16_t>("port " + std::to_string(v) + " out of range");
  return static_cast<std::uint16_t>(v);
}

VoidResult parse_authority(std::string_view auth, const url_options& options, url& out) {
  const auto at = auth.rfind('@');
  if (at != std::string_view::npos) {
    if (!options.allow_userinfo) {
      return error_void(error_codes::http_invalid_url,
                        "parse URL: userinfo (user:password@) is not accepted",
                        std::string(source));
    }
    const auto info = auth.substr(0, at);
    for (std::size_t i = 0; i < info.size(); ++i) {
      const char c = info[i];
      if (c == '%') {
        if (!valid_escape(info, i)) {
          return error_void(error_codes::http_invalid_url, "parse URL: bad '%' escape in userinfo",
                            std::string(source));
        }
        i += 2;
      } else if (!is_unreserved(c) && !is_sub_delim(c) && c != ':') {
        return error_void(error_codes::http_invalid_url,
                          "parse URL: userinfo " + describe_byte(info, i), std::string(source));
      }
    }
    out.userinfo = std::string(info);
    auth.remove_prefix(at + 1);
  }
  std::string_view host;
  std::string_view port_text;
  if (!auth.empty() && auth.front() == '[') {
    const auto close = auth.find(']');
    if (close == std::string_view::npos) {
      return error_void(error_codes::http_invalid_url, "parse URL: '[' without ']' in the host",
                        std::string(source));
    }
    host = auth.substr(1, close - 1);
    const auto rest = auth.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return error_void(error_codes::http_invalid_url, "parse URL: junk after the IPv6 literal",
                        std::string(source));
    }
    if (!rest.empty()) port_text = rest.substr(1);
    std::array<char, 64> text{};
    std::array<unsigned char, 16> bin{};
    if (host.empty() || host.size() >= text.size()) {
      return error_void(error_codes::http_invalid_url, "parse URL: bad IPv6 literal",
                        std::string(source));
    }
    std::memcpy(text.data(), host.data(), host.size());
    if (::inet_pton(AF_INET6, text.data(), bin.data()) != 1) {
      return error_void(error_codes::http_invalid_url,
                        "parse URL: '" + std::string(host) + "' is not an IPv6 address",
                        std::string(source));
    }
    out.host_is_ipv6 = true;
  } else {
    const auto colon = auth.find(':');
    host = auth.substr(0, colon);
    if (colon != std::string_view::npos) port_text = auth.substr(colon + 1);
    if (host.empty()) {
      return error_void(error_codes::http_invalid_url, "parse URL: empty host",
                        std::string(source));
    }
    for (std::size_t i = 0; i < host.size(); ++i) {
      if (!is_unreserved(host[i])) {
        return error_void(error_codes::http_invalid_url,
                          "parse URL: host " + describe_byte(host, i), std::string(source));
      }
    }
  }
  out.host = to_lower(host);
  auto port = parse_port(port_text, default_port(out.scheme));
  if (port.is_err()) return VoidResult(port.error());
  out.port = port.value();
  out.port_explicit = !port_text.empty();
  return ok();
}

}  // namespace

bool url::is_secure() const noexcept { return scheme == "https" || scheme == "wss"; }

std::string url::target() const {
  std::string out = path.empty() ? std::string("/") : path;
  if (has_query) {
    out += '?';
    out += query;
  }
  return out;
}

std::string url::authority() const {
  std::string out = host_is_ipv6 ? "[" + host + "]" : host;
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::uint16_t default_port(std::string_view scheme) noexcept {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return 0;
}

Result<url> parse_url(std::string_view text, url_options options) {
  url out;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return fail<url>("parse URL: no scheme");
  out.scheme = to_lower(text.substr(0, colon));
  if (default_port(out.scheme) == 0) {
    return fail<url>("parse URL: unsupported scheme '" + out.scheme + "'");
  }
  text.remove_prefix(colon + 1);
  if (text.substr(0, 2) != "//") return fail<url>("parse URL: '//' and an authority expected");
  text.remove_prefix(2);

  const auto auth_end = text.find_first_of("/?#");
  const auto auth = text.substr(0, auth_end);
  if (auto r = parse_authority(auth, options, out); r.is_err()) return Result<url>(r.error());
  text = auth_end == std::string_view::npos ? std::string_view{} : text.substr(auth_end);

  if (const auto hash = text.find('#'); hash != std::string_view::npos) {
    const auto frag = text.substr(hash + 1);
    if (const auto bad = find_bad_char(frag, true); bad != std::string_view::npos) {
      return fail<url>("parse URL: fragment " + describe_byte(frag, bad));
    }
    out.fragment = std::string(frag);
    out.has_fragment = true;
    text = text.substr(0, hash);
  }
  if (const auto q = text.find('?'); q != std::string_view::npos) {
    const auto query = text.substr(q + 1);
    if (const auto bad = find_bad_char(query, true); bad != std::string_view::npos) {
      return fail<url>("parse URL: query " + describe_byte(query, bad));
    }
    out.query = std::string(query);
    out.has_query = true;
    text = text.substr(0, q);
  }
  if (const auto bad = find_bad_char(text, false); bad != std::string_view::npos) {
    return fail<url>("parse URL: path " + describe_byte(text, bad));
  }
  out.path = text.empty() ? std::string("/") : std::string(text);
  return out;
}

Result<origin_form> parse_origin_form(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return fail<origin_form>("parse request target: must start with '/'");
  }
  origin_form out;
  std::string_view path = target;
  if (const auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    out.query = target.substr(q + 1);
    out.has_query = true;
    if (const auto bad = find_bad_char(out.query, true); bad != std::string_view::npos) {
      return fail<origin_form>("parse request target: query " + describe_byte(out.query, bad));
    }
  }
  if (const auto bad = find_bad_char(path, false); bad != std::string_view::npos) {
    return fail<origin_form>("parse request target: path " + describe_byte(path, bad));
  }
  out.path = path;
  return out;
}

Result<std::string> percent_decode(std::string_view text, percent_decode_options options) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  for (;;) {
    // The run of bytes copied as they are, in one append (most paths are one run).
    std::size_t j = i;
    while (j < text.size() && text[j] != '%' && text[j] != '\0' &&
           !(text[j] == '+' && options.plus_as_space)) {
      ++j;
    }
    out.append(text.data() + i, j - i);
    if (j == text.size()) return out;
    const char c = text[j];
    if (c == '%') {
      if (!valid_escape(text, j)) {
        return fail<std::string>("percent-decode: bad '%' escape at offset " + std::to_string(j));
      }
      const char d = static_cast<char>(hex_value(text[j + 1]) * 16 + hex_value(text[j + 2]));
      if (d == '\0' && !options.allow_nul) {
        return fail<std::string>("percent-decode: %00 (NUL) at offset " + std::to_string(j));
      }
      out += d;
      i = j + 3;
    } else if (c == '+') {  // only stops the run with plus_as_space
      out += ' ';
      i = j + 1;
    } else {  // NUL
      if (!options.allow_nul) {
        return fail<std::string>("percent-decode: NUL at offset " + std::to_string(j));
      }
      out += c;
      i = j + 1;
    }
  }
}

std::string percent_encode(std::string_view text, percent_encode_set set) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const bool keep =
        is_unreserved(c) || (set == percent_encode_set::path && (c == '/' || is_pchar_plain(c)));
    if (keep) {
      out += c;
    } else if (set == percent_encode_set::form && c == ' ') {
      out += '+';
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += hex[b >> 4];
      out += hex[b & 0x0F];
    }
  }
  return out;
}

Result<std::vector<query_param>> parse_query(std::string_view query, query_options options) {
  std::vector<query_param> out;
  const percent_decode_options dec{.plus_as_space = options.plus_as_space, .allow_nul = true};
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    if (out.size() == options.max_params) {
      return fail<std::vector<query_param>>("parse query: more than " +
                                            std::to_string(options.max_params) + " parameters");
    }
    const auto eq = piece.find('=');
    auto name = percent_decode(piece.substr(0, eq), dec);
    if (name.is_err()) return Result<std::vector<query_param>>(name.error());
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1), dec);
    if (value.is_err()) return Result<std::vector<query_param>>(value.error());
    out.push_back({std::move(name).value(), std::move(value).value()});
  }
  return out;
}

Result<std::string> resolve_under_root(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return fail<std::string>("resolve path: must start with '/'");
  }
  // Encoded separators and terminators are refused before decoding, so that no decoded byte
  // can be taken for structure the raw path did not show.
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\') return fail<std::string>("resolve path: backslash in the path");
    if (path[i] == '\0') return fail<std::string>("resolve path: NUL in the path");
    if (path[i] == '%' && i + 2 < path.size()) {
      const char a = path[i + 1];
      const char b = lower(path[i + 2]);
      if (a == '2' && b == 'f') return fail<std::string>("resolve path: encoded '/' (%2F)");
      if (a == '5' && b == 'c') return fail<std::string>("resolve path: encoded backslash (%5C)");
    }
  }
  auto decoded = percent_decode(path, {.plus_as_space = false, .allow_nul = false});
  if (decoded.is_err()) {
    return fail<std::string>("resolve path: " + decoded.error().message);
  }
  std::vector<std::string_view> segments;
  std::string_view rest = decoded.value();
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (segments.empty()) return fail<std::string>("resolve path: '..' climbs above the root");
      segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  std::string out;
  for (const auto& seg : segments) {
    if (!out.empty()) out += '/';
    out += seg;
  }
  return out;
}

bool path_escapes_root(std::string_view path) { return resolve_under_root(path).is_err(); }

}  // namespace network_system::protocol::http
