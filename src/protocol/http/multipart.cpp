#include "network_system/protocol/http/multipart.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/url.h"

namespace network_system::protocol::http {

namespace {

constexpr std::string_view source = "http::multipart_parser";

std::string_view as_chars(std::span<const std::uint8_t> s) noexcept {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

std::string printable(unsigned char c) {
  if (c >= 0x21 && c < 0x7F) return "'" + std::string(1, static_cast<char>(c)) + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return buf;
}

}  // namespace

namespace {
namespace detail {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_tchar(char c) noexcept {
  return is_alpha(c) || is_digit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool has_ctl(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7F;
  });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

// "type/subtype; a=b; c=\"d\"" (Content-Type, RFC 9110 §8.3.1) or "form-data; name=..."
// (Content-Disposition, RFC 6266 §4.1). Parameter names are lower-cased; a repeated one is an
// error, since two readers could pick different copies (a filter and the application).
struct media_params {
  std::string type;  // lower-cased
  std::vector<std::pair<std::string, std::string>> params;
  [[nodiscard]] const std::string* find(std::string_view name) const {
    for (const auto& [n, v] : params) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

Result<media_params> parse_media_params(std::string_view text, bool type_is_token = false) {
  auto fail = [](std::string m) {
    return error<media_params>(error_codes::http_invalid_multipart, std::move(m));
  };
  media_params out;
  text = trim(text);
  const auto semi = text.find(';');
  const auto type = trim(text.substr(0, semi));
  const auto slash = type.find('/');
  const bool type_ok = type_is_token
                           ? is_token(type)
                           : (slash != std::string_view::npos && is_token(type.substr(0, slash)) &&
                              is_token(type.substr(slash + 1)));
  if (!type_ok) return fail("bad type '" + std::string(type) + "'");
  out.type = to_lower(type);
  std::string_view rest = semi == std::string_view::npos ? std::string_view{} : text.substr(semi);
  while (!rest.empty()) {
    rest = trim(rest.substr(1));  // past ';'
    if (rest.empty()) break;      // a trailing ';'
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) return fail("parameter without '='");
    const auto name = trim(rest.substr(0, eq));
    if (!is_token(name)) return fail("bad parameter name '" + std::string(name) + "'");
    rest = trim(rest.substr(eq + 1));
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      // A quoted-string. Browsers percent-encode '"' and do not escape '\\' (HTML's form-data
      // encoding), so only \" and \\ are taken as escapes and other backslashes are kept.
      std::size_t i = 1;
      bool closed = false;
      for (; i < rest.size(); ++i) {
        const char c = rest[i];
        if (c == '"') {
          closed = true;
          ++i;
          break;
        }
        if (c == '\\' && i + 1 < rest.size() && (rest[i + 1] == '"' || rest[i + 1] == '\\')) {
          value += rest[++i];
        } else {
          value += c;
        }
      }
      if (!closed) return fail("unterminated quoted string");
      rest = trim(rest.substr(i));
    } else {
      const auto end = rest.find(';');
      const auto v = trim(rest.substr(0, end));
      if (!is_token(v)) return fail("bad value for '" + std::string(name) + "'");
      value = std::string(v);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    }
    if (!rest.empty() && rest.front() != ';')
      return fail("junk after parameter '" + std::string(name) + "'");
    auto lname = to_lower(name);
    if (out.find(lname) != nullptr) return fail("repeated parameter '" + lname + "'");
    out.params.emplace_back(std::move(lname), std::move(value));
  }
  return out;
}

// RFC 8187 ext-value: charset "'" [language] "'" value-chars; UTF-8 or ISO-8859-1.
Result<std::string> decode_ext_value(std::string_view text) {
  auto fail = [](std::string m) {
    return error<std::string>(error_codes::http_invalid_multipart, std::move(m));
  };
  const auto q1 = text.find('\'');
  const auto q2 = q1 == std::string_view::npos ? q1 : text.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return fail("not charset'language'value");
  const auto charset = text.substr(0, q1);
  const bool latin1 = iequals(charset, "iso-8859-1");
  if (!latin1 && !iequals(charset, "utf-8")) {
    return fail("charset '" + std::string(charset) + "' is neither UTF-8 nor ISO-8859-1");
  }
  const auto chars = text.substr(q2 + 1);
  for (char c : chars) {
    const bool attr_char = is_alpha(c) || is_digit(c) ||
                           std::string_view("!#$&+-.^_`|~%").find(c) != std::string_view::npos;
    if (!attr_char)
      return fail("byte " + printable(static_cast<unsigned char>(c)) + " in the value");
  }
  auto decoded = percent_decode(chars, {.plus_as_space = false, .allow_nul = false});
  if (decoded.is_err()) return fail(decoded.error().message);
  if (!latin1) return decoded;
  std::string utf8;
  for (const char ch : decoded.value()) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      utf8 += ch;
    } else {
      utf8 += static_cast<char>(0xC0 | (c >> 6));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return utf8;
}

}  // namespace detail
}  // namespace

bool valid_boundary(std::string_view b) noexcept {
  if (b.empty() || b.size() > max_boundary_length || b.back() == ' ') return false;
  for (char c : b) {
    const bool ok = detail::is_alpha(c) || detail::is_digit(c) ||
                    std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

Result<std::string> multipart_boundary(std::string_view content_type) {
  auto fail = [](std::string m) {
    return error<std::string>(error_codes::http_invalid_multipart, "multipart boundary: " + m,
                              std::string(source));
  };
  auto media = detail::parse_media_params(content_type);
  if (media.is_err()) return fail(media.error().message);
  const auto& m = media.value();
  if (!detail::iequals(m.type.substr(0, 10), "multipart/") || m.type.size() == 10) {
    return fail("'" + m.type + "' is not a multipart type");
  }
  const auto* b = m.find("boundary");
  if (b == nullptr) return fail("no boundary parameter");
  if (!valid_boundary(*b)) return fail("boundary '" + *b + "' is not 1..70 bchars");
  return *b;
}

std::optional<std::string_view> multipart_part::header(std::string_view n) const {
  for (const auto& h : headers) {
    if (detail::iequals(h.name, n)) return std::string_view(h.value);
  }
  return std::nullopt;
}

multipart_parser::multipart_parser(std::string_view boundary, multipart_limits limits)
    : limits_(limits), delimiter_("\r\n--" + std::string(boundary)) {
  // The body may open with the delimiter without a CRLF before it: pretend one was seen.
  held_ = "\r\n";
  if (!valid_boundary(boundary)) {
    fail(error_codes::http_invalid_multipart,
         "multipart: boundary '" + std::string(boundary) + "' is not 1..70 bchars");
  }
}

Result<multipart_parser> multipart_parser::from_content_type(std::string_view content_type,
                                                             multipart_limits limits) {
  auto b = multipart_boundary(content_type);
  if (b.is_err()) return Result<multipart_parser>(b.error());
  return multipart_parser(b.value(), limits);
}

multipart_event multipart_parser::fail(int code, std::string message) {
  state_ = state::failed;
  error_ = error_info{code, std::move(message), std::string(source), {}};
  return multipart_event::error;
}

VoidResult multipart_parser::finish() const {
  switch (state_) {
    case state::epilogue:
      return ok();
    case state::failed:
      return VoidResult(error_);
    case state::preamble:
      return error_void(error_codes::http_invalid_multipart,
                        "multipart: body ended before the first boundary", std::string(source));
    case state::headers:
      return error_void(
          error_codes::http_invalid_multipart,
          "multipart: body ended inside the headers of part " + std::to_string(parts_),
          std::string(source));
    default:
      return error_void(error_codes::http_invalid_multipart,
                        "multipart: body ended without the close delimiter", std::string(source));
  }
}

multipart_event multipart_parser::next(std::span<const std::uint8_t>& input) {
  data_ = {};
  if (state_ == state::failed) return multipart_event::error;
  // Bytes handed to next() never come back, so what is left of `input` is all still uncounted.
  if (input.size() > limits_.max_total_bytes - total_bytes_) {
    return fail(
        error_codes::http_multipart_limit,
        "multipart: body above max_total_bytes (" + std::to_string(limits_.max_total_bytes) + ")");
  }
  const std::size_t before = input.size();
  const auto ev = step(input);
  total_bytes_ += before - input.size();
  return ev;
}

multipart_event multipart_parser::step(std::span<const std::uint8_t>& input) {
  for (;;) {
    std::optional<multipart_event> ev;
    switch (state_) {
      case state::failed:
        return multipart_event::error;
      case state::epilogue:
        input = input.subspan(input.size());
        return multipart_event::need_more;
      case state::preamble:
      case state::body:
        ev = scan(input);
        break;
      case state::part_done:
        state_ = state::after_delim;
        return multipart_event::part_end;
      case state::after_delim:
      case state::close_dash:
      case state::padding:
      case state::padding_cr:
        ev = after_delimiter(input);
        break;
      case state::headers:
        ev = read_headers(input);
        break;
    }
    if (ev) return *ev;
  }
}

// Data for the current part (discarded in the preamble), checked against the part limit.
std::optional<multipart_event> multipart_parser::emit(std::span<const std::uint8_t> bytes) {
  if (bytes.empty() || state_ == state::preamble) return std::nullopt;
  if (bytes.size() > limits_.max_part_bytes - part_bytes_) {
    return fail(error_codes::http_multipart_limit,
                "multipart: part " + std::to_string(part_.index) + " above max_part_bytes (" +
                    std::to_string(limits_.max_part_bytes) + ")");
  }
  part_bytes_ += bytes.size();
  data_ = bytes;
  return multipart_event::part_data;
}

// Looks for delimiter_ in held_ + input. The delimiter starts with CR and holds no other CR
// (bchars exclude it), so a match can only start at a CR, and when held_ stops matching none
// of its bytes can start one: they are all data.
std::optional<multipart_event> multipart_parser::scan(std::span<const std::uint8_t>& input) {
  const std::string_view d = delimiter_;
  bool matched = false;
  if (!held_.empty()) {
    const std::size_t need = d.size() - held_.size();
    const std::size_t n = std::min(need, input.size());
    if (n == 0) return multipart_event::need_more;
    if (std::memcmp(input.data(), d.data() + held_.size(), n) == 0) {
      if (n < need) {
        held_.append(as_chars(input.first(n)));
        input = input.subspan(n);
        return multipart_event::need_more;
      }
      input = input.subspan(n);
      held_.clear();
      matched = true;
    } else {
      spill_.swap(held_);
      held_.clear();
      return emit({reinterpret_cast<const std::uint8_t*>(spill_.data()), spill_.size()});
    }
  }
  if (!matched) {
    if (input.empty()) return multipart_event::need_more;
    const std::string_view in = as_chars(input);
    std::size_t p = in.find('\r');
    while (p != std::string_view::npos) {
      const std::size_t avail = in.size() - p;
      if (avail >= d.size() ? in.compare(p, d.size(), d) == 0
                            : in.compare(p, avail, d.substr(0, avail)) == 0) {
        break;
      }
      p = in.find('\r', p + 1);
    }
    if (p == std::string_view::npos) {
      const auto all = input;
      input = input.subspan(input.size());
      if (auto ev = emit(all)) return ev;
      return multipart_event::need_more;
    }
    if (p > 0) {  // the data before the candidate first; the candidate is looked at next call
      const auto head = input.first(p);
      input = input.subspan(p);
      if (auto ev = emit(head)) return ev;
      return std::nullopt;
    }
    if (in.size() < d.size()) {  // a delimiter may start here: hold it back
      held_.assign(in);
      input = input.subspan(input.size());
      return multipart_event::need_more;
    }
    input = input.subspan(d.size());
  }
  // A delimiter.
  if (state_ == state::body) {
    state_ = state::part_done;
  } else {
    state_ = state::after_delim;
  }
  return std::nullopt;
}

std::optional<multipart_event> multipart_parser::after_delimiter(
    std::span<const std::uint8_t>& input) {
  while (!input.empty()) {
    const auto c = input.front();
    input = input.subspan(1);
    switch (state_) {
      case state::after_delim:
        if (c == '-') {
          state_ = state::close_dash;
        } else if (c == ' ' || c == '\t') {
          state_ = state::padding;
        } else if (c == '\r') {
          state_ = state::padding_cr;
        } else {
          return fail(error_codes::http_invalid_multipart,
                      "multipart: boundary followed by " + printable(c));
        }
        break;
      case state::close_dash:
        if (c != '-') {
          return fail(error_codes::http_invalid_multipart,
                      "multipart: boundary followed by '-' and " + printable(c));
        }
        state_ = state::epilogue;
        return multipart_event::finished;
      case state::padding:
        if (c == '\r') {
          state_ = state::padding_cr;
        } else if (c != ' ' && c != '\t') {
          return fail(error_codes::http_invalid_multipart,
                      "multipart: boundary line followed by " + printable(c));
        }
        break;
      default:  // padding_cr
        if (c != '\n') {
          return fail(error_codes::http_invalid_multipart,
                      "multipart: CR without LF after the boundary");
        }
        if (parts_ == limits_.max_parts) {
          return fail(
              error_codes::http_multipart_limit,
              "multipart: more than max_parts (" + std::to_string(limits_.max_parts) + ") parts");
        }
        state_ = state::headers;
        header_block_.clear();
        return std::nullopt;
    }
  }
  return multipart_event::need_more;
}

std::optional<multipart_event> multipart_parser::read_headers(
    std::span<const std::uint8_t>& input) {
  while (!input.empty()) {
    // Copy up to the next LF at once; only there can the block end.
    const std::string_view in = as_chars(input);
    const auto lf = in.find('\n');
    const std::size_t n = lf == std::string_view::npos ? in.size() : lf + 1;
    if (n > limits_.max_part_header_bytes - header_block_.size()) {
      return fail(error_codes::http_multipart_limit,
                  "multipart: headers of part " + std::to_string(parts_) +
                      " above max_part_header_bytes (" +
                      std::to_string(limits_.max_part_header_bytes) + ")");
    }
    header_block_.append(in.substr(0, n));
    input = input.subspan(n);
    const std::string_view b = header_block_;
    if (b == "\r\n" || (b.size() >= 4 && b.substr(b.size() - 4) == "\r\n\r\n")) {
      return begin_part();
    }
  }
  return multipart_event::need_more;
}

multipart_event multipart_parser::begin_part() {
  part_ = multipart_part{};
  part_.index = parts_++;
  part_bytes_ = 0;
  state_ = state::body;
  std::string_view block = header_block_;
  block.remove_suffix(2);  // the empty line's CRLF
  const std::string where = " in part " + std::to_string(part_.index);
  while (!block.empty()) {
    const auto crlf = block.find("\r\n");
    const auto line = block.substr(0, crlf);
    block.remove_prefix(crlf + 2);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return fail(error_codes::http_invalid_multipart, "multipart: bare CR or LF" + where);
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return fail(error_codes::http_invalid_multipart,
                  "multipart: header line without ':'" + where);
    }
    const auto name = line.substr(0, colon);
    if (!detail::is_token(name)) {  // also refuses obs-fold: it starts with a space
      return fail(error_codes::http_invalid_multipart,
                  "multipart: bad header name '" + std::string(name) + "'" + where);
    }
    const auto value = detail::trim(line.substr(colon + 1));
    if (detail::has_ctl(value)) {
      return fail(error_codes::http_invalid_multipart,
                  "multipart: control byte in header '" + std::string(name) + "'" + where);
    }
    part_.headers.push_back({std::string(name), std::string(value)});
  }

  bool seen_disposition = false;
  for (const auto& h : part_.headers) {
    if (detail::iequals(h.name, "content-type") && part_.content_type.empty()) {
      part_.content_type = h.value;
    }
    if (!detail::iequals(h.name, "content-disposition")) continue;
    if (seen_disposition) {
      return fail(error_codes::http_invalid_multipart,
                  "multipart: two Content-Disposition" + where);
    }
    seen_disposition = true;
    auto cd = detail::parse_media_params(h.value, /*type_is_token=*/true);
    if (cd.is_err()) {
      return fail(error_codes::http_invalid_multipart,
                  "multipart: Content-Disposition" + where + ": " + cd.error().message);
    }
    const auto& m = cd.value();
    if (limits_.require_form_data && !detail::iequals(m.type, "form-data")) {
      return fail(error_codes::http_invalid_multipart,
                  "multipart: disposition '" + m.type + "' is not form-data" + where);
    }
    if (const auto* n = m.find("name")) {
      part_.name = *n;
    } else if (limits_.require_form_data) {
      return fail(error_codes::http_invalid_multipart, "multipart: no name parameter" + where);
    }
    if (const auto* f = m.find("filename")) part_.filename = *f;
    if (const auto* ext = m.find("filename*")) {
      auto decoded = detail::decode_ext_value(*ext);
      if (decoded.is_err()) {
        return fail(error_codes::http_invalid_multipart,
                    "multipart: filename*" + where + ": " + decoded.error().message);
      }
      part_.filename = std::move(decoded).value();
    }
  }
  if (!seen_disposition && limits_.require_form_data) {
    return fail(error_codes::http_invalid_multipart, "multipart: no Content-Disposition" + where);
  }
  return multipart_event::part_begin;
}

// --- multipart_builder ---------------------------------------------------------------------

namespace {

// HTML's multipart/form-data encoding of names and filenames inside quoted strings.
std::string escape_form_name(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

std::string random_boundary() {
  std::uint8_t raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    // OpenSSL's generator seeds from the kernel; failing means the process cannot get entropy
    // at all, and a guessable boundary would let uploaded content forge parts.
    throw std::runtime_error("multipart_builder: RAND_bytes failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "nsys-";
  for (const auto b : raw) {
    out += hex[b >> 4];
    out += hex[b & 0x0F];
  }
  return out;
}

}  // namespace

multipart_builder::multipart_builder() : boundary_(random_boundary()) {}

multipart_builder::multipart_builder(std::string boundary)
    : boundary_(std::move(boundary)), valid_(valid_boundary(boundary_)) {}

std::string multipart_builder::content_type() const {
  // Quoted when a boundary character is not a token character (space, '(', ':', ...).
  if (detail::is_token(boundary_)) return "multipart/form-data; boundary=" + boundary_;
  return "multipart/form-data; boundary=\"" + boundary_ + "\"";
}

VoidResult multipart_builder::add_part(std::string_view disposition_params,
                                       std::string_view content_type,
                                       std::span<const std::uint8_t> content) {
  auto fail = [](std::string m) {
    return error_void(error_codes::http_invalid_multipart, "multipart_builder: " + m,
                      "http::multipart_builder");
  };
  if (!valid_) return fail("boundary '" + boundary_ + "' is not 1..70 bchars");
  if (done_) return fail("body() was already called");
  if (detail::has_ctl(content_type)) return fail("control byte in the Content-Type");
  const std::string delimiter = "\r\n--" + boundary_;
  if (as_chars(content).find(delimiter) != std::string_view::npos) {
    return fail("content contains the boundary delimiter");
  }
  std::string head = "--" + boundary_ + "\r\nContent-Disposition: form-data" +
                     std::string(disposition_params) + "\r\n";
  if (!content_type.empty()) head += "Content-Type: " + std::string(content_type) + "\r\n";
  head += "\r\n";
  body_.insert(body_.end(), head.begin(), head.end());
  body_.insert(body_.end(), content.begin(), content.end());
  body_.push_back('\r');
  body_.push_back('\n');
  return ok();
}

VoidResult multipart_builder::add_field(std::string_view name, std::string_view value) {
  const auto params = "; name=\"" + escape_form_name(name) + "\"";
  return add_part(params, {}, {reinterpret_cast<const std::uint8_t*>(value.data()), value.size()});
}

VoidResult multipart_builder::add_file(std::string_view name, std::string_view filename,
                                       std::span<const std::uint8_t> content,
                                       std::string_view content_type) {
  const auto params =
      "; name=\"" + escape_form_name(name) + "\"; filename=\"" + escape_form_name(filename) + "\"";
  return add_part(params, content_type.empty() ? "application/octet-stream" : content_type,
                  content);
}

std::vector<std::uint8_t> multipart_builder::body() {
  if (done_) return {};
  done_ = true;
  const std::string close = "--" + boundary_ + "--\r\n";
  body_.insert(body_.end(), close.begin(), close.end());
  return std::move(body_);
}

}  // namespace network_system::protocol::http
