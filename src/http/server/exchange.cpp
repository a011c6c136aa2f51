#include "http/server/exchange.h"

#include <cstdio>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "http/server/http1_server_protocol.h"
#include "network_system/connection/stream_connection.h"
#include "network_system/core/error_codes.h"
#include "network_system/http/deferred_response.h"
#include "network_system/http/response_stream.h"
#include "network_system/protocol/http/serializer.h"

namespace network_system::http {

namespace detail {

namespace {
constexpr const char* source = "http_server";

VoidResult not_connected(std::string_view what) {
  return error_void(error_codes::not_connected,
                    std::string(what) + ": the client's connection has closed", source);
}

void append(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}
}  // namespace

void exchange::run_on_owner(
    std::function<void(http1_server_protocol&, connection::stream_connection&)> f) {
  auto c = conn_.lock();
  if (!c) return;
  // Always posted, also from the owner thread: a handle used inside the handler must not
  // re-enter the protocol that is calling the handler.
  asio::post(c->context(), [weak = conn_, ref = protocol_, f = std::move(f)] {
    auto conn = weak.lock();
    if (!conn) return;
    if (auto* p = *ref) f(*p, *conn);
  });
}

void exchange::flush_on_owner() {
  run_on_owner([self = shared_from_this()](http1_server_protocol& p,
                                           connection::stream_connection& c) {
    p.flush_stream(c, *self);
  });
}

VoidResult exchange::complete(response answer, bool lost) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return not_connected("deferred response");
    if (done_) {
      return error_void(error_codes::invalid_state, "deferred response: already sent", source);
    }
    done_ = true;
  }
  if (conn_.expired()) return not_connected("deferred response");
  run_on_owner([self = shared_from_this(), answer = std::move(answer), lost](
                   http1_server_protocol& p, connection::stream_connection& c) mutable {
    p.complete_deferred(c, *self, answer, lost);
  });
  return ok();
}

Result<bool> exchange::write(std::span<const std::uint8_t> data) {
  bool flush = false;
  bool refused = false;
  bool slow = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Result<bool>(not_connected("response stream write").error());
    if (done_) {
      return error<bool>(error_codes::invalid_state, "response stream write: already finished",
                         source);
    }
    if (head_request_ || data.empty()) return true;  // a HEAD answer has no body
    auto c = conn_.lock();
    if (!c) return Result<bool>(not_connected("response stream write").error());
    const std::size_t queued = c->queued_bytes() + outbox_.size();
    if (queued > 0 && queued + data.size() > high_water_) {
      refused = true;
      slow_ = true;
    } else {
      if (chunked_) {
        char size_line[24];
        const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
        append(outbox_, std::string_view(size_line, static_cast<std::size_t>(n)));
      }
      outbox_.insert(outbox_.end(), data.begin(), data.end());
      if (chunked_) append(outbox_, "\r\n");
      slow = queued + data.size() >= low_water_;
      if (slow) slow_ = true;
      if (head_queued_ && !flush_posted_) flush = flush_posted_ = true;
    }
  }
  if (flush) {
    flush_on_owner();
  }
  if (refused) {
    // The owner thread checks the queue and makes sure an on_drain follows (flush_stream).
    flush_on_owner();
    return error<bool>(error_codes::send_queue_full,
                       "response stream write: the send queue is above its high-water mark "
                       "(" + std::to_string(high_water_) + " bytes); wait for on_drain",
                       source);
  }
  return !slow;
}

VoidResult exchange::finish(const protocol::http::http_fields& trailers) {
  std::string tail;
  if (chunked_ && !head_request_) {
    tail = "0\r\n";
    if (auto r = protocol::http::serialize_fields(trailers, tail); r.is_err()) return r;
    tail += "\r\n";
  }
  bool flush = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return not_connected("response stream finish");
    if (done_) {
      return error_void(error_codes::invalid_state, "response stream finish: already finished",
                        source);
    }
    done_ = finished_ = true;
    append(outbox_, tail);
    if (head_queued_ && !flush_posted_) flush = flush_posted_ = true;
  }
  if (flush) {
    flush_on_owner();
  }
  return ok();
}

void exchange::abandon_stream() {
  {
    std::lock_guard lock(mutex_);
    if (done_ || closed_) return;
    done_ = true;
  }
  run_on_owner([self = shared_from_this()](http1_server_protocol& p,
                                           connection::stream_connection& c) {
    p.abort_stream(c, *self);
  });
}

void exchange::set_on_drain(std::function<void()> cb) {
  std::lock_guard lock(mutex_);
  on_drain_ = std::move(cb);
}

void exchange::set_on_close(std::function<void(const error_info&)> cb) {
  std::lock_guard lock(mutex_);
  on_close_ = std::move(cb);
}

