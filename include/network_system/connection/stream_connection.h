#pragma once
// stream_connection: the connection core every stream protocol stands on (SPEC §5).
//
//   transport    plain TCP socket | TLS stream (OpenSSL, non-blocking)   bytes in, bytes out
//   connection   this class: the readiness loop, one write queue,        one per socket
//                back-pressure, idle and linger timers, close reasons,
//                statistics
//   protocol     framing (messaging_session), later HTTP/1.1, WebSocket,  consumes the bytes read,
//                HTTP/2                                                  queues the bytes to send
//
// A protocol never touches the socket: the connection hands it every byte read and it queues
// its output with queue_*(). The protocol can be replaced on the live connection (an HTTP
// Upgrade): the socket, the TLS state and the write queue stay.
//
// Applications meet connections as messaging_session (a connection running the framing
// protocol, with send_packet) and never construct one.
//
// Threading: a connection is bound to one io_context for its whole life. Its socket, protocol
// and write queue are touched only on that context's thread (the owner thread), which also runs
// every callback about it. The public methods below may be called from any thread unless they
// say otherwise.
//
// Write path: one write queue; never two writes in flight; everything queued leaves in one
// gathered write (sendmsg with up to 1024 buffers); a payload handed over by move is never
// copied. Back-pressure: send_queue_config (connection_options.h) and pause_receiving().
//
// Read path: on readiness the connection reads until the socket is empty (up to a fairness
// bound), hands each read to the protocol, which delivers every complete message in it, then
// writes what the callbacks queued in one go. An idle connection holds no read buffer.

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

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "network_system/connection/connection_types.h"
#include "network_system/core/result.h"

namespace network_system::transport::detail {
class tls_stream;
}

namespace network_system::connection {

namespace detail {
class connection_handler;
class connection_protocol;
class write_queue;
}  // namespace detail

class stream_connection : public std::enable_shared_from_this<stream_connection> {
 public:
  using payload_ptr = std::shared_ptr<const std::vector<std::uint8_t>>;
  static constexpr std::chrono::seconds linger_timeout{5};
  /// How long close_after_flush(..., drain_input = true) reads after its FIN.
  static constexpr std::chrono::seconds linger_read_timeout{2};

  /// Library-internal: servers and clients create connections (through messaging_session) and
  /// start() them on the socket's io_context thread. With `tls`, the connection is that TLS
  /// stream over the socket.
  stream_connection(std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
                    std::string_view owner_id, std::shared_ptr<const connection_settings> settings,
                    std::shared_ptr<detail::connection_handler> handler,
                    std::unique_ptr<transport::detail::tls_stream> tls);
  virtual ~stream_connection();

  stream_connection(const stream_connection&) = delete;
  stream_connection& operator=(const stream_connection&) = delete;

  // --- identity (any thread) --------------------------------------------------------------
  /// Unique in the process for its lifetime; never reused.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  /// "<server or client id>/<id>", e.g. "echo/17".
  [[nodiscard]] const std::string& string_id() const noexcept { return string_id_; }
  /// "127.0.0.1:40312" or "[::1]:40312".
  [[nodiscard]] std::string remote_endpoint() const;
  [[nodiscard]] std::string local_endpoint() const;
  /// The peer's address and port as an endpoint (what remote_endpoint() formats).
  [[nodiscard]] const asio::ip::tcp::endpoint& remote_address() const noexcept { return remote_; }
  [[nodiscard]] connection_state state() const noexcept { return state_.load(); }
  /// The OS socket, for reading or setting socket options the library does not cover
  /// (getsockopt/setsockopt are safe from any thread). Valid while the connection is open
  /// (after it closes the number may belong to another socket). Never read, write or close it.
  [[nodiscard]] asio::ip::tcp::socket::native_handle_type native_handle() const noexcept {
    return native_handle_;
  }
  [[nodiscard]] bool is_connected() const noexcept {
    return state_.load() == connection_state::connected;
  }
  /// For a TLS connection once its handshake has finished: what it negotiated. nullopt for
  /// plain TCP, and before the handshake has finished.
  [[nodiscard]] std::optional<tls_details> tls() const;

  /// Bytes accepted by sends and not yet written to the socket.
  [[nodiscard]] std::size_t queued_bytes() const noexcept {
    return owner_queued_.load(std::memory_order_relaxed) +
           foreign_queued_.load(std::memory_order_relaxed);
  }

