#pragma once
// messaging_session: one TCP connection with its framing, write queue and callbacks.
//
// Servers create one per accepted connection and clients one per connection; applications get
// them through callbacks and server lookups, never construct them.
//
// Threading (SPEC §5): a session is bound to one io_context for its whole life. Its socket,
// decoder and write queue are touched only on that context's thread, which is also the thread
// that runs every callback about this session. The public methods below may be called from any
// thread: a send from another thread is queued and handed to the owner thread.
//
// Write path: one write queue; never two writes in flight; everything queued leaves in one
// gathered write (sendmsg with up to 1024 buffers); a payload handed over by move is never
// copied. Back-pressure: see send_queue_config.
//
// Read path: on readiness the session reads until the socket is empty (up to a fairness bound),
// delivers every complete message of each read, then writes what the callbacks queued in one
// go. An idle session holds no read buffer.

#include <any>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/async_result.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "network_system/core/detail/completion.h"
#include "network_system/core/result.h"
#include "network_system/protocol/framing/frame_decoder.h"
#include "network_system/protocol/framing/frame_encoder.h"
#include "network_system/session/session_options.h"

namespace network_system::session {

namespace detail {
class session_handler;
class tls_stream;
class write_queue;
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
}

enum class session_state : std::uint8_t { connecting, connected, disconnecting, disconnected };

/// A snapshot of a session's counters.
struct session_statistics {
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_received = 0;  ///< payload bytes (framing excluded)
  std::uint64_t messages_sent = 0;   ///< messages fully written to the socket
  std::uint64_t bytes_sent = 0;      ///< payload bytes fully written
  std::uint64_t messages_dropped = 0;  ///< refused or dropped by the send-queue policy
  std::uint64_t errors = 0;
  std::size_t queued_bytes = 0;  ///< accepted by send_packet, not yet written
  std::chrono::system_clock::time_point connected_at{};
  std::chrono::steady_clock::time_point last_activity{};
};

/// What a TLS session negotiated (messaging_session::tls()).
struct tls_details {
  std::string version;       ///< "TLSv1.3" or "TLSv1.2"
  std::string cipher;        ///< e.g. "TLS_AES_128_GCM_SHA256"
  std::string alpn;          ///< the ALPN protocol agreed on; empty without ALPN
  std::string server_name;   ///< server side: the SNI the client sent; client side: the name verified
  std::string peer_subject;  ///< the peer certificate's subject ("CN=test-client"); empty if none
  bool resumed = false;      ///< resumed from an earlier session (ticket): no full handshake
};

/// The settings a session runs with; shared by all sessions of one server or client.
struct session_settings {
  protocol::framing::framing_config framing{};
  send_queue_config send_queue{};
  socket_options socket{};
  std::chrono::milliseconds idle_timeout{0};
};

class messaging_session : public std::enable_shared_from_this<messaging_session> {
  struct private_tag {};

 public:
  using payload_ptr = std::shared_ptr<const std::vector<std::uint8_t>>;

  /// Creates a session around a connected socket; with `tls`, the session is that TLS stream
  /// over the socket. Library-internal: servers and clients call create(); start() must then
  /// run on the socket's io_context thread.
  static std::shared_ptr<messaging_session> create(
      std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
      std::string_view owner_id, std::shared_ptr<const session_settings> settings,
      std::shared_ptr<detail::session_handler> handler,
      std::unique_ptr<detail::tls_stream> tls = nullptr);

  messaging_session(private_tag, std::shared_ptr<asio::io_context> context,
                    asio::ip::tcp::socket socket, std::string_view owner_id,
                    std::shared_ptr<const session_settings> settings,
                    std::shared_ptr<detail::session_handler> handler,
                    std::unique_ptr<detail::tls_stream> tls);
  ~messaging_session();

  messaging_session(const messaging_session&) = delete;
  messaging_session& operator=(const messaging_session&) = delete;

  // --- identity (any thread) --------------------------------------------------------------
  /// Unique in the process for its lifetime; never reused.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  /// "<server or client id>/<id>", e.g. "echo/17".
  [[nodiscard]] const std::string& string_id() const noexcept { return string_id_; }
  /// "127.0.0.1:40312" or "[::1]:40312".
  [[nodiscard]] std::string remote_endpoint() const;
  [[nodiscard]] std::string local_endpoint() const;
  [[nodiscard]] session_state state() const noexcept { return state_.load(); }
  /// The OS socket, for reading or setting socket options the library does not cover
  /// (getsockopt/setsockopt are safe from any thread). Valid while the session is connected
  /// (after it closes the number may belong to another socket). Never read, write or close it.
  [[nodiscard]] asio::ip::tcp::socket::native_handle_type native_handle() const noexcept {
    return native_handle_;
  }
  [[nodiscard]] bool is_connected() const noexcept {
    return state_.load() == session_state::connected;
  }
  /// For a TLS session (secure_messaging_server/client) once its handshake has finished: what
  /// it negotiated. nullopt for plain TCP, and before the handshake has finished.
  [[nodiscard]] std::optional<tls_details> tls() const;

