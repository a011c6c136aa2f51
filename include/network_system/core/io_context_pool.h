#pragma once
// io_context_pool: N threads, one asio::io_context each (SPEC §5). A session is bound to one
// io_context for its whole life, so its state is only touched by that context's thread.
//
// A server or client creates its own pool unless it is given one to share
// (server_config::pool / client_config::pool).
//
// Thread-safety: every method may be called from any thread, except that stop() and the
// destructor called from one of the pool's own threads cannot join that thread: it is detached
// and finishes its current handler on its own (it holds its io_context alive).

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>

namespace network_system::core {

class io_context_pool {
 public:
  /// `threads` = 0 means default_thread_count().
  explicit io_context_pool(std::size_t threads = 0);
  /// Stops and joins (see the class comment for calls from a pool thread).
  ~io_context_pool();

  io_context_pool(const io_context_pool&) = delete;
  io_context_pool& operator=(const io_context_pool&) = delete;

  /// Starts the threads. Idempotent; a stopped pool can be started again.
  void start();
  /// Stops every io_context, joins the threads, then runs what is still queued to completion
  /// on the calling thread so that pending handlers release what they hold. Idempotent.
  void stop();
  [[nodiscard]] bool is_running() const noexcept { return running_.load(); }
  /// Blocks until every thread has left run() and drained its context, including a thread
  /// that a stop() from inside a handler detached. Returns at once on a pool thread.
  void wait_for_threads();

  /// The next io_context, round-robin (how servers spread sessions).
  [[nodiscard]] std::shared_ptr<asio::io_context> next();
  /// The io_context at `index` (< size()).
  [[nodiscard]] std::shared_ptr<asio::io_context> at(std::size_t index) const;
  [[nodiscard]] std::size_t size() const noexcept { return contexts_.size(); }

  /// The default number of threads: the CPUs the calling thread may run on, that is the CPUs
  /// in its affinity mask (sched_getaffinity: `taskset -c 0` gives 1) capped by the CPU quota of
  /// the process's cgroup (v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, the
  /// strictest of its cgroup and their ancestors; quota / period rounded up), at least 1.
  /// std::thread::hardware_concurrency() only when the mask cannot be read. Read afresh on each
  /// call (a few small files in /proc and the cgroup file system). Any thread.
  [[nodiscard]] static std::size_t default_thread_count();

  /// True on one of this pool's threads.
  [[nodiscard]] bool running_in_pool_thread() const noexcept;

 private:
  using work_guard = asio::executor_work_guard<asio::io_context::executor_type>;

  std::vector<std::shared_ptr<asio::io_context>> contexts_;
  std::vector<work_guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> running_{false};
  // Threads still inside run(), detached ones included.
  std::shared_ptr<std::atomic<int>> live_threads_ = std::make_shared<std::atomic<int>>(0);
  std::mutex mutex_;  // start/stop
};

}  // namespace network_system::core
