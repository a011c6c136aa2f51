#pragma once
// response: what an HTTP handler fills in. The server (or a test) turns it into bytes with
// serialize(); the body always goes out with a Content-Length. The body is either in memory
// (body(), set_body) or a range of an open file (set_file, see file_body.h).
//
//   void hello(http::request&, http::response& res) { res.text("Hello, World!"); }
//
//   res.set_status(201);
//   res.set_body(R"({"id":42})", "application/json");
//   res.set_cookie({.name = "sid", .value = token, .path = "/", .http_only = true});
//   res.redirect("/login");                       // 302 with Location
//   res.set_file(file_body::open(path).value(), "image/png");   // the body is a file
//
//   std::string wire;
//   res.serialize(wire, /*head_request=*/false);   // status line, fields, Content-Length, body
//
// What serialize() adds and leaves out (RFC 9110 §6.4.1, §8.6, §9.3.2):
//   - Content-Length: content_length() (the file's length() when a file is set, else
//     body().size()), replacing any the handler set, except for 1xx, 204 and
//     304, which have no body (the field is left out for 1xx and 204; a 304 keeps one the
//     handler set, since it describes the representation the client has);
//   - the answer to HEAD (head_request = true) has the same fields as the answer to GET,
//     Content-Length included, and no body;
//   - nothing else: Date, Server and Connection are the server's to add.
// The handler must not set Transfer-Encoding: chunked bodies are the streaming API's (not
// this type's); serialize() refuses a head with Transfer-Encoding (http_bad_request).
//
// File bodies. set_file() makes a file_body the body: body() is emptied, to_head() reports
// the file's length() as Content-Length, and serialize() appends the file's bytes read with
// pread(2) (what TLS and tests use). A server on plain TCP does not call serialize() for such
// a response: it writes serialize_head(to_head()) and then sends file()->length() bytes from
// file()->fd() at file()->offset() with sendfile(2) (see file_body.h). The body is one or
// the other: set_body() (and text(), json(), html(), redirect()) drop the file, set_file()
// empties body(). Writing into body() through its mutable reference while a file is set is
// a mistake serialize() refuses (invalid_argument).
//
// Thread-safety: none; a response is filled and serialized by one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/http/file_body.h"
#include "network_system/protocol/http/cookie.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"

namespace network_system::http {

class deferred_response;
class response_stream;

namespace detail {
class exchange;
class http1_server_protocol;
/// The server's hold on the response object it handed to a handler (defer(), stream()). It
/// belongs to that object, not to its value: a copy is unbound, and assigning another value
/// (res = response::status_page(404)) keeps the binding.
struct exchange_binding {
  std::shared_ptr<exchange> ex;
  exchange_binding() = default;
  exchange_binding(const exchange_binding&) noexcept {}
  exchange_binding& operator=(const exchange_binding&) noexcept { return *this; }
};
}  // namespace detail

class response {
 public:
  /// 200 OK, no fields, empty body.
  response() = default;

  /// A response with `status` and a short text/plain body "<status> <reason>\n"
  /// ("404 Not Found\n"), followed by `detail` and a newline when it is not empty. What the
  /// pipeline answers 404, 405 and 500 with; a server may use it for 400/413/431 too.
  [[nodiscard]] static response status_page(int status, std::string_view detail = {});

  // --- status line ------------------------------------------------------------------------

  [[nodiscard]] int status() const noexcept { return status_; }
  /// 100..999 (serialize() refuses anything else). Keeps the reason phrase, which is "" by
  /// default and then written as protocol::http::reason_phrase(status).
  void set_status(int status) noexcept { status_ = status; }
  /// "" unless set: serialize() then writes the registered phrase ("Not Found").
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  /// A custom reason phrase; no CR, LF or control characters (serialize() refuses them).
  void set_reason(std::string reason) { reason_ = std::move(reason); }

  // --- fields -----------------------------------------------------------------------------

  [[nodiscard]] const protocol::http::http_fields& headers() const noexcept { return fields_; }
  [[nodiscard]] protocol::http::http_fields& headers() noexcept { return fields_; }
  /// Replaces every field called `name` by one with `value` (http_fields::set). A value with
  /// CR, LF or NUL is not refused here but by serialize() (http_invalid_header), so that a
  /// value from a user cannot inject a field.
  void set_header(std::string_view name, std::string_view value) { fields_.set(name, value); }
  /// Appends a field (http_fields::add), keeping any earlier one of that name.
  void add_header(std::string_view name, std::string_view value) { fields_.add(name, value); }

  // --- body -------------------------------------------------------------------------------

