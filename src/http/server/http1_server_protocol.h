#pragma once
// http1_server_protocol: HTTP/1.1 on one server connection (SPEC §5: a protocol on the
// connection core). Bytes read go to the request parser; each complete request goes through
// the server's pipeline on this thread, and its answer is queued at once, so pipelined
// requests are answered strictly in order and one read's answers leave in one write.
//
// Timeouts share one lazily re-armed timer: a request only moves a deadline (no timer
// operation per request); the timer, when it fires early, waits again for the current one.
//
// Every method runs on the connection's owner thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <asio/steady_timer.hpp>

#include "connection/detail/connection_protocol.h"
#include "network_system/connection/stream_connection.h"
#include "network_system/http/response.h"
#include "network_system/protocol/http/request_parser.h"

namespace network_system::http::detail {

class http_server_state;

class http1_server_protocol final : public connection::detail::connection_protocol {
 public:
  /// `c` is the connection it runs on (already owned by a shared_ptr).
  http1_server_protocol(std::shared_ptr<http_server_state> server, connection::stream_connection& c);
  ~http1_server_protocol() override;

  void on_data(const std::shared_ptr<connection::stream_connection>& self,
               std::span<const std::uint8_t>& in) override;
  std::optional<error_info> on_peer_eof(const connection::stream_connection& c) override;
  [[nodiscard]] bool flush_on_peer_eof() const noexcept override { return true; }
  void on_shutdown(connection::stream_connection& c, const error_info& reason) override;
  void on_closed() override;

 private:
  enum class phase : std::uint8_t {
    idle,     ///< between requests (or before the first): keep_alive_timeout / header_timeout
    head,     ///< a request's head is arriving: header_timeout
    body,     ///< its body is arriving: request_timeout
    closing,  ///< the last answer is queued; what arrives now is ignored
  };
  using clock = std::chrono::steady_clock;

  void on_head(connection::stream_connection& c);
  void on_message_complete(connection::stream_connection& c);
  /// Answers `e` with its status and closes after writing it.
  void refuse(connection::stream_connection& c, const error_info& e);
  /// Adds Date, Server and Connection, serializes `res` and queues it; closes after it when
  /// `keep_alive` is false.
  void send(connection::stream_connection& c, response& res, bool head_request, bool keep_alive);
  /// "127.0.0.1:40312", formatted once per connection (PROXY protocol: the client it names).
  const std::string& remote(const connection::stream_connection& c);
  /// "127.0.0.1:40312: ", the start of an error message.
  std::string peer(const connection::stream_connection& c);

  void enter(phase p, std::chrono::milliseconds timeout);
  void arm_timer();
  void on_timer();

  std::shared_ptr<http_server_state> server_;
  std::weak_ptr<connection::stream_connection> connection_;
  protocol::http::request_parser parser_;
  std::string body_;
  std::string remote_;  // see remote()
  phase phase_ = phase::idle;
  std::uint64_t served_ = 0;
  bool shutting_down_ = false;

  asio::steady_timer timer_;
  clock::time_point deadline_ = clock::time_point::max();
  clock::time_point armed_for_{};    // when the armed timer fires
  std::uint64_t timer_generation_ = 0;  // the current wait; older completions are ignored
  bool timer_armed_ = false;
  // Reset when the protocol goes (closed, or replaced on the live connection): a timer
  // completion already queued must not touch it then.
  std::shared_ptr<http1_server_protocol*> self_ref_;
};

}  // namespace network_system::http::detail
