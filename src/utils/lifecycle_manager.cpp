#include "network_system/utils/lifecycle_manager.h"

namespace network_system::utils {

bool lifecycle_manager::try_start() {
  std::lock_guard lock(mutex_);
  if (state_ != state::idle) return false;
  state_ = state::running;
  return true;
}

bool lifecycle_manager::prepare_stop() {
  std::lock_guard lock(mutex_);
  if (state_ != state::running) return false;
  state_ = state::stopping;
  return true;
}

void lifecycle_manager::mark_stopped() {
  {
    std::lock_guard lock(mutex_);
    state_ = state::idle;
  }
  cv_.notify_all();
}

bool lifecycle_manager::is_running() const {
  std::lock_guard lock(mutex_);
  return state_ == state::running;
}

lifecycle_manager::state lifecycle_manager::current() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void lifecycle_manager::wait_for_stop() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return state_ == state::idle; });
}

}  // namespace network_system::utils
