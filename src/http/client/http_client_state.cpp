#include "http/client/http_client_state.h"

#include <algorithm>
#include <future>
#include <utility>

#include <asio/connect.hpp>
#include <asio/post.hpp>

#include "http/client/redirect.h"
#include "network_system/http/http_client_cookies.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"
#include "network_system/protocol/http/content_coding.h"
#include "network_system/protocol/http/serializer.h"
#include "transport/detail/tls_context.h"
#include "transport/detail/tls_stream.h"

namespace network_system::http::detail {

namespace {
constexpr const char* source = "http_client";
using clock = std::chrono::steady_clock;

std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool idempotent(std::string_view m) noexcept {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" ||
         m == "TRACE";
}

bool method_has_body(std::string_view m) noexcept {
  return m == "POST" || m == "PUT" || m == "PATCH";
}

// The connections report to the client through this, which holds it weakly: a connection
// that outlives its client (closing) reaches nothing.
class client_handler final : public connection::detail::connection_handler {
 public:
  explicit client_handler(std::weak_ptr<http_client_state> s) : state_(std::move(s)) {}
  void on_connected(const connection_ptr& c) override {
    if (auto s = state_.lock()) s->on_connected(c);
  }
  void on_closed(const connection_ptr& c, const error_info& reason) override {
    if (auto s = state_.lock()) s->on_closed(c, reason);
  }
  void on_abandoned(const connection_ptr& c, const error_info& reason) override {
    if (auto s = state_.lock()) s->on_abandoned(c, reason);
  }
  void on_error(const connection_ptr&, const error_info&) override {}  // on_closed follows
  void on_drained(const connection_ptr&) override {}

 private:
  std::weak_ptr<http_client_state> state_;
};

std::shared_ptr<const connection::connection_settings> settings_for(const http_client_config&) {
  auto s = std::make_shared<connection::connection_settings>();
  return s;
}
}  // namespace

http_client_state::http_client_state(http_client_config config)
    : config_(std::move(config)),
      pool_(config_.pool ? config_.pool : std::make_shared<core::io_context_pool>(1)),
      owns_pool_(!config_.pool),
      context_(pool_->at(0)),
      settings_(settings_for(config_)),
      sweep_timer_(*context_) {
  if (owns_pool_) pool_->start();
}

http_client_state::~http_client_state() = default;

std::string http_client_state::key_of(const protocol::http::url& u) const {
  return u.scheme + "://" + u.authority() + ":" + std::to_string(u.port);
}

void http_client_state::begin(client_request r,
                              core::detail::completion<Result<client_response>> done) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  auto ex = std::make_shared<client_exchange>(*context_);
  ex->done = std::move(done);
  ex->url_text = r.url;
  if (stopped_.load()) {
    fail(ex, error_info{error_codes::operation_canceled,
                        r.method + " " + r.url + ": the client is stopped", source, {}});
    return;
  }
  auto u = protocol::http::parse_url(r.url);
  if (u.is_err() || (u.value().scheme != "http" && u.value().scheme != "https")) {
    fail(ex, error_info{error_codes::http_invalid_url,
                        r.method + " " + r.url + ": " +
                            (u.is_err() ? u.error().message
                                        : std::string("not an http or https URL")),
                        source, {}});
    return;
  }
  ex->url = std::move(u).value();
  ex->method = std::move(r.method);
  ex->headers = std::move(r.headers);
  ex->body = std::move(r.body);
  ex->chunked = r.chunked;
  ex->chunk_size = std::max<std::size_t>(r.chunk_size, 1);
  live_.insert(ex);
  ex->timer.expires_after(config_.request_timeout);
  ex->timer.async_wait([weak = weak_from_this(), ex](const std::error_code& ec) {
    if (ec) return;
    if (auto s = weak.lock()) s->on_exchange_timeout(ex);
  });
  dispatch(ex);
}

