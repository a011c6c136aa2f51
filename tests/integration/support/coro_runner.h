#pragma once
// coro_runner: one io_context on its own thread for the tests' coroutines, and a bounded
// "run this awaitable to completion" (a coroutine that does not finish within long_wait fails
// the test instead of hanging it).

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include "integration/support/test_support.h"

namespace integration {

class coro_runner {
 public:
  coro_runner() : guard_(asio::make_work_guard(ctx_)), thread_([this] { ctx_.run(); }) {}
  ~coro_runner() {
    // Let run() end by itself once nothing is pending (a completion posted from a library
    // thread is then fully posted); stop it only if a coroutine never finishes.
    guard_.reset();
    wait_until([this] { return ctx_.stopped(); });
    ctx_.stop();
    thread_.join();
  }
  coro_runner(const coro_runner&) = delete;
  coro_runner& operator=(const coro_runner&) = delete;

  asio::io_context& context() noexcept { return ctx_; }

  /// Runs `a` on this runner's thread and returns its value; throws if it takes longer than
  /// `timeout` (the test then fails with that message).
  template <typename T>
  T run(asio::awaitable<T> a, std::chrono::milliseconds timeout = long_wait) {
    auto f = spawn(std::move(a));
    if (!f.ready(timeout)) throw std::runtime_error("coroutine did not finish in time");
    return f.get();
  }

  /// A coroutine started by spawn(). (co_spawn's use_future needs a default-constructible
  /// value, which Result is not: the value travels in an optional.)
  template <typename T>
  class spawned {
   public:
    explicit spawned(std::future<std::optional<T>> f) : f_(std::move(f)) {}
    [[nodiscard]] bool ready(std::chrono::milliseconds timeout = long_wait) {
      return f_.wait_for(timeout) == std::future_status::ready;
    }
    T get() { return std::move(*f_.get()); }

   private:
    std::future<std::optional<T>> f_;
  };

  /// Starts `a` without waiting.
  template <typename T>
  spawned<T> spawn(asio::awaitable<T> a) {
    return spawned<T>(asio::co_spawn(ctx_, wrap(std::move(a)), asio::use_future));
  }

 private:
  template <typename T>
  static asio::awaitable<std::optional<T>> wrap(asio::awaitable<T> a) {
    co_return std::optional<T>(co_await std::move(a));
  }

  asio::io_context ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

/// Waits for a spawned coroutine within `timeout`; false on timeout.
template <typename T>
bool ready_in_time(coro_runner::spawned<T>& f, std::chrono::milliseconds timeout = long_wait) {
  return f.ready(timeout);
}

}  // namespace integration
