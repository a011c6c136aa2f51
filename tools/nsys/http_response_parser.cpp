#include "http_response_parser.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace nsys {

namespace {

constexpr std::size_t max_chunk_line = 1024;  // size, extensions and CRLF

// RFC 9110 tchar: the characters of a header name.
constexpr std::array<bool, 256> tchar_table = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

// Field values and reason phrases: HTAB, SP, VCHAR, obs-text (no other control byte).
constexpr std::array<bool, 256> text_table = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 256; ++c) t[static_cast<std::size_t>(c)] = c != 0x7f;
  t['\t'] = true;
  return t;
}();

bool all_text(const char* p, std::size_t n) {
  // One load per byte and no branch: this runs over every header value of every response.
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok &= text_table[static_cast<unsigned char>(p[i])];
  return ok;
}

// Case-insensitive comparison with a lower-case literal of letters and '-': OR-ing 0x20 maps
// only 'A'-'Z' onto 'a'-'z' and only CR onto '-', and CR never reaches here (names are tokens,
// values have no control byte but HTAB).
bool iequals(const char* p, std::size_t n, std::string_view lower) {
  if (n != lower.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < n; ++i) {
    diff |= static_cast<unsigned char>(p[i] | 0x20) ^ static_cast<unsigned char>(lower[i]);
  }
  return diff == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string printable(const char* p, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 40); ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
  if (n > 40) out += "...";
  return out;
}

// Splits "name: value" (without its CRLF) and trims the value's optional whitespace. False
// when the line is not a field line.
bool split_field(const char* line, std::size_t len, std::size_t& name_len, const char*& value,
                 std::size_t& value_len) {
  std::size_t i = 0;
  while (i < len && tchar_table[static_cast<unsigned char>(line[i])]) ++i;
  if (i == 0 || i == len || line[i] != ':') return false;
  name_len = i;
  std::size_t b = i + 1;
  std::size_t e = len;
  while (b < e && (line[b] == ' ' || line[b] == '\t')) ++b;
  while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t')) --e;
  value = line + b;
  value_len = e - b;
  return all_text(value, value_len);
}

}  // namespace

http_response_parser::result http_response_parser::fail(std::size_t consumed, std::string why) {
  state_ = state::failed;
  error_ = std::move(why);
  return {consumed, event::error};
}

bool http_response_parser::parse_header(const char* name, std::size_t name_len, const char* value,
                                        std::size_t value_len) {
  if (iequals(name, name_len, "content-length")) {
    if (value_len == 0 || value_len > 18) {
      error_ = "Content-Length '" + printable(value, value_len) + "' is not a length";
      return false;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < value_len; ++i) {
      if (value[i] < '0' || value[i] > '9') {
        error_ = "Content-Length '" + printable(value, value_len) + "' is not a length";
        return false;
      }
      v = v * 10 + static_cast<std::uint64_t>(value[i] - '0');
    }
    if (has_length_ && v != length_) {
      error_ = "two different Content-Length values";
      return false;
    }
    has_length_ = true;
    length_ = v;
  } else if (iequals(name, name_len, "transfer-encoding")) {
    if (chunked_ || !iequals(value, value_len, "chunked")) {
      error_ = "Transfer-Encoding '" + printable(value, value_len) +
               "' (only one 'chunked' is accepted)";
      return false;
    }
    chunked_ = true;
  } else if (iequals(name, name_len, "connection")) {
    // A comma-separated list of options: only close and keep-alive matter here.
    std::size_t i = 0;
    while (i < value_len) {
      std::size_t j = i;
      while (j < value_len && value[j] != ',') ++j;
      std::size_t b = i;
      std::size_t e = j;
      while (b < e && (value[b] == ' ' || value[b] == '\t')) ++b;
      while (e > b && (value[e - 1] == ' ' || value[e - 1] == '\t')) --e;
      if (iequals(value + b, e - b, "close")) keep_alive_ = false;
      if (http10_ && iequals(value + b, e - b, "keep-alive")) keep_alive_ = true;
      i = j + 1;
    }
  }
  return true;
}