void http_client_state::dispatch(const std::shared_ptr<client_exchange>& ex) {
  const auto key = key_of(ex->url);
  auto it = pools_.find(key);
  if (it == pools_.end()) {
    it = pools_.try_emplace(key, config_.max_connections_per_host).first;
    it->second.scheme = ex->url.scheme;
    it->second.host = ex->url.host;
    it->second.port = ex->url.port;
  }
  auto& hp = it->second;
  std::vector<std::uint64_t> expired;
  const auto pick = hp.slots.acquire(clock::now(), config_.idle_timeout, expired);
  for (auto id : expired) {
    if (auto c = by_id_.find(id); c != by_id_.end()) {
      auto p = c->second;
      p->state = pooled_connection::phase::gone;
      idle_count_.fetch_sub(1, std::memory_order_relaxed);
      close_connection(p, error_info{error_codes::http_client_idle_expired,
                                     "pooled connection to " + key + " idle for " +
                                         std::to_string(config_.idle_timeout.count()) + " ms",
                                     source, {}});
    }
  }
  switch (pick.what) {
    case host_slots::decision::reuse: {
      const auto found = by_id_.find(pick.id);
      if (found == by_id_.end()) {
        // Cannot happen (an idle connection leaves the slots when it leaves by_id_); should it,
        // the slot is freed and the request tries again rather than stall.
        hp.slots.release(pick.id, clock::now(), false);
        dispatch(ex);
        return;
      }
      auto p = found->second;
      idle_count_.fetch_sub(1, std::memory_order_relaxed);
      reused_.fetch_add(1, std::memory_order_relaxed);
      send(ex, p);
      return;
    }
    case host_slots::decision::open:
      open_connection(hp, ex);
      return;
    case host_slots::decision::wait:
      if (config_.max_queued_per_host != 0 && hp.waiting.size() >= config_.max_queued_per_host) {
        fail(ex, error_info{error_codes::http_client_queue_full,
                            ex->method + " " + ex->url_text + ": " +
                                std::to_string(hp.waiting.size()) + " requests already wait for " +
                                key,
                            source, {}});
        return;
      }
      ex->waiting = true;
      hp.waiting.push_back(ex);
      return;
  }
}

Result<std::shared_ptr<transport::detail::tls_context>> http_client_state::tls_context() {
  if (tls_) return tls_;
  auto cfg = config_.tls;
  if (config_.insecure) {
    cfg.verify_peer = false;
    cfg.verify_host_name = false;
  }
  if (cfg.alpn_protocols.empty()) cfg.alpn_protocols = {"http/1.1"};
  cfg.handshake_timeout = config_.connect_timeout;
  auto ctx = transport::detail::tls_context::create(cfg, transport::detail::tls_role::client, source);
  if (ctx.is_err()) return ctx.error();
  tls_ = std::move(ctx.value());
  return tls_;
}

void http_client_state::open_connection(host_pool& hp, const std::shared_ptr<client_exchange>& ex) {
  auto p = std::make_shared<pooled_connection>(*context_);
  p->id = next_id_++;
  p->key = key_of(ex->url);
  p->ex = ex;
  ex->conn = p;
  by_id_[p->id] = p;
  active_count_.fetch_add(1, std::memory_order_relaxed);
  const std::string target = hp.host + ":" + std::to_string(hp.port);
  p->timer.expires_after(config_.connect_timeout);
  p->timer.async_wait([weak = weak_from_this(), p, target, ms = config_.connect_timeout](
                          const std::error_code& ec) {
    if (ec || p->state != pooled_connection::phase::connecting || p->c) return;
    if (auto s = weak.lock()) {
      s->connect_failed(p, error_info{error_codes::connection_timeout,
                                      "connect to " + target + ": no connection within " +
                                          std::to_string(ms.count()) + " ms",
                                      source, {}});
    }
  });
  p->resolver.async_resolve(
      hp.host, std::to_string(hp.port), asio::ip::resolver_base::numeric_service,
      [weak = weak_from_this(), p, target](const std::error_code& ec,
                                           asio::ip::tcp::resolver::results_type results) {
        auto s = weak.lock();
        if (!s || p->state != pooled_connection::phase::connecting || p->c) return;
        if (ec) {
          s->connect_failed(p, make_error_info(ec, "resolve", target, source,
                                               error_codes::host_not_found));
          return;
        }
        asio::async_connect(p->socket, results,
                            [weak, p, target](const std::error_code& cec,
                                              const asio::ip::tcp::endpoint&) {
                              auto s = weak.lock();
                              if (!s || p->state != pooled_connection::phase::connecting || p->c) {
                                return;
                              }
                              if (cec) {
                                s->connect_failed(p, make_error_info(cec, "connect to", target,
                                                                     source,
                                                                     error_codes::connection_failed));
                                return;
                              }
                              s->on_tcp_connected(p);
                            });
      });
}

