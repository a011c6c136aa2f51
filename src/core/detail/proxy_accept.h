#pragma once
// proxy_accept: reads the PROXY protocol header of accepted connections before their session
// starts (server_config::proxy_protocol). One per server; one handshake per connection, run on
// the I/O thread that will own the session.
//
// The header is read without taking one byte more off the stream: the handshake peeks
// (recv MSG_PEEK) until protocol::proxy::parse_proxy_header says it is complete, then receives
// exactly its length. What follows (the application's first message, a TLS ClientHello) stays
// in the socket for the session. A timer bounds the whole wait.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "network_system/core/result.h"
#include "network_system/core/server_config.h"

namespace network_system::core::detail {

class proxy_handshake;

class proxy_accept {
 public:
  /// Runs on the connection's I/O thread once the header is read (or, `optional`, once the
  /// connection turned out to carry none): the socket, positioned after the header, and the
  /// client the header names (nullopt: keep the socket's own peer address).
  using ready_handler = std::function<void(const std::shared_ptr<asio::io_context>& context,
                                           asio::ip::tcp::socket socket,
                                           std::optional<asio::ip::tcp::endpoint> remote)>;
  /// Runs on the connection's I/O thread when it is refused (its socket already closed), with
  /// proxy_protocol_error or proxy_protocol_timeout.
  using failed_handler = std::function<void(const error_info& error)>;

  /// `mode` is optional or required; `source` names the component in error_info.
  proxy_accept(proxy_protocol_mode mode, std::chrono::milliseconds timeout, const char* source);
  ~proxy_accept();
  proxy_accept(const proxy_accept&) = delete;
  proxy_accept& operator=(const proxy_accept&) = delete;

  /// Any thread: starts reading the header of `socket` (bound to `context`) on that context's
  /// thread. Exactly one of the handlers runs, there, unless abort_on() comes first.
  void start(std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
             ready_handler on_ready, failed_handler on_failed);

  /// On `context`'s thread (or with it stopped): closes every connection still waiting for its
  /// header there; none of their handlers runs.
  void abort_on(asio::io_context& context);

  /// Connections waiting for their header (any thread).
  [[nodiscard]] std::size_t pending() const;

  struct registry {
    mutable std::mutex mutex;
    std::vector<std::shared_ptr<proxy_handshake>> handshakes;
    void remove(const proxy_handshake* h);
  };

 private:
  const proxy_protocol_mode mode_;
  const std::chrono::milliseconds timeout_;
  const char* const source_;
  // Shared with the handshakes, which may finish their last handler after the server is gone.
  std::shared_ptr<registry> registry_;
};

}  // namespace network_system::core::detail
