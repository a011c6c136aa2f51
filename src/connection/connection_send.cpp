// stream_connection's send side: admission against the send-queue limits, the hand-off of
// sends made on other threads, and the pause_reader back-pressure (connection_options.h).

#include <algorithm>

#include <asio/post.hpp>

#include "connection/detail/connection_handler.h"
#include "connection/detail/write_queue.h"
#include "network_system/connection/stream_connection.h"
#include "network_system/core/error_codes.h"

namespace network_system::connection {

namespace {
constexpr const char* source = "messaging_session";

// What a send returns when admit() did not let the message in: its error, or ok() for a
// message dropped by overflow_policy::drop.
VoidResult admitted(const Result<bool>& a) {
  if (a.is_err()) return VoidResult(a.error());
  return ok();
}
}  // namespace

bool stream_connection::closed_or_closing() const noexcept {
  const auto st = state_.load(std::memory_order_acquire);
  return st == connection_state::disconnecting || st == connection_state::disconnected;
}

bool stream_connection::admit_fast(std::size_t wire) noexcept {
  if (state_.load(std::memory_order_acquire) != connection_state::connected || !on_owner_thread()) {
    return false;
  }
  const std::size_t owned = owner_queued_.load(std::memory_order_relaxed);
  if (owned + foreign_queued_.load(std::memory_order_relaxed) + wire >=
      settings_->send_queue.high_water) {
    return false;  // admit() decides and records hitting the mark
  }
  owner_queued_.store(owned + wire, std::memory_order_relaxed);
  return true;
}

VoidResult stream_connection::queue_owned(const wire_head& head,
                                          std::vector<std::uint8_t>&& payload) {
  const std::size_t wire = head.size + payload.size() + suffix_bytes_;
  if (admit_fast(wire)) {
    write_queue_->push_owned(head, std::move(payload));
    schedule_flush();
    return ok();
  }
  const bool owner = on_owner_thread();
  if (auto a = admit(wire, owner); !a.is_ok() || !a.value()) return admitted(a);
  if (owner) {
    write_queue_->push_owned(head, std::move(payload));
    schedule_flush();
    return ok();
  }
  return enqueue(pending_message{head, std::move(payload), {}});
}

VoidResult stream_connection::queue_copy(const wire_head& head,
                                         std::span<const std::uint8_t> payload) {
  const std::size_t wire = head.size + payload.size() + suffix_bytes_;
  if (admit_fast(wire)) {
    // An echo or a forward of bytes this connection just read: referenced, not copied (the
    // read loop writes them before it reads again).
    if (read_region_.empty() || !write_queue_->push_borrowed(head, payload, read_region_)) {
      write_queue_->push_copy(head, payload);
    }
    schedule_flush();
    return ok();
  }
  const bool owner = on_owner_thread();
  if (auto a = admit(wire, owner); !a.is_ok() || !a.value()) return admitted(a);
  if (owner) {
    // The bytes must be copied once anyway: copy them framed into the contiguous buffer.
    write_queue_->push_copy(head, payload);
    schedule_flush();
    return ok();
  }
  return enqueue(pending_message{head, {payload.begin(), payload.end()}, {}});
}

VoidResult stream_connection::queue_framed(std::span<const std::uint8_t> wire,
                                           std::size_t messages, std::size_t payload_bytes) {
  if (!admit_fast(wire.size())) {
    if (!on_owner_thread()) {
      return error_void(error_codes::invalid_state,
                        "send to " + remote_endpoint() +
                            ": framed bytes are queued only from the session's thread",
                        source);
    }
    if (auto a = admit(wire.size(), true); !a.is_ok() || !a.value()) return admitted(a);
  }
  write_queue_->push_framed(wire, messages, payload_bytes, read_region_);
  schedule_flush();
  return ok();
}

VoidResult stream_connection::queue_shared(const wire_head& head, payload_ptr payload) {
  const std::size_t wire = head.size + payload->size() + suffix_bytes_;
  const bool owner = on_owner_thread();
  if (auto a = admit(wire, owner); !a.is_ok() || !a.value()) return admitted(a);
  if (owner) {
    write_queue_->push_shared(head, std::move(payload));
    schedule_flush();
    return ok();
  }
  return enqueue(pending_message{head, {}, std::move(payload)});
}

Result<bool> stream_connection::admit(std::size_t wire, bool owner) {
  if (closed_or_closing()) {
    return error<bool>(error_codes::not_connected,
                       "send to " + remote_endpoint() + ": the session is closed", source);
  }
  const auto& limits = settings_->send_queue;
  // Racing senders may overshoot the mark by at most one message each; the bound still holds.
  const std::size_t queued = queued_bytes();
  const bool over = queued > 0 && queued + wire > limits.high_water;
  const bool held = over && limits.policy == overflow_policy::pause_reader &&
                    queued + wire <= std::max(limits.hard_limit, limits.high_water) &&
                    hold_reader_of_this_thread();
  if (over && !held) {
    hit_high_water_.store(true, std::memory_order_relaxed);
    messages_dropped_.fetch_add(1, std::memory_order_relaxed);
    if (limits.policy == overflow_policy::drop) return false;
    auto err = error_info{error_codes::send_queue_full,
                          "send to " + remote_endpoint() + ": " + std::to_string(queued) +
                              " bytes already queued (high-water mark " +
                              std::to_string(limits.high_water) + ")",
                          source, {}};
    if (limits.policy == overflow_policy::close) post_close(err);
    return Result<bool>(std::move(err));
  }
  if (owner) {
    owner_queued_.store(owner_queued_.load(std::memory_order_relaxed) + wire,
                        std::memory_order_relaxed);
  } else {
    foreign_queued_.fetch_add(wire, std::memory_order_relaxed);
  }
  if (queued + wire >= limits.high_water) hit_high_water_.store(true, std::memory_order_relaxed);
  return true;
}

bool stream_connection::watch_drain() {
  // Under the lock after_written() takes to clear the flag: either it sees the flag set here,
  // or this sees the queue it drained.
  std::lock_guard lock(pending_mutex_);
  if (queued_bytes() <= settings_->send_queue.low_water) return false;
  hit_high_water_.store(true, std::memory_order_relaxed);
  return true;
}

VoidResult stream_connection::enqueue(pending_message&& msg) {
  {
    std::lock_guard lock(pending_mutex_);
    pending_.push_back(std::move(msg));
  }
  if (!pending_posted_.exchange(true, std::memory_order_acq_rel)) {
    // A weak reference: a post that outlives its pool must not keep the connection (and
    // through it the io_context) alive in a cycle.
    asio::post(*context_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->take_pending();
        self->do_write();
      }
    });
  }
  return ok();
}

