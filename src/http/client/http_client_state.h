#pragma once
// http_client_state: what an http_client is behind its public face. One I/O context runs
// everything here: the pools, the connects, the exchanges and their timers; the public
// methods post to it. No lock guards the pools for that reason; the statistics are atomics.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "connection/detail/connection_handler.h"
#include "http/client/host_slots.h"
#include "http/client/http1_client_protocol.h"
#include "network_system/core/detail/completion.h"
#include "network_system/http/http_client.h"
#include "network_system/protocol/http/url.h"

namespace network_system::transport::detail {
class tls_context;
}

namespace network_system::http::detail {

struct pooled_connection;

/// One request from the call to its final response, across redirects and retries.
struct client_exchange {
  explicit client_exchange(asio::io_context& ctx) : timer(ctx) {}
  std::string method;
  protocol::http::url url;
  std::string url_text;  // for messages
  protocol::http::http_fields headers;
  std::string body;
  bool chunked = false;
  std::size_t chunk_size = 16 * 1024;
  core::detail::completion<Result<client_response>> done;
  asio::steady_timer timer;
  std::size_t redirects = 0;
  bool retried = false;
  bool finished = false;
  bool waiting = false;  // in a host's queue
  std::shared_ptr<pooled_connection> conn;  // connecting for it, or carrying it
};

struct pooled_connection {
  enum class phase { connecting, busy, idle, gone };
  explicit pooled_connection(asio::io_context& ctx) : resolver(ctx), socket(ctx), timer(ctx) {}
  std::uint64_t id = 0;
  std::string key;
  phase state = phase::connecting;
  std::size_t served = 0;  // requests sent on it
  asio::ip::tcp::resolver resolver;
  asio::ip::tcp::socket socket;  // until the connection takes it
  asio::steady_timer timer;      // connect timeout
  std::shared_ptr<connection::stream_connection> c;
  http1_client_protocol* protocol = nullptr;  // owned by c
  std::shared_ptr<client_exchange> ex;
};

struct host_pool {
  explicit host_pool(std::size_t limit) : slots(limit) {}
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  host_slots slots;
  std::deque<std::shared_ptr<client_exchange>> waiting;
};

class http_client_state final : public std::enable_shared_from_this<http_client_state>,
                                public response_listener {
 public:
  explicit http_client_state(http_client_config config);
  ~http_client_state() override;

  void begin(client_request r, core::detail::completion<Result<client_response>> done);
  void stop_on_thread();
  void stop();
  [[nodiscard]] http_client_statistics statistics() const;
  [[nodiscard]] bool stopped() const noexcept { return stopped_.load(); }
  [[nodiscard]] asio::io_context& context() noexcept { return *context_; }
  [[nodiscard]] std::shared_ptr<asio::io_context> context_ptr() const { return context_; }
  [[nodiscard]] bool on_thread() const noexcept {
    return context_->get_executor().running_in_this_thread();
  }

  // From the connections, through a handler that holds this weakly.
  void on_connected(const std::shared_ptr<connection::stream_connection>& c);
  void on_closed(const std::shared_ptr<connection::stream_connection>& c, const error_info& reason);
  void on_abandoned(const std::shared_ptr<connection::stream_connection>& c,
                    const error_info& reason);
  void on_response(connection::stream_connection& c, parsed_response&& r, bool reusable) override;

 private:
  void dispatch(const std::shared_ptr<client_exchange>& ex);
  void open_connection(host_pool& hp, const std::shared_ptr<client_exchange>& ex);
  void on_tcp_connected(const std::shared_ptr<pooled_connection>& p);
  void connect_failed(const std::shared_ptr<pooled_connection>& p, const error_info& e);
  void send(const std::shared_ptr<client_exchange>& ex, const std::shared_ptr<pooled_connection>& p);
  /// The connection's exchange is over: back to idle (`reusable`) or closed; the next waiter
  /// of its host gets a turn.
  void release(const std::shared_ptr<pooled_connection>& p, bool reusable);
  void serve_waiters(const std::string& key);
  void finish(const std::shared_ptr<client_exchange>& ex, Result<client_response> r);
  void fail(const std::shared_ptr<client_exchange>& ex, error_info e);
  void on_exchange_timeout(const std::shared_ptr<client_exchange>& ex);
  void handle_final(const std::shared_ptr<client_exchange>& ex, parsed_response&& r, bool reused);
  void close_connection(const std::shared_ptr<pooled_connection>& p, error_info reason);
  void arm_sweep();
  void sweep();
  Result<std::shared_ptr<transport::detail::tls_context>> tls_context();
  std::string key_of(const protocol::http::url& u) const;

  const http_client_config config_;
  std::shared_ptr<core::io_context_pool> pool_;
  const bool owns_pool_;
  std::shared_ptr<asio::io_context> context_;
  std::shared_ptr<const connection::connection_settings> settings_;
  std::shared_ptr<connection::detail::connection_handler> handler_;
  std::shared_ptr<transport::detail::tls_context> tls_;
  std::atomic<bool> stopped_{false};
  bool stop_done_ = false;

  std::map<std::string, host_pool> pools_;
  std::unordered_map<const connection::stream_connection*, std::shared_ptr<pooled_connection>>
      by_connection_;
  std::unordered_map<std::uint64_t, std::shared_ptr<pooled_connection>> by_id_;
  std::unordered_set<std::shared_ptr<client_exchange>> live_;  // for stop(): every unfinished client_exchange
  std::uint64_t next_id_ = 1;
  asio::steady_timer sweep_timer_;
  bool sweep_armed_ = false;
  std::chrono::steady_clock::time_point sweep_at_{};

  std::atomic<std::uint64_t> requests_{0}, responses_{0}, failures_{0}, opened_{0}, reused_{0},
      retries_{0};
  std::atomic<std::size_t> idle_count_{0}, active_count_{0};
};

}  // namespace network_system::http::detail
