// The checks llhttp 8.1 does not make (or makes after the head, too late for a parser that
// stops at the head). They run over the raw bytes llhttp consumed, so that they see what
// llhttp hides: the CR before each LF, whitespace at the start of a line (obs-fold) and around
// the values of Content-Length and Transfer-Encoding, the request line as sent.

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/http/detail/char_class.h"
#include "protocol/http/detail/parser_core.h"

namespace network_system::protocol::http::detail {

bool parser_core::scan(const std::uint8_t* p, std::size_t n) {
  if (phase_ == phase::head) return scan_head(p, n);
  if (!chunked) return true;  // a Content-Length or read-until-close body: no framing bytes
  // Chunk-size lines, the CRLF after each chunk's data, and the trailer section: short, so
  // byte by byte.
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = p[i];
    if (b == '\n' && prev_ != '\r' && !options_.allow_bare_lf) {
      fail(syntax_code(error_codes::http_invalid_chunk),
           "bare LF (without CR) in the chunked framing");
      return false;
    }
    if (prev_ == '\n' && (b == ' ' || b == '\t') && !options_.allow_obs_fold) {
      fail(syntax_code(error_codes::http_invalid_header),
           "obs-fold (a line starting with whitespace) in the trailer section");
      return false;
    }
    prev_ = b;
  }
  return true;
}

// Line by line (memchr finds the LFs): the head is most of what a server parses, and a check
// per byte here cost more than llhttp itself.
bool parser_core::scan_head(const std::uint8_t* p, std::size_t n) {
  const std::size_t room = options_.limits.max_header_bytes - head_bytes_;
  const bool over = n > room;
  const std::uint8_t* end = p + (over ? room : n);
  head_bytes_ += over ? room : n;
  while (p < end) {
    if (line_start_) {
      line_start_ = false;
      if (!in_start_line_ && (*p == ' ' || *p == '\t') && !options_.allow_obs_fold) {
        fail(syntax_code(error_codes::http_invalid_header),
             line_index_ == 1
                 ? "whitespace between the start line and the first field (RFC 9112 §2.2)"
                 : "obs-fold: a field line starting with whitespace (RFC 9112 §5.2)");
        return false;
      }
    }
    const auto* lf = static_cast<const std::uint8_t*>(std::memchr(p, '\n', end - p));
    const std::uint8_t* seg_end = lf ? lf : end;
    if (seg_end > p && !scan_line_part(p, seg_end)) return false;
    if (!lf) {
      if (seg_end > p) prev_ = seg_end[-1];
      break;
    }
    const std::uint8_t before = lf > p ? lf[-1] : prev_;
    prev_ = '\n';
    if (before != '\r' && !options_.allow_bare_lf) {
      fail(syntax_code(in_start_line_ ? error_codes::http_bad_request
                                      : error_codes::http_invalid_header),
           std::string("bare LF (without CR) in the ") +
               (in_start_line_ ? (request_ ? "request line" : "status line") : "header section"));
      return false;
    }
    if (!end_head_line()) return false;
    p = lf + 1;
  }
  if (over) {
    fail(error_codes::http_headers_too_large,
         "head above " + std::to_string(options_.limits.max_header_bytes) + " bytes");
    return false;
  }
  return true;
}

