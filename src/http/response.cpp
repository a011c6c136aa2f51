#include "network_system/http/response.h"

#include <charconv>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/http_status.h"
#include "network_system/protocol/http/serializer.h"

namespace network_system::http {

namespace {

namespace ph = protocol::http;

// RFC 9110 §6.4.1: 1xx, 204 and 304 never carry content.
bool status_has_no_body(int status) noexcept {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

// "HTTP/1.1 200 OK\r\n": what serialize_head writes for a status of three digits and no
// reason phrase of the handler's own.
void append_status_line(int status, std::string& out) {
  const char line[] = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ',
                       static_cast<char>('0' + status / 100),
                       static_cast<char>('0' + status / 10 % 10),
                       static_cast<char>('0' + status % 10), ' '};
  out.append(line, sizeof line);
  const std::string_view phrase = ph::reason_phrase(status);
  out.append(phrase.data(), phrase.size());
  out.append("\r\n", 2);
}

}  // namespace

response response::status_page(int status, std::string_view detail) {
  response res;
  res.set_status(status);
  std::string body = std::to_string(status);
  const std::string_view phrase = ph::reason_phrase(status);
  if (!phrase.empty()) {
    body += ' ';
    body += phrase;
  }
  body += '\n';
  if (!detail.empty()) {
    body += detail;
    body += '\n';
  }
  res.text(std::move(body));
  return res;
}

void response::set_body(std::string body, std::string_view content_type) {
  body_ = std::move(body);
  file_.reset();
  if (!content_type.empty()) fields_.set("Content-Type", content_type);
}

void response::set_file(file_body file, std::string_view content_type) {
  body_.clear();
  file_ = std::move(file);
  if (!content_type.empty()) fields_.set("Content-Type", content_type);
}

VoidResult response::set_cookie(const ph::set_cookie& cookie) {
  auto value = cookie.serialize();
  if (value.is_err()) return VoidResult(value.error());
  fields_.add("Set-Cookie", value.value());
  return ok();
}

VoidResult response::redirect(std::string_view location, int status) {
  switch (status) {
    case 300: case 301: case 302: case 303: case 307: case 308: break;
    default:
      return error_void(error_codes::invalid_argument,
                        "redirect to \"" + std::string(location) + "\": status " +
                            std::to_string(status) + " is not a redirect status",
                        "http::response");
  }
  if (location.empty()) {
    return error_void(error_codes::invalid_argument, "redirect: empty Location", "http::response");
  }
  for (const char c : location) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      return error_void(error_codes::invalid_argument,
                        "redirect: Location holds a control character", "http::response");
    }
  }
  status_ = status;
  fields_.set("Location", location);
  text("Redirecting to " + std::string(location) + "\n");
  return ok();
}

ph::response_head response::to_head() const {
  ph::response_head head{.status = status_, .reason = reason_, .version = {1, 1}, .fields = fields_};
  if (status_ == 304) return head;  // keeps a Content-Length the handler set, adds none
  head.fields.erase("Content-Length");
  if (!status_has_no_body(status_)) {
    head.fields.add("Content-Length", std::to_string(content_length()));
  }
  return head;
}

VoidResult response::serialize(std::string& out, bool head_request,
                               std::string_view server_fields) const {
  bool has_transfer_encoding = false;
  bool has_content_length = false;
  for (const auto& f : fields_) {  // one pass for both
    if (ph::iequals(f.name, "Transfer-Encoding")) has_transfer_encoding = true;
    if (ph::iequals(f.name, "Content-Length")) has_content_length = true;
  }
  if (has_transfer_encoding) {
    return error_void(error_codes::http_bad_request,
                      "serialize response " + std::to_string(status_) +
                          ": Transfer-Encoding is not allowed on a Content-Length response",
                      "http::response");
  }
  const bool no_body = status_has_no_body(status_);
  if (no_body && (!body_.empty() || file_)) {
    return error_void(error_codes::invalid_argument,
                      "serialize response " + std::to_string(status_) +
                          ": this status cannot carry a body (" +
                          std::to_string(content_length()) + " bytes given)",
                      "http::response");
  }
  if (file_ && !body_.empty()) {
    return error_void(error_codes::invalid_argument,
                      "serialize response " + std::to_string(status_) +
                          ": both a file and an in-memory body are set",
                      "http::response");
  }
  const std::size_t before = out.size();
  const bool send_body = !head_request && !no_body;
  out.reserve(before + 64 + 32 * fields_.size() +
              (send_body ? static_cast<std::size_t>(content_length()) : 0));
  if (status_ != 304 && has_content_length) {
    // Rare: the handler set its own Content-Length; to_head() replaces it (a copy of the
    // fields, which the common path below avoids).
    auto r = ph::serialize_head(to_head(), out);
    if (r.is_err()) {
      out.resize(before);
      return r;
    }
    if (!server_fields.empty()) {
      out.resize(out.size() - 2);
      out += server_fields;
      out += "\r\n";
    }
  } else {
    // The same bytes as serialize_head(to_head()) without copying the fields: the status line
    // and fields (validated by the codec), then Content-Length before the final CRLF.
    VoidResult r;
    if (reason_.empty() && status_ >= 100 && status_ <= 999) {
      // The status line of the common case, written here: nothing in it can be invalid.
      append_status_line(status_, out);
    } else {
      const ph::response_head line{
          .status = status_, .reason = reason_, .version = {1, 1}, .fields = {}};
      r = ph::serialize_head(line, out);
      if (r.is_ok()) out.resize(out.size() - 2);  // reopen the (empty) field section
    }
    if (r.is_ok()) r = ph::serialize_fields(fields_, out);
    if (r.is_err()) {
      out.resize(before);
      return r;
    }
    out.resize(out.size() - 2);
    out.append(server_fields.data(), server_fields.size());
    if (!no_body) {
      char line[48] = "Content-Length: ";
      constexpr std::size_t name = sizeof "Content-Length: " - 1;
      auto [end, ec] = std::to_chars(line + name, line + sizeof line - 4, content_length());
      (void)ec;
      *end++ = '\r';
      *end++ = '\n';
      out.append(line, end);
    }
    out.append("\r\n", 2);
  }
  if (!send_body) return ok();
  if (!file_) {
    out += body_;
    return ok();
  }
  auto r = file_->append_to(out);
  if (r.is_err()) {
    out.resize(before);
    return error_void(r.error().code,
                      "serialize response " + std::to_string(status_) + ": " + r.error().message,
                      "http::response", r.error().details);
  }
  return ok();
}

}  // namespace network_system::http