bool exchange::is_open() const noexcept {
  std::lock_guard lock(mutex_);
  return !done_ && !closed_;
}

void exchange::mark_head_queued() {
  std::lock_guard lock(mutex_);
  head_queued_ = true;
}

exchange::taken_output exchange::take_output() {
  std::lock_guard lock(mutex_);
  flush_posted_ = false;
  taken_output out;
  out.bytes.swap(outbox_);
  out.finished = finished_;
  out.slow = slow_;
  return out;
}

void exchange::on_connection_closed(const error_info& reason) {
  std::function<void(const error_info&)> cb;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (mode_ == mode::streaming && !finished_) cb = std::move(on_close_);
    on_drain_ = nullptr;
    on_close_ = nullptr;
  }
  if (cb) cb(reason);
}

void exchange::on_drained() {
  std::function<void()> cb;
  {
    std::lock_guard lock(mutex_);
    if (!slow_ || closed_) return;
    slow_ = false;
    cb = on_drain_;  // a copy: the callback may replace itself
  }
  if (cb) cb();
}

void exchange::release_callbacks() {
  std::function<void()> drain;
  std::function<void(const error_info&)> close;
  {
    std::lock_guard lock(mutex_);
    drain.swap(on_drain_);
    close.swap(on_close_);
  }
  // Destroyed here, outside the lock: their captures may hold the last handle of this exchange.
}

deferred_token::~deferred_token() {
  if (!ex || !ex->is_open()) return;
  (void)ex->complete(response::status_page(500, "the handler dropped its deferred response"),
                     /*lost=*/true);
}

stream_token::~stream_token() {
  if (ex) ex->abandon_stream();
}

}  // namespace detail

// --- the public handles -------------------------------------------------------------------

namespace {
constexpr const char* handle_source = "http_server";

template <typename T>
Result<T> detached(std::string_view what) {
  return error<T>(error_codes::invalid_state,
                  std::string(what) + ": this handle belongs to no connection", handle_source);
}
}  // namespace

VoidResult deferred_response::send(response answer) const {
  if (!token_) return error_void(error_codes::invalid_state,
                                 "deferred response: this handle belongs to no connection",
                                 handle_source);
  return token_->ex->complete(std::move(answer), /*lost=*/false);
}

bool deferred_response::is_open() const noexcept { return token_ && token_->ex->is_open(); }

http::request& deferred_response::request() const { return token_->ex->req; }

asio::io_context& deferred_response::context() const { return token_->ex->context(); }

Result<bool> response_stream::write(std::span<const std::uint8_t> data) const {
  if (!token_) return detached<bool>("response stream write");
  return token_->ex->write(data);
}

Result<bool> response_stream::write(std::string_view data) const {
  return write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()),
                                             data.size()));
}

VoidResult response_stream::finish(const protocol::http::http_fields& trailers) const {
  if (!token_) return error_void(error_codes::invalid_state,
                                 "response stream finish: this handle belongs to no connection",
                                 handle_source);
  return token_->ex->finish(trailers);
}

void response_stream::on_drain(std::function<void()> cb) const {
  if (token_) token_->ex->set_on_drain(std::move(cb));
}

void response_stream::on_close(std::function<void(const error_info&)> cb) const {
  if (token_) token_->ex->set_on_close(std::move(cb));
}

bool response_stream::is_open() const noexcept { return token_ && token_->ex->is_open(); }

asio::io_context& response_stream::context() const { return token_->ex->context(); }

// --- response's side ----------------------------------------------------------------------

deferred_response response::defer() {
  auto& ex = binding_.ex;
  if (!ex || ex->mode_ == detail::exchange::mode::streaming) return {};
  if (auto token = ex->deferred_handle_.lock()) return deferred_response(std::move(token));
  ex->mode_ = detail::exchange::mode::deferred;
  auto token = std::make_shared<detail::deferred_token>();  // in place: a temporary's
  token->ex = ex;                                             // destructor would answer 500
  ex->deferred_handle_ = token;
  return deferred_response(std::move(token));
}

response_stream response::stream(std::string_view content_type) {
  if (!content_type.empty()) set_header("Content-Type", content_type);
  auto& ex = binding_.ex;
  if (!ex || ex->mode_ == detail::exchange::mode::deferred) return {};
  if (auto token = ex->stream_handle_.lock()) return response_stream(std::move(token));
  ex->mode_ = detail::exchange::mode::streaming;
  auto token = std::make_shared<detail::stream_token>();
  token->ex = ex;
  ex->stream_handle_ = token;
  return response_stream(std::move(token));
}

bool response::is_deferred() const noexcept {
  return binding_.ex && binding_.ex->mode_ == detail::exchange::mode::deferred;
}

}  // namespace network_system::http