bool http_response_parser::parse_status_line(const char* p, std::size_t n) {
  // "HTTP/1.x SSS[ reason]\r" (n counts the CR, not the LF).
  if (n < 13 || p[n - 1] != '\r' || std::memcmp(p, "HTTP/1.", 7) != 0 ||
      (p[7] != '0' && p[7] != '1') || p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' ||
      p[10] > '9' || p[11] < '0' || p[11] > '9' ||
      (n > 13 && (p[12] != ' ' || !all_text(p + 13, n - 14)))) {
    error_ = "bad status line '" + printable(p, n) + "'";
    return false;
  }
  http10_ = p[7] == '0';
  status_ = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  keep_alive_ = !http10_;
  chunked_ = false;
  has_length_ = false;
  length_ = 0;
  return true;
}

bool http_response_parser::parse_field_line(const char* line, std::size_t n) {
  // n counts the CR, not the LF; n >= 2 (the empty line is the caller's).
  if (line[n - 1] != '\r') {
    error_ = "a header line ends in a bare LF";
    return false;
  }
  if (line[0] == ' ' || line[0] == '\t') {
    error_ = "obs-fold (a header line that starts with white space)";
    return false;
  }
  std::size_t name_len = 0;
  const char* value = nullptr;
  std::size_t value_len = 0;
  if (!split_field(line, n - 1, name_len, value, value_len)) {
    error_ = "bad header line '" + printable(line, n - 1) + "'";
    return false;
  }
  return parse_header(line, name_len, value, value_len);
}

http_response_parser::event http_response_parser::after_head() {
  if (status_ == 101) {
    state_ = state::failed;
    error_ = "101 Switching Protocols to a request that asked for no upgrade";
    return event::error;
  }
  if (chunked_ && has_length_) {
    state_ = state::failed;
    error_ = "both Content-Length and Transfer-Encoding";
    return event::error;
  }
  if (status_ < 200) {  // interim: the final response to the same request follows
    state_ = state::head;
    scanned_ = 0;
    return event::interim;
  }
  if (head_request_ || status_ == 204 || status_ == 304) return event::complete;
  if (chunked_) {
    state_ = state::chunk_size;
    scanned_ = 0;
    return event::need_more;
  }
  if (!has_length_) {
    state_ = state::failed;
    error_ = "a " + std::to_string(status_) +
             " response with neither Content-Length nor chunked framing (it would end at the "
             "close)";
    return event::error;
  }
  if (length_ == 0) return event::complete;
  remaining_ = length_;
  state_ = state::body_length;
  return event::need_more;
}

