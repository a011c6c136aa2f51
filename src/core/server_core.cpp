#include "core/detail/server_core.h"

#include <sys/socket.h>

#include <cerrno>

#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>

#include "core/detail/bind_address.h"
#include "core/detail/run_on.h"
#include "core/detail/session_settings_from.h"
#include "transport/detail/tls_context.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"
#include "network_system/protocol/framing/frame_decoder.h"
#include "connection/detail/endpoint_format.h"
#include "transport/detail/tls_stream.h"
#include "session/detail/session_async_state.h"

namespace network_system::core::detail {

namespace {
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);


// The receive callback as seen by this I/O thread: no lock per message.
thread_local utils::slot_cache<messaging_server::span_receive_callback_t> receive_cache;
thread_local utils::slot_cache<messaging_server::batch_receive_callback_t> batch_cache;

server_core::session_ptr as_session(const connection::detail::connection_handler::connection_ptr& c) {
  return std::static_pointer_cast<session::messaging_session>(c);
}

// Out of descriptors or memory: accepting again at once would spin.
bool is_resource_exhaustion(const std::error_code& ec) {
  return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
         ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory;
}
}  // namespace

server_core::server_core(std::string id, server_config config, std::optional<tls_config> tls,
                         const char* source)
    : source_(source),
      id_(std::move(id)),
      config_(std::move(config)),
      settings_(session_settings_from(config_)),
      tls_config_(std::move(tls)),
      pool_(config_.pool ? config_.pool : std::make_shared<io_context_pool>(config_.io_threads)),
      owns_pool_(!config_.pool),
      listeners_(config_.reuse_port ? pool_->size() : 1) {
  for (std::size_t i = 0; i < listeners_.size(); ++i) listeners_[i].context = pool_->at(i);
  if (config_.proxy_protocol != proxy_protocol_mode::off) {
    proxy_ = std::make_unique<proxy_accept>(config_.proxy_protocol, config_.proxy_header_timeout,
                                            source_);
  }
}

server_core::~server_core() = default;

VoidResult server_core::start(std::string_view bind_address, std::uint16_t port,
                              bool any_address) {
  if (!lifecycle_.try_start()) {
    return error_void(error_codes::server_already_running,
                      "start_server: server '" + id_ + "' is already running on port " +
                          std::to_string(port_.load()),
                      source_);
  }
  if (auto r = protocol::framing::validate(config_.framing); r.is_err()) {
    lifecycle_.abort_start();
    return r;
  }
  if (config_.send_queue.low_water > config_.send_queue.high_water) {
    lifecycle_.abort_start();
    return error_void(error_codes::invalid_configuration,
                      "start_server: send_queue.low_water is above high_water", source_);
  }
  if (proxy_ && config_.proxy_header_timeout.count() <= 0) {
    lifecycle_.abort_start();
    return error_void(error_codes::invalid_configuration,
                      "start_server: proxy_header_timeout must be above 0 with proxy_protocol on",
                      source_);
  }
  if (tls_config_) {
    auto ctx = transport::detail::tls_context::create(*tls_config_, transport::detail::tls_role::server, source_);
    if (ctx.is_err()) {
      lifecycle_.abort_start();
      return VoidResult(ctx.error());
    }
    tls_ = std::move(ctx.value());
  }
  if (owns_pool_) {
    pool_->start();
  } else if (!pool_->is_running()) {
    lifecycle_.abort_start();
    return error_void(error_codes::invalid_state,
                      "start_server: the shared io_context_pool is not running", source_);
  }
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    // With reuse_port the others join the port the first one got (port 0 picks it).
    auto r = open_acceptor(listeners_[i], bind_address, i == 0 ? port : port_.load(), any_address);
    if (r.is_err()) {
      for (auto& l : listeners_) l.acceptor.reset();
      port_.store(0);
      if (owns_pool_) pool_->stop();
      lifecycle_.abort_start();
      return r;
    }
  }
  started_at_.store(std::chrono::system_clock::now().time_since_epoch().count());
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    asio::post(*listeners_[i].context, [self = shared_from_this(), i] {
      self->listeners_[i].accepting = true;
      self->do_accept(i);
    });
  }
  return ok();
}

