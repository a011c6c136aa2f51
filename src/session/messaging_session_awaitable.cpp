// messaging_session: the awaitable forms (async_receive, async_send) and their state.
// Kept out of messaging_session.cpp and session_io.cpp: the driver loop knows nothing of them;
// the owner routes messages, drains and closes through session_async_state.

#include <atomic>

#include <asio/post.hpp>

#include "network_system/core/error_codes.h"
#include "network_system/session/messaging_session.h"
#include "session/detail/session_async_state.h"

namespace network_system::session {

namespace detail {

async_state_slot::~async_state_slot() { delete ptr.load(std::memory_order_acquire); }

session_async_state::session_async_state(utils::detail::inbox_limits limits)
    : inbox(std::make_shared<inbox_type>("messaging_session", limits)) {}

namespace {
VoidResult canceled_send() {
  return error_void(error_codes::operation_canceled,
                    "send: canceled while waiting for room in the send queue",
                    "messaging_session");
}
}  // namespace

void session_async_state::send(messaging_session& s, std::vector<std::uint8_t>&& data,
                               core::detail::completion<VoidResult> done) {
  waiting_send w{0, std::move(data), std::move(done), std::make_shared<std::atomic<bool>>(false)};
  {
    std::lock_guard lock(mutex_);
    w.id = ++next_id_;
  }
  // The cancellation handler is installed here, on the initiating thread, which is where Asio
  // emits the signal. A cancel that comes before the send waits is remembered in the flag.
  if (auto slot = w.done.cancellation_slot(); slot.is_connected()) {
    slot.assign([weak = std::weak_ptr<messaging_session>(s.shared_from_this()), id = w.id,
                 flag = w.canceled](asio::cancellation_type) {
      flag->store(true, std::memory_order_release);
      if (auto self = weak.lock()) {
        if (auto* st = self->async_state_if_any()) st->cancel_send(id);
      }
    });
  }
  // Every queuing attempt of async_send runs on the session's thread: the session keeps the
  // order of sends per thread only, and the retries after a drain run there.
  if (!s.context().get_executor().running_in_this_thread()) {
    if (s.state() == session_state::disconnected) {  // its thread may be gone with its pool
      w.done.complete(s.send_packet(std::move(w.data)));
      return;
    }
    asio::post(s.context(), [self = s.shared_from_this(), w = std::move(w)]() mutable {
      self->async_state().send_on_owner(*self, std::move(w));
    });
    return;
  }
  send_on_owner(s, std::move(w));
}

void session_async_state::send_on_owner(messaging_session& s, waiting_send&& w) {
  bool in_line = false;
  {
    std::lock_guard lock(mutex_);
    in_line = retrying_ || !waiting_.empty();
  }
  if (in_line) {
    // Behind sends already waiting, so that one sender's messages keep their order.
    wait(std::move(w));
    return;
  }
  auto r = s.send_packet(std::move(w.data));  // on send_queue_full the data is left untouched
  if (r.is_ok() || r.error().code != error_codes::send_queue_full) {
    w.done.complete(std::move(r));
    return;
  }
  wait(std::move(w));
}

void session_async_state::wait(waiting_send&& w) {
  std::lock_guard lock(mutex_);
  if (closed_) {
    w.done.complete(VoidResult(*closed_));
  } else if (w.canceled->load(std::memory_order_acquire)) {
    w.done.complete(canceled_send());
  } else {
    // On the session's thread, in the handler that saw the refusal: the drain that retries
    // it cannot have come in between.
    waiting_.push_back(std::move(w));
  }
}

void session_async_state::cancel_send(std::uint64_t id) {
  core::detail::completion<VoidResult> done;
  {
    std::lock_guard lock(mutex_);
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      if (it->id == id) {
        done = std::move(it->done);
        waiting_.erase(it);
        break;
      }
    }
  }
  if (done) done.complete(canceled_send());
}

void session_async_state::retry(messaging_session& s) {
  for (;;) {
    waiting_send w;
    {
      std::lock_guard lock(mutex_);
      if (waiting_.empty() || retrying_) return;
      w = std::move(waiting_.front());
      waiting_.pop_front();
      retrying_ = true;
    }
    auto r = s.send_packet(std::move(w.data));
    std::lock_guard lock(mutex_);
    retrying_ = false;
    if (!r.is_ok() && r.error().code == error_codes::send_queue_full && !closed_) {
      if (w.canceled->load(std::memory_order_acquire)) {
        w.done.complete(canceled_send());  // canceled while it was being retried
        continue;
      }
      waiting_.push_front(std::move(w));  // still full: the next drain retries
      return;
    }
    // Completion is posted, so completing under the lock runs nothing of the caller's here.
    w.done.complete(std::move(r));
  }
}

void session_async_state::on_drained(messaging_session& s) { retry(s); }

void session_async_state::on_closed(const error_info& reason) {
  std::deque<waiting_send> waiting;
  {
    std::lock_guard lock(mutex_);
    if (!closed_) closed_ = reason;
    waiting.swap(waiting_);
  }
  for (auto& w : waiting) w.done.complete(VoidResult(reason));
  inbox->close(reason);
}

}  // namespace detail

detail::session_async_state& messaging_session::async_state() {
  if (auto* p = async_state_.ptr.load(std::memory_order_acquire)) return *p;
  const auto& q = settings().send_queue;
  auto fresh = std::make_unique<detail::session_async_state>(
      utils::detail::inbox_limits{q.high_water, q.low_water, 0});
  // Above send_queue.high_water bytes waiting in the inbox the session stops reading (its
  // peer's window closes: nothing is lost); below low_water it reads again.
  fresh->inbox->set_flow_control([weak = weak_from_this()](bool pause) {
    if (auto s = weak.lock()) s->set_inbox_paused(pause);
  });
  detail::session_async_state* expected = nullptr;
  if (async_state_.ptr.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) {
    return *fresh.release();
  }
  return *expected;  // another thread created it first
}

void messaging_session::start_receive(
    core::detail::completion<Result<std::vector<std::uint8_t>>> done,
    std::optional<std::chrono::milliseconds> timeout) {
  async_state().inbox->async_pop(std::move(done), timeout, context().get_executor());
}

void messaging_session::start_send(std::vector<std::uint8_t>&& data,
                                   core::detail::completion<VoidResult> done) {
  async_state().send(*this, std::move(data), std::move(done));
}

}  // namespace network_system::session