http_response_parser::result http_response_parser::parse(const char* data, std::size_t len) {
  std::size_t off = 0;
  while (true) {
    const std::size_t avail = len - off;
    switch (state_) {
      case state::failed:
        return {off, event::error};

      case state::head: {
        // Garbage is caught at its first bytes, not after max_head of them.
        const std::size_t check = std::min<std::size_t>(avail, 7);
        if (std::memcmp(data + off, "HTTP/1.", check) != 0) {
          // Up to the first byte that differs: the same text however the input was split.
          std::size_t bad = 0;
          while (data[off + bad] == "HTTP/1."[bad]) ++bad;
          return fail(off, "not an HTTP/1.x response: it starts with '" +
                               printable(data + off, bad + 1) + "'");
        }
        // Line by line, each parsed once: scanned_ is where the first line not parsed yet
        // starts (the head is kept back, whole, until its empty line arrives).
        const char* head = data + off;
        std::size_t pos = scanned_;
        std::size_t head_len = 0;
        while (head_len == 0) {
          const char* nl = static_cast<const char*>(std::memchr(head + pos, '\n', avail - pos));
          if (nl == nullptr) {
            scanned_ = pos;
            if (avail > max_head_) {
              return fail(off, "response head over " + std::to_string(max_head_) + " bytes");
            }
            return {off, event::need_more};
          }
          const std::size_t end = static_cast<std::size_t>(nl - head);  // the LF
          if (end + 1 > max_head_) {
            return fail(off, "response head over " + std::to_string(max_head_) + " bytes");
          }
          bool ok = true;
          if (pos == 0) {
            ok = parse_status_line(head, end);
          } else if (end == pos) {
            error_ = "a header line ends in a bare LF";
            ok = false;
          } else if (end == pos + 1 && head[pos] == '\r') {
            head_len = end + 1;  // the empty line
          } else {
            ok = parse_field_line(head + pos, end - pos);
          }
          if (!ok) {
            state_ = state::failed;
            return {off, event::error};
          }
          pos = end + 1;
        }
        off += head_len;
        response_bytes_ = head_len;
        body_bytes_ = 0;
        const event e = after_head();
        if (e != event::need_more) return {off, e};
        break;
      }

      case state::body_length:
      case state::chunk_data: {
        const std::uint64_t take = std::min<std::uint64_t>(remaining_, avail);
        off += static_cast<std::size_t>(take);
        remaining_ -= take;
        body_bytes_ += take;
        response_bytes_ += take;
        if (remaining_ > 0) return {off, event::need_more};
        if (state_ == state::body_length) return {off, event::complete};
        state_ = state::chunk_crlf;
        break;
      }

      case state::chunk_crlf: {
        if (avail >= 1 && data[off] != '\r') return fail(off, "no CRLF after a chunk's data");
        if (avail < 2) return {off, event::need_more};
        if (data[off + 1] != '\n') return fail(off, "no CRLF after a chunk's data");
        off += 2;
        response_bytes_ += 2;
        state_ = state::chunk_size;
        scanned_ = 0;
        break;
      }

      case state::chunk_size: {
        const char* line = data + off;
        const char* nl = static_cast<const char*>(
            scanned_ < avail ? std::memchr(line + scanned_, '\n', avail - scanned_) : nullptr);
        if (nl == nullptr) {
          if (avail > max_chunk_line) return fail(off, "chunk size line over 1024 bytes");
          scanned_ = avail;
          return {off, event::need_more};
        }
        const std::size_t n = static_cast<std::size_t>(nl - line);  // without the LF
        if (n > max_chunk_line) return fail(off, "chunk size line over 1024 bytes");
        std::size_t digits = 0;
        std::uint64_t size = 0;
        while (digits < n && hex_value(line[digits]) >= 0) {
          size = size * 16 + static_cast<std::uint64_t>(hex_value(line[digits]));
          ++digits;
        }
        const bool ext_ok = digits < n && (line[digits] == '\r' || line[digits] == ';');
        if (digits == 0 || digits > 15 || !ext_ok || line[n - 1] != '\r' ||
            !all_text(line + digits, n - 1 - digits)) {
          return fail(off, "bad chunk size line '" + printable(line, n) + "'");
        }
        off += n + 1;
        response_bytes_ += n + 1;
        scanned_ = 0;
        if (size == 0) {
          state_ = state::trailers;
          length_ = 0;  // now: trailer bytes so far
        } else {
          remaining_ = size;
          state_ = state::chunk_data;
        }
        break;
      }

      case state::trailers: {
        const char* line = data + off;
        const char* nl = static_cast<const char*>(
            scanned_ < avail ? std::memchr(line + scanned_, '\n', avail - scanned_) : nullptr);
        if (nl == nullptr) {
          if (length_ + avail > max_head_) {
            return fail(off, "trailers over " + std::to_string(max_head_) + " bytes");
          }
          scanned_ = avail;
          return {off, event::need_more};
        }
        const std::size_t n = static_cast<std::size_t>(nl - line);
        if (n == 0 || line[n - 1] != '\r') return fail(off, "a trailer line ends in a bare LF");
        length_ += n + 1;
        if (length_ > max_head_) {
          return fail(off, "trailers over " + std::to_string(max_head_) + " bytes");
        }
        off += n + 1;
        response_bytes_ += n + 1;
        scanned_ = 0;
        if (n == 1) return {off, event::complete};
        std::size_t name_len = 0;
        const char* value = nullptr;
        std::size_t value_len = 0;
        if (!split_field(line, n - 1, name_len, value, value_len)) {
          return fail(off, "bad trailer line '" + printable(line, n - 1) + "'");
        }
        break;
      }
    }
  }
}

}  // namespace nsys