VoidResult server_core::open_acceptor(listener& l, std::string_view bind_address,
                                      std::uint16_t port, bool any_address) {
  using asio::ip::tcp;
  auto address = bind_address_for(bind_address, any_address, source_);
  if (address.is_err()) return VoidResult(address.error());
  std::error_code ec;
  auto acceptor = std::make_unique<tcp::acceptor>(*l.context);
  tcp::endpoint endpoint(address.value(), port);
  acceptor->open(endpoint.protocol(), ec);
  if (ec && any_address) {  // no IPv6 on this host: listen on IPv4 only
    endpoint = tcp::endpoint(asio::ip::address_v4::any(), port);
    ec.clear();
    acceptor->open(endpoint.protocol(), ec);
  }
  listen_endpoint_ = connection::detail::format_endpoint(endpoint);
  auto failed = [&](const char* op) {
    return VoidResult(make_error_info(ec, op, listen_endpoint_, source_, error_codes::bind_failed));
  };
  if (ec) return failed("open");
  if (endpoint.address().is_v6() && any_address) {
    acceptor->set_option(asio::ip::v6_only(false), ec);  // dual-stack: IPv4 clients too
    ec.clear();
  }
  acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return failed("configure");
  if (config_.reuse_port) {
    const int on = 1;
    if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
      ec.assign(errno, asio::error::get_system_category());
      return failed("configure SO_REUSEPORT on");
    }
  }
  acceptor->bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor->listen(config_.backlog, ec);
  if (ec) return failed("listen");
  port_.store(acceptor->local_endpoint(ec).port());
  listen_endpoint_ = connection::detail::format_endpoint(endpoint.address(), port_.load());
  l.acceptor = std::move(acceptor);
  return ok();
}

void server_core::do_accept(std::size_t index) {
  auto& l = listeners_[index];
  if (!l.accepting) return;  // an error callback run by on_accept stopped the server
  // With reuse_port each thread keeps what it accepts; the one acceptor spreads sessions.
  auto target = config_.reuse_port ? l.context : pool_->next();
  l.acceptor->async_accept(
      *target, [self = shared_from_this(), target, index](const std::error_code& ec,
                                                          asio::ip::tcp::socket socket) {
        self->on_accept(ec, std::move(socket), target, index);
      });
}

void server_core::on_accept(const std::error_code& ec, asio::ip::tcp::socket socket,
                            const std::shared_ptr<asio::io_context>& target, std::size_t index) {
  auto& l = listeners_[index];
  if (!l.accepting) return;  // stopping; the socket closes with its destructor
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    errors_.fetch_add(1, std::memory_order_relaxed);
    callbacks_.invoke<error>(session_ptr{}, make_error_info(ec, "accept on", listen_endpoint_,
                                                            source_, error_codes::accept_failed));
    if (is_resource_exhaustion(ec)) {
      if (!l.retry) l.retry = std::make_unique<asio::steady_timer>(*l.context);
      l.retry->expires_after(accept_retry_delay);
      l.retry->async_wait([self = shared_from_this(), index](const std::error_code& wait_ec) {
        if (!wait_ec) self->do_accept(index);
      });
      return;
    }
    do_accept(index);
    return;
  }
  const std::size_t waiting = proxy_ ? proxy_->pending() : 0;
  if (sessions_.size() + waiting >= config_.max_connections) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    std::error_code ignored;
    socket.close(ignored);
    do_accept(index);
    return;
  }
  if (proxy_) {
    proxy_->start(
        target, std::move(socket),
        [self = shared_from_this()](const std::shared_ptr<asio::io_context>& ctx,
                                    asio::ip::tcp::socket s,
                                    std::optional<asio::ip::tcp::endpoint> remote) {
          self->open_session(ctx, std::move(s), remote, true);
        },
        [self = shared_from_this()](const error_info& e) {
          self->errors_.fetch_add(1, std::memory_order_relaxed);
          self->callbacks_.invoke<error>(session_ptr{}, e);
        });
    do_accept(index);
    return;
  }
  open_session(target, std::move(socket), std::nullopt, false);
  do_accept(index);
}

