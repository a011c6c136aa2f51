#include "network_system/protocol/websocket/permessage_deflate.h"

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/http_fields.h"

namespace network_system::protocol::websocket {

namespace {

constexpr std::string_view extension_name = "permessage-deflate";

bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s) {}
  void skip_ows() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  void advance() { ++i_; }
  std::string_view token() {
    const std::size_t start = i_;
    while (i_ < s_.size() && is_tchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // After the opening quote; false when the string does not end.
  bool quoted(std::string& out) {
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        out.push_back(s_[i_++]);
      } else {
        out.push_back(c);
      }
    }
    return false;
  }
  std::size_t pos() const { return i_; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

Result<std::vector<extension>> syntax_error(std::size_t at, std::string_view what) {
  return error<std::vector<extension>>(
      error_codes::ws_extension_error,
      "Sec-WebSocket-Extensions: " + std::string(what) + " at offset " + std::to_string(at),
      "websocket");
}

// "8".."15", no leading zero (RFC 7692 §7.1.2.1).
std::optional<std::uint8_t> window_bits(const std::string& v) {
  if (v.size() == 1 && (v[0] == '8' || v[0] == '9')) return static_cast<std::uint8_t>(v[0] - '0');
  if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') {
    return static_cast<std::uint8_t>(10 + (v[1] - '0'));
  }
  return std::nullopt;
}

std::string response_value(const deflate_params& p, bool client_bits) {
  std::string r(extension_name);
  if (p.server_no_context_takeover) r += "; server_no_context_takeover";
  if (p.client_no_context_takeover) r += "; client_no_context_takeover";
  if (p.server_max_window_bits < 15) {
    r += "; server_max_window_bits=" + std::to_string(p.server_max_window_bits);
  }
  if (client_bits) r += "; client_max_window_bits=" + std::to_string(p.client_max_window_bits);
  return r;
}

error_info ext_error(std::string what) {
  return error_info{error_codes::ws_extension_error,
                    "Sec-WebSocket-Extensions: " + std::move(what), "websocket", {}};
}

}  // namespace

Result<std::vector<extension>> parse_extensions(std::string_view value) {
  std::vector<extension> out;
  cursor c(value);
  for (;;) {
    c.skip_ows();
    if (c.done()) break;
    if (c.peek() == ',') {  // an empty list element
      c.advance();
      continue;
    }
    extension e;
    const auto name = c.token();
    if (name.empty()) return syntax_error(c.pos(), "an extension name expected");
    e.name = name;
    c.skip_ows();
    while (!c.done() && c.peek() == ';') {
      c.advance();
      c.skip_ows();
      extension_param p;
      const auto pname = c.token();
      if (pname.empty()) return syntax_error(c.pos(), "a parameter name expected");
      p.name = pname;
      c.skip_ows();
      if (!c.done() && c.peek() == '=') {
        c.advance();
        c.skip_ows();
        std::string v;
        if (!c.done() && c.peek() == '"') {
          c.advance();
          if (!c.quoted(v)) return syntax_error(c.pos(), "an unterminated quoted string");
          // RFC 6455 §9.1: a quoted value must be a token once unquoted.
          for (char ch : v) {
            if (!is_tchar(ch)) return syntax_error(c.pos(), "a quoted value that is not a token");
          }
          if (v.empty()) return syntax_error(c.pos(), "an empty quoted value");
        } else {
          v = c.token();
          if (v.empty()) return syntax_error(c.pos(), "a parameter value expected");
        }
        p.value = std::move(v);
        c.skip_ows();
      }
      e.params.push_back(std::move(p));
    }
    out.push_back(std::move(e));
    if (c.done()) break;
    if (c.peek() != ',') return syntax_error(c.pos(), "',' or ';' expected");
    c.advance();
  }
  return out;
}

std::optional<deflate_offer> parse_deflate_offer(const extension& e) {
  if (!http::iequals(e.name, extension_name)) return std::nullopt;
  deflate_offer o;
  bool seen_snct = false, seen_cnct = false, seen_smwb = false;
  for (const auto& p : e.params) {
    if (http::iequals(p.name, "server_no_context_takeover")) {
      if (seen_snct || p.value) return std::nullopt;
      seen_snct = o.server_no_context_takeover = true;
    } else if (http::iequals(p.name, "client_no_context_takeover")) {
      if (seen_cnct || p.value) return std::nullopt;
      seen_cnct = o.client_no_context_takeover = true;
    } else if (http::iequals(p.name, "server_max_window_bits")) {
      if (seen_smwb || !p.value) return std::nullopt;
      seen_smwb = true;
      o.server_max_window_bits = window_bits(*p.value);
      if (!o.server_max_window_bits) return std::nullopt;
    } else if (http::iequals(p.name, "client_max_window_bits")) {
      if (o.client_max_window_bits) return std::nullopt;
      o.client_max_window_bits = true;
      if (p.value) {
        o.client_max_window_bits_value = window_bits(*p.value);
        if (!o.client_max_window_bits_value) return std::nullopt;
      }
    } else {
      return std::nullopt;
    }
  }
  return o;
}

