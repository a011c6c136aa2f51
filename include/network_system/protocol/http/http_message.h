#pragma once
// The heads of HTTP/1.1 messages (RFC 9112): what comes before the body. Bodies are not held
// here: the parsers hand them out as views into the caller's input, the serializer frames the
// caller's bytes.
//
// Thread-safety: plain value types.

#include <cstdint>
#include <string>

#include "network_system/protocol/http/http_fields.h"

namespace network_system::protocol::http {

/// An HTTP version, "HTTP/<major>.<minor>". The parsers accept 1.0 and 1.1 only.
struct http_version {
  std::uint8_t major = 1;
  std::uint8_t minor = 1;
  friend bool operator==(const http_version&, const http_version&) = default;
};

/// A request line and its header fields.
struct request_head {
  /// The method token as sent, case-sensitive (RFC 9110 §9.1): "GET", "POST", ...
  std::string method = "GET";
  /// The request-target as sent (origin form "/a?b", absolute form, authority form for
  /// CONNECT, or "*"); not percent-decoded.
  std::string target = "/";
  http_version version{};
  http_fields fields;

  friend bool operator==(const request_head&, const request_head&) = default;
};

/// A status line and its header fields.
struct response_head {
  /// 100..999 when parsed; the serializer accepts 100..999 too.
  int status = 200;
  /// The reason phrase as sent (may be empty). The serializer writes reason_phrase(status)
  /// when this is empty.
  std::string reason;
  http_version version{};
  http_fields fields;

  friend bool operator==(const response_head&, const response_head&) = default;
};

}  // namespace network_system::protocol::http
