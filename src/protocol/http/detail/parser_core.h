#pragma once
// The engine under request_parser and response_parser: llhttp driven one event at a time
// (every callback that ends an event pauses llhttp), plus the RFC 9112 checks llhttp 8.1 does
// not make, which run over the raw bytes of the head and the chunked framing (head_scan) and
// over the completed head (check_head).

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "network_system/core/error_codes.h"
#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"
#include "network_system/protocol/http/parse_result.h"
#include "network_system/protocol/http/parser_options.h"

namespace network_system::protocol::http::detail {

// Bytes a Content-Length or Transfer-Encoding value may have (both are short when honest).
inline constexpr std::size_t max_framing_value = 1024;

class parser_core {
 public:
  parser_core(bool request, parser_options options);
  parser_core(const parser_core&) = delete;
  parser_core& operator=(const parser_core&) = delete;

  parse_result feed(std::span<const std::uint8_t> input);
  parse_result finish();
  void reset();

  void set_request_method(std::string_view method);
  void continue_after_upgrade() noexcept;

  request_head request;
  response_head response;
  http_fields trailers;
  error_info error;
  bool chunked = false;
  std::uint64_t content_length = 0;
  bool keep_alive = false;
  bool upgrade = false;

 private:
  enum class phase { head, body, upgraded, failed };
  enum class event { none, head, body, complete };
  enum class framing_field { none, content_length, transfer_encoding };

  static const llhttp_settings_t settings_;
  static parser_core& self(llhttp_t* p) { return *static_cast<parser_core*>(p->data); }
  static int on_message_begin(llhttp_t* p);
  static int on_method(llhttp_t* p, const char* at, std::size_t n);
  static int on_url(llhttp_t* p, const char* at, std::size_t n);
  static int on_status(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_chunk_extension(llhttp_t* p, const char* at, std::size_t n);
  static int on_chunk_header(llhttp_t* p);
  static int on_chunk_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, std::size_t n);
  static int on_message_complete(llhttp_t* p);

  // Returns -1 (llhttp's "callback failed") after recording the error.
  int fail_in_callback(int code, std::string message);
  parse_result fail(int code, std::string message);
  parse_result failed_result() const { return {parse_status::error, 0, {}}; }
  int llhttp_error_code(llhttp_errno_t err) const;
  std::string llhttp_error_message(llhttp_errno_t err) const;

  bool scan(const std::uint8_t* p, std::size_t n);
  bool scan_head(const std::uint8_t* p, std::size_t n);
  bool scan_line_part(const std::uint8_t* p, const std::uint8_t* end);
  bool end_head_line();
  bool check_start_line();
  bool check_framing_value();
  bool check_head();
  bool check_transfer_encoding();
  int syntax_code(int request_code) const {
    return request_ ? request_code : error_codes::http_invalid_response;
  }
  void begin_message();
  void end_message();
  void restart_head_scan();
  void commit_field();

  bool request_;
  parser_options options_;
  llhttp_t parser_{};
  phase phase_ = phase::head;
  event event_ = event::none;
  std::span<const std::uint8_t> body_{};
  int pending_code_ = 0;  // an error a callback found
  std::string pending_message_;
  bool message_started_ = false;
  bool head_request_ = false;
  bool connect_request_ = false;

  std::string field_name_;
  std::string field_value_;
  bool in_field_ = false;
  std::uint64_t body_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::size_t chunk_extension_bytes_ = 0;

  // head_scan state, over the raw bytes of the head (and of the chunked framing afterwards).
  std::uint8_t prev_ = 0;
  std::size_t head_bytes_ = 0;
  bool in_start_line_ = true;
  std::size_t line_index_ = 0;  // 0: the start line, 1: the first field line, ...
  bool line_start_ = true;
  std::string start_line_;
  std::string line_name_;
  bool line_name_done_ = false;
  framing_field line_framing_ = framing_field::none;
  std::string line_value_;
};

}  // namespace network_system::protocol::http::detail