void http_client_state::on_tcp_connected(const std::shared_ptr<pooled_connection>& p) {
  p->timer.cancel();  // TLS has its own handshake timeout (connect_timeout)
  auto& hp = pools_.at(p->key);
  std::unique_ptr<transport::detail::tls_stream> stream;
  if (hp.scheme == "https") {
    auto ctx = tls_context();
    if (ctx.is_err()) {
      connect_failed(p, ctx.error());
      return;
    }
    stream = ctx.value()->make_stream(p->socket.native_handle(), hp.host);
    if (!stream) {
      connect_failed(p, error_info{error_codes::internal_error,
                                   "connect to " + hp.host + ": could not create a TLS connection",
                                   source, {}});
      return;
    }
  }
  if (!handler_) handler_ = std::make_shared<client_handler>(weak_from_this());
  p->c = std::make_shared<connection::stream_connection>(context_, std::move(p->socket),
                                                         config_.id, settings_, handler_,
                                                         std::move(stream));
  protocol::http::parser_options po;
  po.limits.max_body = config_.max_body;
  po.limits.max_header_bytes = config_.max_header_bytes;
  po.limits.max_start_line = std::min<std::size_t>(config_.max_header_bytes, 8 * 1024);
  auto proto = std::make_unique<http1_client_protocol>(po, *this);
  p->protocol = proto.get();
  p->c->set_protocol(std::move(proto));
  by_connection_[p->c.get()] = p;
  p->c->start();
}

void http_client_state::connect_failed(const std::shared_ptr<pooled_connection>& p,
                                       const error_info& e) {
  if (p->state == pooled_connection::phase::gone) return;
  p->state = pooled_connection::phase::gone;
  std::error_code ignored;
  p->timer.cancel();
  p->resolver.cancel();
  p->socket.close(ignored);
  by_id_.erase(p->id);
  if (p->c) by_connection_.erase(p->c.get());
  active_count_.fetch_sub(1, std::memory_order_relaxed);
  auto it = pools_.find(p->key);
  if (it != pools_.end()) it->second.slots.open_failed();
  if (auto ex = std::exchange(p->ex, nullptr)) {
    ex->conn.reset();
    fail(ex, e);
  }
  // The waiters try their own connection: one refused connect says little about the next
  // (a server restarting), and each request still fails within its own timeout.
  serve_waiters(p->key);
}

void http_client_state::on_connected(const std::shared_ptr<connection::stream_connection>& c) {
  auto it = by_connection_.find(c.get());
  if (it == by_connection_.end()) return;
  auto p = it->second;
  opened_.fetch_add(1, std::memory_order_relaxed);
  if (p->state != pooled_connection::phase::connecting) return;
  p->state = pooled_connection::phase::busy;
  if (auto ex = std::exchange(p->ex, nullptr); ex && !ex->finished) {
    send(ex, p);
    return;
  }
  // Its request gave up (timeout) while it connected: it serves the next one, or waits idle.
  release(p, true);
  serve_waiters(p->key);
}

