// stream_connection's read flow control: pause_receiving() / resume_receiving() and the
// pause_reader back-pressure share one set of pause reasons; reading runs while none holds.

// The class's own header first: Asio decides how it allocates (aligned_alloc or operator new)
// from macros a standard header defines, so an Asio header seen before any standard header
// would give this file another allocator than the rest (an ODR break ASan reports as an
// alloc-dealloc mismatch).
#include "network_system/connection/stream_connection.h"

#include <asio/post.hpp>

namespace network_system::connection {

void stream_connection::pause_receiving() {
  user_paused_.store(true, std::memory_order_relaxed);
  if (on_owner_thread()) {
    add_pause(by_user);  // at once: the read loop stops before the next message
    return;
  }
  asio::post(*context_, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (self && self->user_paused_.load(std::memory_order_relaxed)) self->add_pause(by_user);
  });
}

void stream_connection::resume_receiving() {
  user_paused_.store(false, std::memory_order_relaxed);
  if (on_owner_thread()) {
    remove_pause(by_user);
    return;
  }
  asio::post(*context_, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (self && !self->user_paused_.load(std::memory_order_relaxed)) self->remove_pause(by_user);
  });
}

void stream_connection::set_inbox_paused(bool paused) {
  inbox_paused_.store(paused, std::memory_order_relaxed);
  auto apply = [this] {
    // The latest wish wins, whichever order the posts from several threads run in.
    if (inbox_paused_.load(std::memory_order_relaxed)) {
      add_pause(by_inbox);
    } else {
      remove_pause(by_inbox);
    }
  };
  if (on_owner_thread()) {
    apply();
    return;
  }
  asio::post(*context_, [weak = weak_from_this(), apply] {
    if (auto self = weak.lock()) apply();
  });
}

void stream_connection::add_pause(std::uint8_t reason) {
  if ((paused_ & reason) != 0) return;
  if (paused_ == 0) read_pauses_.store(read_pauses_.load(std::memory_order_relaxed) + 1,
                                       std::memory_order_relaxed);
  paused_ |= reason;
  update_deliver();
  // A read wait already armed stays armed: when it fires, run_reads() reads nothing while
  // paused (cancelling it would cancel the socket's write wait too).
}

void stream_connection::remove_pause(std::uint8_t reason) {
  if ((paused_ & reason) == 0) return;
  paused_ &= static_cast<std::uint8_t>(~reason);
  update_deliver();
  if (paused_ != 0 || state_.load() != connection_state::connected) return;
  // Not inline: the caller may be a callback of this connection, or its write loop. What a
  // pause held back is delivered first, even if the socket has nothing new to announce.
  asio::post(*context_, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (self && self->paused_ == 0 && self->state_.load() == connection_state::connected) {
      self->run_reads();
    }
  });
}

void stream_connection::update_deliver() noexcept {
  deliver_ = paused_ == 0 && !next_protocol_ &&
             state_.load(std::memory_order_relaxed) == connection_state::connected;
}

}  // namespace network_system::connection
