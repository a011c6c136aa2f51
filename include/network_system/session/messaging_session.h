#pragma once
// messaging_session: one TCP or TLS connection running the framing protocol (SPEC §6): one
// send_packet() on one side is one receive callback on the other.
//
// Servers create one per accepted connection and clients one per connection; applications get
// them through callbacks and server lookups, never construct them. Everything that is not
// about messages (identity, endpoints, state, TLS details, pause_receiving()/
// resume_receiving(), close(), data and groups, statistics) comes from the connection core,
// stream_connection (connection/stream_connection.h), whose notes on threading, the write path
// and the read path apply here.
//
// Threading (SPEC §5): a session is bound to one io_context for its whole life; every callback
// about it runs on that thread. The public methods may be called from any thread: a send from
// another thread is queued and handed to the owner thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <asio/async_result.hpp>
#include <asio/use_awaitable.hpp>

#include "network_system/connection/stream_connection.h"
#include "network_system/core/detail/completion.h"
#include "network_system/core/result.h"
#include "network_system/protocol/framing/frame_encoder.h"
#include "network_system/protocol/framing/framing_config.h"
#include "network_system/session/message_batch.h"
#include "network_system/session/session_options.h"

namespace network_system::session {

namespace detail {
class session_handler;
class session_async_state;
/// Owns a session's session_async_state, created on first use by any thread (one atomic load
/// per message on the receive path while none exists). Defined in messaging_session_awaitable.cpp.
struct async_state_slot {
  std::atomic<session_async_state*> ptr{nullptr};
  async_state_slot() = default;
  async_state_slot(const async_state_slot&) = delete;
  async_state_slot& operator=(const async_state_slot&) = delete;
  ~async_state_slot();
};
}  // namespace detail

// The connection core's types under the session API's names.
using session_state = connection::connection_state;
using session_statistics = connection::connection_statistics;
using tls_details = connection::tls_details;

/// The settings a session runs with; shared by all sessions of one server or client.
struct session_settings : connection::connection_settings {
  protocol::framing::framing_config framing{};
};

class messaging_session : public connection::stream_connection {
  struct private_tag {};

 public:
  using payload_ptr = connection::stream_connection::payload_ptr;

  /// Creates a session around a connected socket; with `tls`, the session is that TLS stream
  /// over the socket. Library-internal: servers and clients call create(); start() must then
  /// run on the socket's io_context thread.
  static std::shared_ptr<messaging_session> create(
      std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
      std::string_view owner_id, std::shared_ptr<const session_settings> settings,
      std::shared_ptr<detail::session_handler> handler,
      std::unique_ptr<transport::detail::tls_stream> tls = nullptr);

  messaging_session(private_tag, std::shared_ptr<asio::io_context> context,
                    asio::ip::tcp::socket socket, std::string_view owner_id,
                    std::shared_ptr<const session_settings> settings,
                    std::shared_ptr<detail::session_handler> handler,
                    std::unique_ptr<transport::detail::tls_stream> tls);
  ~messaging_session() override;

  // --- sending (any thread) ---------------------------------------------------------------
  /// Queues one message; the peer receives it as one message. The vector is moved in and
  /// never copied.
  /// Errors: not_connected (session closed or closing), message_too_large (above
  /// framing.max_message_size), invalid_message (delimiter framing and the payload contains
  /// the delimiter), send_queue_full (queued bytes at the high-water mark: always with policy
  /// fail; with pause_reader, the default, only for a send made outside a receive callback;
  /// with policy close the session closes too). With policy drop, a message over the mark is
  /// discarded and ok() returned. See send_queue_config.
  VoidResult send_packet(std::vector<std::uint8_t>&& data);
  /// Copies `data`, then as above.
  VoidResult send_packet(const std::vector<std::uint8_t>& data);
  VoidResult send_packet(std::span<const std::uint8_t> data);
  VoidResult send_packet(std::string_view text);
  /// Queues a payload that may be shared with other sessions (broadcast); never copied.
  VoidResult send_shared(payload_ptr data);
  /// Queues every message of `batch` (from a batch receive callback), in order, each one a
  /// message to the peer: the echo or the forward of a whole read at once. Called on this
  /// session's thread with a batch cut by the same framing, the bytes go out as they arrived,
  /// in one piece, without a copy when the batch is this session's own read; otherwise each
  /// message is queued as send_packet(span) queues it. Errors: as send_packet, for the first
  /// message refused (the ones before it stay queued); send_queue_full counts the whole
  /// batch at once.
  VoidResult send_batch(const message_batch& batch);

