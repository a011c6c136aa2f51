#include "core/detail/client_core.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <utility>

#include <asio/connect.hpp>
#include <asio/post.hpp>

#include "core/detail/run_on.h"
#include "core/detail/session_settings_from.h"
#include "transport/detail/tls_context.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"
#include "network_system/protocol/framing/frame_decoder.h"
#include "network_system/session/messaging_session.h"
#include "transport/detail/tls_stream.h"
#include "session/detail/session_async_state.h"

namespace network_system::core::detail {

namespace {
constexpr const char* source = "messaging_client";

// The receive callback as seen by this I/O thread: no lock per message.
thread_local utils::slot_cache<messaging_client::span_receive_callback_t> receive_cache;
thread_local utils::slot_cache<messaging_client::batch_receive_callback_t> batch_cache;

}  // namespace

/// One resolve + connect, bounded by connect_timeout. Lives on the client thread.
struct client_core::connect_attempt {
  explicit connect_attempt(asio::io_context& ctx) : resolver(ctx), socket(ctx), timer(ctx) {}
  asio::ip::tcp::resolver resolver;
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  connect_done done;
  bool finished = false;
};

client_core::client_core(std::string id, client_config config, std::optional<tls_config> tls)
    : id_(std::move(id)),
      config_(std::move(config)),
      settings_(session_settings_from(config_)),
      tls_config_(std::move(tls)),
      pool_(config_.pool ? config_.pool : std::make_shared<io_context_pool>(1)),
      owns_pool_(!config_.pool),
      context_(pool_->next()),
      auto_reconnect_(config_.auto_reconnect),
      policy_(config_.reconnect) {
  // In the body: inbox_ is declared before config_.
  inbox_ = std::make_shared<inbox_type>(
      source, utils::detail::inbox_limits{config_.send_queue.high_water,
                                          config_.send_queue.low_water, 0});
  inbox_->close(error_info{error_codes::not_connected,
                           "receive: client '" + id_ + "' is not started", source, {}});
  // The inbox's flow control is connected in begin_start(): weak_from_this() is empty here.
}

client_core::~client_core() = default;

VoidResult client_core::start(std::string_view host, std::uint16_t port) {
  if (context_->get_executor().running_in_this_thread()) {
    if (!lifecycle_.try_start()) {
      return error_void(error_codes::already_running,
                        "start_client: client '" + id_ + "' is already running", source);
    }
    lifecycle_.abort_start();
    return error_void(error_codes::invalid_state,
                      "start_client: called from the client's own thread (it would wait for itself)",
                      source);
  }
  std::promise<VoidResult> connected;
  auto result = connected.get_future();
  begin_start(host, port, [&connected](const VoidResult& r) { connected.set_value(r); });
  auto r = result.get();  // bounded: the attempt ends within connect_timeout
  if (r.is_err() && started_pool_) {
    if (owns_pool_) pool_->stop();
    lifecycle_.abort_start();
  }
  return r;
}

void client_core::start_async(std::string_view host, std::uint16_t port, connect_done done) {
  begin_start(host, port, [self = shared_from_this(), done = std::move(done)](const VoidResult& r) {
    // On the client's thread its own pool cannot be joined: it stays up (idle) until
    // stop_client() or the destructor, and a new start reuses it.
    if (r.is_err() && self->started_pool_) self->lifecycle_.abort_start();
    done(r);
  });
}

void client_core::begin_start(std::string_view host, std::uint16_t port, connect_done done) {
  started_pool_ = false;
  if (!lifecycle_.try_start()) {
    done(error_void(error_codes::already_running,
                    "start_client: client '" + id_ + "' is already running", source));
    return;
  }
  auto refuse = [this, &done](VoidResult r) {
    lifecycle_.abort_start();
    done(r);
  };
  if (auto r = protocol::framing::validate(config_.framing); r.is_err()) return refuse(r);
  if (tls_config_ && !tls_) {
    auto ctx = transport::detail::tls_context::create(*tls_config_, transport::detail::tls_role::client, source);
    if (ctx.is_err()) return refuse(VoidResult(ctx.error()));
    tls_ = std::move(ctx.value());
  }
  if (owns_pool_) {
    pool_->start();
  } else if (!pool_->is_running()) {
    return refuse(error_void(error_codes::invalid_state,
                             "start_client: the shared io_context_pool is not running", source));
  }
  inbox_->reopen();
  // Above send_queue.high_water bytes waiting in the inbox the connection stops reading (the
  // server's window closes: nothing is lost); a connection made while it is full (a
  // reconnect) starts paused too (on_connected).
  inbox_->set_flow_control([weak = weak_from_this()](bool pause) {
    auto self = weak.lock();
    if (!self) return;
    self->inbox_paused_.store(pause);
    if (auto s = self->current_session()) s->set_inbox_paused(pause);
  });
  started_pool_ = true;  // from here a failure is reported by the attempt, on the client thread
  stopping_.store(false);
  host_ = std::string(host);
  port_ = port;
  asio::post(*context_, [self = shared_from_this(), done = std::move(done)]() mutable {
    self->reconnect_count_ = 0;
    self->connect_once(std::move(done));
  });
}

void client_core::connect_once(connect_done done) {
  auto a = std::make_shared<connect_attempt>(*context_);
  a->done = std::move(done);
  attempt_ = a;
  const std::string target = host_ + ":" + std::to_string(port_);

  a->timer.expires_after(config_.connect_timeout);
  a->timer.async_wait([self = shared_from_this(), a, target](const std::error_code& ec) {
    if (ec || a->finished) return;
    self->finish_attempt(a, error_void(error_codes::connection_timeout,
                                       "connect to " + target + ": no connection within " +
                                           std::to_string(self->config_.connect_timeout.count()) +
                                           " ms",
                                       source));
  });

  a->resolver.async_resolve(
      host_, std::to_string(port_), asio::ip::resolver_base::numeric_service,
      [self = shared_from_this(), a, target](const std::error_code& ec,
                                             asio::ip::tcp::resolver::results_type results) {
        if (a->finished) return;
        if (ec) {
          self->finish_attempt(a, VoidResult(make_error_info(ec, "resolve", target, source,
                                                             error_codes::host_not_found)));
          return;
        }
        asio::async_connect(
            a->socket, results,
            [self, a, target](const std::error_code& cec, const asio::ip::tcp::endpoint&) {
              if (a->finished) return;
              if (cec) {
                self->finish_attempt(a, VoidResult(make_error_info(
                                            cec, "connect to", target, source,
                                            error_codes::connection_failed)));
                return;
              }
              std::unique_ptr<transport::detail::tls_stream> stream;
              if (self->tls_) {
                stream = self->tls_->make_stream(a->socket.native_handle(), self->host_);
                if (!stream) {
                  self->finish_attempt(a, error_void(error_codes::internal_error,
                                                     "connect to " + target +
                                                         ": could not create a TLS connection",
                                                     source));
                  return;
                }
              }
              auto s = session::messaging_session::create(self->context_, std::move(a->socket),
                                                          self->id_, self->settings_, self,
                                                          std::move(stream));
              {
                std::lock_guard lock(self->mutex_);
                self->session_ = s;
              }
              a->finished = true;  // before start(): a callback may stop the client
              a->timer.cancel();
              self->attempt_.reset();
              // The attempt ends when the session reports: connected (at once for TCP, after
              // the handshake for TLS) or abandoned.
              self->connecting_ = std::move(a->done);
              s->start();
            });
      });
}

void client_core::finish_attempt(const std::shared_ptr<connect_attempt>& a, const VoidResult& r) {
  if (a->finished) return;
  a->finished = true;
  std::error_code ignored;
  a->timer.cancel();
  a->resolver.cancel();
  a->socket.close(ignored);
  if (attempt_ == a) attempt_.reset();
  a->done(r);
}

VoidResult client_core::stop() {
  stopping_.store(true);
  const bool was_running = lifecycle_.prepare_stop();
  run_on(*context_, pool_->is_running(), [this] {
    if (attempt_) {
      finish_attempt(attempt_, error_void(error_codes::operation_canceled,
                                          "connect: canceled by stop_client", source));
    }
    reconnect_timer_.reset();  // cancels a pending wait; its handler sees stopping_
    session_ptr s;
    {
      std::lock_guard lock(mutex_);
      s = session_;
    }
    if (s) {
      s->close_now(error_info{error_codes::session_closed,
                              "client '" + id_ + "' stopped by stop_client", source, {}});
    }
    callbacks_.forget(receive_cache);
    callbacks_.forget(batch_cache);
  });
  inbox_->close(error_info{error_codes::session_closed,
                           "client '" + id_ + "' stopped by stop_client", source, {}});
  if (owns_pool_) pool_->stop();
  if (was_running) lifecycle_.mark_stopped();
  return ok();
}

void client_core::set_auto_reconnect(bool enable, const reconnect_policy& policy) {
  std::lock_guard lock(mutex_);
  auto_reconnect_ = enable;
  policy_ = policy;
}

client_core::session_ptr client_core::current_session() const {
  std::lock_guard lock(mutex_);
  return session_;
}

std::optional<error_info> client_core::last_close_reason() const {
  std::lock_guard lock(mutex_);
  return last_close_;
}

void client_core::on_connected(const connection_ptr& c) {
  // Before the first read: a paused client's new connection reads nothing until resumed.
  if (receiving_paused_.load()) c->pause_receiving();
  if (inbox_paused_.load()) c->set_inbox_paused(true);
  callbacks_.invoke<connected>();
  if (auto done = std::exchange(connecting_, nullptr)) done(ok());
}

void client_core::on_abandoned(const connection_ptr& c, const error_info& reason) {
  {
    std::lock_guard lock(mutex_);
    if (session_ == c) session_.reset();
  }
  std::static_pointer_cast<session::messaging_session>(c)->async_state().on_closed(reason);
  if (auto done = std::exchange(connecting_, nullptr)) done(VoidResult(reason));
}

void client_core::on_message(const session_ptr& s, std::span<const std::uint8_t> data) {
  if (auto* st = s->async_state_if_any(); st && st->deliver(data)) return;  // session pulled
  const auto* fn = inbox_->pull_mode() ? nullptr : callbacks_.get_cached<receive>(receive_cache);
  if (!fn) {
    // Pulled (messaging_client::async_receive), or no callback to take it: the inbox keeps it
    // (a reply may arrive before the first async_receive is issued).
    inbox_->enter_pull_mode();
    inbox_->push(std::vector<std::uint8_t>(data.begin(), data.end()));
    return;
  }
  ++receive_cache.running;  // a stop from inside the callback must not free it mid-call
  (*fn)(data);
  --receive_cache.running;
}

void client_core::on_batch(const session_ptr& s, const session::message_batch& batch) {
  const auto* st = s->async_state_if_any();
  const auto* fn = inbox_->pull_mode() || (st && st->inbox->pull_mode())
                       ? nullptr
                       : callbacks_.get_cached<receive_batch>(batch_cache);
  if (!fn) {
    for (const auto m : batch) on_message(s, m);  // pull mode, or the callback just replaced
    return;
  }
  ++batch_cache.running;
  (*fn)(batch);
  --batch_cache.running;
}

void client_core::on_error(const connection_ptr&, const error_info& e) {
  callbacks_.invoke<error>(e);
}

void client_core::on_drained(const connection_ptr& c) {
  const auto s = std::static_pointer_cast<session::messaging_session>(c);
  if (auto* st = s->async_state_if_any()) st->on_drained(*s);
  callbacks_.invoke<drain>();
}

void client_core::set_receiving_paused(bool paused) {
  receiving_paused_.store(paused);
  if (auto s = current_session()) {
    if (paused) {
      s->pause_receiving();
    } else {
      s->resume_receiving();
    }
  }
}

void client_core::on_closed(const connection_ptr& c, const error_info& reason) {
  bool reconnect = false;
  {
    std::lock_guard lock(mutex_);
    if (session_ == c) session_.reset();
    reconnect = auto_reconnect_;
    last_close_ = reason;
  }
  std::static_pointer_cast<session::messaging_session>(c)->async_state().on_closed(reason);
  // With auto-reconnect the client's receives wait for the next connection.
  if (!reconnect || stopping_.load()) inbox_->close(reason);
  callbacks_.invoke<disconnected>(reason);
  if (stopping_.load()) return;
  if (reconnect) {
    reconnect_count_ = 0;
    schedule_reconnect(reason);
  } else {
    stop_by_itself();
  }
}

std::chrono::milliseconds client_core::backoff_delay(std::size_t attempt) {
  reconnect_policy p;
  {
    std::lock_guard lock(mutex_);
    p = policy_;
  }
  const double initial = static_cast<double>(std::max<std::int64_t>(p.initial.count(), 0));
  const double cap = static_cast<double>(std::max<std::int64_t>(p.max.count(), 0));
  // Exponent capped so the power cannot overflow; the delay is capped by `max` anyway.
  const double grown =
      initial * std::pow(std::max(p.multiplier, 1.0), std::min<double>(attempt, 64));
  const double base = std::min(grown, cap);
  if (p.jitter == core::jitter::none) return std::chrono::milliseconds(std::llround(base));
  std::uniform_real_distribution<double> pick(0.0, base);
  return std::chrono::milliseconds(std::llround(pick(rng_)));
}

void client_core::schedule_reconnect(const error_info& last_error) {
  std::size_t max_attempts = 0;
  {
    std::lock_guard lock(mutex_);
    max_attempts = policy_.max_attempts;
  }
  if (max_attempts != 0 && reconnect_count_ >= max_attempts) {
    callbacks_.invoke<error>(error_info{
        error_codes::connection_failed,
        "reconnect to " + host_ + ":" + std::to_string(port_) + ": gave up after " +
            std::to_string(reconnect_count_) + " attempts (last: " + last_error.message + ")",
        source, {}});
    stop_by_itself();
    return;
  }
  const auto delay = backoff_delay(reconnect_count_);
  ++reconnect_count_;
  callbacks_.invoke<reconnect>(reconnect_attempt{reconnect_count_, delay, last_error});
  if (!reconnect_timer_) reconnect_timer_ = std::make_unique<asio::steady_timer>(*context_);
  reconnect_timer_->expires_after(delay);
  reconnect_timer_->async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (ec || self->stopping_.load()) return;
    self->connect_once([self](const VoidResult& r) {
      if (self->stopping_.load()) return;
      if (r.is_err()) {
        self->callbacks_.invoke<error>(r.error());
        self->schedule_reconnect(r.error());
      } else {
        self->reconnect_count_ = 0;
      }
    });
  });
}

void client_core::stop_by_itself() {
  inbox_->close(last_close_reason().value_or(
      error_info{error_codes::connection_failed, "client '" + id_ + "' stopped", source, {}}));
  // On the client thread its own pool cannot be joined here; stop_client() or the destructor
  // does that. Waiters are released now.
  if (lifecycle_.prepare_stop()) lifecycle_.mark_stopped();
}

}  // namespace network_system::core::detail