void http_client_state::on_abandoned(const std::shared_ptr<connection::stream_connection>& c,
                                     const error_info& reason) {
  auto it = by_connection_.find(c.get());
  if (it == by_connection_.end()) return;
  auto p = it->second;
  connect_failed(p, reason);
}

void http_client_state::send(const std::shared_ptr<client_exchange>& ex,
                             const std::shared_ptr<pooled_connection>& p) {
  ex->waiting = false;
  ex->conn = p;
  p->ex = ex;
  p->state = pooled_connection::phase::busy;
  ++p->served;

  protocol::http::request_head head;
  head.method = ex->method;
  head.target = ex->url.target();
  if (!ex->headers.contains("Host")) head.fields.add("Host", ex->url.authority());
  if (!config_.user_agent.empty() && !ex->headers.contains("User-Agent")) {
    head.fields.add("User-Agent", config_.user_agent);
  }
  if (config_.decode_content && !ex->headers.contains("Accept-Encoding")) {
    head.fields.add("Accept-Encoding", "gzip, deflate, br");
  }
  if (config_.cookies && !ex->headers.contains("Cookie")) {
    if (auto jar = config_.cookies->cookie_header(ex->url); !jar.empty()) {
      head.fields.add("Cookie", jar);
    }
  }
  for (const auto& f : ex->headers) {
    if (protocol::http::iequals(f.name, "Content-Length") ||
        protocol::http::iequals(f.name, "Transfer-Encoding")) {
      continue;  // the client frames the body
    }
    head.fields.add(f.name, f.value);
  }
  if (config_.idle_timeout.count() == 0) head.fields.set("Connection", "close");

  std::string wire;
  VoidResult r = ok();
  if (ex->chunked) {
    head.fields.add("Transfer-Encoding", "chunked");
    r = protocol::http::serialize_head(head, wire);
    if (r.is_ok()) {
      protocol::http::chunk_encoder enc;
      std::string_view rest = ex->body;
      while (!rest.empty()) {
        const auto piece = rest.substr(0, ex->chunk_size);
        for (auto part : enc.encode(as_bytes(piece))) {
          wire.append(reinterpret_cast<const char*>(part.data()), part.size());
        }
        rest.remove_prefix(piece.size());
      }
      auto last = protocol::http::chunk_encoder::last_chunk();
      if (last.is_ok()) wire += last.value();
    }
  } else if (!ex->body.empty() || method_has_body(ex->method)) {
    r = protocol::http::serialize_message(head, as_bytes(ex->body), wire);
  } else {
    r = protocol::http::serialize_head(head, wire);
  }
  if (r.is_err()) {
    // Nothing left: the connection is untouched and goes back to the pool.
    --p->served;
    p->ex.reset();
    ex->conn.reset();
    release(p, true);
    fail(ex, error_info{error_codes::invalid_argument,
                        ex->method + " " + ex->url_text + ": " + r.error().message, source, {}});
    serve_waiters(p->key);
    return;
  }
  p->protocol->expect(ex->method);
  auto q = p->c->queue_copy(connection::wire_head{}, as_bytes(wire));
  if (q.is_err()) {
    p->ex.reset();
    ex->conn.reset();
    p->state = pooled_connection::phase::gone;
    close_connection(p, q.error());
    auto it = pools_.find(p->key);
    if (it != pools_.end()) it->second.slots.release(p->id, clock::now(), false);
    active_count_.fetch_sub(1, std::memory_order_relaxed);
    fail(ex, error_info{q.error().code,
                        ex->method + " " + ex->url_text + ": " + q.error().message, source, {}});
    serve_waiters(p->key);
  }
}