std::optional<deflate_negotiation> negotiate_deflate(std::string_view offers,
                                                     const deflate_policy& policy) {
  if (!policy.enabled) return std::nullopt;
  auto parsed = parse_extensions(offers);
  if (parsed.is_err()) return std::nullopt;
  const std::uint8_t our_server_bits =
      policy.server_max_window_bits < 9 ? 9 : policy.server_max_window_bits > 15 ? 15 : policy.server_max_window_bits;
  const std::uint8_t our_client_bits =
      policy.client_max_window_bits < 8 ? 8 : policy.client_max_window_bits > 15 ? 15 : policy.client_max_window_bits;
  for (const auto& e : parsed.value()) {
    const auto o = parse_deflate_offer(e);
    if (!o) continue;
    deflate_negotiation n;
    auto& p = n.params;
    p.server_no_context_takeover = o->server_no_context_takeover || policy.server_no_context_takeover;
    p.client_no_context_takeover = o->client_no_context_takeover || policy.client_no_context_takeover;
    p.server_max_window_bits = our_server_bits;
    if (o->server_max_window_bits) {
      // zlib cannot compress raw deflate with 8 bits: decline this offer.
      if (*o->server_max_window_bits < 9) continue;
      if (*o->server_max_window_bits < p.server_max_window_bits) {
        p.server_max_window_bits = *o->server_max_window_bits;
      }
    }
    bool client_bits_in_response = false;
    p.client_max_window_bits = o->client_max_window_bits_value.value_or(15);
    if (o->client_max_window_bits && our_client_bits < p.client_max_window_bits) {
      p.client_max_window_bits = our_client_bits;
      client_bits_in_response = true;
    }
    // A client that cannot limit its window (no client_max_window_bits offered) compresses
    // with up to 15 bits whatever we would like.
    n.response = response_value(p, client_bits_in_response);
    return n;
  }
  return std::nullopt;
}

std::string deflate_offer_value(const deflate_policy& policy) {
  std::string r(extension_name);
  if (policy.server_no_context_takeover) r += "; server_no_context_takeover";
  if (policy.client_no_context_takeover) r += "; client_no_context_takeover";
  if (policy.server_max_window_bits >= 8 && policy.server_max_window_bits < 15) {
    r += "; server_max_window_bits=" + std::to_string(policy.server_max_window_bits);
  }
  if (policy.client_max_window_bits >= 9 && policy.client_max_window_bits < 15) {
    r += "; client_max_window_bits=" + std::to_string(policy.client_max_window_bits);
  } else {
    r += "; client_max_window_bits";
  }
  return r;
}

Result<deflate_params> accept_deflate_response(const extension& element,
                                               const deflate_policy& policy) {
  if (!http::iequals(element.name, extension_name)) {
    return Result<deflate_params>(ext_error("the server accepted '" + element.name +
                                            "', which was not offered"));
  }
  const auto o = parse_deflate_offer(element);
  if (!o) {
    return Result<deflate_params>(ext_error(
        "the server's permessage-deflate has an unknown, repeated or invalid parameter"));
  }
  deflate_params p;
  p.server_no_context_takeover = o->server_no_context_takeover;
  p.client_no_context_takeover = o->client_no_context_takeover || policy.client_no_context_takeover;
  if (policy.server_no_context_takeover && !o->server_no_context_takeover) {
    return Result<deflate_params>(
        ext_error("server_no_context_takeover was offered but the server did not confirm it"));
  }
  const std::uint8_t offered_server_bits =
      policy.server_max_window_bits >= 8 && policy.server_max_window_bits < 15 ? policy.server_max_window_bits : 15;
  if (o->server_max_window_bits) {
    if (*o->server_max_window_bits > offered_server_bits) {
      return Result<deflate_params>(ext_error(
          "server_max_window_bits=" + std::to_string(*o->server_max_window_bits) +
          " is above the offered " + std::to_string(offered_server_bits)));
    }
    p.server_max_window_bits = *o->server_max_window_bits;
  } else {
    p.server_max_window_bits = offered_server_bits;
  }
  const std::uint8_t offered_client_bits =
      policy.client_max_window_bits >= 9 && policy.client_max_window_bits < 15 ? policy.client_max_window_bits : 15;
  p.client_max_window_bits = offered_client_bits;
  if (o->client_max_window_bits) {
    if (!o->client_max_window_bits_value) {
      return Result<deflate_params>(ext_error("client_max_window_bits without a value"));
    }
    const auto bits = *o->client_max_window_bits_value;
    if (bits > offered_client_bits) {
      return Result<deflate_params>(ext_error("client_max_window_bits=" + std::to_string(bits) +
                                              " is above the offered " +
                                              std::to_string(offered_client_bits)));
    }
    if (bits < 9) {
      return Result<deflate_params>(ext_error(
          "client_max_window_bits=8: zlib cannot compress raw deflate with a 256-byte window"));
    }
    p.client_max_window_bits = bits;
  }
  return p;
}

}  // namespace network_system::protocol::websocket