  // --- flow control (any thread) ----------------------------------------------------------
  /// Stops reading from the socket: the peer's TCP window closes and the peer slows down; no
  /// byte is lost. On the owner thread (in a callback) it takes effect at once: no receive
  /// callback for this connection runs until resume_receiving() (messages already read stay
  /// buffered, in order). From another thread it takes effect when the owner thread gets to
  /// it (a callback already running or just read may still complete). Idempotent: pauses do
  /// not nest. Writing, the idle timeout and closing go on as usual.
  void pause_receiving();
  /// Undoes pause_receiving(): buffered messages are delivered first, then reading resumes.
  /// Reading stays paused while pause_reader back-pressure (send_queue_config) holds it.
  void resume_receiving();
  /// Library-internal: pauses reading while a pull-mode inbox (the awaitable async_receive)
  /// holds more than its mark, and resumes below its low mark. A pause reason of its own,
  /// independent of pause_receiving(). Any thread, as pause_receiving().
  void set_inbox_paused(bool paused);
  /// True while pause_receiving() is in force (not counting back-pressure pauses).
  [[nodiscard]] bool is_receiving_paused() const noexcept {
    return user_paused_.load(std::memory_order_relaxed);
  }

  // --- closing (any thread) ---------------------------------------------------------------
  /// Closes gracefully: stops reading, writes what is already queued (for at most
  /// linger_timeout; what is left then is discarded), then closes. The disconnection callback
  /// runs on the owner thread with code session_closed and `reason` as the message.
  void close(std::string_view reason = "closed by the application");

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

  [[nodiscard]] connection_statistics get_statistics() const;

  // --- library-internal: lifecycle (owner thread unless noted) ----------------------------
  /// Installs the protocol that consumes what is read. Before start(), or from the owner
  /// thread at any time (see replace_protocol).
  void set_protocol(std::unique_ptr<detail::connection_protocol> p);
  /// Swaps the protocol on the live connection (an HTTP Upgrade). Called from inside the
  /// current protocol's on_data(), which must then return at once: the bytes it left unconsumed
  /// go to the new protocol, in the same read. Owner thread only.
  void replace_protocol(std::unique_ptr<detail::connection_protocol> p);
  /// Applies socket options, runs the TLS handshake if any, fires the connection callback and
  /// starts reading.
  void start();
  /// Closes with `reason`, fires the disconnection callback once. Owner thread only.
  void close_now(const error_info& reason);
  /// close_now() on the owner thread, from any thread.
  void post_close(error_info reason);
  /// Stops reading, writes what is queued (for at most linger_timeout), then closes with
  /// `reason`; at once when nothing is queued. What close() does, with any reason. With
  /// `drain_input`, once written it sends FIN and reads and discards what the peer still sends
  /// until the peer closes (at most linger_read_timeout), so that unread input does not turn
  /// the close into a RST that destroys the last response in flight (HTTP). Owner thread only.
  void close_after_flush(error_info reason, bool drain_input = false);
  /// Asks the protocol to finish what it is doing and close (a server's graceful stop): an
  /// HTTP connection answers the request in progress first, and closes at once when idle.
  /// Any thread; runs on the owner thread. A connection still in its TLS handshake closes.
  void shutdown_gracefully(error_info reason);
  /// The protocol running on the connection (null before set_protocol). Owner thread only.
  [[nodiscard]] detail::connection_protocol* protocol() noexcept { return protocol_.get(); }
  /// Closes because of an error: counts it and reports it to the error callback first.
  void fail(const error_info& reason);
  [[nodiscard]] asio::io_context& context() noexcept { return *context_; }
  [[nodiscard]] bool on_owner_thread() const noexcept;
  /// The client a proxy in front of the server saw (its PROXY protocol header): what
  /// remote_endpoint() reports from then on. Before start().
  void set_remote_endpoint(const asio::ip::tcp::endpoint& remote) { remote_ = remote; }

  // --- library-internal: for protocols (owner thread unless noted) ------------------------
  /// True while the protocol may deliver the next message of the read it is handling: the
  /// connection is open, not paused, and its protocol was not replaced.
  [[nodiscard]] bool delivering() const noexcept { return deliver_; }
  void count_received(std::uint64_t messages, std::uint64_t bytes) noexcept;

