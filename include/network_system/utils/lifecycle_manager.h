#pragma once
// lifecycle_manager: the start/stop/wait state of a server or client.
//
//   idle --try_start()--> running --prepare_stop()--> stopping --mark_stopped()--> idle
//
// wait_for_stop() blocks while the state is running or stopping and returns once
// mark_stopped() has been called (at once if never started). A component can be started
// again after it stopped.
//
// Thread-safety: every method may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace network_system::utils {

class lifecycle_manager {
 public:
  enum class state { idle, running, stopping };

  /// idle → running. False when already running or stopping.
  [[nodiscard]] bool try_start();
  /// running → stopping. False when not running (so only one caller performs the stop).
  [[nodiscard]] bool prepare_stop();
  /// running|stopping → idle; wakes every wait_for_stop().
  void mark_stopped();
  /// Back to idle after a start that failed (wakes waiters too).
  void abort_start() { mark_stopped(); }

  [[nodiscard]] bool is_running() const;
  [[nodiscard]] state current() const;

  /// Blocks until the component is stopped. Returns at once when it is not running.
  void wait_for_stop();
  /// As wait_for_stop(), at most `timeout`; true when stopped.
  template <typename Rep, typename Period>
  bool wait_for_stop_for(std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return state_ == state::idle; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  state state_ = state::idle;
};

}  // namespace network_system::utils
