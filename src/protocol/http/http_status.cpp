#include "network_system/protocol/http/http_status.h"

#include "network_system/core/error_codes.h"

namespace network_system::protocol::http {

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 511: return "Network Authentication Required";
    default: return "";
  }
}

int status_for_error(int error_code) noexcept {
  namespace ec = error_codes;
  switch (error_code) {
    case ec::http_bad_request:
    case ec::http_request_smuggling:
    case ec::http_invalid_header:
    case ec::http_missing_host:
    case ec::http_invalid_chunk:
    case ec::http_invalid_url:
    case ec::http_invalid_cookie:
    case ec::http_invalid_multipart:
    case ec::http_decompression_failed:
      return 400;
    case ec::http_header_timeout:
    case ec::http_request_timeout:
      return 408;
    case ec::http_body_too_large:
    case ec::http_multipart_limit:
      return 413;
    case ec::http_uri_too_long:
      return 414;
    case ec::http_invalid_range:
      return 416;
    case ec::http_headers_too_large:
      return 431;
    case ec::http_not_implemented:
      return 501;
    case ec::http_version_not_supported:
      return 505;
    default:
      return 0;
  }
}

}  // namespace network_system::protocol::http
