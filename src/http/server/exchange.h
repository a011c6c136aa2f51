#pragma once
// exchange: one request and its answer, shared between the connection's http1 protocol and
// the handles a handler took (deferred_response, response_stream) to answer later or piece by
// piece from any thread.
//
// The protocol owns the exchange while the handler runs; a handler that defers or streams
// keeps it alive through its handle. Everything that reaches the connection goes through its
// owner thread: a handle posts there, and the protocol queues. So the pieces of a stream keep
// their order whichever thread writes them, and the protocol's state is never touched from
// another thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/http/request.h"
#include "network_system/http/response.h"

namespace asio {
class io_context;
}

namespace network_system::connection {
class stream_connection;
namespace detail {
class connection_protocol;
}
}  // namespace network_system::connection

namespace network_system::http::detail {

class http1_server_protocol;
struct deferred_token;
struct stream_token;

class exchange : public std::enable_shared_from_this<exchange> {
 public:
  enum class mode : std::uint8_t { immediate, deferred, streaming };

  /// `low_water` / `high_water`: the connection's send-queue marks (response_stream.h).
  exchange(std::weak_ptr<connection::stream_connection> conn,
           std::shared_ptr<http1_server_protocol*> protocol, asio::io_context& io,
           std::size_t low_water, std::size_t high_water)
      : conn_(std::move(conn)),
        protocol_(std::move(protocol)),
        io_(&io),
        low_water_(low_water),
        high_water_(high_water) {}

  // --- owner thread (set by the protocol before the handler runs) -------------------------
  request req;
  mode mode_ = mode::immediate;
  bool head_request_ = false;  ///< HEAD: a stream's pieces are discarded
  bool chunked_ = true;        ///< false for HTTP/1.0: the close delimits a streamed body
  /// Set by http1_server_protocol::accept_upgrade during the handler: the protocol the
  /// connection runs after the 101 answer.
  using protocol_factory = std::function<std::unique_ptr<connection::detail::connection_protocol>(
      connection::stream_connection&)>;
  protocol_factory upgrade_;
  /// The handle response::defer() / stream() gave out, so that a second call returns it again.
  std::weak_ptr<deferred_token> deferred_handle_;
  std::weak_ptr<stream_token> stream_handle_;

  /// Resets the exchange for the next request on the same connection.
  void reset_for_reuse() {
    mode_ = mode::immediate;
    upgrade_ = nullptr;
    deferred_handle_.reset();
    stream_handle_.reset();
    std::lock_guard lock(mutex_);
    done_ = closed_ = head_queued_ = flush_posted_ = slow_ = finished_ = false;
    outbox_.clear();
    on_drain_ = nullptr;
    on_close_ = nullptr;
  }

  // --- any thread -------------------------------------------------------------------------
  [[nodiscard]] asio::io_context& context() const noexcept { return *io_; }

  /// deferred_response::send, and the 500 of a dropped handle (`lost`).
  VoidResult complete(response answer, bool lost);
  /// response_stream::write.
  Result<bool> write(std::span<const std::uint8_t> data);
  /// response_stream::finish.
  VoidResult finish(const protocol::http::http_fields& trailers);
  /// The last stream handle went without finish().
  void abandon_stream();
  void set_on_drain(std::function<void()> cb);
  void set_on_close(std::function<void(const error_info&)> cb);
  [[nodiscard]] bool is_open() const noexcept;

  // --- owner thread: the protocol's side --------------------------------------------------
  /// The stream's head is queued: what was written before it may follow.
  void mark_head_queued();
  struct taken_output {
    std::vector<std::uint8_t> bytes;
    bool finished = false;  ///< bytes end with the last chunk
    bool slow = false;      ///< a writer waits for on_drain
  };
  /// Takes what the stream's writers have queued since the last call.
  taken_output take_output();
  /// The connection closed before the answer was complete: handles are told, on_close runs.
  void on_connection_closed(const error_info& reason);
  /// The connection's queue drained after a write said "slow": runs on_drain.
  void on_drained();
  /// The answer is complete: the callbacks go, and with them what they hold (a producer that
  /// holds its stream would otherwise keep itself and this exchange alive in a cycle).
  void release_callbacks();

 private:
  /// Runs `f(protocol, connection)` on the owner thread (at once when already there).
  void run_on_owner(std::function<void(http1_server_protocol&, connection::stream_connection&)> f);
  /// The protocol queues what the writers wrote (flush_stream), on the owner thread.
  void flush_on_owner();

  std::weak_ptr<connection::stream_connection> conn_;
  std::shared_ptr<http1_server_protocol*> protocol_;  // null once the protocol is gone
  asio::io_context* io_;
  const std::size_t low_water_;
  const std::size_t high_water_;

  mutable std::mutex mutex_;
  bool done_ = false;          ///< answered (deferred) or finished (stream)
  bool closed_ = false;        ///< the connection closed first
  bool head_queued_ = false;   ///< stream: the head is in the connection's queue
  bool flush_posted_ = false;  ///< stream: a flush to the owner thread is on its way
  bool slow_ = false;          ///< stream: a write said "wait for on_drain"
  bool finished_ = false;      ///< stream: the last chunk is in outbox_
  std::vector<std::uint8_t> outbox_;  ///< stream pieces, framed, not yet queued
  std::function<void()> on_drain_;
  std::function<void(const error_info&)> on_close_;
};

/// What a deferred_response handle holds: the last copy gone without send() answers 500.
struct deferred_token {
  std::shared_ptr<exchange> ex;
  deferred_token() = default;
  deferred_token(const deferred_token&) = delete;
  deferred_token& operator=(const deferred_token&) = delete;
  ~deferred_token();
};

/// What a response_stream handle holds: the last copy gone without finish() closes.
struct stream_token {
  std::shared_ptr<exchange> ex;
  stream_token() = default;
  stream_token(const stream_token&) = delete;
  stream_token& operator=(const stream_token&) = delete;
  ~stream_token();
};

}  // namespace network_system::http::detail
