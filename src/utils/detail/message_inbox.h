#pragma once
// message_inbox<Item>: the messages of one connection in pull mode (async_receive), in order,
// with the receives waiting for them. Used by TCP/TLS sessions, the UDP cores and the facades.
//
// Rules (see "Callbacks and pull mode" in messaging_session.h):
//   - enter_pull_mode() is called by the first receive; from then on the owner delivers every
//     message here (deliver() returns true) instead of to its receive callback.
//   - A message goes to the oldest waiting receive, or is queued; a receive takes the oldest
//     queued message, or waits. Each message is handed out once.
//   - A canceled or timed-out receive takes nothing: the message stays for the next receive.
//   - close(reason): waiting receives complete with `reason`; later receives first take what
//     is still queued, then complete with `reason`. reopen() (a restarted UDP socket) clears it.
//   - Bounded: above `high` queued bytes the flow-control hook is called with true (pause
//     reading), at or below `low` with false (resume). With `drop_above` set, a message that
//     would bring the queue above it is refused instead (UDP, which cannot pause its peer).
//
// Thread-safety: every method may be called from any thread; one mutex guards the state.
// Completions are posted to the receiver's executor, never run under the lock. The flow-control
// hook runs outside the lock on the thread that crossed the mark.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "network_system/core/detail/completion.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/result.h"

namespace network_system::utils::detail {

/// Payload bytes of a message (what the bound counts).
inline std::size_t inbox_item_size(const std::vector<std::uint8_t>& v) noexcept {
  return v.size();
}

struct inbox_limits {
  std::size_t high = 4u * 1024u * 1024u;  ///< pause reading above this many queued bytes
  std::size_t low = 1024u * 1024u;        ///< resume at or below this
  std::size_t drop_above = 0;             ///< 0: never drop; otherwise refuse above it
};

template <typename Item>
class message_inbox : public std::enable_shared_from_this<message_inbox<Item>> {
 public:
  using result_type = Result<Item>;
  using completion_type = core::detail::completion<result_type>;
  using flow_control_hook = std::function<void(bool pause)>;

  /// `source` names the owner in error messages ("messaging_session").
  explicit message_inbox(std::string source, inbox_limits limits = {})
      : source_(std::move(source)), limits_(limits) {}

  /// The single hook through which a bounded inbox asks its connection to stop / resume
  /// reading. Set before messages flow (it is read under the lock, called outside it).
  void set_flow_control(flow_control_hook hook) {
    std::lock_guard lock(mutex_);
    flow_ = std::move(hook);
  }

  void enter_pull_mode() noexcept { pull_.store(true, std::memory_order_release); }
  [[nodiscard]] bool pull_mode() const noexcept { return pull_.load(std::memory_order_acquire); }

  /// The owner's message path: false (nothing taken) outside pull mode. In pull mode the
  /// message is handed to a waiting receive or queued; true, also when dropped by drop_above.
  bool deliver(Item&& item) {
    if (!pull_mode()) return false;
    push(std::move(item));
    return true;
  }

  /// Hands `item` to the oldest waiting receive, or queues it. False when refused
  /// (drop_above) or closed.
  bool push(Item&& item) {
    completion_type taker;
    std::optional<std::shared_ptr<asio::steady_timer>> timer;
    flow_control_hook pause;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      if (!waiters_.empty()) {
        auto w = std::move(waiters_.front());
        waiters_.pop_front();
        taker = std::move(w.done);
        timer = std::move(w.timer);
      } else {
        const std::size_t size = inbox_item_size(item);
        if (limits_.drop_above != 0 && bytes_ > 0 && bytes_ + size > limits_.drop_above) {
          ++dropped_;
          return false;
        }
        bytes_ += size;
        queue_.push_back(std::move(item));
        if (!paused_ && bytes_ > limits_.high && flow_) {
          paused_ = true;
          pause = flow_;
        }
      }
    }
    if (taker) {
      cancel_timer(timer);
      taker.complete(result_type(std::move(item)));
    }
    if (pause) pause(true);
    return true;
  }