void server_core::open_session(const std::shared_ptr<asio::io_context>& target,
                               asio::ip::tcp::socket socket,
                               const std::optional<asio::ip::tcp::endpoint>& remote,
                               bool on_target_thread) {
  std::unique_ptr<transport::detail::tls_stream> stream;
  if (tls_) {
    stream = tls_->make_stream(socket.native_handle(), {});
    if (!stream) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      callbacks_.invoke<error>(session_ptr{},
                               error_info{error_codes::internal_error,
                                          "accept on " + listen_endpoint_ +
                                              ": could not create a TLS connection (out of memory)",
                                          source_, {}});
      std::error_code ignored;
      socket.close(ignored);
      return;
    }
  }
  auto s = session::messaging_session::create(target, std::move(socket), id_, settings_,
                                              shared_from_this(), std::move(stream));
  if (protocol_factory_) {
    auto protocol = protocol_factory_(*s);
    if (!protocol) return;  // the server is going away; the socket closes with the session
    s->set_protocol(std::move(protocol));
  }
  if (remote) s->set_remote_endpoint(*remote);
  sessions_.add(s);
  accepted_.fetch_add(1, std::memory_order_relaxed);
  // On the target thread already (after a PROXY header): start now, so that a stop's close
  // task on this thread, which runs after this, finds the session started.
  if (on_target_thread) {
    s->start();
  } else {
    asio::post(*target, [s] { s->start(); });
  }
}

void server_core::stop_accepting() {
  const bool running = pool_->is_running();
  for (auto& l : listeners_) {
    run_on(*l.context, running, [&l] {
      l.accepting = false;
      std::error_code ignored;
      if (l.retry) l.retry->cancel();
      if (l.acceptor) l.acceptor->close(ignored);
    });
  }
}

VoidResult server_core::stop() {
  if (!lifecycle_.prepare_stop()) {
    return error_void(error_codes::server_not_started,
                      "stop_server: server '" + id_ + "' is not running", source_);
  }
  stop_accepting();
  close_all_sessions();
  if (owns_pool_) pool_->stop();
  for (auto& l : listeners_) {
    l.acceptor.reset();
    l.retry.reset();
  }
  port_.store(0);
  lifecycle_.mark_stopped();
  return ok();
}

void server_core::close_all_sessions() {
  const auto reason = error_info{error_codes::server_stopped,
                                 "server '" + id_ + "' stopped", source_, {}};
  const bool running = pool_->is_running();
  // One task per I/O thread closes that thread's sessions; when all have run, no callback about
  // them can still be running or come later.
  for (std::size_t i = 0; i < pool_->size(); ++i) {
    auto ctx = pool_->at(i);
    run_on(*ctx, running, [&] {
      // Connections still reading their PROXY header go first, and the snapshot is taken
      // here: a header completed on this thread earlier has made its session by now.
      if (proxy_) proxy_->abort_on(*ctx);
      for (auto& s : sessions_.snapshot()) {
        if (&s->context() == ctx.get()) s->close_now(reason);
      }
      callbacks_.forget(receive_cache);
      callbacks_.forget(batch_cache);
    });
  }
}