  [[nodiscard]] const std::string& body() const noexcept { return body_; }
  [[nodiscard]] std::string& body() noexcept { return body_; }
  [[nodiscard]] std::span<const std::uint8_t> body_bytes() const noexcept {
    return {reinterpret_cast<const std::uint8_t*>(body_.data()), body_.size()};
  }
  /// Sets the body and Content-Type (replacing any); an empty content_type leaves
  /// Content-Type as it was. Drops a file set with set_file(). The status is not changed.
  void set_body(std::string body, std::string_view content_type = {});
  /// set_body(body, "text/plain; charset=utf-8").
  void text(std::string body) { set_body(std::move(body), "text/plain; charset=utf-8"); }
  /// set_body(body, "application/json"). The body is sent as given; it is not checked.
  void json(std::string body) { set_body(std::move(body), "application/json"); }
  /// set_body(body, "text/html; charset=utf-8").
  void html(std::string body) { set_body(std::move(body), "text/html; charset=utf-8"); }

  /// Makes `file` (a range of an open file) the body, emptying body(), and sets Content-Type
  /// unless content_type is empty. The status is not changed. The response shares the file's
  /// descriptor with `file` and its other copies (see file_body.h).
  void set_file(file_body file, std::string_view content_type = {});
  /// The file body, or nullptr when the body is in memory. Valid until the body changes.
  [[nodiscard]] const file_body* file() const noexcept { return file_ ? &*file_ : nullptr; }
  /// Drops the file body (the body is then body(), which set_file left empty).
  void clear_file() noexcept { file_.reset(); }
  /// The body's size in bytes: file()->length() with a file, else body().size().
  [[nodiscard]] std::uint64_t content_length() const noexcept {
    return file_ ? file_->length() : body_.size();
  }

  // --- helpers ----------------------------------------------------------------------------

  /// Appends a Set-Cookie field with cookie.serialize(). Several calls give several fields.
  /// Errors: http_invalid_cookie (see protocol::http::set_cookie::serialize); then nothing is
  /// added.
  VoidResult set_cookie(const protocol::http::set_cookie& cookie);

  /// Makes this a redirect: `status`, Location: location, and a short text body naming the
  /// location. Errors: error_codes::invalid_argument when status is not one of 300, 301, 302,
  /// 303, 307, 308, or location is empty or holds a CR, LF, NUL or other control byte; then
  /// the response is unchanged. Location is sent as given (a relative reference is fine,
  /// RFC 9110 §10.2.2); percent-encode what is not URI text yourself.
  VoidResult redirect(std::string_view location, int status = 302);

  // --- answering later, or piece by piece (the response an http_server handed over) ------

  /// Defers the answer: the handler returns without one and gives it later, from any thread,
  /// through the handle (deferred_response.h; include it). What this object holds when the
  /// handler returns is not sent. Calling it again returns the same handle. A response not
  /// handed over by a server (a test's, a copy), or one already made a stream, gives a handle
  /// of no connection (its send() returns invalid_state).
  deferred_response defer();
  /// Makes the body a stream written piece by piece (response_stream.h; include it): the
  /// status and fields this object has when the handler returns are sent as the head, with
  /// Transfer-Encoding: chunked. Sets Content-Type unless `content_type` is empty. Calling it
  /// again returns the same handle; a response not handed over by a server, or one already
  /// deferred, gives a handle of no connection.
  response_stream stream(std::string_view content_type = {});
  /// True once defer() was called on the object a server handed over.
  [[nodiscard]] bool is_deferred() const noexcept;

  // --- output -----------------------------------------------------------------------------

  /// The status line and fields as a protocol::http::response_head (HTTP/1.1), with the
  /// Content-Length serialize() would write (see the file comment). For a server that writes
  /// the head and the body as two pieces of one gathered write.
  [[nodiscard]] protocol::http::response_head to_head() const;

  /// Appends the whole response to `out`: to_head() serialized, then the body (the file's
  /// bytes, read with pread, when a file is set) unless head_request is true or the status
  /// has no body (1xx, 204, 304). A file body is read whole into `out`: a server sending
  /// large files over TLS should write the head and read the file piecewise
  /// (file_body::read_at) instead, to bound its memory.
  /// Errors (out is left as it was):
  ///   error_codes::http_bad_request     status outside 100..999, a reason with CR/LF or
  ///                                     controls, a Transfer-Encoding field
  ///   error_codes::http_invalid_header  a field name that is not a token or a value with
  ///                                     CR, LF, NUL or controls
  ///   error_codes::invalid_argument     a non-empty body or a file with 1xx, 204 or 304,
  ///                                     which cannot carry one; a file and a non-empty
  ///                                     body() at once
  ///   error_codes::invalid_state        the file could not be read, or ended early (it was
  ///                                     truncated after it was opened): file_body::read_at
  ///
  /// `server_fields`: field lines the server adds ("Date: ...\r\nServer: ...\r\n"), already
  /// serialized and trusted (not validated), written after the handler's fields.
  VoidResult serialize(std::string& out, bool head_request = false,
                       std::string_view server_fields = {}) const;

 private:
  int status_ = 200;
  std::string reason_;
  protocol::http::http_fields fields_;
  std::string body_;
  std::optional<file_body> file_;
  friend class detail::http1_server_protocol;
  detail::exchange_binding binding_;
};

}  // namespace network_system::http
