#pragma once
// raw_http: a blocking HTTP/1.1 client on a plain socket for server tests: it sends exactly the
// bytes a test gives (pipelined requests, malformed ones, a request split at every byte) and
// reads the responses with protocol::http::response_parser. Every read has a timeout.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/response_parser.h"

namespace integration {

struct raw_response {
  int status = 0;
  network_system::protocol::http::http_fields fields;
  std::string body;
  bool keep_alive = true;
  [[nodiscard]] std::string field(std::string_view name) const {
    auto v = fields.get(name);
    return v ? std::string(*v) : std::string();
  }
};

class raw_http {
 public:
  /// Connects to 127.0.0.1:port (blocking); connected() says whether it worked.
  explicit raw_http(std::uint16_t port,
                    std::chrono::milliseconds read_timeout = std::chrono::seconds(10));
  ~raw_http();
  raw_http(const raw_http&) = delete;
  raw_http& operator=(const raw_http&) = delete;

  [[nodiscard]] bool connected() const noexcept { return fd_ >= 0; }
  /// Writes all of `bytes`; false on error.
  bool send(std::string_view bytes);
  /// Half-closes (shutdown SHUT_WR): the server sees EOF after what was sent.
  void shutdown_write();
  /// Reads the next response (to a request with `method`); nullopt on EOF, timeout or a
  /// response that does not parse (last_error() says which).
  std::optional<raw_response> read_response(std::string_view method = "GET");
  /// True once the server has closed the connection (EOF) within `timeout`, after any bytes
  /// still buffered (which are dropped).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  [[nodiscard]] const std::string& last_error() const noexcept { return error_; }
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  std::string buffered_;  // read, not yet parsed
  std::string error_;
  network_system::protocol::http::response_parser parser_;
};

}  // namespace integration
