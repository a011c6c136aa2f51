#pragma once
// udp_socket_io: one UDP socket's driver loop, shared by messaging_udp_server and
// messaging_udp_client.
//
// Receive: wait until the socket is readable, then recvmmsg(MSG_DONTWAIT) up to batch_size
// datagrams at a time until the socket is empty (at most max_batches_per_event batches), and
// deliver each one as a view into the thread's receive area. Send: datagrams queued on the
// owner thread (a span's bytes are appended to one send buffer; a moved vector is kept as it
// is) leave together with sendmmsg: those sent from a receive callback once the socket is
// drained (or max_batches_per_event batches were delivered), others at the end of the
// current turn. Sends from other threads go to a
// mutex-protected pending list that is posted to the owner once per burst.
//
// Threading: everything but send(), send_copy() and the counters runs on the socket's
// io_context thread. close_now() (owner thread) ends it: after it returns the handler is never
// called again.

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include "core/udp/detail/udp_address.h"
#include "network_system/core/detail/completion.h"
#include "network_system/core/result.h"
#include "network_system/core/udp_config.h"

namespace network_system::core::udp::detail {

/// The counters of one server or client; outlive its sockets (restarts keep adding up).
struct udp_counters {
  std::atomic<std::uint64_t> datagrams_received{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> datagrams_sent{0};
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> datagrams_dropped{0};
  std::atomic<std::uint64_t> errors{0};

  udp_statistics snapshot() const;
};

/// What the socket reports to its owner (on the owner thread).
class udp_handler {
 public:
  virtual ~udp_handler() = default;
  /// `data` points into the thread's receive area and is valid during the call only.
  virtual void on_datagram(std::span<const std::uint8_t> data, const udp_endpoint& from) = 0;
  virtual void on_io_error(const error_info& e) = 0;
};

/// `data` copied into this thread's delivery vector (for the `const std::vector&` callbacks),
/// valid until the next call on this thread.
const std::vector<std::uint8_t>& delivery_copy(std::span<const std::uint8_t> data);

class udp_socket_io : public std::enable_shared_from_this<udp_socket_io> {
 public:
  /// `socket` is open (and bound or connected) on `context`. `peer` is the connected peer's
  /// text form for messages ("" for an unconnected server socket).
  udp_socket_io(std::shared_ptr<asio::io_context> context, asio::ip::udp::socket socket,
                const udp_config& config, std::shared_ptr<udp_counters> counters,
                std::string source, std::string peer);
  ~udp_socket_io();

  /// Owner thread: starts the receive loop; `handler` is held until close_now().
  void start(std::shared_ptr<udp_handler> handler);
  /// Owner thread: closes the socket, drops what is queued (counted as dropped) and forgets
  /// the handler. Idempotent.
  void close_now();

  /// The socket whose receive callback for `handler` is running on this thread (so sends
  /// from it need no lock to find the socket and join that batch's sendmmsg), or null.
  [[nodiscard]] static udp_socket_io* delivering_for(const udp_handler* handler) noexcept {
    // handler_ is reset by close_now(), so a socket closed from the callback never matches.
    udp_socket_io* io = delivering_;
    return io != nullptr && io->handler_.get() == handler ? io : nullptr;
  }

  /// Any thread. Queues one datagram to `to` (null: the connected peer), taking `data` as it
  /// is. The size limit is checked by the caller. Errors: `closed_code` when closed,
  /// send_queue_full, invalid_argument (family mismatch).
  VoidResult send(std::vector<std::uint8_t>&& data, const udp_endpoint* to, int closed_code);
  /// As send(), copying `data`: on the owner thread into the socket's send buffer (no
  /// allocation once it has grown), from other threads into a vector of its own.
  VoidResult send_copy(std::span<const std::uint8_t> data, const udp_endpoint* to,
                       int closed_code);
  /// Any thread. As send(), with the result in `done` (the awaitable sends): a refusal at
  /// once; otherwise once the datagram has been handed to the kernel (ok), failed there (the
  /// error, also reported to the handler), or was discarded by a close (`closed_code`).
  void send_tracked(std::vector<std::uint8_t>&& data, const udp_endpoint* to, int closed_code,
                    core::detail::completion<VoidResult> done);

  /// Owner thread: whether the socket is IPv6 (a dual-stack server socket is).
  [[nodiscard]] bool is_v6() const noexcept { return v6_; }
  [[nodiscard]] asio::io_context& context() const noexcept { return *context_; }
  [[nodiscard]] bool on_owner_thread() const noexcept;
  /// Owner thread only (the socket may be closed by another path otherwise).
  [[nodiscard]] int native_handle() { return socket_.native_handle(); }
  [[nodiscard]] bool is_closed() const noexcept { return closed_.load(); }

