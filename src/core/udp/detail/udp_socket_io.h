#pragma once
// udp_socket_io: one UDP socket's driver loop, shared by messaging_udp_server and
// messaging_udp_client.
//
// Receive: wait until the socket is readable, then recvmmsg(MSG_DONTWAIT) up to batch_size
// datagrams at a time until the socket is empty (at most max_batches_per_event batches), and
// deliver each one. Send: datagrams queued on the owner thread leave together with sendmmsg at
// the end of the current turn; sends from other threads go to a mutex-protected pending list
// that is posted to the owner once per burst (as messaging_session does).
//
// Threading: everything but send() and the counters runs on the socket's io_context thread.
// close_now() (owner thread) ends it: after it returns the handler is never called again.

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

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
  virtual void on_datagram(const std::vector<std::uint8_t>& data, const udp_endpoint& from) = 0;
  virtual void on_io_error(const error_info& e) = 0;
};

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

  /// Any thread. Queues one datagram to `to` (nullopt: the connected peer). The size limit is
  /// checked by the caller. Errors: not_connected/server_not_started via `closed_code` when
  /// closed, send_queue_full, invalid_argument (family mismatch).
  VoidResult send(std::vector<std::uint8_t>&& data, const std::optional<udp_endpoint>& to,
                  int closed_code);

  /// Owner thread: whether the socket is IPv6 (a dual-stack server socket is).
  [[nodiscard]] bool is_v6() const noexcept { return v6_; }
  [[nodiscard]] asio::io_context& context() const noexcept { return *context_; }
  [[nodiscard]] bool on_owner_thread() const noexcept;
  /// Owner thread only (the socket may be closed by another path otherwise).
  [[nodiscard]] int native_handle() { return socket_.native_handle(); }
  [[nodiscard]] bool is_closed() const noexcept { return closed_.load(); }

 private:
  struct out_datagram {
    std::vector<std::uint8_t> data;
    sockaddr_storage address{};
    socklen_t address_length = 0;  // 0: the connected peer
  };

  void do_wait_read();
  void on_readable(const std::error_code& ec);
  void deliver_batch(int count);
  void report_receive_error(int err);
  void take_pending();
  void schedule_flush();
  void flush();
  void do_wait_write();
  void report(const error_info& e);
  std::string describe(const out_datagram& d) const;

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
  std::size_t head_ = 0;
  bool read_armed_ = false;
  bool write_armed_ = false;
  bool flush_posted_ = false;
  bool in_read_handler_ = false;

  // Cross-thread sends.
  std::mutex pending_mutex_;
  std::vector<out_datagram> pending_;
  std::atomic<bool> pending_posted_{false};
  std::atomic<std::size_t> queued_bytes_{0};
};

}  // namespace network_system::core::udp::detail