void http_client_state::on_response(connection::stream_connection& c, parsed_response&& r,
                                    bool reusable) {
  auto it = by_connection_.find(&c);
  if (it == by_connection_.end()) return;
  auto p = it->second;
  auto ex = std::exchange(p->ex, nullptr);
  const bool reused = p->served > 1;
  if (ex) ex->conn.reset();
  release(p, reusable && !stopped_.load() && config_.idle_timeout.count() > 0);
  if (ex && !ex->finished) handle_final(ex, std::move(r), reused);
  serve_waiters(p->key);
}

void http_client_state::release(const std::shared_ptr<pooled_connection>& p, bool reusable) {
  auto it = pools_.find(p->key);
  if (p->state == pooled_connection::phase::gone) return;
  if (reusable) {
    p->state = pooled_connection::phase::idle;
    active_count_.fetch_sub(1, std::memory_order_relaxed);
    idle_count_.fetch_add(1, std::memory_order_relaxed);
    if (it != pools_.end()) it->second.slots.release(p->id, clock::now(), true);
    arm_sweep();
    return;
  }
  p->state = pooled_connection::phase::gone;
  active_count_.fetch_sub(1, std::memory_order_relaxed);
  if (it != pools_.end()) it->second.slots.release(p->id, clock::now(), false);
  close_connection(p, error_info{error_codes::session_closed,
                                 "the response ended the connection", source, {}});
}

void http_client_state::close_connection(const std::shared_ptr<pooled_connection>& p,
                                         error_info reason) {
  by_id_.erase(p->id);
  if (!p->c) return;
  // Posted: this may run inside the connection's own read (on_data), which must not see its
  // connection closed under it.
  asio::post(*context_, [c = p->c, reason = std::move(reason)] { c->close_now(reason); });
}

void http_client_state::serve_waiters(const std::string& key) {
  auto it = pools_.find(key);
  if (it == pools_.end()) return;
  auto& hp = it->second;
  while (!hp.waiting.empty()) {
    auto ex = hp.waiting.front();
    if (ex->finished) {
      hp.waiting.pop_front();
      continue;
    }
    if (hp.slots.idle() == 0 && hp.slots.total() >= hp.slots.limit()) return;
    hp.waiting.pop_front();
    ex->waiting = false;
    dispatch(ex);
  }
}

void http_client_state::on_closed(const std::shared_ptr<connection::stream_connection>& c,
                                  const error_info& reason) {
  auto it = by_connection_.find(c.get());
  if (it == by_connection_.end()) return;
  auto p = it->second;
  by_connection_.erase(it);
  by_id_.erase(p->id);
  auto pit = pools_.find(p->key);
  switch (p->state) {
    case pooled_connection::phase::gone:
      return;
    case pooled_connection::phase::idle:
      p->state = pooled_connection::phase::gone;
      idle_count_.fetch_sub(1, std::memory_order_relaxed);
      if (pit != pools_.end()) pit->second.slots.closed_while_idle(p->id);
      serve_waiters(p->key);
      return;
    case pooled_connection::phase::connecting:
    case pooled_connection::phase::busy:
      break;
  }
  p->state = pooled_connection::phase::gone;
  active_count_.fetch_sub(1, std::memory_order_relaxed);
  if (pit != pools_.end()) pit->second.slots.release(p->id, clock::now(), false);
  auto ex = std::exchange(p->ex, nullptr);
  if (ex && !ex->finished) {
    ex->conn.reset();
    const bool stale = p->served > 1 && p->protocol && !p->protocol->answer_started();
    if (stale && !ex->retried && idempotent(ex->method) && !stopped_.load()) {
      // The server closed the kept-alive connection as the request left: nothing was
      // answered, so sending it again on a new connection cannot do anything twice.
      ex->retried = true;
      retries_.fetch_add(1, std::memory_order_relaxed);
      dispatch(ex);
    } else {
      fail(ex, error_info{reason.code, ex->method + " " + ex->url_text + ": " + reason.message,
                          source, reason.details});
    }
  }
  serve_waiters(p->key);
}

