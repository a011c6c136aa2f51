#include "network_system/core/io_context_pool.h"

#include <algorithm>

#include "core/detail/cpu_limit.h"

namespace network_system::core {

io_context_pool::io_context_pool(std::size_t threads) {
  if (threads == 0) threads = default_thread_count();
  contexts_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    // concurrency_hint 1: each context is run by exactly one thread, so Asio may skip locking.
    contexts_.push_back(std::make_shared<asio::io_context>(1));
  }
}

io_context_pool::~io_context_pool() {
  stop();
  wait_for_threads();
}

void io_context_pool::wait_for_threads() {
  if (running_in_pool_thread()) return;  // it would wait for itself
  for (int n = live_threads_->load(); n != 0; n = live_threads_->load()) live_threads_->wait(n);
}

void io_context_pool::start() {
  std::lock_guard lock(mutex_);
  if (running_.load()) return;
  // A thread detached by a stop() from inside a handler may still be finishing that handler
  // in run(); a new thread must not run the same context beside it. (From a pool thread there
  // is nothing to wait for but this very thread, which leaves run() after its handler.)
  wait_for_threads();
  guards_.clear();
  for (auto& ctx : contexts_) {
    ctx->restart();
    guards_.push_back(asio::make_work_guard(*ctx));
  }
  // Set before the threads exist: a handler that calls stop() from a new thread while this
  // still holds the mutex must see a pool that is starting, not one that is being stopped.
  running_.store(true);
  for (auto& ctx : contexts_) {
    // The thread owns references to its context and to the live count, so a thread that had
    // to be detached (stop() from inside a handler) never touches a destroyed pool.
    live_threads_->fetch_add(1);
    threads_.emplace_back([ctx, live = live_threads_] {
      ctx->run();
      // Stopped. Run what is still queued (aborted completions, posts to closed sessions) so
      // the references those handlers hold are released even by a thread stop() detached.
      ctx->restart();
      ctx->poll();
      live->fetch_sub(1);
      live->notify_all();
    });
  }
}

void io_context_pool::stop() {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (running_in_pool_thread()) {
    // Never block on the mutex from a pool thread: its holder may be a stop() joining this very
    // thread, or this thread itself (a handler run by stop()'s drain below). Either way that
    // stop() finishes the job; only a start() in progress is waited out.
    for (;;) {
      if (!running_.load()) return;
      if (lock.try_lock()) break;
      std::this_thread::yield();
    }
  } else {
    lock.lock();
  }
  if (!running_.exchange(false)) return;
  guards_.clear();
  for (auto& ctx : contexts_) ctx->stop();
  bool detached_self = false;
  for (auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
      detached_self = true;
    } else if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
  if (detached_self) return;
  // Handlers still queued (completions of closed sockets, posts to closed sessions) own
  // references to sessions; run them now so everything they hold is released.
  for (auto& ctx : contexts_) {
    ctx->restart();
    ctx->poll();
  }
}

std::size_t io_context_pool::default_thread_count() { return detail::process_cpu_limit(); }

std::shared_ptr<asio::io_context> io_context_pool::next() {
  return contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

std::shared_ptr<asio::io_context> io_context_pool::at(std::size_t index) const {
  return contexts_.at(index);
}

bool io_context_pool::running_in_pool_thread() const noexcept {
  return std::any_of(contexts_.begin(), contexts_.end(), [](const auto& ctx) {
    return ctx->get_executor().running_in_this_thread();
  });
}

}  // namespace network_system::core