 private:
  // Trivially copyable, so queueing one is a copy and clearing the queue is free. The payload
  // is send_bytes_[offset, offset + size) or, when `owned`, the whole of owned_[offset].
  struct out_datagram {
    std::size_t offset;
    std::size_t size;
    udp_sockaddr address;
    socklen_t address_length;  // 0: the connected peer
    bool owned;
  };
  // A send from another thread, waiting in pending_ for the owner; `done` is set for a
  // send_tracked() (and `closed_code` then says how a close discards it).
  struct pending_datagram {
    out_datagram meta;
    std::vector<std::uint8_t> payload;
    core::detail::completion<VoidResult> done;
    int closed_code;
  };
  // A send_tracked() datagram in queue_: the one at absolute position `index`.
  struct tracked_send {
    std::uint64_t index;
    int closed_code;
    core::detail::completion<VoidResult> done;
  };
  // The bytes of the datagrams copied from spans on the owner thread, back to back.
  class byte_buffer {
   public:
    std::size_t append(std::span<const std::uint8_t> data);  // returns the offset
    [[nodiscard]] std::uint8_t* at(std::size_t offset) noexcept { return bytes_.get() + offset; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Drops the first `n` bytes, moving the rest to the front.
    void drop_front(std::size_t n) noexcept;
    /// Empties it; gives the memory back when above `keep` bytes.
    void clear(std::size_t keep) noexcept;

   private:
    [[gnu::noinline]] void grow(std::size_t more);
    std::unique_ptr<std::uint8_t[]> bytes_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
  };

  /// The checks every send makes before anything is queued (fills d.address and d.size):
  /// 0, or the error code refused() then describes. A code, not a VoidResult, because an ok
  /// VoidResult is built (112 bytes zeroed) at every level it is returned through.
  int admit(const udp_endpoint* to, std::size_t size, bool owner, int closed_code,
            out_datagram& d);
  // Off the owner thread's per-datagram path, so that its frame stays small.
  [[gnu::noinline]] VoidResult refused(int code, const udp_endpoint* to) const;
  [[gnu::noinline]] VoidResult hand_over(pending_datagram&& d);
  [[gnu::noinline]] VoidResult hand_over_copy(const out_datagram& d,
                                              std::span<const std::uint8_t> data);
  void push_owned(out_datagram d, std::vector<std::uint8_t>&& payload);
  // The tracked sends whose datagram has left (ok), or with `failed` the one at the head.
  void complete_sent();
  void fail_tracked_head(const error_info& failed);
  // Every tracked send (and tracked pending one) still waiting: discarded by a close.
  void discard_tracked();
  [[nodiscard]] VoidResult discarded(const std::string& to, int closed_code) const;
  void set_owner_bytes(std::size_t bytes) noexcept;
  [[nodiscard]] std::uint8_t* payload_of(const out_datagram& d) noexcept;
  void release_sent(std::size_t count) noexcept;
  void compact() noexcept;
  void clear_queue() noexcept;
  void do_wait_read();
  void on_readable(const std::error_code& ec);
  void deliver_batch(udp_handler& handler, int count);
  void report_receive_error(int err);
  void take_pending();
  void schedule_flush();
  void flush();
  void do_wait_write();
  void report(const error_info& e);
  std::string describe(const out_datagram& d) const;

  // The socket whose receive handler runs on this thread (see delivering_for()). Inline with
  // a constant initialiser, so reading it is a plain thread-local load, not a wrapper call.
  inline static thread_local udp_socket_io* delivering_ = nullptr;

  std::shared_ptr<asio::io_context> context_;
  asio::ip::udp::socket socket_;
  const std::size_t max_datagram_;
  const std::size_t batch_size_;
  const std::size_t max_batches_;
  const std::size_t max_queued_bytes_;
  std::shared_ptr<udp_counters> counters_;
  const std::string source_;
  const std::string peer_;
  const bool v6_;
  std::atomic<bool> closed_{false};

  // Owner thread only.
  std::shared_ptr<udp_handler> handler_;
  std::vector<out_datagram> queue_;
  std::size_t head_ = 0;  // queue_[0, head_) has been sent
  byte_buffer send_bytes_;
  // Payloads handed over by move (or from other threads), in queue order; owned_[0,
  // owned_head_) belong to sent datagrams and have been freed.
  std::vector<std::vector<std::uint8_t>> owned_;
  std::size_t owned_head_ = 0;
  std::size_t owner_bytes_ = 0;  // bytes in queue_[head_, end)
  // queue_[i] is datagram number erased_ + i of this socket, counting from its first: the
  // datagrams before erased_ + head_ have left. Only the tracked sends look at it.
  std::uint64_t erased_ = 0;
  std::deque<tracked_send> tracked_;  // in index order
  bool read_armed_ = false;
  bool write_armed_ = false;
  bool flush_posted_ = false;
  bool in_read_handler_ = false;

  // Bytes accepted and not yet handed to the kernel = owner_bytes_ + pending_bytes_. The
  // owner publishes its part with plain stores (it is the only writer), so the per-datagram
  // path on the owner thread has no atomic read-modify-write; other threads read it.
  std::atomic<std::size_t> owner_bytes_published_{0};
  std::atomic<std::size_t> pending_bytes_{0};  // bytes in pending_

  // Cross-thread sends.
  std::mutex pending_mutex_;
  std::vector<pending_datagram> pending_;
  std::atomic<bool> pending_posted_{false};
};

}  // namespace network_system::core::udp::detail