void http_client_state::handle_final(const std::shared_ptr<client_exchange>& ex, parsed_response&& r,
                                     bool reused) {
  const int status = r.head.status;
  if (config_.cookies) {
    for (auto v : r.head.fields.get_all("Set-Cookie")) (void)config_.cookies->store(ex->url, v);
  }
  if (config_.follow_redirects && is_redirect_status(status)) {
    if (auto loc = r.head.fields.get("Location"); loc && !loc->empty()) {
      if (ex->redirects >= config_.max_redirects) {
        fail(ex, error_info{error_codes::http_too_many_redirects,
                            ex->method + " " + ex->url_text + ": more than " +
                                std::to_string(config_.max_redirects) + " redirects",
                            source, {}});
        return;
      }
      auto next = resolve_location(ex->url, *loc);
      if (next.is_err()) {
        fail(ex, error_info{next.error().code, ex->method + " " + ex->url_text + ": " +
                                                   next.error().message,
                            source, {}});
        return;
      }
      if (ex->url.scheme == "https" && next.value().scheme == "http" &&
          !config_.allow_https_downgrade) {
        fail(ex, error_info{error_codes::http_client_insecure_redirect,
                            ex->method + " " + ex->url_text + ": redirect to " +
                                std::string(*loc) + " leaves https for http",
                            source, {}});
        return;
      }
      const auto m = method_after_redirect(status, ex->method);
      const bool cross = !same_origin(ex->url, next.value());
      strip_for_redirect(ex->headers, cross, !m.keep_body);
      if (!m.keep_body) {
        ex->body.clear();
        ex->chunked = false;
      }
      ex->method = m.method;
      ex->url = std::move(next).value();
      ex->url_text = ex->url.scheme + "://" + ex->url.authority() + ex->url.target();
      ex->retried = false;
      ++ex->redirects;
      dispatch(ex);
      return;
    }
  }
  client_response out;
  out.status = status;
  out.reason = std::move(r.head.reason);
  out.version_minor = r.head.version.minor;
  out.headers = std::move(r.head.fields);
  out.trailers = std::move(r.trailers);
  out.url = ex->url_text;
  out.redirects = ex->redirects;
  out.reused_connection = reused;
  if (config_.decode_content) {
    const std::string coding = out.headers.get_list("Content-Encoding");
    if (!coding.empty()) {
      auto plain = protocol::http::decode_content(coding, r.body, config_.max_decoded_body);
      if (plain.is_err()) {
        fail(ex, error_info{plain.error().code, ex->method + " " + ex->url_text +
                                                    ": the body: " + plain.error().message,
                            source, {}});
        return;
      }
      r.body = std::move(plain).value();
      out.headers.erase("Content-Encoding");
      out.headers.erase("Content-Length");
    }
  }
  out.body = std::move(r.body);
  finish(ex, std::move(out));
}

void http_client_state::on_exchange_timeout(const std::shared_ptr<client_exchange>& ex) {
  if (ex->finished) return;
  auto e = error_info{error_codes::http_client_timeout,
                      ex->method + " " + ex->url_text + ": no response within " +
                          std::to_string(config_.request_timeout.count()) + " ms",
                      source, {}};
  if (auto p = std::exchange(ex->conn, nullptr)) {
    p->ex.reset();
    if (p->state == pooled_connection::phase::busy) {
      // The answer may still come: the connection cannot carry another request.
      p->state = pooled_connection::phase::gone;
      active_count_.fetch_sub(1, std::memory_order_relaxed);
      auto it = pools_.find(p->key);
      if (it != pools_.end()) it->second.slots.release(p->id, clock::now(), false);
      close_connection(p, e);
      fail(ex, e);
      serve_waiters(p->key);
      return;
    }
    // Connecting: the connection goes on and serves the next request when it is up.
  }
  fail(ex, e);
}

