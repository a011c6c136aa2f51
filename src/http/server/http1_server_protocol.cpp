#include "http/server/http1_server_protocol.h"

#include <algorithm>
#include <utility>

#include "http/server/date_field.h"
#include "http/server/exchange.h"
#include "http/server/http_server_state.h"
#include "network_system/core/error_codes.h"
#include "network_system/http/request.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_status.h"
#include "network_system/protocol/http/serializer.h"

namespace network_system::http::detail {

namespace {
constexpr const char* source = "http_server";

using protocol::http::parse_status;

std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

// With streaming routes the parser lets bodies up to max_streamed_body through; the protocol
// holds collected bodies to parser.limits.max_body itself (collected_limit_).
protocol::http::parser_options parser_options_for(const http_server_state& server) {
  auto options = server.config_.parser;
  if (server.app_.routes().has_streaming_routes()) {
    options.limits.max_body = std::max(options.limits.max_body, server.config_.max_streamed_body);
  }
  return options;
}

error_info body_too_large(std::uint64_t limit) {
  return error_info{error_codes::http_body_too_large,
                    "request body larger than " + std::to_string(limit) + " bytes", source, {}};
}
}  // namespace

http1_server_protocol::http1_server_protocol(std::shared_ptr<http_server_state> server,
                                             connection::stream_connection& c)
    : server_(std::move(server)),
      connection_(c.weak_from_this()),
      parser_(parser_options_for(*server_)),
      collected_limit_(server_->config_.parser.limits.max_body),
      timer_(c.context()),
      self_ref_(std::make_shared<http1_server_protocol*>(this)) {
  // The first request gets header_timeout from the moment the connection opens: a client that
  // connects and sends nothing holds a slot no longer than one that sends slowly.
  enter(phase::idle, server_->config_.header_timeout);
}

http1_server_protocol::~http1_server_protocol() {
  *self_ref_ = nullptr;
}

void http1_server_protocol::on_data(const std::shared_ptr<connection::stream_connection>& self,
                                    std::span<const std::uint8_t>& in) {
  auto& c = *self;
  while (c.delivering()) {
    if (phase_ == phase::closing) {  // after the last answer nothing more is read as a request
      in = {};
      return;
    }
    const auto r = parser_.feed(in);
    in = in.subspan(r.consumed);
    switch (r.status) {
      case parse_status::need_more:
        if (phase_ == phase::idle && r.consumed > 0) enter(phase::head, server_->config_.header_timeout);
        return;
      case parse_status::head_complete:
        on_head(c);
        break;
      case parse_status::body:
        if (phase_ == phase::closing) break;  // refused at its head: the rest is dropped
        if (reader_) {
          streamed_bytes_ += r.body.size();
          if (streamed_bytes_ > server_->config_.max_streamed_body) {
            reader_.reset();
            prebuilt_ = false;
            server_->bad_requests_.fetch_add(1, std::memory_order_relaxed);
            refuse(c, body_too_large(server_->config_.max_streamed_body));
            in = {};
            return;
          }
          deliver_piece(c, r.body);
        } else if (body_.size() + r.body.size() > collected_limit_) {
          server_->bad_requests_.fetch_add(1, std::memory_order_relaxed);
          refuse(c, body_too_large(collected_limit_));
          in = {};
          return;
        } else {
          body_.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        }
        break;
      case parse_status::message_complete:
        if (phase_ == phase::closing) {  // refused at its head
          in = {};
          return;
        }
        on_message_complete(c);
        break;
      case parse_status::error:
        server_->bad_requests_.fetch_add(1, std::memory_order_relaxed);
        refuse(c, parser_.error());
        in = {};
        return;
    }
  }
}

bool http1_server_protocol::route_head(connection::stream_connection& c) {
  auto built = request::from_head(parser_.take_head());
  if (built.is_err()) {
    server_->bad_requests_.fetch_add(1, std::memory_order_relaxed);
    refuse(c, built.error());
    return false;
  }
  exchange& ex = next_exchange(c);
  ex.req = std::move(built.value());
  prebuilt_ = true;
  auto m = server_->app_.routes().match(ex.req.method(), ex.req.raw_path());
  if (m.status != match_status::found || m.streaming == nullptr) {
    if (!parser_.chunked() && parser_.content_length() > collected_limit_) {
      server_->bad_requests_.fetch_add(1, std::memory_order_relaxed);
      refuse(c, body_too_large(collected_limit_));
      return false;
    }
    return true;
  }
  ex.req.set_params(std::move(m.params));
  ex.req.set_route_pattern(std::string(m.pattern));
  reader_.emplace();
  streamed_bytes_ = 0;
  try {
    (*m.streaming)(ex.req, *reader_);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (...) {
    reader_->refuse(response::status_page(500));
  }
  if (reader_->refused()) {
    auto answer = reader_->take_refusal();
    reader_.reset();
    prebuilt_ = false;
    send(c, answer, ex.req.method() == "HEAD", false);
    return false;
  }
  return true;
}

void http1_server_protocol::deliver_piece(connection::stream_connection& c,
                                          std::span<const std::uint8_t> piece) {
  try {
    reader_->deliver(piece);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (...) {
    // The body cannot be consumed: answer now and drop the rest with the connection.
    reader_.reset();
    prebuilt_ = false;
    auto page = response::status_page(500);
    send(c, page, false, false);
  }
}

void http1_server_protocol::on_head(connection::stream_connection& c) {
  if (server_->app_.routes().has_streaming_routes() && !route_head(c)) return;
  const auto& head = parser_.head();
  const auto& fields = prebuilt_ ? std::as_const(exchange_->req).headers() : head.fields;
  const bool has_body = parser_.chunked() || parser_.content_length() > 0;
  if (has_body) {
    enter(phase::body, server_->config_.request_timeout);
    // Reserve what a Content-Length announces, up to 64 KiB: a client that announces
    // megabytes and sends nothing must not make the server hold them.
    if (!parser_.chunked()) {
      body_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(parser_.content_length(), 64 * 1024)));
    }
  }
  if (auto expect = fields.get("Expect")) {
    if (!protocol::http::iequals(trim(*expect), "100-continue")) {
      server_->bad_requests_.fetch_add(1, std::memory_order_relaxed);
      auto res = response::status_page(417, "only \"Expect: 100-continue\" is supported");
      server_->report(error_info{error_codes::http_bad_request,
                                 peer(c) + "unsupported expectation \"" + std::string(*expect) + "\"",
                                 source, {}});
      send(c, res, false, false);
      return;
    }
    // RFC 9110 §10.1.1: an HTTP/1.1 client waiting for the go-ahead; nothing to say when the
    // body is already here or there is none.
    if (has_body && head.version.minor >= 1) {
      if (auto q = c.queue_copy(connection::wire_head{}, as_bytes(continue_line)); q.is_err()) {
        phase_ = phase::closing;
        c.fail(error_info{q.error().code, peer(c) + q.error().message, source, {}});
      }
    }
  }
}

exchange& http1_server_protocol::next_exchange(connection::stream_connection& c) {
  // Reused while no handle holds it: an answer given at once costs no allocation.
  if (!exchange_ || exchange_.use_count() != 1) {
    const auto& limits = server_->config_.server.send_queue;
    exchange_ = std::make_shared<exchange>(connection_, self_ref_, c.context(), limits.low_water,
                                           limits.high_water);
  } else {
    exchange_->reset_for_reuse();
  }
  return *exchange_;
}

void http1_server_protocol::on_message_complete(connection::stream_connection& c) {
  exchange* current = nullptr;
  if (prebuilt_) {  // built at its head (route_head)
    prebuilt_ = false;
    current = exchange_.get();
    if (!reader_) current->req.body() = std::move(body_);
    body_ = std::string();
  } else {
    auto built = request::from_head(parser_.take_head(), std::move(body_));
    body_ = std::string();
    if (built.is_err()) {
      server_->bad_requests_.fetch_add(1, std::memory_order_relaxed);
      refuse(c, built.error());
      return;
    }
    current = &next_exchange(c);
    current->req = std::move(built.value());
  }
  exchange& ex = *current;
  request& req = ex.req;
  ++served_;
  server_->requests_.fetch_add(1, std::memory_order_relaxed);
  c.count_received(1, req.body().size());
  // An upgrade is declined by answering it as a plain request (RFC 9110 §7.8), unless the
  // handler accepts it (accept_upgrade).
  const bool upgrade_asked = parser_.upgrade();
  if (upgrade_asked) parser_.continue_after_upgrade();

  const auto& config = server_->config_;
  const bool keep_alive =
      parser_.keep_alive() && !shutting_down_ &&
      !server_->stopping_.load(std::memory_order_relaxed) &&
      (config.max_requests_per_connection == 0 || served_ < config.max_requests_per_connection);
  req.set_keep_alive(keep_alive);
  if (server_->proxies_.empty()) {
    req.set_remote_address(remote(c));
  } else {
    req.set_remote_address(
        server_->proxies_.client_address(c.remote_address().address(), std::as_const(req).headers()));
  }
  ex.head_request_ = req.method() == "HEAD";
  ex.chunked_ = parser_.head().version.minor >= 1;

  response res;
  res.binding_.ex = exchange_;
  if (reader_) {
    const handler end = [this](request& r, response& out) { reader_->end(r, out); };
    server_->app_.handle_with(req, res, end);
    reader_.reset();
  } else {
    server_->app_.handle(req, res);
  }
  res.binding_.ex.reset();
  if (ex.upgrade_ && upgrade_asked && res.status() == 101 &&
      ex.mode_ == exchange::mode::immediate) {
    upgrade(c, res, ex);
    return;
  }
  if (ex.mode_ != exchange::mode::immediate) {
    begin_answering(c, ex, res);
    return;
  }
  send(c, res, ex.head_request_, keep_alive && req.keep_alive());
  if (phase_ != phase::closing) enter(phase::idle, config.keep_alive_timeout);
}

bool http1_server_protocol::accept_upgrade(
    response& res,
    std::function<std::unique_ptr<connection::detail::connection_protocol>(connection::stream_connection&)>
        make) {
  if (!res.binding_.ex || !make) return false;
  res.binding_.ex->upgrade_ = std::move(make);
  return true;
}

void http1_server_protocol::upgrade(connection::stream_connection& c, response& res,
                                    const exchange& ex) {
  const std::string& extra = server_fields(res.headers(), true, /*upgrade=*/true);
  thread_local std::string wire;
  wire.clear();
  if (auto r = res.serialize(wire, false, extra); r.is_err()) {
    server_->report(error_info{r.error().code, peer(c) + "the handler's 101: " + r.error().message,
                               source, {}});
    auto page = response::status_page(500);
    send(c, page, false, false);
    return;
  }
  server_->count_response(101);
  if (!after_queued(c, c.queue_copy(connection::wire_head{}, as_bytes(wire)), true)) return;
  phase_ = phase::upgraded;
  deadline_ = clock::time_point::max();
  timer_.cancel();
  // The bytes after the request, in this read and later, go to the new protocol.
  c.replace_protocol(ex.upgrade_(c));
}

void http1_server_protocol::begin_answering(connection::stream_connection& c, exchange& ex,
                                            response& res) {
  answering_ = exchange_;
  answer_keep_alive_ = ex.req.keep_alive();
  // Answers go out in request order: nothing more is read until this one is complete. What
  // the client sent meanwhile stays buffered in the connection.
  c.pause_receiving();
  phase_ = phase::answering;
  deadline_ = clock::time_point::max();
  if (ex.mode_ == exchange::mode::deferred) return;
  if (!send_stream_head(c, ex, res)) return;
  ex.mark_head_queued();
  flush_stream(c, ex);  // what the handler already wrote, maybe all of it
}

bool http1_server_protocol::send_stream_head(connection::stream_connection& c, exchange& ex,
                                             response& res) {
  // Without chunked encoding (HTTP/1.0) only the close can end the body.
  if (!ex.chunked_) answer_keep_alive_ = false;
  auto head = res.to_head();
  head.fields.erase("Content-Length");
  head.fields.erase("Transfer-Encoding");
  if (ex.chunked_) head.fields.add("Transfer-Encoding", "chunked");
  const std::string& extra = server_fields(head.fields, answer_keep_alive_);
  thread_local std::string wire;
  wire.clear();
  if (auto r = protocol::http::serialize_head(head, wire); r.is_err()) {
    server_->report(error_info{r.error().code,
                               peer(c) + "the handler's streamed response: " + r.error().message,
                               source, {}});
    auto page = response::status_page(500);
    answering_.reset();
    ex.on_connection_closed(r.error());  // the stream's writers learn it will not be sent
    c.resume_receiving();
    send(c, page, ex.head_request_, false);
    return false;
  }
  wire.insert(wire.size() - 2, extra);  // before the blank line that ends the head
  server_->count_response(res.status());
  return after_queued(c, c.queue_copy(connection::wire_head{}, as_bytes(wire)), true);
}

void http1_server_protocol::flush_stream(connection::stream_connection& c, exchange& ex) {
  if (answering_.get() != &ex || !c.is_connected()) return;
  auto out = ex.take_output();
  if (!out.bytes.empty()) {
    if (!after_queued(c, c.queue_owned(connection::wire_head{}, std::move(out.bytes)), true)) return;
  }
  if (out.finished) {
    end_answering(c);
    return;
  }
  // A writer waits for room: make sure on_drain follows, also when the queue drained already.
  if (out.slow && !c.watch_drain()) ex.on_drained();
}

void http1_server_protocol::complete_deferred(connection::stream_connection& c, exchange& ex,
                                              response& answer, bool lost) {
  if (answering_.get() != &ex || !c.is_connected()) return;
  if (lost) {
    server_->report(error_info{error_codes::invalid_state,
                               peer(c) + "the handler for " + ex.req.method() + " " +
                                   ex.req.raw_path() + " dropped its deferred response",
                               source, {}});
  }
  server_->app_.run_after_hooks(ex.req, answer);
  // A stop that began meanwhile makes this the last answer.
  if (shutting_down_ || server_->stopping_.load(std::memory_order_relaxed)) answer_keep_alive_ = false;
  if (!send(c, answer, ex.head_request_, answer_keep_alive_)) {
    answering_.reset();
    return;
  }
  end_answering(c);
}

void http1_server_protocol::abort_stream(connection::stream_connection& c, exchange& ex) {
  if (answering_.get() != &ex) return;
  answering_.reset();
  ex.release_callbacks();
  phase_ = phase::closing;
  c.fail(error_info{error_codes::invalid_state,
                    peer(c) + "the handler for " + ex.req.method() + " " + ex.req.raw_path() +
                        " dropped its response stream before finish(); the body is incomplete",
                    source, {}});
}

void http1_server_protocol::end_answering(connection::stream_connection& c) {
  if (auto ex = std::move(answering_)) ex->release_callbacks();
  if (!answer_keep_alive_) {
    phase_ = phase::closing;
    deadline_ = clock::time_point::max();
    c.close_after_flush(error_info{error_codes::session_closed,
                                   "the last response of the connection was sent", source, {}},
                        /*drain_input=*/true);
    return;
  }
  enter(phase::idle, server_->config_.keep_alive_timeout);
  if (shutting_down_) {
    c.close_after_flush(error_info{error_codes::session_closed, "the server is stopping", source, {}});
    return;
  }
  c.resume_receiving();  // the requests that arrived meanwhile are read now
}

void http1_server_protocol::on_drained(connection::stream_connection& c) {
  (void)c;
  if (answering_) answering_->on_drained();
}

void http1_server_protocol::refuse(connection::stream_connection& c, const error_info& e) {
  int status = protocol::http::status_for_error(e.code);
  if (status == 0) status = 400;
  auto res = response::status_page(status, e.message);
  server_->report(error_info{e.code, peer(c) + e.message, source, e.details});
  send(c, res, false, false);
}

const std::string& http1_server_protocol::server_fields(protocol::http::http_fields& fields,
                                                        bool keep_alive, bool upgrade) {
  // Written as they are (no field objects, no validation). A handler's Date or Connection
  // gives way, except the Connection: upgrade of a 101.
  if (fields.contains("Date")) fields.erase("Date");
  if (!upgrade && fields.contains("Connection")) fields.erase("Connection");
  thread_local std::string extra;
  extra.assign("Date: ");
  extra += current_date_field();
  extra += "\r\n";
  const auto& name = server_->config_.server_name;
  if (!name.empty() && !fields.contains("Server")) {
    extra += "Server: ";
    extra += name;
    extra += "\r\n";
  }
  if (upgrade) {
    // The handler's Connection and Upgrade fields say it all.
  } else if (!keep_alive) {
    extra += "Connection: close\r\n";
  } else if (parser_.head().version.minor == 0) {
    extra += "Connection: keep-alive\r\n";  // HTTP/1.0 closes unless told otherwise
  }
  return extra;
}

bool http1_server_protocol::send(connection::stream_connection& c, response& res,
                                 bool head_request, bool keep_alive) {
  const std::string& extra = server_fields(res.headers(), keep_alive);
  // One buffer per thread: a response is copied once, into the connection's write queue.
  thread_local std::string wire;
  wire.clear();
  if (auto r = res.serialize(wire, head_request, extra); r.is_err()) {
    // The handler made a response that cannot be sent (a CR in a field value, say): the
    // client gets a 500, the application the reason.
    server_->report(error_info{r.error().code, peer(c) + "the handler's response: " + r.error().message,
                               source, {}});
    wire.clear();
    (void)response::status_page(500).serialize(wire, head_request, extra);
    server_->count_response(500);
  } else {
    server_->count_response(res.status());
  }
  const auto queued = c.queue_copy(connection::wire_head{}, as_bytes(wire));
  if (wire.capacity() > 256 * 1024) std::string().swap(wire);  // a large body does not stay
  return after_queued(c, queued, keep_alive);
}

bool http1_server_protocol::after_queued(connection::stream_connection& c, const VoidResult& queued,
                                         bool keep_alive) {
  if (queued.is_err()) {
    // Past the send queue's hard limit (a client pipelining requests for large answers
    // without reading them): dropping one answer would shift every later one onto the wrong
    // request, so the connection ends here.
    phase_ = phase::closing;
    deadline_ = clock::time_point::max();
    c.fail(error_info{queued.error().code, peer(c) + queued.error().message, source, {}});
    return false;
  }
  if (!keep_alive) {
    phase_ = phase::closing;
    deadline_ = clock::time_point::max();
    // Draining what the client still sends keeps its unread input from turning the close
    // into a RST that could destroy this response in flight.
    c.close_after_flush(error_info{error_codes::session_closed,
                                   "the last response of the connection was sent", source, {}},
                        /*drain_input=*/true);
    return false;
  }
  return true;
}

const std::string& http1_server_protocol::remote(const connection::stream_connection& c) {
  if (remote_.empty()) remote_ = c.remote_endpoint();
  return remote_;
}

std::string http1_server_protocol::peer(const connection::stream_connection& c) {
  return remote(c) + ": ";
}

std::optional<error_info> http1_server_protocol::on_peer_eof(const connection::stream_connection& c) {
  if (phase_ == phase::closing || phase_ == phase::idle) return std::nullopt;
  const auto r = parser_.finish();
  if (r.status != parse_status::error) return std::nullopt;
  auto e = parser_.error();
  e.message = c.remote_endpoint() + ": " + e.message;
  return e;
}

void http1_server_protocol::on_shutdown(connection::stream_connection& c, const error_info& reason) {
  shutting_down_ = true;
  // Idle: nothing to finish. Otherwise the request arriving is answered with
  // "Connection: close", and the connection closes after it (or at its timeout).
  if (phase_ == phase::idle) c.close_after_flush(reason);
}

void http1_server_protocol::on_closed() {
  deadline_ = clock::time_point::max();
  timer_.cancel();
  if (auto ex = std::move(answering_)) {
    ex->on_connection_closed(error_info{error_codes::session_closed,
                                        "the connection closed before the response was complete",
                                        source, {}});
  }
}

void http1_server_protocol::enter(phase p, std::chrono::milliseconds timeout) {
  phase_ = p;
  if (timeout.count() <= 0) {
    deadline_ = clock::time_point::max();
    return;
  }
  deadline_ = clock::now() + timeout;
  // A later deadline waits for the timer to fire; an earlier one (a header timeout after a
  // longer keep-alive wait) re-arms it.
  if (!timer_armed_ || deadline_ < armed_for_) arm_timer();
}

void http1_server_protocol::arm_timer() {
  timer_armed_ = true;
  armed_for_ = deadline_;
  const auto generation = ++timer_generation_;
  timer_.expires_at(deadline_);  // cancels a wait in progress: its completion is stale
  timer_.async_wait([weak = connection_, ref = self_ref_, generation](const std::error_code& ec) {
    auto* self = *ref;
    if (!self || generation != self->timer_generation_) return;  // gone, or re-armed since
    self->timer_armed_ = false;
    if (ec) return;
    auto c = weak.lock();
    if (!c) return;
    self->on_timer();
  });
}

void http1_server_protocol::on_timer() {
  if (deadline_ == clock::time_point::max()) return;
  if (clock::now() < deadline_) {  // the deadline moved on since the timer was armed
    arm_timer();
    return;
  }
  deadline_ = clock::time_point::max();
  auto c = connection_.lock();
  if (!c) return;
  if (c->state() == connection::connection_state::connecting) {  // still in its TLS handshake
    c->close_now(error_info{error_codes::http_header_timeout,
                            peer(*c) + "TLS handshake and request head not complete within " +
                                std::to_string(server_->config_.header_timeout.count()) + " ms",
                            source, {}});
    return;
  }
  if (!c->is_connected()) return;
  switch (phase_) {
    case phase::idle:  // nothing asked, nothing to answer
      c->close_after_flush(error_info{error_codes::session_expired,
                                      "no request within the keep-alive timeout", source, {}});
      return;
    case phase::head:
    case phase::body: {
      const bool head = phase_ == phase::head;
      server_->timeouts_.fetch_add(1, std::memory_order_relaxed);
      const auto code = head ? error_codes::http_header_timeout : error_codes::http_request_timeout;
      const auto limit = head ? server_->config_.header_timeout : server_->config_.request_timeout;
      refuse(*c, error_info{code,
                            std::string(head ? "request head" : "request body") +
                                " not complete within " + std::to_string(limit.count()) + " ms",
                            source, {}});
      return;
    }
    case phase::answering:  // no deadline: the handler's handle answers (or is dropped)
    case phase::upgraded:
    case phase::closing:
      return;
  }
}

}  // namespace network_system::http::detail
