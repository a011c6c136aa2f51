#include "protocol/http/detail/parser_core.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>

#include "protocol/http/detail/char_class.h"

namespace network_system::protocol::http::detail {

namespace {

std::string quoted(std::string_view s) {
  std::string out = "'";
  for (const char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > 64) out += "...";
  return out + "'";
}

}  // namespace

const llhttp_settings_t parser_core::settings_ = [] {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_message_begin = &parser_core::on_message_begin;
  s.on_method = &parser_core::on_method;
  s.on_url = &parser_core::on_url;
  s.on_status = &parser_core::on_status;
  s.on_header_field = &parser_core::on_header_field;
  s.on_header_value = &parser_core::on_header_value;
  s.on_header_value_complete = &parser_core::on_header_value_complete;
  s.on_headers_complete = &parser_core::on_headers_complete;
  s.on_chunk_extension_name = &parser_core::on_chunk_extension;
  s.on_chunk_extension_value = &parser_core::on_chunk_extension;
  s.on_chunk_header = &parser_core::on_chunk_header;
  s.on_chunk_complete = &parser_core::on_chunk_complete;
  s.on_body = &parser_core::on_body;
  s.on_message_complete = &parser_core::on_message_complete;
  return s;
}();

parser_core::parser_core(bool request, parser_options options)
    : request_(request), options_(options) {
  reset();
}

void parser_core::reset() {
  llhttp_init(&parser_, request_ ? HTTP_REQUEST : HTTP_RESPONSE, &settings_);
  parser_.data = this;
  if (options_.allow_control_chars) llhttp_set_lenient_headers(&parser_, 1);
  phase_ = phase::head;
  event_ = event::none;
  error = {};
  pending_code_ = 0;
  pending_message_.clear();
  head_request_ = false;
  connect_request_ = false;
  begin_message();
  message_started_ = false;
  restart_head_scan();
  line_name_.clear();
  line_name_done_ = false;
  line_framing_ = framing_field::none;
  line_value_.clear();
}

void parser_core::set_request_method(std::string_view method) {
  head_request_ = method == "HEAD";
  connect_request_ = method == "CONNECT";
}

void parser_core::continue_after_upgrade() noexcept {
  if (phase_ == phase::upgraded) {
    phase_ = phase::head;
    upgrade = false;
  }
}

void parser_core::begin_message() {
  request.method.clear();
  request.target.clear();
  request.version = {};
  request.fields.clear();
  response.status = 0;
  response.reason.clear();
  response.version = {};
  response.fields.clear();
  trailers.clear();
  chunked = false;
  content_length = 0;
  keep_alive = false;
  upgrade = false;
  field_name_.clear();
  field_value_.clear();
  body_bytes_ = 0;
  trailer_bytes_ = 0;
  chunk_extension_bytes_ = 0;
  message_started_ = true;
}

// ---------------------------------------------------------------------------------------------
// The feed loop

parse_result parser_core::feed(std::span<const std::uint8_t> input) {
  if (phase_ == phase::failed) return failed_result();
  if (phase_ == phase::upgraded) {
    return fail(error_codes::http_bad_request,
                "bytes after an upgraded message belong to the new protocol");
  }
  static constexpr char empty[1] = {0};
  std::size_t offset = 0;
  bool resumed_after_upgrade = false;
  for (;;) {
    const std::size_t avail = input.size() - offset;
    const char* data =
        avail ? reinterpret_cast<const char*>(input.data() + offset) : empty;
    std::size_t limit = avail;
    // In the head, llhttp copies what it parses into our strings: give it one byte more than
    // the head may still grow by, so that the scan sees the overflow and nothing unbounded is
    // copied.
    if (phase_ == phase::head) {
      const std::size_t budget = options_.limits.max_header_bytes - head_bytes_;
      if (limit > budget + 1) limit = budget + 1;
    }
    event_ = event::none;
    body_ = {};
    const llhttp_errno_t err = llhttp_execute(&parser_, data, limit);
    std::size_t used = limit;
    if (err != HPE_OK) {
      const char* pos = llhttp_get_error_pos(&parser_);
      used = pos && pos >= data ? std::min<std::size_t>(pos - data, limit) : 0;
    }

    // Our checks over the bytes llhttp consumed that are not body (up to the body piece).
    // They run first: an error they find lies before the point where a callback or llhttp
    // failed, and reporting the earliest error makes the result independent of how the
    // input was split into reads.
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
    const std::size_t scan_end =
        event_ == event::body ? static_cast<std::size_t>(body_.data() - bytes) : used;
    if (!scan(bytes, scan_end)) return failed_result();
    if (pending_code_ != 0) return fail(pending_code_, std::move(pending_message_));
    if (event_ == event::body) prev_ = 0;

    if (err == HPE_PAUSED) {
      llhttp_resume(&parser_);
    } else if (err == HPE_PAUSED_UPGRADE) {
      // Only reached after continue_after_upgrade(): llhttp stops once more at the end of the
      // upgraded message before it parses the next one.
      llhttp_resume_after_upgrade(&parser_);
    } else if (err != HPE_OK) {
      return fail(llhttp_error_code(err), llhttp_error_message(err));
    }
    offset += used;

    switch (event_) {
      case event::head:
        if (!check_head()) return failed_result();
        phase_ = phase::body;
        prev_ = 0;
        return {parse_status::head_complete, offset, {}};
      case event::body:
        return {parse_status::body, offset, body_};
      case event::complete:
        end_message();
        return {parse_status::message_complete, offset, {}};
      case event::none:
        break;
    }
    if (err == HPE_PAUSED_UPGRADE && !resumed_after_upgrade) {
      resumed_after_upgrade = true;
      continue;
    }
    if (offset >= input.size() || used == 0) return {parse_status::need_more, offset, {}};
  }
}

parse_result parser_core::finish() {
  if (phase_ == phase::failed) return failed_result();
  if (phase_ == phase::upgraded) return {parse_status::need_more, 0, {}};
  if (phase_ == phase::body) {
    // A message whose end was consumed but not reported yet (a head without body).
    const auto r = feed({});
    if (r.status != parse_status::need_more) return r;
  }
  if (phase_ == phase::head && !message_started_) return {parse_status::need_more, 0, {}};
  event_ = event::none;
  const llhttp_errno_t err = llhttp_finish(&parser_);
  if (pending_code_ != 0) return fail(pending_code_, std::move(pending_message_));
  if (err == HPE_PAUSED && event_ == event::complete) {
    llhttp_resume(&parser_);
    end_message();
    return {parse_status::message_complete, 0, {}};
  }
  return fail(request_ ? error_codes::http_bad_request : error_codes::http_invalid_response,
              request_ ? "connection closed in the middle of a request"
                       : "connection closed in the middle of a response");
}

void parser_core::end_message() {
  phase_ = upgrade ? phase::upgraded : phase::head;
  message_started_ = false;
  restart_head_scan();  // the next message's head is scanned from its first byte
}

void parser_core::restart_head_scan() {
  prev_ = 0;
  head_bytes_ = 0;
  in_start_line_ = true;
  line_index_ = 0;
  line_start_ = true;
  start_line_.clear();
}

parse_result parser_core::fail(int code, std::string message) {
  if (phase_ != phase::failed) {
    error.code = code;
    error.message = (request_ ? "HTTP request: " : "HTTP response: ") + std::move(message);
    error.source = request_ ? "http::request_parser" : "http::response_parser";
    phase_ = phase::failed;
  }
  pending_code_ = 0;
  return failed_result();
}

int parser_core::fail_in_callback(int code, std::string message) {
  if (pending_code_ == 0) {
    pending_code_ = code;
    pending_message_ = std::move(message);
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// llhttp's errors

int parser_core::llhttp_error_code(llhttp_errno_t err) const {
  const std::string_view reason = llhttp_get_error_reason(&parser_) ? llhttp_get_error_reason(&parser_) : "";
  if (err == HPE_INVALID_VERSION &&
      (reason == "Invalid HTTP version" || reason == "Invalid major version" ||
       reason == "Invalid minor version")) {
    return error_codes::http_version_not_supported;
  }
  if (!request_) return error_codes::http_invalid_response;
  if (reason.find("chunk") != std::string_view::npos) return error_codes::http_invalid_chunk;
  switch (err) {
    case HPE_INVALID_CONTENT_LENGTH:
    case HPE_UNEXPECTED_CONTENT_LENGTH:
    case HPE_INVALID_TRANSFER_ENCODING:
      return error_codes::http_request_smuggling;
    case HPE_INVALID_CHUNK_SIZE:
      return error_codes::http_invalid_chunk;
    case HPE_INVALID_HEADER_TOKEN:
    case HPE_LF_EXPECTED:
    case HPE_CR_EXPECTED:
    case HPE_UNEXPECTED_SPACE:
      return in_start_line_ ? error_codes::http_bad_request : error_codes::http_invalid_header;
    case HPE_INVALID_METHOD: {
      // llhttp stops at the first byte that leaves its method table: a token there is a
      // method we do not implement (501), anything else is not a request line (400).
      // A whole known method followed by something other than SP is a malformed line.
      bool known = false;
#define NETWORK_HTTP_KNOWN_METHOD(num, name, string) known = known || start_line_ == #string;
      HTTP_METHOD_MAP(NETWORK_HTTP_KNOWN_METHOD)
#undef NETWORK_HTTP_KNOWN_METHOD
      const bool token = !start_line_.empty() && !known &&
                         std::all_of(start_line_.begin(), start_line_.end(),
                                     [](char c) { return is_tchar(c); });
      return token ? error_codes::http_not_implemented : error_codes::http_bad_request;
    }
    default:
      return error_codes::http_bad_request;
  }
}

std::string parser_core::llhttp_error_message(llhttp_errno_t err) const {
  const std::string_view reason = llhttp_get_error_reason(&parser_) ? llhttp_get_error_reason(&parser_) : "";
  if (reason == "Content-Length can't be present with Transfer-Encoding" ||
      reason == "Transfer-Encoding can't be present with Content-Length") {
    return "Content-Length and Transfer-Encoding both present";
  }
  if (reason == "Duplicate Content-Length") {
    return "more than one Content-Length (even equal ones are refused)";
  }
  if (reason == "Invalid character in Content-Length" || reason == "Empty Content-Length") {
    return "Content-Length is not a decimal number (1*DIGIT)";
  }
  if (reason == "Content-Length overflow") return "Content-Length above 2^64";
  if (reason == "Chunk size overflow") return "chunk size above 2^64";
  if (reason == "Invalid header value char") {
    return "invalid character in a field value (a control character, or a bare LF)";
  }
  if (reason == "Invalid `Transfer-Encoding` header value") {
    return "Transfer-Encoding: chunked is not the final coding";
  }
  if (err == HPE_INVALID_METHOD) {
    return llhttp_error_code(err) == error_codes::http_not_implemented
               ? "unknown method starting " + quoted(start_line_)
               : "request line does not start with 'method SP': " + quoted(start_line_);
  }
  if (err == HPE_INVALID_VERSION && llhttp_error_code(err) == error_codes::http_version_not_supported) {
    return "HTTP version not supported (only HTTP/1.0 and HTTP/1.1)";
  }
  if (err == HPE_CLOSED_CONNECTION) return "data after a message with Connection: close";
  return std::string(reason) + " (llhttp " + llhttp_errno_name(err) + ")";
}

// ---------------------------------------------------------------------------------------------
// Callbacks: llhttp gives spans into the input; the head is copied, the body is not.

int parser_core::on_message_begin(llhttp_t* p) {
  self(p).begin_message();
  return 0;
}

int parser_core::on_method(llhttp_t* p, const char* at, std::size_t n) {
  self(p).request.method.append(at, n);
  return 0;
}

int parser_core::on_url(llhttp_t* p, const char* at, std::size_t n) {
  self(p).request.target.append(at, n);
  return 0;
}

int parser_core::on_status(llhttp_t* p, const char* at, std::size_t n) {
  self(p).response.reason.append(at, n);
  return 0;
}

int parser_core::on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = self(p);
  s.field_name_.append(at, n);
  if (s.field_name_.size() > s.options_.limits.max_header_bytes) {
    return s.fail_in_callback(error_codes::http_headers_too_large, "field name too long");
  }
  return 0;
}

int parser_core::on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = self(p);
  s.field_value_.append(at, n);
  if (s.field_value_.size() > s.options_.limits.max_header_bytes) {
    return s.fail_in_callback(error_codes::http_headers_too_large,
                              "value of " + quoted(s.field_name_) + " too long");
  }
  return 0;
}

int parser_core::on_header_value_complete(llhttp_t* p) {
  auto& s = self(p);
  s.commit_field();
  return s.pending_code_ != 0 ? -1 : 0;
}

void parser_core::commit_field() {
  const bool trailer = phase_ == phase::body;
  const int header_code = syntax_code(error_codes::http_invalid_header);
  if (field_name_.empty()) {
    fail_in_callback(header_code, "empty field name");
    return;
  }
  // llhttp drops leading OWS; the trailing OWS is ours to drop (RFC 9110 §5.5).
  while (!field_value_.empty() && (field_value_.back() == ' ' || field_value_.back() == '\t')) {
    field_value_.pop_back();
  }
  for (const char c : field_value_) {
    const auto u = static_cast<unsigned char>(c);
    const bool ctl = (u < 0x20 && u != '\t') || u == 0x7f;
    if (u == 0 || u == '\r' || u == '\n' || (ctl && !options_.allow_control_chars)) {
      fail_in_callback(header_code, "control character in the value of " + quoted(field_name_) +
                                        ": " + quoted(field_value_));
      return;
    }
  }
  auto& fields = trailer ? trailers : (request_ ? request.fields : response.fields);
  if (fields.size() >= options_.limits.max_header_count) {
    fail_in_callback(error_codes::http_headers_too_large,
                     std::string(trailer ? "trailer" : "header") + " fields above the limit of " +
                         std::to_string(options_.limits.max_header_count));
    return;
  }
  if (trailer) {
    trailer_bytes_ += field_name_.size() + field_value_.size() + 4;
    if (trailer_bytes_ > options_.limits.max_header_bytes) {
      fail_in_callback(error_codes::http_headers_too_large,
                       "trailer section above " +
                           std::to_string(options_.limits.max_header_bytes) + " bytes");
      return;
    }
  }
  fields.add(field_name_, field_value_);
  field_name_.clear();
  field_value_.clear();
}

int parser_core::on_headers_complete(llhttp_t* p) {
  auto& s = self(p);
  const http_version v{p->http_major, p->http_minor};
  s.request.version = v;
  s.response.version = v;
  s.response.status = p->status_code;
  s.chunked = (p->flags & F_CHUNKED) != 0;
  s.content_length = (p->flags & F_CONTENT_LENGTH) ? p->content_length : 0;
  if (!s.request_) {
    const int status = p->status_code;
    // RFC 9112 §6.3: no body after HEAD, in 1xx, 204 and 304, whatever the fields say; a 2xx
    // to CONNECT turns the connection into a tunnel.
    if (s.head_request_ || status / 100 == 1 || status == 204 || status == 304) {
      p->flags |= F_SKIPBODY;
    }
    if (s.connect_request_ && status / 100 == 2) {
      p->upgrade = 1;
      p->flags |= F_SKIPBODY;
    }
    if (p->flags & F_SKIPBODY) {
      s.chunked = false;
      s.content_length = 0;
    }
  }
  s.event_ = event::head;
  return HPE_PAUSED;
}

int parser_core::on_chunk_extension(llhttp_t* p, const char*, std::size_t n) {
  auto& s = self(p);
  s.chunk_extension_bytes_ += n;
  if (s.chunk_extension_bytes_ > s.options_.limits.max_chunk_extensions) {
    return s.fail_in_callback(
        s.syntax_code(error_codes::http_invalid_chunk),
        "chunk extensions above " + std::to_string(s.options_.limits.max_chunk_extensions) +
            " bytes");
  }
  return 0;
}

int parser_core::on_chunk_header(llhttp_t* p) {
  auto& s = self(p);
  s.chunk_extension_bytes_ = 0;
  const std::uint64_t size = p->content_length;
  if (size > s.options_.limits.max_body - std::min(s.body_bytes_, s.options_.limits.max_body)) {
    return s.fail_in_callback(error_codes::http_body_too_large,
                              "chunked body above the limit of " +
                                  std::to_string(s.options_.limits.max_body) + " bytes");
  }
  s.body_bytes_ += size;
  return 0;
}

int parser_core::on_chunk_complete(llhttp_t* p) {
  self(p).chunk_extension_bytes_ = 0;
  return 0;
}

int parser_core::on_body(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = self(p);
  if (n == 0) return 0;
  if (!s.chunked && s.content_length == 0) {
    // Read until close: the only body whose size is not known up front.
    s.body_bytes_ += n;
    if (s.body_bytes_ > s.options_.limits.max_body) {
      return s.fail_in_callback(error_codes::http_body_too_large,
                                "body above the limit of " +
                                    std::to_string(s.options_.limits.max_body) + " bytes");
    }
  }
  s.body_ = {reinterpret_cast<const std::uint8_t*>(at), n};
  s.event_ = event::body;
  return HPE_PAUSED;
}

int parser_core::on_message_complete(llhttp_t* p) {
  auto& s = self(p);
  s.keep_alive = llhttp_should_keep_alive(p) != 0;
  s.upgrade = p->upgrade != 0;
  s.event_ = event::complete;
  return HPE_PAUSED;
}

}  // namespace network_system::protocol::http::detail