// Bytes of one line without its LF (a CR before the LF included), possibly only a part of it.
bool parser_core::scan_line_part(const std::uint8_t* p, const std::uint8_t* end) {
  const char* c = reinterpret_cast<const char*>(p);
  const auto len = static_cast<std::size_t>(end - p);
  if (in_start_line_) {
    start_line_.append(c, len);
    // The CR that ends the line does not count.
    const std::size_t counted = start_line_.size() - (start_line_.back() == '\r' ? 1 : 0);
    if (counted > options_.limits.max_start_line) {
      fail(request_ ? error_codes::http_uri_too_long : error_codes::http_headers_too_large,
           std::string(request_ ? "request line" : "status line") + " above " +
               std::to_string(options_.limits.max_start_line) + " bytes");
      return false;
    }
    return true;
  }
  std::size_t value_at = 0;
  if (!line_name_done_) {
    const void* colon = std::memchr(c, ':', len);
    const std::size_t name_len = colon ? static_cast<std::size_t>(static_cast<const char*>(colon) - c) : len;
    if (line_name_.size() < 32) line_name_.append(c, std::min(name_len, 32 - line_name_.size()));
    if (!colon) return true;
    line_name_done_ = true;
    line_framing_ = iequals(line_name_, "content-length")      ? framing_field::content_length
                    : iequals(line_name_, "transfer-encoding") ? framing_field::transfer_encoding
                                                               : framing_field::none;
    value_at = name_len + 1;
  }
  if (line_framing_ != framing_field::none && value_at < len) {
    line_value_.append(c + value_at, len - value_at);
    if (line_value_.size() > max_framing_value + 1) {  // + the CR
      fail(syntax_code(error_codes::http_request_smuggling),
           std::string(line_framing_ == framing_field::content_length ? "Content-Length"
                                                                      : "Transfer-Encoding") +
               " value above " + std::to_string(max_framing_value) + " bytes");
      return false;
    }
  }
  return true;
}

bool parser_core::end_head_line() {
  line_start_ = true;
  if (in_start_line_) {
    // Empty lines before the start line are ignored (RFC 9112 §2.2).
    if (start_line_.empty() || start_line_ == "\r") {
      start_line_.clear();
      return true;
    }
    in_start_line_ = false;
    line_index_ = 1;
    return check_start_line();
  }
  ++line_index_;
  bool ok = true;
  if (line_framing_ != framing_field::none) ok = check_framing_value();
  line_name_.clear();
  line_name_done_ = false;
  line_framing_ = framing_field::none;
  line_value_.clear();
  return ok;
}

bool parser_core::check_start_line() {
  std::string_view line = start_line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!request_) {
    // status-line = HTTP-version SP 3DIGIT SP [reason] (RFC 9112 §4); llhttp takes any number
    // of digits. A missing SP before an empty reason is tolerated, as every client does.
    const auto digit = [&](std::size_t i) { return line[i] >= '0' && line[i] <= '9'; };
    const bool ok = line.size() >= 12 && line[8] == ' ' && digit(9) && digit(10) && digit(11) &&
                    (line.size() == 12 || line[12] == ' ');
    if (!ok) {
      fail(error_codes::http_invalid_response,
           "status line is not 'version SP 3DIGIT SP reason': '" +
               std::string(line.substr(0, 80)) + "'");
    }
    return ok;
  }
  // request-line = method SP request-target SP HTTP-version, one SP each (RFC 9112 §3).
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  const bool ok = sp1 != std::string_view::npos && sp2 != std::string_view::npos && sp1 > 0 &&
                  sp2 > sp1 + 1 && sp2 + 1 < line.size() &&
                  line.find(' ', sp2 + 1) == std::string_view::npos &&
                  line.find('\t') == std::string_view::npos;
  if (!ok) {
    fail(error_codes::http_bad_request,
         "request line is not 'method SP target SP version': '" +
             std::string(line.substr(0, 80)) + "'");
  }
  return ok;
}

