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
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <asio/steady_timer.hpp>

#include "connection/detail/connection_protocol.h"
#include "network_system/connection/stream_connection.h"
#include "network_system/http/body_reader.h"
#include "network_system/http/response.h"
#include "network_system/protocol/http/request_parser.h"

namespace network_system::http::detail {

class http_server_state;
class exchange;

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
  void on_drained(connection::stream_connection& c) override;
  void on_closed() override;

  /// For a handler answering an upgrade request (RFC 9110 §7.8) with 101: after that answer
  /// the connection runs the protocol `make` returns, which gets the bytes that followed the
  /// request. `res` must be the response the server handed to the handler (else false). The
  /// 101 keeps the handler's Connection and Upgrade fields. An answer other than 101, or to a
  /// request that asked for no upgrade, is sent as usual and the connection stays HTTP.
  static bool accept_upgrade(response& res, std::function<std::unique_ptr<connection::detail::connection_protocol>(
                                                connection::stream_connection&)> make);

  // From the exchange's handles, posted to this thread (exchange.h).
  /// A deferred answer arrived (`lost`: its handle went without one: a 500, reported).
  void complete_deferred(connection::stream_connection& c, exchange& ex, response& answer, bool lost);
  /// Queues what the stream's writers wrote; ends the exchange after its last chunk.
  void flush_stream(connection::stream_connection& c, exchange& ex);
  /// The stream's last handle went without finish(): the body is incomplete, so the
  /// connection closes.
  void abort_stream(connection::stream_connection& c, exchange& ex);

 private:
  enum class phase : std::uint8_t {
    idle,     ///< between requests (or before the first): keep_alive_timeout / header_timeout
    head,     ///< a request's head is arriving: header_timeout
    body,     ///< its body is arriving: request_timeout
    answering,  ///< a deferred or streamed answer is on its way; no request is read meanwhile
    upgraded,   ///< a 101 was sent; the next protocol takes over
    closing,  ///< the last answer is queued; what arrives now is ignored
  };
  using clock = std::chrono::steady_clock;

  void on_head(connection::stream_connection& c);
  /// With streaming routes: builds the request at its head and routes it; a streaming route's
  /// handler runs now. Returns false when the request was answered (refused) already.
  bool route_head(connection::stream_connection& c);
  /// A piece of a streamed body to the route's body_reader.
  void deliver_piece(connection::stream_connection& c, std::span<const std::uint8_t> piece);
  /// The exchange for the next request: the last one again unless a handle still holds it.
  exchange& next_exchange(connection::stream_connection& c);
  /// After the handler: the answer is deferred or streamed; stop reading requests until done.
  void begin_answering(connection::stream_connection& c, exchange& ex, response& res);
  /// Queues a stream's head (Transfer-Encoding: chunked, or close-delimited for HTTP/1.0).
  bool send_stream_head(connection::stream_connection& c, exchange& ex, response& res);
  /// Sends the 101 and hands the connection to the protocol `make` returns.
  void upgrade(connection::stream_connection& c, response& res, const exchange& ex);
  /// The answer in progress is complete: read the next request (or close, if it was the last).
  void end_answering(connection::stream_connection& c);
  void on_message_complete(connection::stream_connection& c);
  /// Answers `e` with its status and closes after writing it.
  void refuse(connection::stream_connection& c, const error_info& e);
  /// Adds Date, Server and Connection, serializes `res` and queues it; closes after it when
  /// `keep_alive` is false.
  /// Returns whether the connection goes on.
  bool send(connection::stream_connection& c, response& res, bool head_request, bool keep_alive);
  /// The server's fields for an answer: Date, Server (unless `fields` has one), Connection.
  /// Removes a Date or Connection the handler set. Valid on this thread until the next call.
  const std::string& server_fields(protocol::http::http_fields& fields, bool keep_alive,
                                   bool upgrade = false);
  /// After queuing an answer: the queue refused it (the connection ends), or it was the last
  /// (a lingering close). Returns whether the connection goes on.
  bool after_queued(connection::stream_connection& c, const VoidResult& queued, bool keep_alive);
  /// "127.0.0.1:40312", formatted once per connection (PROXY protocol: the client it names).
  const std::string& remote(const connection::stream_connection& c);
  /// "127.0.0.1:40312: ", the start of an error message.
  std::string peer(const connection::stream_connection& c);

  void enter(phase p, std::chrono::milliseconds timeout);
  void arm_timer();
  void on_timer();

  std::shared_ptr<http_server_state> server_;
  std::shared_ptr<exchange> exchange_;   // the request being handled (see next_exchange)
  std::shared_ptr<exchange> answering_;  // the deferred or streamed answer in progress
  bool answer_keep_alive_ = true;        // whether the connection goes on after answering_
  std::weak_ptr<connection::stream_connection> connection_;
  protocol::http::request_parser parser_;
  std::string body_;
  std::uint64_t collected_limit_;          // the largest body collected whole
  std::optional<body_reader> reader_;      // the streamed body of the request in progress
  std::uint64_t streamed_bytes_ = 0;       // of reader_'s body so far
  bool prebuilt_ = false;                  // the request was built at its head (route_head)
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