  /// Queue one message: `head` + `payload` + the connection's write suffix. Any thread.
  /// Errors: not_connected (closed or closing), send_queue_full (by send_queue.policy; policy
  /// close also closes); with policy drop a refused message is discarded and ok() returned.
  VoidResult queue_owned(const wire_head& head, std::vector<std::uint8_t>&& payload);
  /// Copies `payload` (once, framed, into the queue's contiguous buffer on the owner thread).
  VoidResult queue_copy(const wire_head& head, std::span<const std::uint8_t> payload);
  /// Queues `wire`: `messages` messages (`payload_bytes` of payload) already framed as this
  /// connection writes them, such as the messages of one read echoed as they arrived: by
  /// reference when they lie in the read being delivered, else copied once. Owner thread only
  /// (returns invalid_state elsewhere). Errors: as queue_owned.
  VoidResult queue_framed(std::span<const std::uint8_t> wire, std::size_t messages,
                          std::size_t payload_bytes);
  /// A payload shared with other connections (broadcast); never copied.
  VoidResult queue_shared(const wire_head& head, payload_ptr payload);
  /// Asks for the drain notification (connection_protocol::on_drained, then the handler's)
  /// once the queue is back at or below its low-water mark, as after reaching the high-water
  /// mark. Returns false and asks nothing when the queue already is. Any thread.
  bool watch_drain();

 protected:
  [[nodiscard]] const connection_settings& settings() const noexcept { return *settings_; }
  /// For derived classes that must know their own type (messaging_session).
  template <typename Derived>
  [[nodiscard]] std::shared_ptr<Derived> shared_as() {
    return std::static_pointer_cast<Derived>(shared_from_this());
  }

 private:
  // A message sent from another thread, waiting to be handed to the owner thread.
  struct pending_message {
    wire_head head;
    std::vector<std::uint8_t> owned;
    payload_ptr shared;
  };
  struct extras {  // created on first use: most connections carry no data or groups
    std::map<std::string, std::any, std::less<>> data;
    std::set<std::string, std::less<>> groups;
  };
  struct read_scope;
  struct read_op;  // connection/detail/read_op.h: the plain-TCP read, armed on the reactor
  struct read_chunk;
  /// The connection whose protocol is delivering on this thread (inside its receive
  /// callbacks), or null.
  static stream_connection* delivering_on_this_thread() noexcept;
  enum pause_reason : std::uint8_t { by_user = 1, by_back_pressure = 2, by_inbox = 4 };

  // connection_send.cpp: admission and the cross-thread hand-off.
  /// Back-pressure and state check: true = queue it, false = drop it (policy drop), error.
  Result<bool> admit(std::size_t wire, bool owner_thread);
  /// The owner thread's common case, without building a Result: connected, and room below
  /// the high-water mark. Counts the bytes in when true; false sends the caller down admit().
  bool admit_fast(std::size_t wire) noexcept;
  /// pause_reader: the connection delivering on this thread waits for this queue to drain.
  /// False when no receive callback runs on this thread (nobody to pause).
  bool hold_reader_of_this_thread();
  void release_held_readers();
  VoidResult enqueue(pending_message&& msg);
  void take_pending();
  void schedule_flush();

  // connection_io.cpp: the driver loop.
  void finish_start();
  void do_handshake();
  void on_handshake_io(const std::error_code& ec);
  /// Waits for the socket, or re-runs the read at once when TLS already holds input.
  void continue_reading();
  void do_wait_read();
  void on_readable(const std::error_code& ec);
  /// The completion of read_op_: `first` is what the reactor read (if anything).
  void on_read_op(const std::error_code& ec, read_chunk& first);
  /// Delivers held input, then `first` (bytes read_op_ read, if any), then reads; writes
  /// what the callbacks queued; waits again.
  void run_reads(read_chunk* first = nullptr);
  /// Reads and delivers until the socket is empty (or the fairness bound); false once closed.
  bool read_available(const std::shared_ptr<stream_connection>& self, read_chunk* first);
  /// What a pause held back, first: false once closed.
  bool deliver_held(const std::shared_ptr<stream_connection>& self);
  /// Hands `in` to the protocol (and to its successor after a replace); keeps what a pause
  /// left unconsumed. False once closed.
  bool deliver(const std::shared_ptr<stream_connection>& self, std::span<const std::uint8_t> in);
  void on_peer_closed(const std::string& how);
  void begin_lingering_read();
  void do_linger_read();
  void do_write();
  void do_wait_write();
  void on_writable(const std::error_code& ec);
  void after_written(std::size_t payload_bytes, std::size_t messages);
  [[nodiscard]] bool closed_or_closing() const noexcept;
  void arm_idle_timer(std::chrono::steady_clock::duration after);
  void on_idle_timer(const std::error_code& ec);

