#pragma once
// session_async_state: what a session needs for its awaitable forms: the pull-mode inbox and
// the async_send calls waiting for room below the high-water mark.
//
// The owner (server_core / client_core, as the session's handler) calls deliver() for every
// message, on_drained() on the drain and on_closed() when the session closes or is abandoned.
// Those run on the session's thread; send() and the inbox may be used from any thread.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "network_system/core/detail/completion.h"
#include "network_system/core/result.h"
#include "utils/detail/message_inbox.h"

namespace network_system::session {
class messaging_session;
}

namespace network_system::session::detail {

class session_async_state {
 public:
  using inbox_type = utils::detail::message_inbox<std::vector<std::uint8_t>>;

  explicit session_async_state(utils::detail::inbox_limits limits);

  /// The session's messages once it is in pull mode.
  const std::shared_ptr<inbox_type> inbox;

  /// Owner thread: true when the message went to the inbox (pull mode), false when the
  /// receive callback should have it.
  bool deliver(std::span<const std::uint8_t> data) {
    if (!inbox->pull_mode()) return false;
    inbox->push(std::vector<std::uint8_t>(data.begin(), data.end()));
    return true;
  }

  /// Any thread: send_packet now, or wait in line for the drain when the queue is full.
  void send(messaging_session& s, std::vector<std::uint8_t>&& data,
            core::detail::completion<VoidResult> done);
  /// Owner thread: the send queue drained; retry the waiting sends in order.
  void on_drained(messaging_session& s);
  /// Owner thread: completes the waiting sends and receives with `reason`.
  void on_closed(const error_info& reason);

 private:
  struct waiting_send {
    std::uint64_t id = 0;
    std::vector<std::uint8_t> data;
    core::detail::completion<VoidResult> done;
    std::shared_ptr<std::atomic<bool>> canceled;  // set by the cancellation handler
  };
  void send_on_owner(messaging_session& s, waiting_send&& w);
  void wait(waiting_send&& w);
  void cancel_send(std::uint64_t id);
  // Owner thread: sends waiting messages while the queue takes them.
  void retry(messaging_session& s);

  std::mutex mutex_;
  std::deque<waiting_send> waiting_;
  bool retrying_ = false;  // retry() holds the front message outside the lock
  std::uint64_t next_id_ = 0;
  std::optional<error_info> closed_;
};

}  // namespace network_system::session::detail