  // --- awaitable forms (any thread) -------------------------------------------------------
  // Asio completion tokens; the default is asio::use_awaitable (`co_await s->async_send(..)`).
  // Handlers run on their associated executor (a coroutine's own), never inside this session's
  // read loop; without one, on this session's thread. They are always posted, never inline.
  //
  // Callbacks and pull mode. Each message is delivered once. A session is in callback mode
  // until its first async_receive; from then on (pull mode, for the session's whole life) its
  // messages go to its inbox, in order, and the server's receive callback no longer sees them.
  // A message that arrives while the server has no receive callback puts the session in pull
  // mode too (so that a coroutine started from the connection callback misses nothing).
  // A message that arrives with no receive waiting is queued; a receive takes the oldest one.
  // When the session closes, the waiting receive and every later one complete with the close
  // reason (the disconnection callback's reason), after whatever is still queued. The inbox
  // is bounded by send_queue.high_water bytes / low_water (the same marks as the send queue):
  // above the high mark it asks the session to pause reading, at the low mark to resume.

  /// The next message in pull mode (see above). Handler: void(Result<std::vector<uint8_t>>).
  /// Errors: operation_canceled (canceled through the handler's cancellation slot; every
  /// cancellation type is supported; no message is taken, it stays for the next receive),
  /// and, once closed, the close reason: connection_closed, connection_reset, session_closed,
  /// server_stopped, session_expired, message_too_large, ...
  template <core::detail::not_a_timeout CompletionToken = asio::use_awaitable_t<>>
  auto async_receive(CompletionToken&& token = {}) {
    return asio::async_initiate<CompletionToken, void(Result<std::vector<std::uint8_t>>)>(
        [self = shared_from_this()](auto handler) {
          self->start_receive({std::move(handler), self->context().get_executor()}, {});
        },
        token);
  }
  /// As above, completing with connection_timeout ("receive: nothing received within N ms")
  /// when no message came within `timeout`; nothing is taken then either.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_receive(std::chrono::milliseconds timeout, CompletionToken&& token = {}) {
    return asio::async_initiate<CompletionToken, void(Result<std::vector<std::uint8_t>>)>(
        [self = shared_from_this(), timeout](auto handler) {
          self->start_receive({std::move(handler), self->context().get_executor()}, timeout);
        },
        token);
  }
  /// Queues `data` as send_packet does, waiting first while the send queue is at its
  /// high-water mark: completes once the message is queued (a sender loop that awaits each
  /// send applies back-pressure by itself). Waiting sends are queued in order, retried on the
  /// drain (send_queue.low_water). Handler: void(VoidResult).
  /// Errors: as send_packet but send_queue_full (it waits instead, under the default
  /// pause_reader and under fail; drop and close apply as for send_packet); the close reason when
  /// the session closes while the send waits; operation_canceled (canceled while waiting:
  /// the message is not sent).
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_send(std::vector<std::uint8_t> data, CompletionToken&& token = {}) {
    return asio::async_initiate<CompletionToken, void(VoidResult)>(
        [self = shared_from_this()](auto handler, std::vector<std::uint8_t>&& bytes) {
          self->start_send(std::move(bytes), {std::move(handler), self->context().get_executor()});
        },
        token, std::move(data));
  }

  [[nodiscard]] std::shared_ptr<messaging_session> shared_from_this() {
    return shared_as<messaging_session>();
  }
  [[nodiscard]] std::shared_ptr<const messaging_session> shared_from_this() const {
    return std::static_pointer_cast<const messaging_session>(
        connection::stream_connection::shared_from_this());
  }

  // --- library-internal ------------------------------------------------------------------
  /// The pull-mode inbox and the waiting sends (messaging_session_awaitable.cpp); null until
  /// the first async_* call or the close. Servers and clients route messages through it.
  [[nodiscard]] detail::session_async_state* async_state_if_any() const noexcept {
    return async_state_.ptr.load(std::memory_order_acquire);
  }
  /// As above, created on first use (any thread).
  detail::session_async_state& async_state();

 private:
  // messaging_session_awaitable.cpp
  void start_receive(core::detail::completion<Result<std::vector<std::uint8_t>>> done,
                     std::optional<std::chrono::milliseconds> timeout);
  void start_send(std::vector<std::uint8_t>&& data, core::detail::completion<VoidResult> done);
  detail::async_state_slot async_state_;
  protocol::framing::frame_encoder encoder_;
};

}  // namespace network_system::session