void http_client_state::fail(const std::shared_ptr<client_exchange>& ex, error_info e) {
  if (e.source.empty()) e.source = source;
  finish(ex, Result<client_response>(std::move(e)));
}

void http_client_state::finish(const std::shared_ptr<client_exchange>& ex, Result<client_response> r) {
  if (ex->finished) return;
  ex->finished = true;
  ex->timer.cancel();
  ex->conn.reset();  // the connection may outlive the client_exchange (a connect still in progress)
  live_.erase(ex);
  if (r.is_ok()) {
    responses_.fetch_add(1, std::memory_order_relaxed);
  } else {
    failures_.fetch_add(1, std::memory_order_relaxed);
  }
  ex->done.complete(std::move(r));
}

void http_client_state::arm_sweep() {
  clock::time_point next = clock::time_point::max();
  for (const auto& [key, hp] : pools_) next = std::min(next, hp.slots.next_expiry(config_.idle_timeout));
  if (next == clock::time_point::max()) return;
  if (sweep_armed_ && sweep_at_ <= next) return;
  sweep_armed_ = true;
  sweep_at_ = next;
  sweep_timer_.expires_at(next);
  sweep_timer_.async_wait([weak = weak_from_this()](const std::error_code& ec) {
    if (ec) return;
    if (auto s = weak.lock()) {
      s->sweep_armed_ = false;
      s->sweep();
    }
  });
}

void http_client_state::sweep() {
  const auto now = clock::now();
  for (auto& [key, hp] : pools_) {
    for (auto id : hp.slots.expire(now, config_.idle_timeout)) {
      auto it = by_id_.find(id);
      if (it == by_id_.end()) continue;
      auto p = it->second;
      p->state = pooled_connection::phase::gone;
      idle_count_.fetch_sub(1, std::memory_order_relaxed);
      close_connection(p, error_info{error_codes::http_client_idle_expired,
                                     "pooled connection to " + key + " idle for " +
                                         std::to_string(config_.idle_timeout.count()) + " ms",
                                     source, {}});
    }
  }
  arm_sweep();
}

void http_client_state::stop_on_thread() {
  if (stop_done_) return;
  stop_done_ = true;
  stopped_.store(true);
  sweep_timer_.cancel();
  const auto canceled = [](const std::shared_ptr<client_exchange>& ex) {
    return error_info{error_codes::operation_canceled,
                      ex->method + " " + ex->url_text + ": the client stopped", source, {}};
  };
  auto live = std::move(live_);
  live_.clear();
  for (const auto& ex : live) {
    ex->conn.reset();
    fail(ex, canceled(ex));
  }
  for (auto& [key, hp] : pools_) hp.waiting.clear();
  auto conns = std::move(by_id_);
  by_id_.clear();
  for (auto& [id, p] : conns) {
    p->ex.reset();
    std::error_code ignored;
    p->timer.cancel();
    p->resolver.cancel();
    p->socket.close(ignored);
    p->state = pooled_connection::phase::gone;
    if (p->c) {
      p->c->close_now(error_info{error_codes::operation_canceled, "the client stopped", source, {}});
    }
  }
  by_connection_.clear();
  idle_count_.store(0);
  active_count_.store(0);
}

void http_client_state::stop() {
  stopped_.store(true);
  if (on_thread() || !pool_->is_running()) {
    stop_on_thread();
  } else {
    std::promise<void> done;
    auto f = done.get_future();
    asio::post(*context_, [self = shared_from_this(), &done] {
      self->stop_on_thread();
      done.set_value();
    });
    f.wait();
  }
  if (owns_pool_ && !on_thread()) pool_->stop();
}

http_client_statistics http_client_state::statistics() const {
  http_client_statistics s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.responses = responses_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.connections_opened = opened_.load(std::memory_order_relaxed);
  s.connections_reused = reused_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.idle_connections = idle_count_.load(std::memory_order_relaxed);
  s.active_connections = active_count_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace network_system::http::detail