  // --- sending (any thread) ---------------------------------------------------------------
  /// Queues one message; the peer receives it as one message. The vector is moved in and
  /// never copied.
  /// Errors: not_connected (session closed or closing), message_too_large (above
  /// framing.max_message_size), invalid_message (delimiter framing and the payload contains
  /// the delimiter), send_queue_full (queued bytes at the high-water mark; with policy close
  /// the session closes too). With policy drop, a message over the mark is discarded and ok()
  /// returned.
  VoidResult send_packet(std::vector<std::uint8_t>&& data);
  /// Copies `data`, then as above.
  VoidResult send_packet(const std::vector<std::uint8_t>& data);
  VoidResult send_packet(std::span<const std::uint8_t> data);
  VoidResult send_packet(std::string_view text);
  /// Queues a payload that may be shared with other sessions (broadcast); never copied.
  VoidResult send_shared(payload_ptr data);

  /// Bytes accepted by send_packet and not yet written to the socket.
  [[nodiscard]] std::size_t queued_bytes() const noexcept {
    return owner_queued_.load(std::memory_order_relaxed) +
           foreign_queued_.load(std::memory_order_relaxed);
  }

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
          self->start_receive({std::move(handler), self->context_->get_executor()}, {});
        },
        token);
  }
  /// As above, completing with connection_timeout ("receive: nothing received within N ms")
  /// when no message came within `timeout`; nothing is taken then either.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_receive(std::chrono::milliseconds timeout, CompletionToken&& token = {}) {
    return asio::async_initiate<CompletionToken, void(Result<std::vector<std::uint8_t>>)>(
        [self = shared_from_this(), timeout](auto handler) {
          self->start_receive({std::move(handler), self->context_->get_executor()}, timeout);
        },
        token);
  }
  /// Queues `data` as send_packet does, waiting first while the send queue is at its
  /// high-water mark: completes once the message is queued (a sender loop that awaits each
  /// send applies back-pressure by itself). Waiting sends are queued in order, retried on the
  /// drain (send_queue.low_water). Handler: void(VoidResult).
  /// Errors: as send_packet but send_queue_full (it waits instead, under the default
  /// overflow_policy::fail; drop and close apply as for send_packet); the close reason when
  /// the session closes while the send waits; operation_canceled (canceled while waiting:
  /// the message is not sent).
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_send(std::vector<std::uint8_t> data, CompletionToken&& token = {}) {
    return asio::async_initiate<CompletionToken, void(VoidResult)>(
        [self = shared_from_this()](auto handler, std::vector<std::uint8_t>&& bytes) {
          self->start_send(std::move(bytes), {std::move(handler), self->context_->get_executor()});
        },
        token, std::move(data));
  }

  // --- closing (any thread) ---------------------------------------------------------------
  /// Closes the session gracefully: stops reading, writes what is already queued (for at most
  /// linger_timeout; what is left then is discarded), then closes. The disconnection callback
  /// runs on the session's thread with code session_closed and `reason` as the message.
  void close(std::string_view reason = "closed by the application");
  static constexpr std::chrono::seconds linger_timeout{5};

  // --- application data and groups (any thread) -------------------------------------------
  void set_data(std::string key, std::any value);
  [[nodiscard]] std::optional<std::any> get_data(std::string_view key) const;
  template <typename T>
  [[nodiscard]] std::optional<T> get_data_as(std::string_view key) const {
    auto v = get_data(key);
    if (!v) return std::nullopt;
    if (const T* p = std::any_cast<T>(&*v)) return *p;
    return std::nullopt;
  }
  bool erase_data(std::string_view key);

  void join_group(std::string group);
  void leave_group(std::string_view group);
  [[nodiscard]] bool in_group(std::string_view group) const;
  [[nodiscard]] std::vector<std::string> groups() const;

  [[nodiscard]] session_statistics get_statistics() const;

  // --- library-internal (owner thread) ----------------------------------------------------
  /// Applies socket options, fires the connection callback and starts reading.
  void start();
  /// Closes with `reason`, fires the disconnection callback once. Owner thread only.
  void close_now(const error_info& reason);
  /// close_now() on the owner thread, from any thread.
  void post_close(error_info reason);
  [[nodiscard]] asio::io_context& context() noexcept { return *context_; }
  /// The pull-mode inbox and the waiting sends (messaging_session_awaitable.cpp); null until
  /// the first async_* call or the close. Servers and clients route messages through it.
  [[nodiscard]] detail::session_async_state* async_state_if_any() const noexcept {
    return async_state_.ptr.load(std::memory_order_acquire);
  }
  /// As above, created on first use (any thread).
  detail::session_async_state& async_state();

 private:
  // A message sent from another thread, waiting to be handed to the owner thread.
  struct pending_message {
    protocol::framing::frame_prefix prefix;
    std::vector<std::uint8_t> owned;
    payload_ptr shared;
  };
  struct extras {  // created on first use: most sessions carry no data or groups
    std::map<std::string, std::any, std::less<>> data;
    std::set<std::string, std::less<>> groups;
  };

  /// Back-pressure and state check: true = queue it, false = drop it (policy drop), error.
  Result<bool> admit(std::size_t payload_size, bool owner_thread);
  /// The owner thread's common case, without building a Result: connected, a payload the
  /// framing takes as is, and room below the high-water mark. Counts the bytes in when true;
  /// false sends the caller down the checked path.
  bool admit_fast(std::size_t payload_size) noexcept;
  VoidResult enqueue(pending_message&& msg);
  [[nodiscard]] bool on_owner_thread() const noexcept;
  void schedule_flush();
  void take_pending();

  // session_io.cpp: the driver loop.
  void finish_start();
  void do_handshake();
  void on_handshake_io(const std::error_code& ec);
  /// Waits for the socket, or re-runs the read at once when TLS already holds input.
  void continue_reading();
  void do_wait_read();
  void on_readable(const std::error_code& ec);
  struct read_scope;
  /// Reads and delivers until the socket is empty (or the fairness bound); false once closed.
  bool read_available(const std::shared_ptr<messaging_session>& self);
  void on_peer_closed(const std::string& how);
  void do_write();
  void do_wait_write();
  void on_writable(const std::error_code& ec);
  void after_written(std::size_t payload_bytes, std::size_t messages);
  [[nodiscard]] bool closed_or_closing() const noexcept;
  void arm_idle_timer(std::chrono::steady_clock::duration after);
  void on_idle_timer(const std::error_code& ec);
  void fail(const error_info& reason);

  std::shared_ptr<asio::io_context> context_;
  asio::ip::tcp::socket socket_;
  std::shared_ptr<const session_settings> settings_;
  std::shared_ptr<detail::session_handler> handler_;
  std::unique_ptr<detail::tls_stream> tls_;  // null for plain TCP
  protocol::framing::frame_decoder decoder_;
  protocol::framing::frame_encoder encoder_;

  const std::uint64_t id_;
  const std::string string_id_;
  asio::ip::tcp::endpoint remote_;
  asio::ip::tcp::endpoint local_;
  asio::ip::tcp::socket::native_handle_type native_handle_;
  const std::size_t length_prefix_bytes_;  // framing bytes around every message
  const std::size_t suffix_bytes_;

  std::atomic<session_state> state_{session_state::connecting};

  // Owner thread only.
  std::unique_ptr<detail::write_queue> write_queue_;
  bool read_armed_ = false;
  bool write_armed_ = false;
  bool in_read_handler_ = false;
  bool flush_posted_ = false;
  bool connected_reported_ = false;  // the handler's on_connected ran
  std::unique_ptr<asio::steady_timer> idle_timer_;  // idle timeout, and the linger of close()
  std::unique_ptr<error_info> closing_reason_;      // set while a graceful close() drains

  // Bytes queued and not yet written, in two counters so that the owner thread never needs a
  // locked read-modify-write: owner_queued_ is written only by the owner thread;
  // foreign_queued_ counts what other threads queued until the owner takes it over.
  std::atomic<std::size_t> owner_queued_{0};
  std::atomic<std::size_t> foreign_queued_{0};
  std::mutex pending_mutex_;  // sends from threads other than the owner
  std::vector<pending_message> pending_;
  std::atomic<bool> pending_posted_{false};
  std::atomic<bool> hit_high_water_{false};

  // Written by the owner thread only (single writer: plain load + store), read by anyone.
  std::atomic<std::uint64_t> messages_received_{0};
  std::atomic<std::uint64_t> bytes_received_{0};
  std::atomic<std::uint64_t> messages_sent_{0};
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> messages_dropped_{0};  // any thread
  std::atomic<std::chrono::system_clock::rep> connected_at_{0};
  std::atomic<std::chrono::steady_clock::rep> last_activity_{0};

  mutable std::mutex extras_mutex_;
  std::unique_ptr<extras> extras_;
  std::unique_ptr<const tls_details> tls_details_;  // under extras_mutex_; set once, at connect

  // messaging_session_awaitable.cpp
  void start_receive(core::detail::completion<Result<std::vector<std::uint8_t>>> done,
                     std::optional<std::chrono::milliseconds> timeout);
  void start_send(std::vector<std::uint8_t>&& data, core::detail::completion<VoidResult> done);
  detail::async_state_slot async_state_;
};

}  // namespace network_system::session