  // connection_flow.cpp: pausing and resuming reads.
  void add_pause(std::uint8_t reason);
  void remove_pause(std::uint8_t reason);
  void update_deliver() noexcept;

  std::shared_ptr<asio::io_context> context_;
  asio::ip::tcp::socket socket_;
  std::shared_ptr<const connection_settings> settings_;
  std::shared_ptr<detail::connection_handler> handler_;
  std::unique_ptr<transport::detail::tls_stream> tls_;  // null for plain TCP
  std::unique_ptr<detail::connection_protocol> protocol_;
  std::unique_ptr<detail::connection_protocol> next_protocol_;  // set by replace_protocol()

  const std::uint64_t id_;
  const std::string string_id_;
  asio::ip::tcp::endpoint remote_;
  asio::ip::tcp::endpoint local_;
  asio::ip::tcp::socket::native_handle_type native_handle_;
  const std::size_t suffix_bytes_;

  std::atomic<connection_state> state_{connection_state::connecting};

  // Owner thread only.
  std::unique_ptr<detail::write_queue> write_queue_;
  bool read_armed_ = false;
  bool write_armed_ = false;
  bool in_read_handler_ = false;
  bool flush_posted_ = false;
  bool connected_reported_ = false;  // the handler's on_connected ran
  bool deliver_ = false;             // see delivering()
  bool drain_input_on_close_ = false;  // close_after_flush(..., drain_input)
  bool lingering_ = false;             // reading and discarding after the FIN
  std::uint8_t paused_ = 0;          // pause_reason bits
  std::uint32_t back_pressure_holds_ = 0;  // full queues this connection's reader waits for
  std::vector<std::uint8_t> held_input_;   // read, not yet delivered: a pause stopped it
  // The bytes of the read being delivered, while they are: sends of bytes from there are
  // queued by reference (write_queue::push_borrowed) and written before the next read.
  std::span<const std::uint8_t> read_region_;
  std::unique_ptr<asio::steady_timer> idle_timer_;  // idle timeout, and the linger of close()
  std::unique_ptr<read_op> read_op_;                 // plain TCP only
  std::unique_ptr<error_info> closing_reason_;      // set while a graceful close() drains

  // Bytes queued and not yet written, in two counters so that the owner thread never needs a
  // locked read-modify-write: owner_queued_ is written only by the owner thread;
  // foreign_queued_ counts what other threads queued until the owner takes it over.
  std::atomic<std::size_t> owner_queued_{0};
  std::atomic<std::size_t> foreign_queued_{0};
  std::mutex pending_mutex_;  // pending_, held_readers_, hit_high_water_ transitions
  std::vector<pending_message> pending_;
  // pause_reader: the connections whose reads wait for this queue to drain.
  std::vector<std::weak_ptr<stream_connection>> held_readers_;
  std::atomic<bool> pending_posted_{false};
  std::atomic<bool> hit_high_water_{false};
  std::atomic<bool> user_paused_{false};
  std::atomic<bool> inbox_paused_{false};

  // Written by the owner thread only (single writer: plain load + store), read by anyone.
  std::atomic<std::uint64_t> messages_received_{0};
  std::atomic<std::uint64_t> bytes_received_{0};
  std::atomic<std::uint64_t> messages_sent_{0};
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> read_pauses_{0};
  std::atomic<std::uint64_t> messages_dropped_{0};  // any thread
  std::atomic<std::chrono::system_clock::rep> connected_at_{0};
  std::atomic<std::chrono::steady_clock::rep> last_activity_{0};

  mutable std::mutex extras_mutex_;
  std::unique_ptr<extras> extras_;
  std::unique_ptr<const tls_details> tls_details_;  // under extras_mutex_; set once, at connect
};

}  // namespace network_system::connection