  /// Starts one receive. With a timeout, `timer_executor` runs its timer and the receive
  /// completes with connection_timeout when nothing came in time. Cancellation (any type)
  /// through the completion's slot completes it with operation_canceled; neither takes a
  /// message.
  void async_pop(completion_type done, std::optional<std::chrono::milliseconds> timeout = {},
                 const asio::any_io_executor& timer_executor = {}) {
    enter_pull_mode();
    std::optional<result_type> now;
    flow_control_hook resume;
    {
      std::lock_guard lock(mutex_);
      if (!queue_.empty()) {
        bytes_ -= inbox_item_size(queue_.front());
        now.emplace(std::move(queue_.front()));
        queue_.pop_front();
        if (paused_ && bytes_ <= limits_.low) {
          paused_ = false;
          resume = flow_;
        }
      } else if (closed_) {
        now.emplace(*closed_);
      } else {
        const std::uint64_t id = ++next_id_;
        auto slot = done.cancellation_slot();
        if (slot.is_connected()) {
          slot.assign([weak = this->weak_from_this(), id](asio::cancellation_type) {
            if (auto self = weak.lock()) {
              self->abandon(id, error_codes::operation_canceled, "canceled");
            }
          });
        }
        waiter w{id, std::move(done), std::nullopt};
        if (timeout && timer_executor) {
          auto t = std::make_shared<asio::steady_timer>(timer_executor, *timeout);
          t->async_wait([weak = this->weak_from_this(), id, ms = timeout->count()](
                            const std::error_code& ec) {
            if (ec) return;
            if (auto self = weak.lock()) {
              self->abandon(id, error_codes::connection_timeout,
                            "nothing received within " + std::to_string(ms) + " ms");
            }
          });
          w.timer = std::move(t);
        }
        waiters_.push_back(std::move(w));
        return;
      }
    }
    done.complete(std::move(*now));
    if (resume) resume(false);
  }

  /// Completes every waiting receive, and every later one once the queue is empty, with
  /// `reason`. The first reason sticks.
  void close(const error_info& reason) {
    std::deque<waiter> waiting;
    {
      std::lock_guard lock(mutex_);
      if (!closed_) closed_ = reason;
      waiting.swap(waiters_);
    }
    for (auto& w : waiting) {
      cancel_timer(w.timer);
      w.done.complete(result_type(reason));
    }
  }

  /// Accepts messages again after close() (a restarted socket). Queued messages stay.
  void reopen() {
    std::lock_guard lock(mutex_);
    closed_.reset();
  }

  [[nodiscard]] std::size_t queued_bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  [[nodiscard]] std::size_t queued_messages() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  [[nodiscard]] std::size_t waiting_receives() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
  }
  [[nodiscard]] std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  struct waiter {
    std::uint64_t id;
    completion_type done;
    std::optional<std::shared_ptr<asio::steady_timer>> timer;
  };

  // A canceled or timed-out receive: completes it with `code` if it still waits (a message
  // may have reached it first, then the message wins and this does nothing).
  void abandon(std::uint64_t id, int code, const std::string& why) {
    completion_type done;
    std::optional<std::shared_ptr<asio::steady_timer>> timer;
    {
      std::lock_guard lock(mutex_);
      for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
        if (it->id == id) {
          done = std::move(it->done);
          timer = std::move(it->timer);
          waiters_.erase(it);
          break;
        }
      }
    }
    if (!done) return;
    if (code != error_codes::connection_timeout) cancel_timer(timer);
    done.complete(result_type(error_info{code, "receive: " + why, source_, {}}));
  }

  // On the timer's own thread: Asio timers are not safe to touch from two threads at once.
  static void cancel_timer(std::optional<std::shared_ptr<asio::steady_timer>>& timer) {
    if (!timer || !*timer) return;
    auto t = std::move(*timer);
    asio::post(t->get_executor(), [t] { t->cancel(); });
  }

  const std::string source_;
  const inbox_limits limits_;
  std::atomic<bool> pull_{false};
  mutable std::mutex mutex_;
  std::deque<Item> queue_;
  std::size_t bytes_ = 0;
  bool paused_ = false;
  std::deque<waiter> waiters_;
  std::uint64_t next_id_ = 0;
  std::uint64_t dropped_ = 0;
  std::optional<error_info> closed_;
  flow_control_hook flow_;
};

}  // namespace network_system::utils::detail
