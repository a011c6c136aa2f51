#include "network_system/protocol/http/serializer.h"

#include <string_view>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/http_status.h"
#include "protocol/http/detail/char_class.h"

namespace network_system::protocol::http {

namespace {

VoidResult refuse(int code, std::string message) {
  return error_info{code, "HTTP serialize: " + std::move(message), "http::serializer", ""};
}

bool is_field_text(std::string_view v) {
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
  }
  return true;
}

bool is_target(std::string_view t) {
  if (t.empty()) return false;
  for (const char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

VoidResult check_version(const http_version& v) {
  if (v.major == 1 && (v.minor == 0 || v.minor == 1)) return {};
  return refuse(error_codes::http_bad_request, "only HTTP/1.0 and HTTP/1.1 can be written");
}

void append_version(const http_version& v, std::string& out) {
  const char text[] = {'H', 'T', 'T', 'P', '/', '1', '.', static_cast<char>('0' + v.minor)};
  out.append(text, sizeof text);
}

// "name: value\r\n" in one growth of `out`.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  const std::size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  name.copy(p, name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  value.copy(p, value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

}  // namespace

VoidResult serialize_fields(const http_fields& fields, std::string& out) {
  // One pass: each field is checked and written; a bad one takes back what was written.
  const std::size_t mark = out.size();
  for (const auto& f : fields) {
    if (!detail::is_token(f.name)) {
      out.resize(mark);
      return refuse(error_codes::http_invalid_header,
                    "field name '" + f.name.substr(0, 64) + "' is not a token");
    }
    if (!is_field_text(f.value) ||
        (!f.value.empty() && (f.value.front() == ' ' || f.value.front() == '\t' ||
                              f.value.back() == ' ' || f.value.back() == '\t'))) {
      out.resize(mark);
      return refuse(error_codes::http_invalid_header,
                    "value of '" + f.name + "' has a control character or surrounding whitespace");
    }
    append_field(out, f.name, f.value);
  }
  out.append("\r\n", 2);
  return {};
}

VoidResult serialize_head(const request_head& head, std::string& out) {
  if (!detail::is_token(head.method)) {
    return refuse(error_codes::http_bad_request, "method '" + head.method.substr(0, 64) +
                                                     "' is not a token");
  }
  if (!is_target(head.target)) {
    return refuse(error_codes::http_bad_request,
                  "request target is empty or has whitespace or control characters");
  }
  if (auto v = check_version(head.version); v.is_err()) return v;
  const std::size_t mark = out.size();
  out += head.method;
  out += ' ';
  out += head.target;
  out += ' ';
  append_version(head.version, out);
  out += "\r\n";
  auto r = serialize_fields(head.fields, out);
  if (r.is_err()) out.resize(mark);
  return r;
}

VoidResult serialize_head(const response_head& head, std::string& out) {
  if (head.status < 100 || head.status > 999) {
    return refuse(error_codes::http_bad_request,
                  "status " + std::to_string(head.status) + " is not three digits");
  }
  if (!is_field_text(head.reason)) {
    return refuse(error_codes::http_bad_request, "reason phrase has a control character");
  }
  if (auto v = check_version(head.version); v.is_err()) return v;
  const std::size_t mark = out.size();
  append_version(head.version, out);
  const char status[] = {' ', static_cast<char>('0' + head.status / 100),
                         static_cast<char>('0' + head.status / 10 % 10),
                         static_cast<char>('0' + head.status % 10), ' '};
  out.append(status, sizeof status);
  const std::string_view reason =
      head.reason.empty() ? reason_phrase(head.status) : std::string_view(head.reason);
  out.append(reason.data(), reason.size());
  out.append("\r\n", 2);
  auto r = serialize_fields(head.fields, out);
  if (r.is_err()) out.resize(mark);
  return r;
}

namespace {

template <typename Head>
VoidResult serialize_with_length(const Head& head, std::span<const std::uint8_t> body,
                                 std::string& out) {
  if (head.fields.contains("transfer-encoding")) {
    return refuse(error_codes::http_bad_request,
                  "a Content-Length body with Transfer-Encoding in the head");
  }
  Head copy = head;
  copy.fields.set("Content-Length", std::to_string(body.size()));
  auto r = serialize_head(copy, out);
  if (r.is_ok()) out.append(reinterpret_cast<const char*>(body.data()), body.size());
  return r;
}

}  // namespace

VoidResult serialize_message(const request_head& head, std::span<const std::uint8_t> body,
                             std::string& out) {
  return serialize_with_length(head, body, out);
}

VoidResult serialize_message(const response_head& head, std::span<const std::uint8_t> body,
                             std::string& out) {
  return serialize_with_length(head, body, out);
}

std::span<const std::uint8_t> chunk_encoder::chunk_header(std::size_t size) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t n = header_.size();
  header_[--n] = '\n';
  header_[--n] = '\r';
  do {
    header_[--n] = static_cast<std::uint8_t>(hex[size & 15]);
    size >>= 4;
  } while (size != 0);
  return {header_.data() + n, header_.size() - n};
}

std::span<const std::uint8_t> chunk_encoder::chunk_end() noexcept {
  static constexpr std::uint8_t crlf[2] = {'\r', '\n'};
  return {crlf, 2};
}

std::array<std::span<const std::uint8_t>, 3> chunk_encoder::encode(
    std::span<const std::uint8_t> data) noexcept {
  if (data.empty()) return {};
  return {chunk_header(data.size()), data, chunk_end()};
}

Result<std::string> chunk_encoder::last_chunk(const http_fields& trailers) {
  std::string out = "0\r\n";
  auto r = serialize_fields(trailers, out);
  if (r.is_err()) return r.error();
  return out;
}

}  // namespace network_system::protocol::http