server_statistics server_core::statistics() const {
  server_statistics st;
  st.accepted_connections = accepted_.load(std::memory_order_relaxed);
  st.rejected_connections = rejected_.load(std::memory_order_relaxed);
  st.errors = errors_.load(std::memory_order_relaxed);
  st.started_at = std::chrono::system_clock::time_point(
      std::chrono::system_clock::duration(started_at_.load(std::memory_order_relaxed)));
  st.messages_received = closed_messages_received_.load(std::memory_order_relaxed);
  st.bytes_received = closed_bytes_received_.load(std::memory_order_relaxed);
  st.messages_sent = closed_messages_sent_.load(std::memory_order_relaxed);
  st.bytes_sent = closed_bytes_sent_.load(std::memory_order_relaxed);
  st.messages_dropped = closed_messages_dropped_.load(std::memory_order_relaxed);
  const auto live = sessions_.snapshot();
  st.active_connections = live.size();
  for (const auto& s : live) {
    const auto ss = s->get_statistics();
    st.messages_received += ss.messages_received;
    st.bytes_received += ss.bytes_received;
    st.messages_sent += ss.messages_sent;
    st.bytes_sent += ss.bytes_sent;
    st.messages_dropped += ss.messages_dropped;
  }
  return st;
}

void server_core::on_connected(const connection_ptr& c) {
  callbacks_.invoke<connection>(as_session(c));
}

void server_core::on_message(const session_ptr& s, std::span<const std::uint8_t> data) {
  if (auto* st = s->async_state_if_any(); st && st->deliver(data)) return;  // pull mode
  const auto* fn = callbacks_.get_cached<receive>(receive_cache);
  if (!fn) {
    // No callback to take it: the session's inbox keeps it for async_receive (a coroutine
    // started from the connection callback may not have asked yet).
    auto& st = s->async_state();
    st.inbox->enter_pull_mode();
    st.deliver(data);
    return;
  }
  ++receive_cache.running;  // a stop from inside the callback must not free it mid-call
  (*fn)(s, data);
  --receive_cache.running;
}

void server_core::on_batch(const session_ptr& s, const session::message_batch& batch) {
  const auto* fn = callbacks_.get_cached<receive_batch>(batch_cache);
  if (!fn || (s->async_state_if_any() && s->async_state_if_any()->inbox->pull_mode())) {
    for (const auto m : batch) on_message(s, m);  // pull mode, or the callback just replaced
    return;
  }
  ++batch_cache.running;
  (*fn)(s, batch);
  --batch_cache.running;
}

void server_core::on_closed(const connection_ptr& c, const error_info& reason) {
  const auto s = as_session(c);
  // Fold the session's counters into the totals as it leaves the live set; a concurrent
  // statistics() may count it twice for that instant (counters are advisory).
  const auto ss = s->get_statistics();
  closed_messages_received_.fetch_add(ss.messages_received, std::memory_order_relaxed);
  closed_bytes_received_.fetch_add(ss.bytes_received, std::memory_order_relaxed);
  closed_messages_sent_.fetch_add(ss.messages_sent, std::memory_order_relaxed);
  closed_bytes_sent_.fetch_add(ss.bytes_sent, std::memory_order_relaxed);
  closed_messages_dropped_.fetch_add(ss.messages_dropped, std::memory_order_relaxed);
  sessions_.remove(s->id());
  s->async_state().on_closed(reason);
  callbacks_.invoke<disconnection>(s, reason);
}

void server_core::on_abandoned(const connection_ptr& c, const error_info& reason) {
  sessions_.remove(c->id());
  as_session(c)->async_state().on_closed(reason);
  // A stop or a local close is no error; a failed TLS handshake is.
  if (reason.code == error_codes::server_stopped || reason.code == error_codes::session_closed) {
    return;
  }
  errors_.fetch_add(1, std::memory_order_relaxed);
  callbacks_.invoke<error>(as_session(c), reason);
}

void server_core::on_error(const connection_ptr& c, const error_info& e) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  callbacks_.invoke<error>(as_session(c), e);
}

void server_core::on_drained(const connection_ptr& c) {
  const auto s = as_session(c);
  if (auto* st = s->async_state_if_any()) st->on_drained(*s);
  callbacks_.invoke<drain>(s);
}

}  // namespace network_system::core::detail