void stream_connection::take_pending() {
  pending_posted_.store(false, std::memory_order_release);
  std::vector<pending_message> taken;
  {
    std::lock_guard lock(pending_mutex_);
    taken.swap(pending_);
  }
  if (state_.load() == connection_state::disconnected) return;
  std::size_t wire = 0;
  for (const auto& m : taken) {
    wire += m.head.size + (m.shared ? m.shared->size() : m.owned.size()) + suffix_bytes_;
  }
  foreign_queued_.fetch_sub(wire, std::memory_order_relaxed);
  owner_queued_.store(owner_queued_.load(std::memory_order_relaxed) + wire,
                      std::memory_order_relaxed);
  for (auto& m : taken) {
    if (m.shared) {
      write_queue_->push_shared(m.head, std::move(m.shared));
    } else {
      write_queue_->push_owned(m.head, std::move(m.owned));
    }
  }
}

void stream_connection::schedule_flush() {
  // Inside the read loop the flush happens once at its end; while waiting for writability the
  // wait's completion flushes. Otherwise gather everything sent in this turn into one write.
  if (in_read_handler_ || write_armed_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(*context_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->flush_posted_ = false;
      self->do_write();
    }
  });
}

// --- pause_reader --------------------------------------------------------------------------
// The reader is the connection whose receive callback runs on this thread (it made the send).
// It registers once per full queue, under pending_mutex_, which also orders the registration
// against this queue's drain (release_held_readers) and its close: a reader is either seen by
// the release or sees the queue already drained or closed, so it can never wait forever.

bool stream_connection::hold_reader_of_this_thread() {
  stream_connection* reader = delivering_on_this_thread();
  if (reader == nullptr) return false;  // not inside a receive callback: nobody to pause
  bool newly_held = false;
  {
    std::lock_guard lock(pending_mutex_);
    if (state_.load() == connection_state::disconnected) return true;  // discarded anyway
    hit_high_water_.store(true, std::memory_order_relaxed);
    const auto known = std::find_if(held_readers_.begin(), held_readers_.end(),
                                    [reader](const std::weak_ptr<stream_connection>& w) {
                                      return w.lock().get() == reader;
                                    });
    if (known == held_readers_.end()) {
      held_readers_.push_back(reader->weak_from_this());
      newly_held = true;
    }
  }
  if (newly_held) {
    ++reader->back_pressure_holds_;  // on the reader's own thread: it is delivering here
    reader->add_pause(by_back_pressure);
  }
  return true;
}

void stream_connection::release_held_readers() {
  std::vector<std::weak_ptr<stream_connection>> readers;
  {
    std::lock_guard lock(pending_mutex_);
    readers.swap(held_readers_);
  }
  for (auto& w : readers) {
    auto reader = w.lock();
    if (!reader) continue;
    // Always through the reader's queue: it may be this connection, inside its write.
    asio::post(reader->context(), [w] {
      auto reader = w.lock();
      if (!reader) return;
      if (reader->back_pressure_holds_ > 0 && --reader->back_pressure_holds_ == 0) {
        reader->remove_pause(by_back_pressure);
      }
    });
  }
}

}  // namespace network_system::connection