bool parser_core::check_framing_value() {
  if (options_.allow_framing_whitespace) return true;
  std::string_view v = line_value_;
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  const char* name =
      line_framing_ == framing_field::content_length ? "Content-Length" : "Transfer-Encoding";
  std::string_view inner = v;
  if (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
  if (inner.empty()) {
    fail(syntax_code(error_codes::http_request_smuggling), "empty " + std::string(name) + " value");
    return false;
  }
  const bool bad = inner.front() == ' ' || inner.front() == '\t' ||
                   inner.back() == ' ' || inner.back() == '\t' ||
                   inner.find('\t') != std::string_view::npos;
  if (bad) {
    fail(syntax_code(error_codes::http_request_smuggling),
         std::string(name) + " value '" + std::string(v.substr(0, 64)) +
             "' has whitespace other than one leading space");
    return false;
  }
  return true;
}

bool parser_core::check_head() {
  const http_version v = request_ ? request.version : response.version;
  if (!(v.major == 1 && (v.minor == 0 || v.minor == 1))) {
    fail(error_codes::http_version_not_supported,
         "HTTP/" + std::to_string(v.major) + "." + std::to_string(v.minor) +
             " not supported (only HTTP/1.0 and HTTP/1.1)");
    return false;
  }
  if (!request_ && response.status < 100) {
    fail(error_codes::http_invalid_response,
         "status " + std::to_string(response.status) + " below 100");
    return false;
  }
  const http_fields& fields = request_ ? request.fields : response.fields;
  if (request_) {
    const std::size_t hosts = fields.count("host");
    if (hosts > 1) {
      fail(error_codes::http_invalid_header, "more than one Host field");
      return false;
    }
    if (hosts == 0 && v.minor == 1 && !options_.allow_missing_host) {
      fail(error_codes::http_missing_host, "HTTP/1.1 request without Host");
      return false;
    }
  }
  // RFC 9110 §9.3.6: a CONNECT request has no content; what follows its head is the tunnel
  // (llhttp ignores its framing fields). An intermediary may not agree, so refuse them.
  if (request_ && request.method == "CONNECT" &&
      (fields.contains("content-length") || fields.contains("transfer-encoding"))) {
    fail(error_codes::http_request_smuggling,
         "CONNECT with Content-Length or Transfer-Encoding (it has no content)");
    return false;
  }
  if (fields.contains("transfer-encoding") && !check_transfer_encoding()) return false;
  if (content_length > options_.limits.max_body) {
    fail(error_codes::http_body_too_large,
         "Content-Length " + std::to_string(content_length) + " above the limit of " +
             std::to_string(options_.limits.max_body) + " bytes");
    return false;
  }
  return true;
}

bool parser_core::check_transfer_encoding() {
  const http_fields& fields = request_ ? request.fields : response.fields;
  const std::string list = fields.get_list("transfer-encoding");
  if (request_ && request.version.minor == 0) {
    fail(error_codes::http_request_smuggling, "Transfer-Encoding in an HTTP/1.0 request");
    return false;
  }
  std::vector<std::string> codings;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    if (i == list.size() || list[i] == ',') {
      std::string_view item = std::string_view(list).substr(start, i - start);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty()) {
        std::string lower;
        for (const char c : item) lower += to_lower(c);
        codings.push_back(std::move(lower));
      }
      start = i + 1;
    }
  }
  const int smuggling = syntax_code(error_codes::http_request_smuggling);
  if (codings.empty()) {
    fail(smuggling, "empty Transfer-Encoding");
    return false;
  }
  for (std::size_t i = 0; i < codings.size(); ++i) {
    if (!is_token(codings[i])) {
      fail(smuggling, "Transfer-Encoding '" + list + "' is not a list of codings");
      return false;
    }
    if (codings[i] == "chunked" && i + 1 != codings.size()) {
      fail(smuggling, "Transfer-Encoding '" + list +
                          "': chunked must be the final coding, applied once (RFC 9112 §6.1)");
      return false;
    }
  }
  if (codings.back() != "chunked") {
    if (request_) {
      // RFC 9112 §6.3: the length of such a request cannot be determined: 400 and close.
      fail(smuggling, "Transfer-Encoding '" + list + "' does not end in chunked");
      return false;
    }
    fail(error_codes::http_not_implemented,
         "Transfer-Encoding '" + list + "' not implemented (only chunked is)");
    return false;
  }
  if (codings.size() > 1) {
    fail(error_codes::http_not_implemented,
         "Transfer-Encoding '" + list + "' not implemented (only chunked is)");
    return false;
  }
  return true;
}

}  // namespace network_system::protocol::http::detail
